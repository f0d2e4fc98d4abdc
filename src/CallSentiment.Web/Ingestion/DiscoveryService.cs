using CallSentiment.Web.Access;
using CallSentiment.Web.Recordings;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Finds new recordings and queues them. A full listing runs at start and every FullScanInterval; in between,
/// polls list only the recent days' prefixes of each agent (when the key pattern starts with agent and date), so
/// a large archive is not re-listed every few seconds. Sidecars are read once, when their recording is new.
/// </summary>
public sealed partial class DiscoveryService(
    IRecordingSource source, KeyPattern pattern, JobQueue queue, IngestionSignal signal, TimeProvider clock,
    IOptions<IngestionOptions> options, IOptions<RecordingSourceOptions> sourceOptions, AuditLog audit, ILogger<DiscoveryService> logger) : BackgroundService
{
    private DateTimeOffset _lastFullScan = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var forced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the pass: an "analyse now" during the pass completes it and triggers another full pass.
            var wake = signal.DiscoverRequested;
            try
            {
                var now = clock.GetUtcNow();
                var full = forced || now - _lastFullScan >= options.Value.FullScanInterval;
                var added = await DiscoverAsync(full, stoppingToken).ConfigureAwait(false);
                if (full) _lastFullScan = now;
                signal.LastDiscovery = clock.GetUtcNow();
                signal.LastDiscoveryError = null;
                if (added > 0)
                {
                    LogQueued(logger, added, source.Description);
                    signal.WorkAvailable();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The source or database is unreachable: say so on the status page and try again next poll.
                signal.LastDiscoveryError = e.Message;
                LogFailed(logger, e, source.Description);
            }
            var delay = Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            forced = await Task.WhenAny(delay, wake).ConfigureAwait(false) == wake;
            if (stoppingToken.IsCancellationRequested) return;
        }
    }

    /// <summary>One discovery pass; returns the number of recordings queued.</summary>
    public async Task<int> DiscoverAsync(bool full, CancellationToken cancellationToken)
    {
        var prefixes = full ? [""] : await RecentPrefixesAsync(cancellationToken).ConfigureAwait(false);
        var added = 0;
        foreach (var prefix in prefixes)
            added += await DiscoverPrefixAsync(prefix, cancellationToken).ConfigureAwait(false);
        return added;
    }

    private async Task<List<string>> RecentPrefixesAsync(CancellationToken cancellationToken)
    {
        var zone = sourceOptions.Value.Zone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        var prefixes = new List<string>();
        await foreach (var agent in source.ListTopLevelAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var d = 0; d <= options.Value.LookbackDays; d++)
            {
                var prefix = pattern.PrefixFor(agent, today.AddDays(-d));
                if (prefix is null) return [""];
                prefixes.Add(prefix);
            }
        }
        return prefixes;
    }

    private async Task<int> DiscoverPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var known = await queue.KnownVersionsAsync(prefix, cancellationToken).ConfigureAwait(false);
        var listed = new List<RecordingObject>();
        var byKey = new Dictionary<string, RecordingObject>(StringComparer.Ordinal);
        await foreach (var o in source.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(o);
            byKey[o.Key] = o;
        }
        var settled = clock.GetUtcNow() - options.Value.SettleTime;
        var found = new List<DiscoveredRecording>();
        foreach (var o in listed)
        {
            if (!RecordingKey.IsAudio(o.Key) || Redaction.RedactedAudio.IsCopy(o.Key) || known.Contains((o.Key, o.Version)) || o.LastModified > settled) continue;
            // One recording's problem is that recording's: recorded against its key while the pass carries on.
            string? problem;
            try
            {
                (var recording, problem) = await ResolveAsync(o, byKey, cancellationToken).ConfigureAwait(false);
                if (recording is not null) found.Add(recording);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                problem = $"could not be read: {e.Message}";
            }
            if (problem is not null) await queue.RecordProblemAsync(o.Key, problem, cancellationToken).ConfigureAwait(false);
        }
        var added = 0;
        var knownKeys = known.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var batch in found.Chunk(500))
        {
            try
            {
                added += await queue.EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
                // A new version of a recording already analysed replaces it (in the folder or bucket, by someone): audited.
                foreach (var replaced in batch.Where(r => knownKeys.Contains(r.Object.Key)))
                    await audit.WriteAsync(null, AuditLog.Actions.RecordingReplaced, $"recording:{replaced.Object.Key}",
                        $"new version {replaced.Object.Version} found in {source.Description}", null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && batch.Length > 1)
            {
                // One row the database refuses would lose the whole batch: queue them one by one, recording the refused.
                LogBatchFailed(logger, e, batch.Length);
                foreach (var one in batch)
                {
                    try { added += await queue.EnqueueAsync([one], cancellationToken).ConfigureAwait(false); }
                    catch (Exception oneError) when (!cancellationToken.IsCancellationRequested)
                    {
                        await queue.RecordProblemAsync(one.Object.Key, $"could not be queued: {oneError.Message}", cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        return added;
    }

    /// <summary>The recording with its metadata, or the reason it cannot be queued.</summary>
    private async Task<(DiscoveredRecording? Recording, string? Problem)> ResolveAsync(
        RecordingObject o, Dictionary<string, RecordingObject> byKey, CancellationToken cancellationToken)
    {
        if (!RecordingKey.IsSafe(o.Key, out var unsafeReason)) return (null, unsafeReason);
        var so = sourceOptions.Value;
        Sidecar? sidecar = null;
        var sidecarKey = RecordingKey.SidecarOf(o.Key);
        if (byKey.TryGetValue(sidecarKey, out var sidecarObject))
        {
            // Judged by the listed size first, so an oversized sidecar is never read at all, then capped while reading.
            if (sidecarObject.Size > Sidecars.MaxBytes)
                return (null, Sidecars.TooLarge(sidecarKey, sidecarObject.Size));
            await using var stream = await source.OpenReadAsync(sidecarKey, 0, Sidecars.MaxBytes + 1, cancellationToken).ConfigureAwait(false);
            var bytes = await Sidecars.ReadCappedAsync(stream, cancellationToken).ConfigureAwait(false);
            if (bytes is null) return (null, Sidecars.TooLarge(sidecarKey, null));
            try
            {
                sidecar = Sidecar.Parse(bytes);
            }
            catch (FormatException e)
            {
                return (null, $"{sidecarKey}: {e.Message}");
            }
        }
        if (!CallMetadataResolver.TryResolve(o.Key, pattern, sidecar, so.Zone, so.AgentChannel, so.CustomerChannel, out var metadata, out var error))
            return (null, error);
        // Channels a sidecar names must exist in the file: an absent channel would be analysed as silence, a confident NEUTRAL.
        if (sidecar?.Channels is { Agent: not null } or { Customer: not null }
            && await RecordingProbe.ChannelCountAsync(source, o.Key, cancellationToken).ConfigureAwait(false) is { } channels
            && RecordingProbe.ChannelProblem(metadata!.AgentChannel, metadata.CustomerChannel, channels) is { } channelProblem)
            return (null, $"{sidecarKey}: {channelProblem}");
        return (new DiscoveredRecording(o, metadata!), null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} new recordings from {Source}")]
    private static partial void LogQueued(ILogger logger, int count, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queueing a batch of {Count} recordings failed; queueing them one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery in {Source} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string source);
}
