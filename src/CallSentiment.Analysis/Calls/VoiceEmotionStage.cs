using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Enhancement;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// Voice emotion per channel with the speech-emotion CNN. The stage's verdict comes from the customer's channel
/// (a mono recording: the single channel), since service recovery is about how the customer felt.
/// </summary>
/// <param name="model">The loaded model (called once per recording; the web app loads it on first use).</param>
/// <param name="enhancement">When set for the voice, each channel is denoised (GTCRN, at 16 kHz) before the model hears it.</param>
public sealed class VoiceEmotionStage(Func<SpeechEmotionModel> model, SpeechEnhancement? enhancement = null) : IAnalysisStage
{
    public const string StageName = "voice-emotion";

    public string Name => StageName;

    /// <summary>On a diarized mono call, windows end where another speaker starts: the model was trained on one voice per window.</summary>
    public bool ReadsSpeakerChanges => true;

    public Task<StageOutput> RunAsync(AnalysisContext context, CancellationToken cancellationToken) =>
        Task.Run(() => Run(context, cancellationToken), cancellationToken);

    private StageOutput Run(AnalysisContext context, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var loaded = model();
        RecordingEmotion emotion;
        // Each channel without the other parties' crosstalk: the agent's echo in the customer's line is not the customer.
        var source = CrosstalkGate.Wrap(AudioReader.Open(context.AudioPath));
        var sourceRate = source.Info.SampleRate;
        var decoded = enhancement is null ? source : enhancement.Wrap(source, enhancement.ForVoice, cancellationToken);
        var enhanced = !ReferenceEquals(decoded, source);
        var speakerChanges = source.Info.Channels == 1 ? context.SpeakerChanges : null;
        using (var reader = new ProgressReader(decoded, context.Progress))
            emotion = new EmotionAnalyzer(loaded).Analyze(reader, speakerChanges, cancellationToken);

        var mono = emotion.Channels.Count == 1;
        var channels = emotion.Channels.Select(c => ToChannelResult(c, loaded, mono ? Roles.Mixed :
            c.Channel == context.CustomerChannel ? Roles.Customer : c.Channel == context.AgentChannel ? Roles.Agent : Roles.Other)).ToList();
        var judged = channels.FirstOrDefault(c => c.Role == Roles.Customer) ?? (mono ? channels[0] : null);
        var verdict = judged is null ? null : VoiceVerdict.FromTimeline(judged.Windows);
        var detail = JsonSerializer.Serialize(new
        {
            judgedChannel = judged?.Channel,
            judgedRole = judged?.Role,
            windows = judged?.Windows.Count ?? 0,
            voicedSeconds = judged?.VoicedSeconds ?? 0,
            note = verdict is null ? "no speech heard on the judged channel" : null,
            enhanced,
            speakerChanges = speakerChanges?.Count,
            // Seconds of the other party quieted on the judged channel (echo of the agent in the customer's line).
            crosstalkSeconds = source is CrosstalkGate gate && judged is not null ? gate.QuietedFrames[judged.Channel] / 100.0 : (double?)null,
        });
        var dominant = emotion.Dominant >= 0 ? loaded.Labels[emotion.Dominant] : null;
        return new StageOutput(
            new StageResult(StageName, verdict, detail, stopwatch.ElapsedMilliseconds),
            (long)Math.Round(emotion.DurationSeconds * 1000), sourceRate, emotion.Channels.Count, channels,
            judged?.DominantEmotion ?? dominant);
    }

    private static ChannelResult ToChannelResult(ChannelEmotion c, SpeechEmotionModel model, string role)
    {
        var windows = c.Timeline.Select(w =>
        {
            var v = ValenceScores.From(w.Probabilities, model);
            var top = Array.IndexOf(w.Probabilities, w.Probabilities.Max());
            return new WindowResult((long)Math.Round(w.StartSeconds * 1000), (long)Math.Round(w.EndSeconds * 1000), model.Labels[top],
                v.Negative, v.Neutral, v.Positive, ProbabilitiesJson(w.Probabilities));
        }).ToList();
        var mean = c.Timeline.Count == 0 ? new ValenceScores(0, 0, 0) : ValenceScores.From(c.Mean, model);
        return new ChannelResult(c.Channel, role, c.VoicedSeconds, c.Dominant >= 0 ? model.Labels[c.Dominant] : null,
            mean.Negative, mean.Neutral, mean.Positive, windows);
    }

    private static string ProbabilitiesJson(float[] p)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < p.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(p[i].ToString("0.####", CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Reports the fraction decoded, for the status page's progress bars.</summary>
    private sealed class ProgressReader(AudioReader inner, IProgress<double>? progress) : AudioReader
    {
        private long _frames;
        private long _lastReport;

        public override AudioInfo Info => inner.Info;

        public override int Read(Span<float> interleaved)
        {
            var n = inner.Read(interleaved);
            _frames += n;
            if (Info.TotalFrames is > 0 and var total && _frames - _lastReport > Info.SampleRate * 10L)
            {
                _lastReport = _frames;
                progress?.Report(Math.Min(1.0, (double)_frames / total));
            }
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
