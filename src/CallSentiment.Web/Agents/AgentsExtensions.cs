using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Agents;

public static class AgentsExtensions
{
    public static IHostApplicationBuilder AddAgentComparison(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentComparisonOptions>().BindConfiguration(AgentComparisonOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AgentQueries>();
        return builder;
    }

    /// <summary>GET /api/v1/agents/comparison: the comparison page's figures for machine clients (same values, same roles).</summary>
    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("CallSentiment").MapGet("/agents/comparison", ComparisonAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Employees compared over a period: NPS, the customer's sentiment change, talk share, interruptions, silence and (category=NAME) the share of calls tagged with a category, with ranks, the team's spread, coaching points and weekly figures");
        return app;
    }

    private static async Task<Results<Ok<AgentComparisonReport>, ValidationProblem>> ComparisonAsync(string? from, string? to, string? sort, string? dir,
        string? category, AgentQueries agents, CallQueries calls, CategoryStore categories, IOptions<DashboardOptions> dashboard,
        IOptions<AgentComparisonOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        IReadOnlyList<CategoryChoice> names = string.IsNullOrWhiteSpace(category) ? [] : await categories.ChoicesAsync(ct).ConfigureAwait(false);
        if (new AgentComparisonInput(from, to, sort, dir, category).Parse(dashboard.Value, clock.GetUtcNow(), names, errors) is not { } q)
            return TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        var comparison = await agents.CompareAsync(q.Range, dashboard.Value.Zone, await calls.AgentsAsync(ct).ConfigureAwait(false), options.Value.MinCalls,
            q.Category, AgentWeeks.Everyone, ct).ConfigureAwait(false);
        return TypedResults.Ok(AgentComparisonReport.Of(comparison, comparison.Sorted(q.Sort, q.Descending), dashboard.Value.TimeZone));
    }
}

public sealed record TeamMetricReport(string Title, string Explanation, bool HigherIsBetter, double? Min, double? P25, double? Median, double? P75, double? Max);

public sealed record AgentMetricReport(double? Value, int? Rank, int Ranked, bool CoachingPoint);

public sealed record AgentWeekReport(string Week, DateTimeOffset From, DateTimeOffset To, long Calls, IReadOnlyDictionary<string, double?> Metrics);

public sealed record AgentReport(string Agent, string? DisplayName, long Calls, bool Ranked, IReadOnlyDictionary<string, AgentMetricReport> Metrics,
    IReadOnlyList<string> CoachOn, IReadOnlyList<AgentWeekReport> Weeks);

/// <summary>
/// The comparison as JSON: metric values are raw numbers (percentages 0..100, the change −2..2), ranks 1 = best.
/// <see cref="Category"/>: the category asked for (its share of calls is the metric "category"), or null;
/// <see cref="CategoryPolarity"/>: "avoid" (fewer is better) or "encourage" (more is better), as the metric's higherIsBetter says.
/// </summary>
public sealed record AgentComparisonReport(DateTimeOffset From, DateTimeOffset To, string TimeZone, int MinCalls, string? Category,
    IReadOnlyDictionary<string, TeamMetricReport> Team, IReadOnlyList<AgentWeekReport> TeamWeeks, IReadOnlyList<AgentReport> Agents,
    string? CategoryPolarity = null)
{
    public static AgentComparisonReport Of(AgentComparison c, IReadOnlyList<AgentStanding> ordered, string timeZone) => new(
        c.Range.FromUtc, c.Range.ToUtc, timeZone, c.MinCalls, c.Category?.Name,
        c.Metrics.ToDictionary(m => m.Key, m =>
        {
            var t = c.Team[m.Key];
            return new TeamMetricReport(c.Title(m), m.Explanation, m.HigherIsBetter, Round(t.Min), Round(t.P25), Round(t.Median), Round(t.P75), Round(t.Max));
        }),
        Weeks(c, c.TeamWeeks),
        ordered.Select(a => new AgentReport(a.Agent.Name, a.Agent.DisplayName, a.Total.Calls, a.Ranked,
            c.Metrics.ToDictionary(m => m.Key, m => Standing(a.Metrics[m.Key])),
            a.CoachOn.Select(m => m.Key).ToList(), Weeks(c, a.Weeks))).ToList(),
        c.Category?.Polarity.Key());

    private static List<AgentWeekReport> Weeks(AgentComparison c, IReadOnlyList<AgentSums> sums) =>
        sums.Select((s, i) => new AgentWeekReport(c.Weeks[i].Label, c.Weeks[i].StartUtc, c.Weeks[i].EndUtc, s.Calls,
            c.Metrics.ToDictionary(m => m.Key, m => Round(m.Value(s))))).ToList();

    private static AgentMetricReport Standing(MetricStanding s) => new(Round(s.Value), s.Rank, s.Ranked, s.Weak);

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 4) : null;
}
