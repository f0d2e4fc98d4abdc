using System.Runtime.ExceptionServices;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// The analysis of one recording: every stage side by side, then the fusion into a verdict per speaker and per call.
/// The background worker and <c>callsentiment evaluate-calls</c> both run exactly this.
/// </summary>
/// <param name="stages">The stages, run side by side.</param>
/// <param name="fusion">How words and voice combine into the call's verdict.</param>
/// <param name="limits">When set, a recording over them is refused from its header before any stage decodes it.</param>
public sealed class CallAnalyzer(IEnumerable<IAnalysisStage> stages, FusionModel fusion, AudioLimits? limits = null)
{
    private readonly List<IAnalysisStage> _stages = stages.ToList();

    public IReadOnlyList<IAnalysisStage> Stages => _stages;

    public FusionModel Fusion => fusion;

    /// <summary>Runs the stages and fuses what they found. A failing stage cancels the others and its error is thrown.</summary>
    public async Task<CallAnalysis> AnalyseAsync(AnalysisContext context, CancellationToken cancellationToken) =>
        Fuse(await RunStagesAsync(context, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The stages' own outputs, before fusion (what <see cref="Fuse"/> turns into the call's result). Stages run side by
    /// side, except on a mono recording: there the stages that read speaker changes (the voice) run after the others,
    /// with the changes the transcript found, so the voice is read one speaker at a time as it was trained.
    /// <paramref name="run"/> runs one stage (default: the stage itself; evaluate-calls reads and keeps outputs on disk).
    /// </summary>
    public async Task<StageOutput[]> RunStagesAsync(AnalysisContext context, CancellationToken cancellationToken,
        Func<IAnalysisStage, AnalysisContext, CancellationToken, Task<StageOutput>>? run = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = limits is null ? null
            : await Task.Run(() => limits.Check(context.AudioPath), cancellationToken).ConfigureAwait(false);
        run ??= (stage, c, token) => stage.RunAsync(c, token);
        var outputs = new StageOutput[_stages.Count];
        var afterSpeakers = _stages.Any(s => s.ReadsSpeakerChanges) && _stages.Any(s => !s.ReadsSpeakerChanges)
            && (header?.Channels ?? await Task.Run(() => Channels(context.AudioPath), cancellationToken).ConfigureAwait(false)) == 1;
        if (!afterSpeakers)
        {
            await RunAsync(Enumerable.Range(0, _stages.Count), context).ConfigureAwait(false);
            return outputs;
        }
        var readers = Enumerable.Range(0, _stages.Count).Where(i => _stages[i].ReadsSpeakerChanges).ToList();
        await RunAsync(Enumerable.Range(0, _stages.Count).Except(readers), context).ConfigureAwait(false);
        var changes = outputs.Select(o => o?.Conversation).OfType<ConversationResult>().FirstOrDefault()?.SpeakerChanges() ?? [];
        await RunAsync(readers, changes.Count > 0 ? context with { SpeakerChanges = changes } : context).ConfigureAwait(false);
        return outputs;

        // Stages are independent readers of the same file (voice and transcript), so they run side by side: a fresh
        // negative call reaches the QA queue sooner when the worker has cores to spare.
        // A failing stage cancels the others, and its own error (not their cancellation) is what the caller sees.
        async Task RunAsync(IEnumerable<int> which, AnalysisContext c)
        {
            using var stagesCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = which.Select(i => RunStageAsync(i, c, stagesCancel)).ToList();
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch when (!cancellationToken.IsCancellationRequested)
            {
                var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
                if (failure is not null) ExceptionDispatchInfo.Throw(failure);
                throw;
            }
        }

        async Task RunStageAsync(int i, AnalysisContext c, CancellationTokenSource cancel)
        {
            try
            {
                outputs[i] = await run(_stages[i], c, cancel.Token).ConfigureAwait(false);
            }
            catch
            {
                await cancel.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    // A recording whose header cannot be read is left to the stages, which report what is wrong with it.
    private static int Channels(string path)
    {
        try
        {
            return AudioProbe.Read(path, null).Channels;
        }
        catch (Exception e) when (e is AudioFormatException or IOException)
        {
            return 0;
        }
    }

    /// <summary>The call's result from its stages' outputs (pure: the same outputs always give the same result).</summary>
    public CallAnalysis Fuse(IReadOnlyList<StageOutput> results)
    {
        var voice = results.FirstOrDefault(r => r.Channels is not null)
            ?? throw new InvalidOperationException("no enabled stage measured the recording");
        var conversation = results.Select(r => r.Conversation).OfType<ConversationResult>().FirstOrDefault();
        Verdict verdict;
        bool lowConfidence = false, forRecovery;
        if (conversation is null)
        {
            // Voice only (Transcription:Engine=None): the voice stage's verdict.
            verdict = VerdictFusion.Combine(results.Select(r => r.Result.Verdict).OfType<Verdict>().ToList());
            forRecovery = verdict.Sentiment == Sentiment.Negative;
        }
        else
        {
            conversation = CallFusion.Fuse(conversation, voice.Channels!, (voice.DurationMs ?? 0) / 1000.0, fusion);
            // The customer's side drives the verdict (service recovery is about how the customer felt).
            var customer = conversation.Customer?.Mood?.Fusion;
            verdict = customer?.Verdict ?? VerdictFusion.Combine([]);
            lowConfidence = customer?.LowConfidence ?? true;
            forRecovery = customer is not null && fusion.ForRecovery(customer);
        }
        return new CallAnalysis(voice.DurationMs ?? 0, voice.SampleRate ?? 0, voice.ChannelCount ?? 0, verdict, voice.DominantEmotion,
            voice.Channels!, results.Select(r => r.Result).ToList(), conversation, lowConfidence, forRecovery,
            conversation is null ? null : fusion.Version);
    }
}
