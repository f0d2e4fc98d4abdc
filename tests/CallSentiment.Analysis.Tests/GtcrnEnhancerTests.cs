using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Enhancement;
using CallSentiment.Analysis.Onnx;

namespace CallSentiment.Analysis.Tests;

public sealed class GtcrnEnhancerTests
{
    private static string ModelPath => Path.Combine(Paths.Root, "models", "speech-enhancement", "gtcrn_simple.onnx");

    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(16000)]
    [InlineData(16123)]
    public void Process_IdentityFrames_RebuildsTheSignalSampleForSample(int length)
    {
        var random = new Random(length);
        var x = new float[length];
        for (var i = 0; i < length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);

        var y = GtcrnEnhancer.Process(x, spectrum => spectrum);

        Assert.Equal(length, y.Length);
        for (var i = 0; i < length; i++) Assert.True(Math.Abs(x[i] - y[i]) < 1e-5, $"sample {i}: {x[i]} != {y[i]}");
    }

    [Fact]
    public void Enhance_SpeechInStationaryNoise_RaisesTheSnrByMoreThan6Db()
    {
        using var enhancer = GtcrnEnhancer.Load(ModelPath);
        var clean = AudioLoader.LoadMono(Paths.Dataset("asr/speech/ls_1089-134686-0000.wav"), GtcrnEnhancer.SampleRate);
        var noisy = TestNoise.Mix(clean, TestNoise.Pink(clean.Length, 7), clean, 5); // 5 dB SNR

        var enhanced = enhancer.Enhance(noisy);

        var before = Snr(clean, noisy);
        var after = Snr(clean, enhanced);
        Assert.InRange(before, 4.5, 5.5);
        Assert.True(after > before + 6, $"SNR {before:0.0} dB before, {after:0.0} dB after");
    }

    [Fact]
    public void Enhance_Silence_StaysSilent()
    {
        using var enhancer = GtcrnEnhancer.Load(ModelPath);

        var y = enhancer.Enhance(new float[16000]);

        Assert.All(y, v => Assert.True(Math.Abs(v) < 1e-3));
    }

    [Fact]
    public void Load_AnotherOnnxModel_RefusedNamingWhatWasExpected()
    {
        var silero = Paths.Dataset("../models/silero-vad/silero_vad.onnx");

        var e = Assert.Throws<OnnxRuntimeException>(() => GtcrnEnhancer.Load(silero));

        Assert.Contains("is not GTCRN's streaming model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enhance_Cancelled_Stops()
    {
        using var enhancer = GtcrnEnhancer.Load(ModelPath);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => enhancer.Enhance(new float[16000], cts.Token));
    }

    [Fact]
    public void EnhancingAudioReader_StereoTelephoneCall_EnhancesEachChannelAt16kHzStreamed()
    {
        using var enhancer = GtcrnEnhancer.Load(ModelPath);
        const int rate = 8000;
        var speech = AudioLoader.LoadMono(Paths.Dataset("asr/speech/ls_1089-134686-0000.wav"), rate);
        var random = new Random(3);
        var noisy = speech.Select(v => v + (float)(0.02 * (random.NextDouble() * 2 - 1))).ToArray();
        var wav = TestWav.Build([noisy, new float[noisy.Length]], rate, SampleEncoding.Pcm16);

        using var reader = new EnhancingAudioReader(AudioReader.OpenWav(new MemoryStream(wav)), enhancer);
        var channels = reader.ReadAllChannels();

        Assert.Equal(GtcrnEnhancer.SampleRate, reader.Info.SampleRate);
        Assert.Equal(2, channels.Length);
        Assert.Equal(reader.Info.TotalFrames, channels[0].Length);
        Assert.InRange(channels[0].Length, 2 * noisy.Length - 2, 2 * noisy.Length + 2);
        Assert.True(Rms(channels[0]) > 0.3 * Rms(speech), "the speech channel kept its speech");
        Assert.True(Rms(channels[1]) < 1e-3, "the silent channel stayed silent");
        // Independent of the block size the caller reads with: the same as enhancing the resampled channel at once.
        var once = enhancer.Enhance(Resampler.ResampleAll(TestWav.ReadAll(wav)[0], rate, GtcrnEnhancer.SampleRate));
        Assert.Equal(once.Length, channels[0].Length);
        for (var i = 0; i < once.Length; i++) Assert.True(Math.Abs(once[i] - channels[0][i]) < 1e-4, $"sample {i}");
    }

    private static double Rms(float[] x) => TestNoise.Rms(x);

    private static double Snr(float[] clean, float[] test)
    {
        double signal = 0, error = 0;
        for (var i = 0; i < clean.Length; i++)
        {
            signal += (double)clean[i] * clean[i];
            error += Math.Pow(test[i] - clean[i], 2);
        }
        return 10 * Math.Log10(signal / error);
    }
}
