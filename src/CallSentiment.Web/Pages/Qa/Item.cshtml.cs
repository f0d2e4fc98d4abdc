using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Qa;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Qa;

[Authorize(Policy = Policies.Qa)]
public sealed class ItemModel(QaQueue queue, VerdictLabels labels, AuditLog audit, IOptions<DashboardOptions> dashboard, TimeProvider clock) : PageModel
{
    public QaItem Item { get; private set; } = null!;

    public IReadOnlyList<QaNote> Notes { get; private set; } = [];

    public IReadOnlyList<QaQueue.NegativeChunk> Chunks { get; private set; } = [];

    /// <summary>What a person who listened said the customer felt (null until someone says).</summary>
    public VerdictLabel? Label { get; private set; }

    [TempData] public string? Message { get; set; }

    public long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Why the resolve form was refused (shown once, on this response only).</summary>
    public string? Problem { get; private set; }

    /// <summary>The resolve form's values, shown again when they were refused.</summary>
    public string? ResolveAction { get; private set; }

    public string ResolveLabel { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken).ConfigureAwait(false) ? Page() : NotFound();

    private async Task<bool> LoadAsync(long id, CancellationToken cancellationToken)
    {
        var item = await queue.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (item is null) return false;
        Item = item;
        Notes = await queue.NotesAsync(id, cancellationToken).ConfigureAwait(false);
        if (item.CallId is { } callId)
        {
            Chunks = await queue.NegativeChunksAsync(callId, cancellationToken).ConfigureAwait(false);
            Label = await labels.ForCallAsync(callId, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    public async Task<IActionResult> OnPostClaimAsync(long id, bool takeOver, CancellationToken cancellationToken)
    {
        var result = await queue.ClaimAsync(id, User.Identity!.Name!, takeOver, cancellationToken).ConfigureAwait(false);
        if (result == QaChange.Done) await audit.WriteAsync(HttpContext, AuditLog.Actions.QaClaim, $"qa:{id}", takeOver ? "took over" : null).ConfigureAwait(false);
        return Done(id, result, "Claimed: it is yours now.", "Someone else claimed it first.");
    }

    public async Task<IActionResult> OnPostNoteAsync(long id, string? text, CancellationToken cancellationToken)
    {
        if (QaQueue.NoteProblem(text) is { } problem)
        {
            Message = problem;
            return RedirectToPage(new { id });
        }
        var result = await queue.AddNoteAsync(id, User.Identity!.Name!, text!.Trim(), cancellationToken).ConfigureAwait(false);
        if (result == QaChange.Done) await audit.WriteAsync(HttpContext, AuditLog.Actions.QaNote, $"qa:{id}").ConfigureAwait(false);
        return Done(id, result, "Note added.", "The note was not added.");
    }

    /// <summary>
    /// Resolves with the recovery action and, optionally, what the customer really felt (<paramref name="customerLabel"/>:
    /// negative confirms the verdict; neutral or positive corrects it; empty when nobody could tell).
    /// </summary>
    public async Task<IActionResult> OnPostResolveAsync(long id, string? action, string? customerLabel, CancellationToken cancellationToken)
    {
        var label = string.IsNullOrEmpty(customerLabel) ? null : customerLabel;
        if ((QaQueue.ActionProblem(action) ?? (label is null ? null : VerdictLabels.LabelProblem(label))) is { } problem)
        {
            // The page again with what was written, not a redirect that would lose it.
            if (!await LoadAsync(id, cancellationToken).ConfigureAwait(false)) return NotFound();
            (Problem, ResolveAction, ResolveLabel) = (problem, action, VerdictLabels.Labels.Contains(label) ? label! : "");
            return Page();
        }
        var result = await queue.ResolveAsync(id, User.Identity!.Name!, action!.Trim(), User.IsInRole(AppRoles.Admin), label, cancellationToken).ConfigureAwait(false);
        if (result == QaChange.Done)
            await audit.WriteAsync(HttpContext, AuditLog.Actions.QaResolve, $"qa:{id}", label is null ? action.Trim() : $"{action.Trim()} [customer: {label}]").ConfigureAwait(false);
        return Done(id, result, label is null ? "Resolved." : "Resolved, and the verdict's label recorded.",
            "Only the person who claimed it (or an admin) can resolve it, and only once.");
    }

    private IActionResult Done(long id, QaChange result, string ok, string conflict)
    {
        if (result == QaChange.NotFound) return NotFound();
        Message = result == QaChange.Done ? ok : conflict;
        return RedirectToPage(new { id });
    }

    public string Local(long ms) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
