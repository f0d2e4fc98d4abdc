using CallSentiment.Analysis.Audio;
using CallSentiment.Web.Redaction;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Ingestion;

/// <summary>
/// Claims jobs and analyses up to Concurrency recordings at once. Each job's lease is renewed while it runs; a
/// failure is recorded against that job only, so one bad file never stops the worker.
/// </summary>
public sealed partial class AnalysisWorker(
    JobQueue queue, RedactedAudio redactedAudio, CallAnalyzer analyzer, IngestionSignal signal, TimeProvider clock,
    IngestionTelemetry telemetry, IOptions<IngestionOptions> options, ILogger<AnalysisWorker> logger) : BackgroundService
{
    /// <summary>How long disposing the worker waits for the jobs under way to stop.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Stops the worker and waits for the jobs under way to end. The host stops waiting for a background service after its
    /// shutdown timeout and then disposes the services: the engines (built before this worker, since it is given the
    /// analyzer, so disposed after it) hold native memory (ONNX Runtime sessions, decoders) that a stage still running would
    /// use after it is freed, which corrupts the heap and ends the process. Waiting here keeps them alive until then.
    /// </summary>
    public override void Dispose()
    {
        base.Dispose();
        if (ExecuteTask is not { IsCompleted: false } running) return;
        LogDraining(logger, DrainTimeout.TotalSeconds);
        if (!((IAsyncResult)running).AsyncWaitHandle.WaitOne(DrainTimeout)) LogDrainTimedOut(logger, DrainTimeout.TotalSeconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var instance = o.Instance;
        using var slots = new SemaphoreSlim(o.EffectiveConcurrency);
        var running = new HashSet<Task>();
        var heartbeat = HeartbeatAsync(instance, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var wake = signal.WorkRequested;
                ClaimedJob? job = null;
                try
                {
                    job = await queue.ClaimAsync(instance, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogClaimFailed(logger, e);
                }
                if (job is null)
                {
                    slots.Release();
                    await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken), wake).ConfigureAwait(false);
                    continue;
                }
                var task = Task.Run(async () =>
                {
                    try { await ProcessAsync(job, instance, stoppingToken).ConfigureAwait(false); }
                    finally { slots.Release(); }
                }, CancellationToken.None);
                lock (running) running.Add(task);
                _ = task.ContinueWith(t => { lock (running) running.Remove(t); }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Task[] pending;
        lock (running) pending = [.. running];
        await Task.WhenAll(pending).ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    private async Task HeartbeatAsync(string instance, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.HeartbeatAsync(instance, stoppingToken).ConfigureAwait(false);
                signal.LastWorkerBeat = clock.GetUtcNow();
                await Task.Delay(TimeSpan.FromSeconds(5), clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogHeartbeatFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), clock, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs every stage on one recording and stores the outcome; never throws.</summary>
    public async Task ProcessAsync(ClaimedJob job, string instance, CancellationToken stoppingToken)
    {
        using var jobCancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var progress = new ProgressBox();
        var renewer = RenewLeaseAsync(job, instance, progress, jobCancel);
        var started = clock.GetTimestamp();
        try
        {
            var (analysis, fromCopy) = await AnalyseAsync(job, progress, jobCancel.Token).ConfigureAwait(false);
            var wall = clock.GetElapsedTime(started);
            await jobCancel.CancelAsync().ConfigureAwait(false);
            await renewer.ConfigureAwait(false);
            var callId = await queue.CompleteAsync(job, instance, analysis, CancellationToken.None).ConfigureAwait(false);
            if (callId is null)
            {
                telemetry.RecordOutcome("lease_lost");
                LogLeaseLost(logger, job.SourceKey);
            }
            else
            {
                await redactedAudio.AfterStoredAsync(job.SourceKey, analysis, fromCopy, CancellationToken.None).ConfigureAwait(false);
                telemetry.RecordAnalysed(analysis, wall);
                LogAnalysed(logger, job.SourceKey, analysis.Verdict.Sentiment.ToLabel(), analysis.DurationMs / 1000.0);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await renewer.ConfigureAwait(false);
            await queue.ReleaseAsync(job, instance, CancellationToken.None).ConfigureAwait(false);
            telemetry.RecordOutcome("released");
        }
        catch (OperationCanceledException) when (progress.LeaseLost)
        {
            telemetry.RecordOutcome("lease_lost");
            LogLeaseLost(logger, job.SourceKey);
        }
        catch (Exception e)
        {
            await jobCancel.CancelAsync().ConfigureAwait(false);
            await renewer.ConfigureAwait(false);
            var permanent = e is AudioFormatException or FileNotFoundException or ArgumentException;
            var reason = e is AudioFormatException or FileNotFoundException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            LogFailed(logger, job.SourceKey, permanent, reason);
            try
            {
                var final = await queue.FailAsync(job, instance, reason, permanent, CancellationToken.None).ConfigureAwait(false);
                telemetry.RecordOutcome(final ? "failed" : "retrying");
            }
            catch (Exception recordError)
            {
                // The lease will expire and the job will be tried again: nothing is lost.
                LogRecordFailed(logger, recordError, job.SourceKey);
            }
        }
    }

    private async Task<(CallAnalysis Analysis, bool FromCopy)> AnalyseAsync(ClaimedJob job, ProgressBox progress, CancellationToken cancellationToken)
    {
        var opened = await redactedAudio.OpenAsync(job.SourceKey, cancellationToken).ConfigureAwait(false);
        using var local = opened.Local;
        var fromCopy = opened.FromCopy;
        var m = job.Metadata;
        // Roles naming channels the file does not have (from the settings; a sidecar's are checked at discovery) would be
        // analysed as silence, a confident NEUTRAL that keeps a negative call out of the QA queue: a permanent failure instead.
        using (var reader = AudioReader.Open(local.Path))
        {
            if (RecordingProbe.ChannelProblem(m.AgentChannel, m.CustomerChannel, reader.Info.Channels) is { } channelProblem)
                throw new AudioFormatException(AudioErrorKind.InvalidHeader, $"the channel roles {channelProblem}");
        }
        var context = new AnalysisContext(local.Path, m.CallId, m.AgentChannel, m.CustomerChannel, m.RolesSwapped, progress, local.RemoteUri);
        var analysis = await analyzer.AnalyseAsync(context, cancellationToken).ConfigureAwait(false);
        // The toned copy is in place before the transcript is stored: the call page never plays what its transcript hides.
        await redactedAudio.SaveAsync(job.SourceKey, local.Path, analysis, fromCopy, cancellationToken).ConfigureAwait(false);
        return (analysis, fromCopy);
    }

    private async Task RenewLeaseAsync(ClaimedJob job, string instance, ProgressBox progress, CancellationTokenSource jobCancel)
    {
        var interval = options.Value.LeaseDuration / 3;
        while (!jobCancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, jobCancel.Token).ConfigureAwait(false);
                if (!await queue.RenewAsync(job, instance, progress.Value, jobCancel.Token).ConfigureAwait(false))
                {
                    progress.LeaseLost = true;
                    await jobCancel.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                LogRenewFailed(logger, e, job.SourceKey);
            }
        }
    }

    private sealed class ProgressBox : IProgress<double>
    {
        public double Value { get; private set; }

        public volatile bool LeaseLost;

        public void Report(double value) => Value = value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysed {Key}: {Sentiment} ({Seconds:0.0} s of audio)")]
    private static partial void LogAnalysed(ILogger logger, string key, string sentiment, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis of {Key} failed (permanent: {Permanent}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string key, bool permanent, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease on {Key} was lost to another instance; its result is discarded")]
    private static partial void LogLeaseLost(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Claiming a job failed")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the failure of {Key} failed")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease on {Key} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker heartbeat failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting up to {Seconds} s for the jobs under way to stop before the engines are released")]
    private static partial void LogDraining(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs under way had not stopped {Seconds} s after shutdown began; the engines are released anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, double seconds);
}
