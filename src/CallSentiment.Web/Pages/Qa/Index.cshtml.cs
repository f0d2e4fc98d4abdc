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
public sealed class IndexModel(QaQueue queue, CallQueries calls, IOptions<DashboardOptions> dashboard, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "agent")] public string? Agent { get; set; }

    [BindProperty(SupportsGet = true, Name = "status")] public string? Status { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }

    // "page" is Razor Pages' own route value, so the page number is read from the query string itself.
    public string? PageText => Request.Query["page"].FirstOrDefault();

    public IReadOnlyList<string> StatusChoices => QaFilterInput.Choices;

    public string EffectiveStatus => Input.EffectiveStatus;

    private QaFilterInput Input => new(Agent, Status, From, To, PageText);

    public int PageNumber { get; private set; } = 1;

    public List<string> Errors { get; } = [];

    public IReadOnlyList<QaItem> Items { get; private set; } = [];

    /// <summary>The employees to pick from: the dashboard's list, so both filters read the same.</summary>
    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    public long Total { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Agents = await calls.AgentsAsync(cancellationToken).ConfigureAwait(false);
        var errors = new List<(string Field, string Message)>();
        var filter = Input.Parse(dashboard.Value.Zone, errors);
        Errors.AddRange(errors.Select(e => e.Message));
        if (filter is null) return;
        PageNumber = filter.Page;
        (Items, Total) = await queue.ListAsync(filter, cancellationToken).ConfigureAwait(false);
    }

    public string Local(long ms) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>How long the customer has waited since the call (or waited until the item was resolved).</summary>
    public string Age(QaItem i) => MetricFormat.Age((i.ResolvedAt ?? clock.GetUtcNow().ToUnixTimeMilliseconds()) - i.CallStartedAt);

    public string PageLink(int page) => QueryString.Create(new Dictionary<string, string?>
    {
        ["agent"] = Agent, ["status"] = EffectiveStatus, ["from"] = From, ["to"] = To, ["page"] = page.ToString(CultureInfo.InvariantCulture),
    }).ToUriComponent();
}
