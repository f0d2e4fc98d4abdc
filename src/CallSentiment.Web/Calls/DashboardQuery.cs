using System.Globalization;

namespace CallSentiment.Web.Calls;

/// <summary>The dashboard's query values as they come from a URL (the page and the JSON API take the same ones).</summary>
public sealed record DashboardQueryInput(string? Agent, string? From, string? FromTime, string? To, string? ToTime, string? Negative = null,
    string? Customer = null, string? AgentTone = null, string? Sort = null, string? Dir = null, string? Page = null, string? Category = null);

/// <summary>A checked dashboard query: the call filter, its range in the dashboard's zone, sorting and the page wanted.</summary>
public sealed record DashboardQuery(CallFilter Filter, ResolvedRange Range, CallSort Sort, bool Descending, int Page)
{
    public static readonly string[] Sentiments = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"];

    /// <summary>
    /// Checks every value and collects every problem as (field, message) for a form or a validation problem; null when
    /// there is any. Employees are looked up by name among <paramref name="agents"/>.
    /// </summary>
    public static DashboardQuery? Parse(DashboardQueryInput input, IReadOnlyList<AgentRow> agents, DashboardOptions options, DateTimeOffset now,
        ICollection<(string Field, string Message)> errors, IReadOnlyList<(long Id, string Name)>? categories = null)
    {
        long? agentId = null;
        if (!string.IsNullOrEmpty(input.Agent))
        {
            var agent = agents.FirstOrDefault(a => string.Equals(a.Name, input.Agent, StringComparison.Ordinal));
            if (agent is null) errors.Add(("agent", $"There is no employee '{input.Agent}'."));
            else agentId = agent.Id;
        }
        long? categoryId = null;
        if (!string.IsNullOrEmpty(input.Category))
        {
            var category = (categories ?? []).FirstOrDefault(k => string.Equals(k.Name, input.Category, StringComparison.Ordinal));
            if (category.Name is null) errors.Add(("category", $"There is no category '{input.Category}'."));
            else categoryId = category.Id;
        }
        var negativeOnly = input.Negative switch
        {
            null or "" or "false" => false,
            "true" or "on" => true,
            _ => Error("negative", "The negative-calls filter must be true or false.", false),
        };
        var customer = Side(input.Customer, "customer", "What the customer felt");
        var agentTone = Side(input.AgentTone, "agentTone", "How the agent came across");
        var sort = input.Sort switch
        {
            null or "" or "time" => CallSort.Time,
            "agent" => CallSort.Agent,
            "duration" => CallSort.Duration,
            "verdict" => CallSort.Verdict,
            "confidence" => CallSort.Confidence,
            "emotion" => CallSort.Emotion,
            _ => Error("sort", $"Cannot sort by '{input.Sort}'.", CallSort.Time),
        };
        var descending = input.Dir switch
        {
            null or "" => sort is CallSort.Time or CallSort.Duration or CallSort.Confidence,
            "desc" => true,
            "asc" => false,
            _ => Error("dir", "The sort direction must be asc or desc.", true),
        };
        var page = 1;
        if (!string.IsNullOrEmpty(input.Page))
        {
            if (int.TryParse(input.Page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1) page = p;
            else errors.Add(("page", $"Page '{input.Page}' is not a page number."));
        }
        var range = DashboardFilter.Resolve(new DashboardFilterInput(input.Agent, input.From, input.FromTime, input.To, input.ToTime),
            options.Zone, now, options.DefaultWeeks, options.MaxRangeDays, errors);
        if (errors.Count > 0 || range is null) return null;
        return new DashboardQuery(new CallFilter(agentId, range.FromUtc, range.ToUtc, negativeOnly, customer, agentTone, categoryId), range, sort, descending, page);

        string? Side(string? value, string field, string name)
        {
            if (string.IsNullOrEmpty(value)) return null;
            if (Sentiments.Contains(value, StringComparer.Ordinal)) return value;
            errors.Add((field, $"{name} must be POSITIVE, NEGATIVE, NEUTRAL or MIXED."));
            return null;
        }

        T Error<T>(string field, string message, T fallback)
        {
            errors.Add((field, message));
            return fallback;
        }
    }
}
