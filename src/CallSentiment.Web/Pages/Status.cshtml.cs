using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Recordings;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages;

[Authorize(Policy = Policies.Dashboard)]
[RequestSizeLimit(MaxUploadBytes + 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxUploadBytes + 1024 * 1024)]
public sealed class StatusModel(
    StatusQueries status, JobQueue queue, IngestionSignal signal, IRecordingSource source, KeyPattern pattern,
    IOptions<RecordingSourceOptions> sourceOptions, IOptions<IngestionOptions> ingestion, IOptions<DashboardOptions> dashboard, TimeProvider clock,
    AuditLog audit) : PageModel
{
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    public IngestionStatus Status { get; private set; } = null!;
    public IngestionSignal Signal => signal;
    public string SourceDescription => source.Description;
    public bool WorkerEnabled => ingestion.Value.Enabled;
    public string? Message { get; private set; }

    [BindProperty] public string? UploadAgent { get; set; }
    [BindProperty] public string? UploadStart { get; set; }
    [BindProperty] public string? UploadCallId { get; set; }
    [BindProperty] public IFormFile? UploadFile { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Message = TempData["message"] as string;
        Status = await status.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IActionResult> OnPostRetryAsync(long? jobId, CancellationToken cancellationToken)
    {
        var n = await queue.RetryFailedAsync(jobId, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(HttpContext, AuditLog.Actions.Retry, jobId is { } j ? $"job:{j}" : "jobs:failed", $"{n} queued again").ConfigureAwait(false);
        signal.WorkAvailable();
        TempData["message"] = n == 1 ? "1 job queued again." : $"{n} jobs queued again.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAnalyseNowAsync()
    {
        await audit.WriteAsync(HttpContext, AuditLog.Actions.AnalyseNow, "source").ConfigureAwait(false);
        signal.DiscoverNow();
        TempData["message"] = "Looking for new recordings now.";
        return RedirectToPage();
    }

    /// <summary>An ad-hoc recording: stored in the source under the key pattern and queued at once.</summary>
    public async Task<IActionResult> OnPostUploadAsync(CancellationToken cancellationToken)
    {
        var agent = UploadAgent?.Trim();
        if (string.IsNullOrEmpty(agent) || agent.Length > 100 || agent.Contains('/', StringComparison.Ordinal) || agent.StartsWith('.'))
            ModelState.AddModelError(nameof(UploadAgent), "Give the employee's name (no '/').");
        if (!DateTime.TryParseExact(UploadStart, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var localStart))
            ModelState.AddModelError(nameof(UploadStart), "Give the call's start as a date and time.");
        var callId = string.IsNullOrWhiteSpace(UploadCallId) ? $"upload-{clock.GetUtcNow().ToUnixTimeMilliseconds()}" : UploadCallId.Trim();
        if (callId.Contains('/', StringComparison.Ordinal) || callId.Contains("..", StringComparison.Ordinal) || callId.Length > 100)
            ModelState.AddModelError(nameof(UploadCallId), "The call id may not contain '/' or '..'.");
        var ext = Path.GetExtension(UploadFile?.FileName ?? "").TrimStart('.').ToLowerInvariant();
        if (UploadFile is null || UploadFile.Length == 0) ModelState.AddModelError(nameof(UploadFile), "Choose a recording to upload.");
        else if (!RecordingKey.AudioExtensions.Contains(ext)) ModelState.AddModelError(nameof(UploadFile), $"'{UploadFile.FileName}' is not a supported audio file ({string.Join(", ", RecordingKey.AudioExtensions)}).");
        else if (UploadFile.Length > MaxUploadBytes) ModelState.AddModelError(nameof(UploadFile), "The file is larger than 512 MB.");
        if (!ModelState.IsValid)
        {
            Status = await status.GetAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }

        // Local times in keys are in the source's zone; the form is filled in in the dashboard's.
        var startUtc = WeekBuckets.LocalToUtc(localStart, dashboard.Value.Zone);
        var sourceLocal = TimeZoneInfo.ConvertTime(startUtc, sourceOptions.Value.Zone).DateTime;
        var key = pattern.Render(agent!, sourceLocal, callId, ext);
        if (!RecordingKey.IsSafe(key, out var reason))
        {
            ModelState.AddModelError(nameof(UploadFile), $"Cannot store it: {reason}.");
            Status = await status.GetAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }
        await using (var stream = UploadFile!.OpenReadStream())
            await source.WriteAsync(key, stream, cancellationToken).ConfigureAwait(false);
        var stored = await source.StatAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{key} was written but cannot be found");
        var o = sourceOptions.Value;
        var metadata = new CallMetadata(agent!, null, startUtc, callId, null, o.AgentChannel, o.CustomerChannel);
        await queue.EnqueueAsync([new DiscoveredRecording(stored, metadata)], cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(HttpContext, AuditLog.Actions.Upload, $"recording:{key}", $"{UploadFile.Length} bytes").ConfigureAwait(false);
        signal.WorkAvailable();
        TempData["message"] = $"Uploaded as {key} and queued.";
        return RedirectToPage();
    }

    public string Local(DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public string DefaultStart => TimeZoneInfo.ConvertTime(clock.GetUtcNow(), dashboard.Value.Zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
