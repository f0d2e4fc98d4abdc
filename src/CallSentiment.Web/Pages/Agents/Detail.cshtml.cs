using System.Globalization;
using System.Text.Json;
using CallSentiment.Web.Access;
using CallSentiment.Web.Agents;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Agents;

/// <summary>One employee against the team: each figure's standing, the weekly trend, and the calls that drove each figure.</summary>
[Authorize(Policy = Policies.Dashboard)]
public sealed class DetailModel(AgentQueries queries, CallQueries calls, CategoryStore categories, IOptions<DashboardOptions> dashboard,
    IOptions<AgentComparisonOptions> options, TimeProvider clock) : PageModel
{
    /// <summary>Calls listed per figure.</summary>
    public const int DriverCount = 10;

    [BindProperty(SupportsGet = true, Name = "agent")] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "category")] public string? Category { get; set; }

    /// <summary>The categories there are, for the category chooser.</summary>
    public IReadOnlyList<CategoryChoice> Categories { get; private set; } = [];

    public AgentComparison? Comparison { get; private set; }
    public AgentStanding? Standing { get; private set; }
    public AgentRow? Employee { get; private set; }
    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    /// <summary>The figures in the order to read them: coaching points first.</summary>
    public IReadOnlyList<(AgentMetric Metric, IReadOnlyList<DriverCall> Calls)> Drivers { get; private set; } = [];
    public TimeZoneInfo Zone => dashboard.Value.Zone;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Agents = await calls.AgentsAsync(cancellationToken).ConfigureAwait(false);
        var errors = new List<(string Field, string Message)>();
        if (string.IsNullOrWhiteSpace(Agent)) errors.Add(("agent", "Choose an employee."));
        else if (Agents.FirstOrDefault(a => string.Equals(a.Name, Agent.Trim(), StringComparison.Ordinal)) is { } found) Employee = found;
        else errors.Add(("agent", $"There is no employee '{Agent}'."));
        Categories = await categories.ChoicesAsync(cancellationToken).ConfigureAwait(false);
        var parsed = new AgentComparisonInput(From, To, null, null, Category).Parse(dashboard.Value, clock.GetUtcNow(), Categories, errors);
        foreach (var (field, message) in errors) ModelState.AddModelError(field, message);
        if (parsed is not { } q || Employee is null) return Page();
        // The calls behind each figure are read beside the comparison (their own connection), for every figure.
        var comparison = queries.CompareAsync(q.Range, Zone, Agents, options.Value.MinCalls, q.Category, AgentWeeks.Employee(Employee.Id), cancellationToken);
        var employeeId = Employee.Id;
        var driving = Task.Run(() => queries.DriversAsync(employeeId, q.Range.FromUtc, q.Range.ToUtc, AgentComparison.MetricsFor(q.Category), q.Category,
            DriverCount, cancellationToken), cancellationToken);
        await Task.WhenAll(comparison, driving).ConfigureAwait(false);
        Comparison = await comparison.ConfigureAwait(false);
        Standing = Comparison.Agents.FirstOrDefault(a => a.Agent.Id == Employee.Id);
        if (Standing is null) return Page();
        var order = Standing.CoachOn.Concat(Comparison.Metrics.Except(Standing.CoachOn)).ToList();
        var drivers = await driving.ConfigureAwait(false);
        Drivers = order.Select(m => (m, drivers[m.Key])).ToList();
        return Page();
    }

    public string FromText => Comparison is { } c ? AgentComparisonInput.Date(c.Range.FromDate) : From ?? "";

    public string ToText => Comparison is { } c ? AgentComparisonInput.Date(c.Range.ToDate) : To ?? "";

    public string Link(string path, params (string Key, string? Value)[] values)
    {
        var q = values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)).ToList();
        q.Add(new("from", FromText));
        q.Add(new("to", ToText));
        if (Comparison?.Category is { } category && path == "/agents") q.Add(new("category", category.Name));
        return path + Microsoft.AspNetCore.Http.QueryString.Create(q).ToUriComponent();
    }

    public string Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>What a driver call shows for a figure (the number that put it on the list).</summary>
    public static string DriverValue(AgentMetric metric, DriverCall call) => metric.Key switch
    {
        "nps" => call.CustomerSentiment is { } cs ? $"customer {cs.ToLowerInvariant()}" : "",
        "change" => metric.Format(call.SentimentChange),
        "talk" => AgentMetric.Find("talk")!.Format(call.AgentTalkShare),
        "interruptions" => call.AgentInterruptions?.ToString(CultureInfo.InvariantCulture) ?? "–",
        "silence" => call.SilenceMs is { } s && call.DurationMs > 0
            ? $"{Metrics.MetricFormat.Span(s)} ({(100.0 * s / call.DurationMs).ToString("0", CultureInfo.InvariantCulture)}%)" : "–",
        "longSilences" => call.LongestSilenceMs is { } l ? Metrics.MetricFormat.Span(l) : "–",
        // A category to encourage lists the calls without it (what kept the share low).
        AgentMetric.CategoryKey => (metric.HigherIsBetter ? "not tagged" : "tagged") + (call.CustomerSentiment is { } cs ? $"; customer {cs.ToLowerInvariant()}" : ""),
        _ => "",
    };

    /// <summary>The employee's and the team's weekly figures, embedded as JSON data for wwwroot/js/agents.js.</summary>
    public string TrendJson() => JsonSerializer.Serialize(new
    {
        weeks = Comparison!.Weeks.Select(w => w.Label),
        calls = Standing!.Weeks.Select(s => s.Calls),
        metrics = Comparison.Metrics.Select(m => new
        {
            key = m.Key,
            title = Comparison.Title(m),
            agent = Standing.Weeks.Select(s => Round(m.Value(s))),
            team = Comparison.TeamWeeks.Select(s => Round(m.Value(s))),
        }),
    });

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 3) : null;
}
