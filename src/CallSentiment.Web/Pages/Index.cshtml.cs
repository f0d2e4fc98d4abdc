using CallSentiment.Web.Access;
using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Metrics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages;

[Authorize(Policy = Policies.Dashboard)]
public sealed class IndexModel(CallQueries queries, IOptions<DashboardOptions> options, TimeProvider clock, CallSentiment.Web.Qa.QaQueue qa,
    CallSentiment.Web.Categories.CategoryStore categories) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "agent")] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }
    [BindProperty(SupportsGet = true, Name = "fromTime")] public string? FromTime { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "toTime")] public string? ToTime { get; set; }
    [BindProperty(SupportsGet = true, Name = "negative")] public string? Negative { get; set; }
    [BindProperty(SupportsGet = true, Name = "customer")] public string? Customer { get; set; }
    [BindProperty(SupportsGet = true, Name = "agentTone")] public string? AgentTone { get; set; }
    [BindProperty(SupportsGet = true, Name = "category")] public string? Category { get; set; }
    [BindProperty(SupportsGet = true, Name = "sort")] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true, Name = "dir")] public string? Dir { get; set; }
    // "page" is Razor Pages' own route value, so the page number is read from the query string itself.
    public string? PageText => Request.Query["page"].FirstOrDefault();

    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];
    public ResolvedRange? Range { get; private set; }
    public CallAggregate Total { get; private set; } = CallAggregate.Empty;
    public IReadOnlyList<WeekAggregate> Weeks { get; private set; } = [];
    public IReadOnlyList<CallRow> Rows { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int PageCount { get; private set; } = 1;
    public long RowCount { get; private set; }
    public bool NegativeOnly { get; private set; }
    public CallSort SortBy { get; private set; } = CallSort.Time;
    public bool Descending { get; private set; } = true;
    public TimeZoneInfo Zone => options.Value.Zone;

    /// <summary>Every category (the filter's choices), and calls per category in the range for the chosen employee (or all).</summary>
    public IReadOnlyList<(long Id, string Name)> CategoryNames { get; private set; } = [];

    /// <summary>Which way each category counts, by name (its badge: amber to avoid, green to encourage; the CSV's columns).</summary>
    public Dictionary<string, CallSentiment.Web.Categories.CategoryPolarity> PolarityByName { get; private set; } = new(StringComparer.Ordinal);

    public string PolarityOf(string category) =>
        CallSentiment.Web.Categories.CategoryPolarities.Key(PolarityByName.GetValueOrDefault(category));

    public IReadOnlyList<CallSentiment.Web.Categories.CategoryCount> CategoryCounts { get; private set; } = [];

    /// <summary>The categories of the calls on this page.</summary>
    public Dictionary<long, List<string>> RowCategories { get; private set; } = [];

    /// <summary>The service-recovery queue for the chosen employee (or all): counts and ageing.</summary>
    public CallSentiment.Web.Qa.QaSummary? Qa { get; private set; }

    public long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken).ConfigureAwait(false) is { } filter)
        {
            var pageSize = options.Value.PageSize;
            RowCount = NegativeOnly ? Total.Negatives : Total.Count;
            PageCount = Math.Max(1, (int)((RowCount + pageSize - 1) / pageSize));
            PageNumber = Math.Min(PageNumber, PageCount);
            Rows = await queries.PageAsync(filter, SortBy, Descending, (PageNumber - 1) * pageSize, pageSize, cancellationToken).ConfigureAwait(false);
            if (CategoryNames.Count > 0)
            {
                CategoryCounts = await categories.CountsAsync(filter.From, filter.To, filter.AgentId, cancellationToken).ConfigureAwait(false);
                RowCategories = await categories.NamesForCallsAsync(Rows.Select(r => r.Id).ToList(), cancellationToken).ConfigureAwait(false);
            }
            Qa = await qa.SummaryAsync(string.IsNullOrWhiteSpace(Agent) ? null : Agent.Trim(), cancellationToken).ConfigureAwait(false);
        }
        return Page();
    }

    /// <summary>The rows of the current filter as CSV (all pages), culture-invariant.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken, weekly: false).ConfigureAwait(false) is not { } filter) return Page();
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"calls-{Range!.FromDate:yyyyMMdd}-{Range.ToDate:yyyyMMdd}.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false));
        // categories: every one of the call's; then the same split by polarity (appended, so the columns before keep their places).
        await writer.WriteLineAsync("started_at,employee,agent,call_id,customer_id,duration_seconds,sentiment,confidence,positive,negative,neutral,mixed,dominant_emotion,customer_felt,agent_came_across,categories,categories_to_avoid,categories_to_encourage").ConfigureAwait(false);
        var zone = Zone;
        // Rows are written in batches so each batch's categories are looked up at once (by call id) while the rows stream.
        var batch = new List<CallRow>(CsvBatch);
        await foreach (var r in queries.AllAsync(filter, SortBy, Descending, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(r);
            if (batch.Count == CsvBatch) await WriteAsync().ConfigureAwait(false);
        }
        await WriteAsync().ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new EmptyResult();

        async Task WriteAsync()
        {
            var names = CategoryNames.Count == 0 ? new Dictionary<long, List<string>>() : await categories.NamesForCallsAsync(batch.Select(b => b.Id).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var r in batch)
            {
                var local = TimeZoneInfo.ConvertTime(r.Started, zone);
                var tags = names.TryGetValue(r.Id, out var n) ? n : [];
                await writer.WriteLineAsync(string.Join(',',
                    local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), CsvField.Safe(r.Employee), CsvField.Safe(r.Agent), CsvField.Safe(r.CallRef), CsvField.Safe(r.CustomerRef ?? ""),
                    (r.DurationMs / 1000.0).ToString("0.0", CultureInfo.InvariantCulture), r.Sentiment,
                    F(r.Confidence), F(r.Positive), F(r.Negative), F(r.Neutral), F(r.Mixed), CsvField.Safe(r.DominantEmotion ?? ""),
                    r.CustomerSentiment ?? "", r.AgentSentiment ?? "", CsvField.Safe(string.Join("; ", tags)),
                    CsvField.Safe(string.Join("; ", tags.Where(k => PolarityOf(k) == CallSentiment.Web.Categories.CategoryPolarities.AvoidKey))),
                    CsvField.Safe(string.Join("; ", tags.Where(k => PolarityOf(k) == CallSentiment.Web.Categories.CategoryPolarities.EncourageKey))))).ConfigureAwait(false);
            }
            batch.Clear();
        }

        static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
    }

    private const int CsvBatch = 500;

    private async Task<CallFilter?> LoadAsync(CancellationToken cancellationToken, bool weekly = true)
    {
        Agents = await queries.AgentsAsync(cancellationToken).ConfigureAwait(false);
        var choices = await categories.ChoicesAsync(cancellationToken).ConfigureAwait(false);
        CategoryNames = choices.Select(k => (k.Id, k.Name)).ToList();
        PolarityByName = choices.ToDictionary(k => k.Name, k => k.Polarity, StringComparer.Ordinal);
        var errors = new List<(string Field, string Message)>();
        var o = options.Value;
        var query = DashboardQuery.Parse(new DashboardQueryInput(Agent, From, FromTime, To, ToTime, Negative, Customer, AgentTone, Sort, Dir, PageText, Category),
            Agents, o, clock.GetUtcNow(), errors, CategoryNames);
        foreach (var (field, message) in errors) ModelState.AddModelError(field, message);
        NegativeOnly = Negative is "true" or "on"; // the form shows what was asked, even when something else was wrong
        if (query is null) return null;
        (Range, NegativeOnly, SortBy, Descending, PageNumber) = (query.Range, query.Filter.NegativeOnly, query.Sort, query.Descending, query.Page);
        if (weekly)
        {
            var weeks = WeekBuckets.Between(Range.FromUtc, Range.ToUtc, o.Zone);
            Weeks = await queries.WeeklyAsync(query.Filter.AgentId, weeks, cancellationToken, query.Filter.Customer, query.Filter.AgentTone, query.Filter.CategoryId).ConfigureAwait(false);
            Total = Weeks.Aggregate(CallAggregate.Empty, (a, w) => a + w.Aggregate);
        }
        return query.Filter;
    }

    /// <summary>The current filter as query values, with some replaced (links for sorting and paging keep the rest).</summary>
    public Dictionary<string, string?> Query(params (string Key, string? Value)[] overrides)
    {
        var q = new Dictionary<string, string?>
        {
            ["agent"] = Agent, ["from"] = From, ["fromTime"] = FromTime, ["to"] = To, ["toTime"] = ToTime,
            ["negative"] = NegativeOnly ? "true" : null, ["customer"] = Customer, ["agentTone"] = AgentTone, ["category"] = Category, ["sort"] = Sort, ["dir"] = Dir, ["page"] = PageNumber > 1 ? PageNumber.ToString(CultureInfo.InvariantCulture) : null,
        };
        foreach (var (k, v) in overrides) q[k] = v;
        return q.Where(kv => !string.IsNullOrEmpty(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    public string LinkTo(params (string Key, string? Value)[] overrides) =>
        "/" + Microsoft.AspNetCore.Http.QueryString.Create(Query(overrides).Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value))).ToUriComponent();

    public string SortUrl(CallSort column, string key)
    {
        var desc = SortBy == column ? !Descending : column is CallSort.Time or CallSort.Duration or CallSort.Confidence;
        return LinkTo(("sort", key), ("dir", desc ? "desc" : "asc"), ("page", null));
    }

    public string SortMark(CallSort column) => SortBy != column ? "" : Descending ? " ▼" : " ▲";

    public string Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Weekly series for the charts, embedded as JSON data (not script) and drawn by wwwroot/js/dashboard.js.</summary>
    public string TrendJson() => JsonSerializer.Serialize(new
    {
        labels = Weeks.Select(w => w.Week.Label),
        calls = Weeks.Select(w => w.Aggregate.Count),
        positive = Weeks.Select(w => Round(w.Aggregate.AveragePositive)),
        negative = Weeks.Select(w => Round(w.Aggregate.AverageNegative)),
        neutral = Weeks.Select(w => Round(w.Aggregate.AverageNeutral)),
        mixed = Weeks.Select(w => Round(w.Aggregate.AverageMixed)),
        nps = Weeks.Select(w => w.Aggregate.Nps is { } n ? Math.Round(n, 2) : (double?)null),
    });

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 4) : null;
}
