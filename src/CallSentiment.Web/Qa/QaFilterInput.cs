using System.Globalization;
using CallSentiment.Web.Metrics;

namespace CallSentiment.Web.Qa;

/// <summary>The queue's filter as it comes from a URL (the QA page and the JSON API take the same values).</summary>
public sealed record QaFilterInput(string? Agent, string? Status, string? From, string? To, string? Page)
{
    /// <summary>"unresolved" (open or claimed) when none is given; "all" for every item.</summary>
    public static readonly string[] Choices = ["unresolved", "open", "claimed", "resolved", "all"];

    public string EffectiveStatus => string.IsNullOrEmpty(Status) ? "unresolved" : Status;

    /// <summary>Dates are whole days in the dashboard's zone, both ends included. Every problem is collected; null when there is any.</summary>
    public QaFilter? Parse(TimeZoneInfo zone, ICollection<(string Field, string Message)> errors)
    {
        if (!Choices.Contains(EffectiveStatus, StringComparer.Ordinal)) errors.Add(("status", $"'{Status}' is not a status: choose {string.Join(", ", Choices)}."));
        var fromMs = Day(From, "from", "From", 0);
        var toMs = Day(To, "to", "To", 1);
        if (fromMs is not null && toMs is not null && toMs <= fromMs) errors.Add(("to", "The end must be after the begin."));
        var page = 1;
        if (!string.IsNullOrEmpty(Page))
        {
            if (int.TryParse(Page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 100_000) page = p;
            else errors.Add(("page", $"'{Page}' is not a page number."));
        }
        if (Agent is { Length: > 100 }) errors.Add(("agent", "The employee name is too long."));
        if (errors.Count > 0) return null;
        return new QaFilter(string.IsNullOrWhiteSpace(Agent) ? null : Agent.Trim(), EffectiveStatus == "all" ? null : EffectiveStatus, fromMs, toMs, page);

        long? Day(string? text, string field, string name, int addDays)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year is >= 1970 and <= 9000)
                return WeekBuckets.LocalMidnightToUtc(d.AddDays(addDays), zone).ToUnixTimeMilliseconds();
            errors.Add((field, $"{name} '{text}' is not a date (yyyy-mm-dd)."));
            return null;
        }
    }
}
