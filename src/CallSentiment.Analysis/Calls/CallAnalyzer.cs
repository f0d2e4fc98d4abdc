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
    private readonly IReadOnlyList<IAnalysisStage> _stages = stages.ToList();

    public IReadOnlyList<IAnalysisStage> Stages => _stages;

    public FusionModel Fusion => fusion;

    /// <summary>Runs the stages and fuses what they found. A failing stage cancels the others and its error is thrown.</summary>
    public async Task<CallAnalysis> AnalyseAsync(AnalysisContext context, CancellationToken cancellationToken) =>
        Fuse(await RunStagesAsync(context, cancellationToken).ConfigureAwait(false));

    /// <summary>The stages' own outputs, before fusion (what <see cref="Fuse"/> turns into the call's result).</summary>
    public async Task<StageOutput[]> RunStagesAsync(AnalysisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (limits is not null)
            await Task.Run(() => limits.Check(context.AudioPath), cancellationToken).ConfigureAwait(false);
        // Stages are independent readers of the same file (voice and transcript), so they run side by side: a fresh
        // negative call reaches the QA queue sooner when the worker has cores to spare.
        // A failing stage cancels the others, and its own error (not their cancellation) is what the caller sees.
        using var stagesCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = _stages.Select(s => RunStageAsync(s, context, stagesCancel)).ToList();
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (failure is not null) ExceptionDispatchInfo.Throw(failure);
            throw;
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

    private static async Task<StageOutput> RunStageAsync(IAnalysisStage stage, AnalysisContext context, CancellationTokenSource cancel)
    {
        try
        {
            return await stage.RunAsync(context, cancel.Token).ConfigureAwait(false);
        }
        catch
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
