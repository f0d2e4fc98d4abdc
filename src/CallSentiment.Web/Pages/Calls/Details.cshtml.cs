using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Authorization;
using CallSentiment.Web.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Calls;

[Authorize(Policy = Policies.Calls)]
public sealed class DetailsModel(CallDetails details, IOptions<DashboardOptions> options, TimeProvider clock, IngestionSignal signal,
    IAuthorizationService authorization, AuditLog audit, CallSentiment.Web.Retention.CallDeletion deletion, CallSentiment.Web.Qa.VerdictLabels labels,
    CallSentiment.Web.Categories.CategoryStore categories) : PageModel
{
    private Dictionary<(long Seq, int Word), List<string>> _hits = [];
    private HashSet<(long Seq, int Word)> _avoided = [];

    public CallView View { get; private set; } = null!;

    /// <summary>The categories the call is tagged with, by name.</summary>
    public IReadOnlyList<CallSentiment.Web.Categories.CallCategory> Categories { get; private set; } = [];

    /// <summary>What a person who listened said the customer felt (null until someone says).</summary>
    public CallSentiment.Web.Qa.VerdictLabel? Label { get; private set; }

    /// <summary>QA staff (and admins) may record what the customer really felt.</summary>
    public bool CanLabel { get; private set; }

    /// <summary>Supervisors (and admins): the dashboard and swapping roles; QA staff see neither link nor button.</summary>
    public bool CanSeeDashboard { get; private set; }

    [TempData] public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var view = await details.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (view is null) return NotFound();
        View = view;
        Categories = await categories.ForCallAsync(id, cancellationToken).ConfigureAwait(false);
        _hits = [];
        _avoided = [];
        foreach (var k in Categories)
            foreach (var span in k.Spans)
                for (var w = span.From; w <= span.To; w++)
                {
                    if (!_hits.TryGetValue((span.Seq, w), out var names)) _hits[(span.Seq, w)] = names = [];
                    if (!names.Contains(k.Name)) names.Add(k.Name);
                    if (k.Polarity == CallSentiment.Web.Categories.CategoryPolarity.Avoid) _avoided.Add((span.Seq, w));
                }
        CanLabel = (await authorization.AuthorizeAsync(User, Policies.Qa).ConfigureAwait(false)).Succeeded;
        CanSeeDashboard = (await authorization.AuthorizeAsync(User, Policies.Dashboard).ConfigureAwait(false)).Succeeded;
        if (CanLabel) Label = await labels.ForCallAsync(id, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    /// <summary>"The customer really was …": a correction (or confirmation) of the verdict, kept as a label for calibrate.</summary>
    public async Task<IActionResult> OnPostLabelAsync(long id, string? customerLabel, CancellationToken cancellationToken)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Qa).ConfigureAwait(false)).Succeeded) return Forbid();
        if (CallSentiment.Web.Qa.VerdictLabels.LabelProblem(customerLabel) is { } problem)
        {
            Message = problem;
            return RedirectToPage(new { id });
        }
        if (!await labels.SetAsync(id, customerLabel!, User.Identity!.Name!, null, cancellationToken).ConfigureAwait(false)) return NotFound();
        await audit.WriteAsync(HttpContext, AuditLog.Actions.QaLabel, $"call:{id}", customerLabel).ConfigureAwait(false);
        Message = $"Recorded: the customer was {customerLabel}.";
        return RedirectToPage(new { id });
    }

    /// <summary>"Swap agent and customer": the recording is analysed again with the roles exchanged.</summary>
    public async Task<IActionResult> OnPostSwapAsync(long id, CancellationToken cancellationToken)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Dashboard).ConfigureAwait(false)).Succeeded) return Forbid();
        if (!await details.SwapRolesAsync(id, clock.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)) return NotFound();
        await audit.WriteAsync(HttpContext, AuditLog.Actions.SwapRoles, $"call:{id}").ConfigureAwait(false);
        signal.WorkAvailable();
        Message = "Agent and customer swapped; the call is being analysed again with the new roles (refresh in a moment).";
        return RedirectToPage(new { id });
    }

    /// <summary>An admin deletes the call, its recording and everything derived from it (audited).</summary>
    public async Task<IActionResult> OnPostDeleteAsync(long id, bool confirm, CancellationToken cancellationToken)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Admin).ConfigureAwait(false)).Succeeded) return Forbid();
        var key = await deletion.SourceKeyOfCallAsync(id, cancellationToken).ConfigureAwait(false);
        if (key is null) return NotFound();
        if (!confirm)
        {
            Message = "Tick \"I understand\" to delete the call.";
            return RedirectToPage(new { id });
        }
        try
        {
            await deletion.DeleteAsync(key, User.Identity!.Name!, "deleted by an administrator", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.S3.AmazonS3Exception)
        {
            Message = $"The recording could not be deleted from the source, so nothing was deleted: {e.Message}";
            return RedirectToPage(new { id });
        }
        await audit.WriteAsync(HttpContext, AuditLog.Actions.DeleteCall, $"call:{id}", key).ConfigureAwait(false);
        TempData["deleted"] = $"Call {id} ({key}) and everything derived from it were deleted.";
        return Redirect("/");
    }

    /// <summary>The categories whose rule matched this word of the transcript, or null (the word is highlighted when not null).</summary>
    public string? Hit(long seq, int word) => _hits.TryGetValue((seq, word), out var names) ? string.Join(", ", names) : null;

    /// <summary>A highlighted word only categories to encourage matched (shown green; a word any category to avoid matched stays amber).</summary>
    public bool Encouraged(long seq, int word) => _hits.ContainsKey((seq, word)) && !_avoided.Contains((seq, word));

    public string Local(DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, options.Value.Zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    public static string Seconds(long ms) => (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    public readonly record struct Word(string Text, double Start, double Confidence);

    /// <summary>The chunk's words as stored: JSON [[text, start_ms, end_ms, confidence], ...].</summary>
    public static IEnumerable<Word> Words(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var list = new List<Word>();
        foreach (var w in doc.RootElement.EnumerateArray())
            list.Add(new Word(w[0].GetString() ?? "", w[1].GetInt64() / 1000.0, w[3].GetDouble()));
        return list;
    }

    public static string Clock(long ms) => TimeSpan.FromMilliseconds(ms).ToString(ms >= 3_600_000 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    public static string Signed(double? v) => v is { } x ? x.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "–";

    public static string P(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>Position on the timeline in percent of the call.</summary>
    public static string X(long ms, long durationMs) => (100.0 * ms / Math.Max(1, durationMs)).ToString("0.###", CultureInfo.InvariantCulture);
}
