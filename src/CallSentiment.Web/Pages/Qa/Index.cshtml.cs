using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Qa;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Qa;

[Authorize(Policy = Policies.Qa)]
public sealed class IndexModel(QaQueue queue, IOptions<DashboardOptions> dashboard, TimeProvider clock) : PageModel
{
    public static readonly string[] Choices = ["unresolved", "open", "claimed", "resolved", "all"];

    [BindProperty(SupportsGet = true, Name = "agent")] public string? Agent { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")] public string? Status { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }

    // "page" is Razor Pages' own route value, so the page number is read from the query string itself.
    public string? PageText => Request.Query["page"].FirstOrDefault();

    public IReadOnlyList<string> StatusChoices => Choices;

    public string EffectiveStatus => string.IsNullOrEmpty(Status) ? "unresolved" : Status;

    public int PageNumber { get; private set; } = 1;

    public List<string> Errors { get; } = [];

    public IReadOnlyList<QaItem> Items { get; private set; } = [];

    public long Total { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var zone = dashboard.Value.Zone;
        if (!Choices.Contains(EffectiveStatus)) Errors.Add($"'{Status}' is not a status: choose {string.Join(", ", Choices)}.");
        long? fromMs = null, toMs = null;
        if (!string.IsNullOrEmpty(From))
        {
            if (DateOnly.TryParseExact(From, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                fromMs = WeekBuckets.LocalMidnightToUtc(d, zone).ToUnixTimeMilliseconds();
            else Errors.Add($"From '{From}' is not a date (yyyy-mm-dd).");
        }
        if (!string.IsNullOrEmpty(To))
        {
            if (DateOnly.TryParseExact(To, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                toMs = WeekBuckets.LocalMidnightToUtc(d.AddDays(1), zone).ToUnixTimeMilliseconds();
            else Errors.Add($"To '{To}' is not a date (yyyy-mm-dd).");
        }
        if (fromMs is not null && toMs is not null && toMs <= fromMs) Errors.Add("The end must be after the begin.");
        if (!string.IsNullOrEmpty(PageText))
        {
            if (int.TryParse(PageText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 100_000) PageNumber = p;
            else Errors.Add($"'{PageText}' is not a page number.");
        }
        if (Agent is { Length: > 100 }) Errors.Add("The employee name is too long.");
        if (Errors.Count > 0) return;
        var status = EffectiveStatus == "all" ? null : EffectiveStatus;
        (Items, Total) = await queue.ListAsync(new QaFilter(string.IsNullOrWhiteSpace(Agent) ? null : Agent.Trim(), status, fromMs, toMs, PageNumber), cancellationToken)
            .ConfigureAwait(false);
    }

    public string Local(long ms) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>How long the item has waited for (or took until) resolution.</summary>
    public string Age(QaItem i) => MetricFormat.Age((i.ResolvedAt ?? clock.GetUtcNow().ToUnixTimeMilliseconds()) - i.CreatedAt);

    public string PageLink(int page) => QueryString.Create(new Dictionary<string, string?>
    {
        ["agent"] = Agent, ["status"] = EffectiveStatus, ["from"] = From, ["to"] = To, ["page"] = page.ToString(CultureInfo.InvariantCulture),
    }).ToUriComponent();
}
