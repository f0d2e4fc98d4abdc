using System.ComponentModel;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Search;

/// <summary>Where a word matched in <see cref="SearchHitReport.Snippet"/>: a character offset and length.</summary>
public sealed record SnippetSpan(int Start, int Length);

/// <summary>
/// A stretch of speech that matched: the call, who spoke, where in the call (seconds from its start), a snippet with
/// the matched words' spans, and the call page's address opened at that moment.
/// </summary>
public sealed record SearchHitReport(long CallId, long ChunkSeq, DateTimeOffset CallStartedAt, string Agent, string? AgentName, string CallRef, string Sentiment,
    string Role, double AtSeconds, string Snippet, IReadOnlyList<SnippetSpan> Matches, string Url);

/// <summary>
/// <c>Complete</c> is false when only the newest calls could be searched; <c>Note</c> then says why.
/// </summary>
public sealed record SearchPage(string Query, string Speaker, int Page, int PageSize, bool HasMore, bool Complete, string? Note, IReadOnlyList<SearchHitReport> Items);

public sealed class SearchParameters : Api.CallQueryParameters
{
    [FromQuery(Name = "q"), Description("Words that must all be said in one stretch of speech; \"quoted words\" in that order. Case and punctuation do not matter.")]
    public string? Q { get; init; }

    [FromQuery(Name = "speaker"), Description("customer, agent or either (default).")] public string? Speaker { get; init; }

    [FromQuery(Name = "negative"), Description("true: negative calls only.")] public string? Negative { get; init; }

    [FromQuery(Name = "page"), Description("1-based page number.")] public string? Page { get; init; }
}

public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("CallSentiment")
            .MapGet("/search", SearchAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Transcript search: stretches of speech with the words or phrases, newest calls first, within the dashboard's filter");
        return app;
    }

    private static async Task<Results<Ok<SearchPage>, ValidationProblem, ProblemHttpResult>> SearchAsync([AsParameters] SearchParameters p, TranscriptSearch search, CallQueries queries,
        IOptions<DashboardOptions> dashboard, IOptions<SearchOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        var agents = await queries.AgentsAsync(ct).ConfigureAwait(false);
        var input = new SearchQueryInput(p.Q ?? "", p.Speaker, p.Page, new DashboardQueryInput(p.Agent, p.From, p.FromTime, p.To, p.ToTime, p.Negative, p.Customer, p.AgentTone));
        if (SearchQuery.Parse(input, agents, dashboard.Value, options.Value, clock.GetUtcNow(), errors) is not { } request)
            return TypedResults.ValidationProblem(errors.GroupBy(e => e.Field, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal));
        SearchResult result;
        try
        {
            result = await search.SearchAsync(request, ct).ConfigureAwait(false);
        }
        catch (SearchUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Search unavailable");
        }
        return TypedResults.Ok(new SearchPage(request.Terms.ToString(), request.Speaker.ToString().ToLowerInvariant(), request.Page, request.PageSize, result.HasMore,
            result.Complete, result.Note, result.Hits.Select(h => new SearchHitReport(h.CallId, h.Seq, h.CallStartedAt, h.Agent, h.AgentName, h.CallRef, h.Sentiment,
                h.Role, h.StartMs / 1000.0, h.Snippet.Text, h.Snippet.Spans.Select(s => new SnippetSpan(s.Start, s.Length)).ToList(), h.Url)).ToList()));
    }
}
