using System.Globalization;
using CallSentiment.Web.Calls;

namespace CallSentiment.Web.Search;

/// <summary>A search as it comes from a URL: the words, whose words, the page, and the dashboard's filter values.</summary>
public sealed record SearchQueryInput(string? Q, string? Speaker, string? Page, DashboardQueryInput Filter);

public static class SearchQuery
{
    /// <summary>
    /// Checks every value and collects every problem as (field, message); null when there is any. Without dates a
    /// search covers the longest range the dashboard allows (Dashboard:MaxRangeDays), ending today.
    /// </summary>
    public static SearchRequest? Parse(SearchQueryInput input, IReadOnlyList<AgentRow> agents, DashboardOptions dashboard, SearchOptions options,
        DateTimeOffset now, ICollection<(string Field, string Message)> errors)
    {
        var terms = SearchTerms.Parse(input.Q, out var problem);
        if (problem is not null) errors.Add(("q", problem));
        var speaker = input.Speaker switch
        {
            null or "" or "either" => SearchSpeaker.Either,
            "customer" => SearchSpeaker.Customer,
            "agent" => SearchSpeaker.Agent,
            _ => Error("speaker", "Who said it must be customer, agent or either.", SearchSpeaker.Either),
        };
        var page = 1;
        if (!string.IsNullOrEmpty(input.Page))
        {
            if (int.TryParse(input.Page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 1 && p <= options.MaxPage) page = p;
            else errors.Add(("page", $"Page '{input.Page}' is not a page number from 1 to {options.MaxPage}."));
        }
        var wide = new DashboardOptions
        {
            TimeZone = dashboard.TimeZone, PageSize = dashboard.PageSize, MaxRangeDays = dashboard.MaxRangeDays,
            DefaultWeeks = Math.Max(1, (dashboard.MaxRangeDays - 6) / 7),
        };
        var query = DashboardQuery.Parse(input.Filter with { Sort = null, Dir = null, Page = null }, agents, wide, now, errors);
        if (errors.Count > 0 || query is null || terms is null) return null;
        return new SearchRequest(terms, speaker, query.Filter, query.Range, page, options.PageSize);

        T Error<T>(string field, string message, T fallback)
        {
            errors.Add((field, message));
            return fallback;
        }
    }
}
