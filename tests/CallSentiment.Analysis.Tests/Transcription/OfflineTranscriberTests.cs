using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Analysis.Tests.Transcription;

public class OfflineTranscriberTests
{
    private const string First = "ls_1089-134691-0001";
    private const string Second = "lv_sense_and_sensibility_01_austen_64kb-0890";

    [Fact]
    public async Task TranscribeSamplesAsync_UtteranceBetweenSilences_WordsTimedInsideTheSpeech()
    {
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options);
        var speech = AsrFixtures.Utterance(First);
        var signal = AsrFixtures.Silence(1.5).Concat(speech).Concat(AsrFixtures.Silence(1.5, 2)).ToArray();
        var speechEnd = 1.5 + speech.Length / 16000.0;

        var (t, stats) = await transcriber.TranscribeSamplesAsync([signal], 2, CancellationToken.None);

        Assert.Equal(SpeakerSeparation.None, t.Separation);
        var errors = AsrFixtures.Errors(First, t.Words);
        Assert.True(errors.Rate <= 0.4, $"WER {errors.Rate:P0}: {string.Join(' ', t.Words.Select(w => w.Text))}");
        Assert.NotEmpty(t.Speech);
        Assert.InRange(stats.SpeechSeconds, 0.6 * (speechEnd - 1.5), speechEnd - 1.5 + 0.8);
        for (var i = 0; i < t.Words.Count; i++)
        {
            var w = t.Words[i];
            Assert.True(w.Start >= 1.2 && w.End <= speechEnd + 0.3, $"'{w.Text}' at {w.Start:0.00}-{w.End:0.00} s lies outside the speech 1.5-{speechEnd:0.00} s");
            Assert.True(w.End > w.Start, $"'{w.Text}' has no duration");
            Assert.Contains(t.Speech, s => w.Start >= s.Start - 1e-9 && w.End <= s.End + 1e-9);
            if (i > 0) Assert.True(w.Start >= t.Words[i - 1].End - 1e-9, "word times go backwards");
            Assert.InRange(w.Confidence, 0, 1);
        }
    }

    [Fact]
    public async Task TranscribeAsync_StereoWithOneUtterancePerChannel_EachSpeakerGetsItsOwnWords()
    {
        using var dir = new TempDir();
        var a = AsrFixtures.Utterance(First);
        var b = AsrFixtures.Utterance(Second);
        // Agent speaks first, customer answers after the agent has finished, as on a call.
        var bStart = 0.5 + a.Length / 16000.0 + 1.0;
        var length = (int)((bStart + b.Length / 16000.0 + 0.5) * 16000);
        var left = AsrFixtures.Silence(length / 16000.0, 3);
        var right = AsrFixtures.Silence(length / 16000.0, 4);
        a.CopyTo(left, 8000);
        b.CopyTo(right, (int)(bStart * 16000));
        var path = Path.Combine(dir.Path, "call.wav");
        // 8 kHz µ-law, as call recorders store it.
        await File.WriteAllBytesAsync(path, TestWav.Build([Resampler.ResampleAll(left, 16000, 8000), Resampler.ResampleAll(right, 16000, 8000)], 8000, SampleEncoding.MuLaw), CancellationToken.None);
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options);

        var t = await transcriber.TranscribeAsync(new TranscriptionRequest(path, "call"), CancellationToken.None);

        Assert.Equal(SpeakerSeparation.Channels, t.Separation);
        Assert.Equal([0, 1], t.Speakers.Select(s => s.Id));
        Assert.Equal([0, 1], t.Speakers.Select(s => s.Channel));
        var agent = t.Words.Where(w => w.Speaker == 0).ToList();
        var customer = t.Words.Where(w => w.Speaker == 1).ToList();
        Assert.True(AsrFixtures.Errors(First, agent).Rate <= 0.5, "agent: " + string.Join(' ', agent.Select(w => w.Text)));
        Assert.True(AsrFixtures.Errors(Second, customer).Rate <= 0.5, "customer: " + string.Join(' ', customer.Select(w => w.Text)));
        Assert.All(agent, w => Assert.True(w.End < bStart, $"agent word '{w.Text}' at {w.Start:0.00} s, after the agent stopped"));
        Assert.All(customer, w => Assert.True(w.Start > bStart - 0.3, $"customer word '{w.Text}' at {w.Start:0.00} s, before the customer spoke"));
        Assert.Equal(t.Words.OrderBy(w => w.Start).Select(w => w.Start), t.Words.Select(w => w.Start));
        Assert.Equal(length / 16000.0, t.DurationSeconds, 1);
    }

    [Fact]
    public async Task TranscribeAsync_AgentEchoInTheCustomersLine_CustomerGetsNoneOfTheAgentsWords()
    {
        using var dir = new TempDir();
        var (_, heard, agentEnd, customerStart) = CrosstalkGateTests.Call(echoDb: 15);
        var path = Path.Combine(dir.Path, "call.wav");
        await File.WriteAllBytesAsync(path, TestWav.Build(heard, 8000, SampleEncoding.MuLaw), CancellationToken.None);
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options);

        var t = await transcriber.TranscribeAsync(new TranscriptionRequest(path, "call"), CancellationToken.None);

        var agent = t.Words.Where(w => w.Speaker == 0).ToList();
        var customer = t.Words.Where(w => w.Speaker == 1).ToList();
        Assert.True(AsrFixtures.Errors(First, agent).Rate <= 0.5, "agent: " + string.Join(' ', agent.Select(w => w.Text)));
        Assert.True(AsrFixtures.Errors(Second, customer).Rate <= 0.5, "customer: " + string.Join(' ', customer.Select(w => w.Text)));
        Assert.All(customer, w => Assert.True(w.Start > customerStart - 0.3,
            $"customer word '{w.Text}' at {w.Start:0.00} s, while only the agent spoke (until {agentEnd:0.00} s): the agent's echo was transcribed"));
        Assert.All(agent, w => Assert.True(w.End < customerStart, $"agent word '{w.Text}' at {w.Start:0.00} s, while only the customer spoke"));
    }

    [Fact]
    public async Task TranscribeAsync_EnhancementForTheTranscript_WidebandCallInSteadyNoiseHasFewerWordErrors()
    {
        using var dir = new TempDir();
        var speech = AsrFixtures.Utterance(First);
        var signal = AsrFixtures.Silence(0.5).Concat(speech).Concat(AsrFixtures.Silence(0.5, 2)).ToArray();
        // Fan-like noise: pink noise at 5 dB SNR against the utterance.
        var noisy = TestNoise.Mix(signal, TestNoise.Pink(signal.Length, 11), speech, 5);
        var path = Path.Combine(dir.Path, "noisy.wav");
        await File.WriteAllBytesAsync(path, TestWav.Build([noisy], 16000, SampleEncoding.Pcm16), CancellationToken.None);
        using var enhancer = Enhancement.GtcrnEnhancer.Load(Path.Combine(Paths.Root, "models", "speech-enhancement", "gtcrn_simple.onnx"));

        using var plain = OfflineTranscriber.Load(AsrFixtures.Options);
        var before = AsrFixtures.Errors(First, (await plain.TranscribeAsync(new TranscriptionRequest(path, "n1"), CancellationToken.None)).Words);
        using var enhanced = OfflineTranscriber.Load(AsrFixtures.Options with
        {
            Enhancement = new Enhancement.SpeechEnhancement(enhancer, Enhancement.EnhancementMode.Transcript),
        });
        var after = AsrFixtures.Errors(First, (await enhanced.TranscribeAsync(new TranscriptionRequest(path, "n1"), CancellationToken.None)).Words);

        Assert.True(after.Rate < before.Rate, $"WER {before.Rate:P0} without enhancement, {after.Rate:P0} with");
    }

    [Fact]
    public async Task TranscribeAsync_StereoCallWithLongSpeechRuns_SameTranscriptAsTheWholeChannelPath()
    {
        using var dir = new TempDir();
        // Clips back to back: speech runs longer than MaxUtteranceSeconds, cut into several utterances.
        var left = AsrFixtures.Silence(0.5).Concat(AsrFixtures.Utterance(First)).Concat(AsrFixtures.Utterance("ls_1089-134686-0000"))
            .Concat(AsrFixtures.Utterance("ls_1089-134686-0001")).Concat(AsrFixtures.Silence(6, 2)).ToArray();
        var right = AsrFixtures.Silence(4, 3).Concat(AsrFixtures.Utterance(Second)).Concat(AsrFixtures.Utterance("lv_sense_and_sensibility_01_austen_64kb-0870"))
            .Concat(AsrFixtures.Utterance("lv_sense_and_sensibility_01_austen_64kb-0920")).ToArray();
        var length = Math.Max(left.Length, right.Length);
        Array.Resize(ref left, length);
        Array.Resize(ref right, length);
        var path = Path.Combine(dir.Path, "call.wav");
        await File.WriteAllBytesAsync(path, TestWav.Build([Resampler.ResampleAll(left, 16000, 8000), Resampler.ResampleAll(right, 16000, 8000)], 8000, SampleEncoding.MuLaw), CancellationToken.None);
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options);
        // The former path: every channel decoded whole at 16 kHz (in the decoder's blocks), then transcribed from memory;
        // through the crosstalk gate, as the recogniser hears a stereo call.
        using var reader = CrosstalkGate.Wrap(AudioReader.Open(path));
        var channels = reader.ReadAllChannels().Select(c =>
        {
            var r = new Resampler(8000, 16000);
            var output = new List<float>();
            var buffer = new float[r.MaxOutput(8192) + 64];
            for (var i = 0; i < c.Length; i += 8192) output.AddRange(buffer.AsSpan(0, r.Process(c.AsSpan(i, Math.Min(8192, c.Length - i)), buffer)));
            output.AddRange(buffer.AsSpan(0, r.Flush(buffer)));
            return output.ToArray();
        }).ToList();
        var (expected, expectedStats) = await transcriber.TranscribeSamplesAsync(channels, 2, CancellationToken.None);

        var (actual, stats) = await transcriber.TranscribeWithStatsAsync(new TranscriptionRequest(path, "call"), CancellationToken.None);

        Assert.True(expectedStats.Utterances > 4, $"{expectedStats.Utterances} utterances");
        Assert.NotEmpty(expected.Words);
        Assert.Equal(expected.Separation, actual.Separation);
        Assert.Equal(expected.Speakers, actual.Speakers);
        Assert.Equal(expected.Speech, actual.Speech);
        Assert.Equal(expected.Words, actual.Words);
        Assert.Equal(expected.DurationSeconds, actual.DurationSeconds);
        Assert.Equal(expectedStats.Utterances, stats.Utterances);
    }

    [Fact]
    public async Task TranscribeAsync_SixteenChannelsLongerThanTheLimit_RefusedFromTheHeaderBeforeDecoding()
    {
        using var dir = new TempDir();
        var path = AudioLimitsTests.SparseWav(dir.Path, "conference.wav", channels: 16, rate: 1000, tag: 7, bytesPerSample: 1, TimeSpan.FromHours(10));
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options with { MaxRecordingSeconds = 1800 });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<AudioFormatException>(() => transcriber.TranscribeAsync(new TranscriptionRequest(path, "conference"), CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refusal took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(AudioErrorKind.LimitExceeded, e.Kind);
        Assert.Contains("longer than the 1800 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TranscribeAsync_SilenceOnly_NoWordsAndNoSpeech()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "silence.wav");
        await File.WriteAllBytesAsync(path, TestWav.Build([AsrFixtures.Silence(5, 5), AsrFixtures.Silence(5, 6)], 16000, SampleEncoding.Pcm16), CancellationToken.None);
        using var transcriber = OfflineTranscriber.Load(AsrFixtures.Options);

        var t = await transcriber.TranscribeAsync(new TranscriptionRequest(path, "silence"), CancellationToken.None);

        Assert.Empty(t.Words);
        Assert.Empty(t.Speech);
        Assert.Equal(5, t.DurationSeconds, 1);
    }

    [Fact]
    public async Task TranscribeSamplesAsync_MonoWithSpeakerSegmenter_WordsCarryTheDiarizedSpeaker()
    {
        var a = AsrFixtures.Utterance(First);
        var b = AsrFixtures.Utterance(Second);
        var split = 0.5 + a.Length / 16000.0 + 0.75;
        var signal = AsrFixtures.Silence(0.5).Concat(a).Concat(AsrFixtures.Silence(1.5, 2)).Concat(b).Concat(AsrFixtures.Silence(0.5, 3)).ToArray();
        using var vad = SileroVad.Load(AsrFixtures.VadModel);
        using var transcriber = new OfflineTranscriber(AsrFixtures.Options, vad, new SplitAt(split));

        var (t, _) = await transcriber.TranscribeSamplesAsync([signal], 2, CancellationToken.None);

        Assert.Equal(SpeakerSeparation.Diarization, t.Separation);
        Assert.Equal([0, 1], t.Speakers.Select(s => s.Id));
        Assert.All(t.Speakers, s => Assert.Null(s.Channel));
        Assert.True(AsrFixtures.Errors(First, t.Words.Where(w => w.Speaker == 0)).Rate <= 0.5);
        Assert.True(AsrFixtures.Errors(Second, t.Words.Where(w => w.Speaker == 1)).Rate <= 0.5);
    }

    [Fact]
    public void Load_MissingVadModel_ThrowsNamingTheFile()
    {
        var options = AsrFixtures.Options with { VadModelPath = "/nonexistent/silero_vad.onnx" };
        var e = Assert.Throws<FileNotFoundException>(() => OfflineTranscriber.Load(options));
        Assert.Contains("/nonexistent/silero_vad.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitLong_LongSpeechRun_CutsAtTheLeastSpeechLikeWindowWithinTheLimit()
    {
        var p = Enumerable.Repeat(0.9f, (int)(50 / SileroVad.WindowSeconds)).ToArray();
        var dip = (int)(16 / SileroVad.WindowSeconds);
        p[dip] = 0.2f;

        var pieces = OfflineTranscriber.SplitLong(p, 0, 50, 20);

        Assert.Equal((dip + 0.5) * SileroVad.WindowSeconds, pieces[0].End, 3);
        Assert.All(pieces, s => Assert.True(s.End - s.Start <= 20 + 1e-9));
        Assert.Equal(0, pieces[0].Start);
        Assert.Equal(50, pieces[^1].End);
        for (var i = 1; i < pieces.Count; i++) Assert.Equal(pieces[i - 1].End, pieces[i].Start);
    }

    /// <summary>A diarizer that knows where the speaker changes: proves the seam carries labels through.</summary>
    private sealed class SplitAt(double seconds) : ISpeakerSegmenter
    {
        public IReadOnlyList<SpeechSegment> Segment(ReadOnlySpan<float> samples16k, IReadOnlyList<(double Start, double End)> speech, int maxSpeakers,
            CancellationToken cancellationToken) =>
            [.. speech.Select(s => new SpeechSegment(s.Start < seconds ? 0 : 1, s.Start, s.End))];
    }
}
