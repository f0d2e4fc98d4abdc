using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
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
    AuditLog audit, CallQueries calls) : PageModel
{
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    public IngestionStatus Status { get; private set; } = null!;
    public IngestionSignal Signal => signal;
    public string SourceDescription => source.Description;
    public bool WorkerEnabled => ingestion.Value.Enabled;
    public string? Message { get; private set; }

    /// <summary>The employee picked from the list, or <see cref="NewAgentChoice"/> to create the one named in <see cref="UploadNewAgent"/>.</summary>
    [BindProperty] public string? UploadAgent { get; set; }
    [BindProperty] public string? UploadNewAgent { get; set; }
    [BindProperty] public string? UploadStart { get; set; }
    [BindProperty] public string? UploadCallId { get; set; }
    /// <summary>Empty: the configured channels; "0" or "1": the agent is on the first or second channel, the customer on the other.</summary>
    [BindProperty] public string? UploadAgentChannel { get; set; }
    /// <summary>Replace the recording already stored for this employee, time and call id (the call keeps its id; audited).</summary>
    [BindProperty] public bool UploadReplace { get; set; }
    [BindProperty] public IFormFile? UploadFile { get; set; }

    public const string NewAgentChoice = "+new";

    public IReadOnlyList<AgentRow> Agents { get; private set; } = [];

    /// <summary>The formats accepted, for the form's file picker: the same list discovery and analysis use.</summary>
    public static string AcceptAttribute => string.Join(',', RecordingKey.AudioExtensions.Order(StringComparer.Ordinal).Select(e => "." + e));

    public static string FormatList => string.Join(", ", RecordingKey.AudioExtensions.Order(StringComparer.Ordinal));

    public RecordingSourceOptions SourceSettings => sourceOptions.Value;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Message = TempData["message"] as string;
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Status = await status.GetAsync(cancellationToken).ConfigureAwait(false);
        Agents = await calls.AgentsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IActionResult> OnPostRetryAsync(long? jobId, CancellationToken cancellationToken)
    {
        var n = await queue.RetryFailedAsync(jobId, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(HttpContext, AuditLog.Actions.Retry, jobId is { } j ? $"job:{j}" : "jobs:failed", $"{n} queued again").ConfigureAwait(false);
        signal.WorkAvailable();
        TempData["message"] = n == 1 ? "1 job queued again." : $"{n} jobs queued again.";
        return RedirectToPage();
    }

    /// <summary>A failure nobody will fix (a stray file, a test call) leaves the list and the counts; the recording is not queued again.</summary>
    public async Task<IActionResult> OnPostDismissAsync(long jobId, CancellationToken cancellationToken)
    {
        var dismissed = await queue.DismissFailedAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (dismissed) await audit.WriteAsync(HttpContext, AuditLog.Actions.Dismiss, $"job:{jobId}").ConfigureAwait(false);
        TempData["message"] = dismissed ? "The failure was dismissed." : "That job is not failed (any more); nothing was dismissed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAnalyseNowAsync()
    {
        await audit.WriteAsync(HttpContext, AuditLog.Actions.AnalyseNow, "source").ConfigureAwait(false);
        signal.DiscoverNow();
        TempData["message"] = "Looking for new recordings now.";
        return RedirectToPage();
    }

    /// <summary>
    /// An ad-hoc recording: checked as audio on arrival, stored in the source under the key pattern and queued at once.
    /// It never silently replaces a stored recording nor brings a deleted call back.
    /// </summary>
    public async Task<IActionResult> OnPostUploadAsync(CancellationToken cancellationToken)
    {
        var max = CallMetadataResolver.MaxNameLength;
        Agents = await calls.AgentsAsync(cancellationToken).ConfigureAwait(false);
        var creating = UploadAgent == NewAgentChoice;
        var agent = (creating ? UploadNewAgent : UploadAgent)?.Trim();
        if (string.IsNullOrEmpty(agent))
            ModelState.AddModelError(nameof(UploadAgent), creating ? "Type the new employee's name." : "Pick the employee from the list (or \"New employee\" to create one).");
        else if (agent.Length > max || agent.Contains('/', StringComparison.Ordinal) || agent.StartsWith('.') || agent.Any(char.IsControl))
            ModelState.AddModelError(nameof(UploadAgent), $"The employee's name may have at most {max} characters, without '/', control characters or a leading '.'.");
        else if (!creating && !Agents.Any(a => a.Name == agent))
            ModelState.AddModelError(nameof(UploadAgent), $"There is no employee '{agent}'. Pick one from the list, or choose \"New employee\" to create one.");
        if (!DateTime.TryParseExact(UploadStart, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var localStart)
            || localStart.Year is < CallMetadataResolver.MinYear or > CallMetadataResolver.MaxYear)
            ModelState.AddModelError(nameof(UploadStart), $"Give the call's start as a date and time (years {CallMetadataResolver.MinYear}-{CallMetadataResolver.MaxYear}).");
        var callId = string.IsNullOrWhiteSpace(UploadCallId) ? $"upload-{clock.GetUtcNow().ToUnixTimeMilliseconds()}" : UploadCallId.Trim();
        if (callId.Length > max || callId.Contains('/', StringComparison.Ordinal) || callId.Contains("..", StringComparison.Ordinal) || callId.Any(char.IsControl))
            ModelState.AddModelError(nameof(UploadCallId), $"The call id may have at most {max} characters, without '/', '..' or control characters.");
        var o = sourceOptions.Value;
        var (agentChannel, customerChannel) = UploadAgentChannel switch
        {
            "0" => (0, 1),
            "1" => (1, 0),
            null or "" => (o.AgentChannel, o.CustomerChannel),
            _ => (-1, -1),
        };
        if (agentChannel < 0) ModelState.AddModelError(nameof(UploadAgentChannel), "Choose the agent's channel from the list.");
        var ext = Path.GetExtension(UploadFile?.FileName ?? "").TrimStart('.').ToLowerInvariant();
        if (UploadFile is null || UploadFile.Length == 0) ModelState.AddModelError(nameof(UploadFile), "Choose a recording to upload.");
        else if (!RecordingKey.AudioExtensions.Contains(ext)) ModelState.AddModelError(nameof(UploadFile), $"'{UploadFile.FileName}' is not a supported audio file (accepted: {FormatList}).");
        else if (UploadFile.Length > MaxUploadBytes) ModelState.AddModelError(nameof(UploadFile), $"The file is larger than {MaxUploadBytes / (1024 * 1024)} MB.");
        if (!ModelState.IsValid) return await FormAsync(cancellationToken).ConfigureAwait(false);

        // Checked as audio now, with the analysis engine's own decoders, rather than failing later in the queue.
        var temp = Path.Combine(Path.GetTempPath(), $"callsentiment-upload-{Guid.NewGuid():N}.{ext}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            await using (var upload = UploadFile!.OpenReadStream())
                await upload.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            int channels;
            try
            {
                using var reader = AudioReader.Open(temp);
                channels = reader.Info.Channels;
                if (reader.Read(new float[4096 * channels]) == 0)
                    throw new AudioFormatException(AudioErrorKind.Empty, "it holds no samples");
            }
            catch (AudioFormatException e)
            {
                ModelState.AddModelError(nameof(UploadFile), $"'{UploadFile.FileName}' is not a recording that can be analysed: {e.Message.Replace(Path.GetFileName(temp), UploadFile.FileName, StringComparison.Ordinal)}");
                return await FormAsync(cancellationToken).ConfigureAwait(false);
            }
            if (RecordingProbe.ChannelProblem(agentChannel, customerChannel, channels) is { } channelProblem)
            {
                ModelState.AddModelError(nameof(UploadAgentChannel), $"The channel setting {channelProblem}.");
                return await FormAsync(cancellationToken).ConfigureAwait(false);
            }

            // Local times in keys are in the source's zone; the form is filled in in the dashboard's.
            var startUtc = WeekBuckets.LocalToUtc(localStart, dashboard.Value.Zone);
            var sourceLocal = TimeZoneInfo.ConvertTime(startUtc, o.Zone).DateTime;
            var key = pattern.Render(agent!, sourceLocal, callId, ext);
            if (!RecordingKey.IsSafe(key, out var reason))
            {
                ModelState.AddModelError(nameof(UploadFile), $"Cannot store it: {reason}.");
                return await FormAsync(cancellationToken).ConfigureAwait(false);
            }
            var history = await queue.KeyHistoryAsync(key, cancellationToken).ConfigureAwait(false);
            if (history.DeletedAt is { } deletedAt)
            {
                ModelState.AddModelError(nameof(UploadCallId), $"The call of {agent} at {Local(startUtc)} with call id '{callId}' was deleted on {Local(deletedAt)} by {history.DeletedBy}; " +
                    "a deleted call is never analysed again. Give this recording another call id.");
                return await FormAsync(cancellationToken).ConfigureAwait(false);
            }
            var previous = await source.StatAsync(key, cancellationToken).ConfigureAwait(false);
            var replacing = previous is not null || history.Known;
            if (replacing && !UploadReplace)
            {
                ModelState.AddModelError(nameof(UploadCallId), $"There is already a recording of {agent} at {Local(startUtc)} with call id '{callId}' ({key}). " +
                    "Give another call id, or tick \"Replace the existing recording\" to replace it (the call keeps its id and is analysed again).");
                return await FormAsync(cancellationToken).ConfigureAwait(false);
            }

            // Channels other than the configured ones are kept in a sidecar, written first, so any later discovery of this
            // key (a new version, another instance) reads the same roles.
            if ((agentChannel, customerChannel) != (o.AgentChannel, o.CustomerChannel))
            {
                var sidecar = JsonSerializer.SerializeToUtf8Bytes(new { channels = new { agent = agentChannel, customer = customerChannel } });
                using var sidecarStream = new MemoryStream(sidecar);
                await source.WriteAsync(RecordingKey.SidecarOf(key), sidecarStream, cancellationToken).ConfigureAwait(false);
            }
            await using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true))
                await source.WriteAsync(key, stream, cancellationToken).ConfigureAwait(false);
            var stored = await source.StatAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{key} was written but cannot be found");
            var metadata = new CallMetadata(agent!, null, startUtc, callId, null, agentChannel, customerChannel);
            var queued = await queue.EnqueueAsync([new DiscoveredRecording(stored, metadata)], cancellationToken).ConfigureAwait(false);
            if (replacing)
                await audit.WriteAsync(HttpContext, AuditLog.Actions.UploadReplace, history.CallId is { } id ? $"call:{id}" : $"recording:{key}",
                    $"{key}: version {previous?.Version ?? "(file missing)"} replaced by {stored.Version}, {UploadFile.Length} bytes").ConfigureAwait(false);
            else
                await audit.WriteAsync(HttpContext, AuditLog.Actions.Upload, $"recording:{key}", $"{UploadFile.Length} bytes").ConfigureAwait(false);
            signal.WorkAvailable();
            TempData["message"] = (replacing ? $"Replaced {key}" : $"Uploaded as {key}") +
                (queued > 0 || history.Known ? " and queued." : "; it was already queued.");
            return RedirectToPage();
        }
        finally
        {
            System.IO.File.Delete(temp);
        }
    }

    private async Task<IActionResult> FormAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public string Note(JobRow job) => job.Note(dashboard.Value.Zone);

    public string Local(DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public string DefaultStart => TimeZoneInfo.ConvertTime(clock.GetUtcNow(), dashboard.Value.Zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
