using System.Globalization;
using System.Text;
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

/// <summary>The agent comparison: every employee ranked on each figure over a period, the team's spread, coaching points.</summary>
[Authorize(Policy = Policies.Dashboard)]
public sealed class IndexModel(AgentQueries queries, CallQueries calls, CategoryStore categories, IOptions<DashboardOptions> dashboard,
    IOptions<AgentComparisonOptions> options, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "sort")] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true, Name = "dir")] public string? Dir { get; set; }
    [BindProperty(SupportsGet = true, Name = "category")] public string? Category { get; set; }

    /// <summary>The categories there are, for the category chooser.</summary>
    public IReadOnlyList<CategoryChoice> Categories { get; private set; } = [];

    public AgentComparison? Comparison { get; private set; }
    public IReadOnlyList<AgentStanding> Rows { get; private set; } = [];
    public string SortKey { get; private set; } = "nps";
    public bool Descending { get; private set; } = true;
    public TimeZoneInfo Zone => dashboard.Value.Zone;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(AgentWeeks.NpsOfEveryone, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    /// <summary>The ranking as CSV, one row per employee, raw culture-invariant numbers (percentages 0..100).</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(AgentWeeks.Nobody, cancellationToken).ConfigureAwait(false)) return Page();
        var c = Comparison!;
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"agents-{c.Range.FromDate:yyyyMMdd}-{c.Range.ToDate:yyyyMMdd}.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false));
        // The category's columns are named "category…" like the others; which category it is, is the column category_name.
        var header = new List<string> { "employee", "agent", "calls", "ranked" };
        if (c.Category is not null) header.AddRange(["category_name", "category_polarity"]);
        foreach (var m in c.Metrics) header.AddRange([m.Key, m.Key + "_rank", m.Key + "_team_median", m.Key + "_coaching_point"]);
        header.Add("coach_on");
        await writer.WriteLineAsync(string.Join(',', header)).ConfigureAwait(false);
        foreach (var a in Rows)
        {
            var fields = new List<string>
            {
                CsvField.Safe(a.Agent.Employee), CsvField.Safe(a.Agent.Name), a.Total.Calls.ToString(CultureInfo.InvariantCulture), a.Ranked ? "true" : "false",
            };
            if (c.Category is { } category) fields.AddRange([CsvField.Safe(category.Name), category.Polarity.Key()]);
            foreach (var m in c.Metrics)
            {
                var s = a.Metrics[m.Key];
                fields.AddRange([Number(s.Value), s.Rank?.ToString(CultureInfo.InvariantCulture) ?? "", Number(c.Team[m.Key].Median), s.Weak ? "true" : "false"]);
            }
            fields.Add(string.Join(' ', a.CoachOn.Select(m => m.Key)));
            await writer.WriteLineAsync(string.Join(',', fields)).ConfigureAwait(false);
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new EmptyResult();

        static string Number(double? v) => v is { } x ? x.ToString("0.####", CultureInfo.InvariantCulture) : "";
    }

    private async Task<bool> LoadAsync(AgentWeeks weeks, CancellationToken cancellationToken)
    {
        Categories = await categories.ChoicesAsync(cancellationToken).ConfigureAwait(false);
        var errors = new List<(string Field, string Message)>();
        var parsed = new AgentComparisonInput(From, To, Sort, Dir, Category).Parse(dashboard.Value, clock.GetUtcNow(), Categories, errors);
        foreach (var (field, message) in errors) ModelState.AddModelError(field, message);
        if (parsed is not { } q) return false;
        (SortKey, Descending) = (q.Sort, q.Descending);
        Comparison = await queries.CompareAsync(q.Range, Zone, await calls.AgentsAsync(cancellationToken).ConfigureAwait(false), options.Value.MinCalls,
            q.Category, weeks, cancellationToken).ConfigureAwait(false);
        Rows = Comparison.Sorted(SortKey, Descending);
        return true;
    }

    public string FromText => Comparison is { } c ? AgentComparisonInput.Date(c.Range.FromDate) : From ?? "";

    public string ToText => Comparison is { } c ? AgentComparisonInput.Date(c.Range.ToDate) : To ?? "";

    public string Link(string path, params (string Key, string? Value)[] values)
    {
        var q = new List<KeyValuePair<string, string?>> { new("from", FromText), new("to", ToText) };
        if (Comparison?.Category is { } category) q.Add(new("category", category.Name));
        q.AddRange(values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));
        return path + Microsoft.AspNetCore.Http.QueryString.Create(q).ToUriComponent();
    }

    public string SortUrl(string key)
    {
        var metric = Comparison?.Metric(key) ?? AgentMetric.Find(key);
        var desc = SortKey == key ? !Descending : key == "calls" || metric?.HigherIsBetter == true;
        return Link("/agents", ("sort", key), ("dir", desc ? "desc" : "asc"));
    }

    public string SortMark(string key) => SortKey != key ? "" : Descending ? " ▼" : " ▲";

    public string DetailUrl(AgentRow agent, string? metric = null) =>
        Link("/agents/detail", ("agent", agent.Name)) + (metric is null ? "" : "#drivers-" + metric);

    /// <summary>A sparkline's width in the SVG's units: 4 per week (wwwroot/js/agents.js draws the points on the same scale).</summary>
    public static double SparklineWidth(int weeks) => Math.Max(1, weeks - 1) * 4;

    /// <summary>
    /// A week-by-week NPS line as data for wwwroot/js/agents.js: the weeks' NPS (−100..100, to 0.1) separated by commas,
    /// empty for a week without calls (a gap in the line).
    /// </summary>
    public static string SparklineData(IReadOnlyList<AgentSums> sums)
    {
        var text = new StringBuilder(sums.Count * 5);
        for (var i = 0; i < sums.Count; i++)
        {
            if (i > 0) text.Append(',');
            if (sums[i].Nps is { } nps) text.Append(CultureInfo.InvariantCulture, $"{nps:0.#}");
        }
        return text.ToString();
    }

    /// <summary>The team's spread of the sorted figure as a histogram, embedded as JSON data for wwwroot/js/agents.js.</summary>
    public string DistributionJson()
    {
        var c = Comparison!;
        var metric = c.Metric(SortKey) ?? AgentMetric.All[0];
        var values = c.Team[metric.Key].Values;
        const int Bins = 12;
        var labels = new List<string>();
        var counts = new List<int>();
        if (values.Count > 0)
        {
            double lo = values[0], hi = values[^1];
            if (hi - lo < 1e-9) hi = lo + 1;
            var width = (hi - lo) / Bins;
            for (var b = 0; b < Bins; b++)
            {
                labels.Add(metric.Format(lo + width * (b + 0.5)));
                counts.Add(values.Count(v => Math.Min(Bins - 1, (int)((v - lo) / width)) == b));
            }
        }
        var weeks = c.Weeks.Select(w => w.Label).ToList();
        return JsonSerializer.Serialize(new
        {
            metric = c.Title(metric),
            labels,
            counts,
            weeks,
            teamNps = c.TeamWeeks.Select(s => s.Nps is { } n ? Math.Round(n, 2) : (double?)null),
            teamCalls = c.TeamWeeks.Select(s => s.Calls),
        });
    }
}
