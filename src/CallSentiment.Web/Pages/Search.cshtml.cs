using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Search;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages;

/// <summary>Transcript search: words and "phrases" said by the customer, the agent or either, within the dashboard's filter.</summary>
[Authorize(Policy = Policies.Dashboard)]
public sealed class SearchModel(TranscriptSearch search, CallQueries queries, IOptions<DashboardOptions> dashboard, IOptions<SearchOptions> options,
    TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "speaker")] public string? Speaker { get; set; }
    [BindProperty(SupportsGet = true, Name = "agent")] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? From { get; set; }
    [BindProperty(SupportsGet = true, Name = "fromTime")] public string? FromTime { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "toTime")] public string? ToTime { get; set; }
    [BindProperty(SupportsGet = true, Name = "negative")] public string? Negative { get; set; }
    [BindProperty(SupportsGet = true, Name = "customer")] public string? Customer { get; set; }
    [BindProperty(SupportsGet = true, Name = "agentTone")] public string? AgentTone { get; set; }
    // "page" is Razor Pages' own route value, so the page number is read from the query string itself.
    public string? PageText => Request.Query["page"].FirstOrDefault();

    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];
    public ResolvedRange? Range { get; private set; }
    public SearchResult? Result { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public TimeZoneInfo Zone => dashboard.Value.Zone;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Agents = await queries.AgentsAsync(cancellationToken).ConfigureAwait(false);
        // The empty form: nothing to check yet.
        if (!Request.Query.ContainsKey("q")) return Page();
        var errors = new List<(string Field, string Message)>();
        var request = SearchQuery.Parse(new SearchQueryInput(Q ?? "", Speaker, PageText, new DashboardQueryInput(Agent, From, FromTime, To, ToTime, Negative, Customer, AgentTone)),
            Agents, dashboard.Value, options.Value, clock.GetUtcNow(), errors);
        foreach (var (field, message) in errors) ModelState.AddModelError(field, message);
        if (request is null) return Page();
        (Range, PageNumber) = (request.Range, request.Page);
        try
        {
            Result = await search.SearchAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (SearchUnavailableException e)
        {
            ModelState.AddModelError("q", e.Message);
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
        return Page();
    }

    public string LinkTo(int page)
    {
        var q = new Dictionary<string, string?>
        {
            ["q"] = Q, ["speaker"] = Speaker, ["agent"] = Agent, ["from"] = From, ["fromTime"] = FromTime, ["to"] = To, ["toTime"] = ToTime,
            ["negative"] = Negative, ["customer"] = Customer, ["agentTone"] = AgentTone,
            ["page"] = page > 1 ? page.ToString(CultureInfo.InvariantCulture) : null,
        };
        return "/search" + Microsoft.AspNetCore.Http.QueryString.Create(q.Where(kv => !string.IsNullOrEmpty(kv.Value))).ToUriComponent();
    }

    public string Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Clock(long ms) => TimeSpan.FromMilliseconds(ms).ToString(ms >= 3_600_000 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
