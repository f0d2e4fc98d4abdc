using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Analysis.Tests;

public class SileroVadTests
{
    private static string ModelPath => Path.Combine(Paths.Shared, "models", "silero-vad", "silero_vad.onnx");

    [Fact]
    public void Detect_SpeechBetweenSilences_FindsTheSpeechOnly()
    {
        using var vad = SileroVad.Load(ModelPath);
        var speech = AudioLoader.LoadMono(Paths.Dataset("asr/speech/ls_1089-134686-0000.wav"), 16000);
        var silence = new float[2 * SileroVad.SampleRate];
        var signal = silence.Concat(speech).Concat(silence).ToArray();

        var segments = vad.Detect(signal);

        Assert.NotEmpty(segments);
        Assert.True(segments[0].Start > 1.7, $"speech starts at {segments[0].Start:0.00}s, the silence lasts 2 s");
        var speechEnd = 2 + (double)speech.Length / SileroVad.SampleRate;
        Assert.True(segments[^1].End < speechEnd + 0.3, $"speech ends at {segments[^1].End:0.00}s, the audio at {speechEnd:0.00}s");
        var covered = segments.Sum(s => s.End - s.Start);
        Assert.True(covered > 0.6 * (speechEnd - 2), $"only {covered:0.0}s of {speechEnd - 2:0.0}s of read speech marked as speech");
    }

    [Fact]
    public void Detect_SilenceAndTone_FindsNoSpeech()
    {
        using var vad = SileroVad.Load(ModelPath);
        var signal = new float[SileroVad.SampleRate].Concat(TestWav.Sine(1000, 16000, 3 * SileroVad.SampleRate, 0.3)).ToArray();
        Assert.Empty(vad.Detect(signal));
    }

    [Fact]
    public void Segment_ShortPausesJoinAndShortBurstsDrop()
    {
        var p = new float[100];
        for (var i = 10; i < 40; i++) p[i] = 0.9f; // 0.32 s .. 1.28 s
        for (var i = 42; i < 60; i++) p[i] = 0.9f; // after a 64 ms pause: joined
        p[80] = 0.9f; // one 32 ms burst: dropped
        var segments = SileroVad.Segment(p, 3.2, new VadSettings { PadSeconds = 0 });
        var s = Assert.Single(segments);
        Assert.Equal(0.32, s.Start, 3);
        Assert.Equal(1.92, s.End, 3);
    }
}
