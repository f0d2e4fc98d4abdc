using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Tests;

public class ResamplerTests
{
    /// <summary>Amplitude of the component at <paramref name="frequency"/> (single-bin DFT over the middle of the signal).</summary>
    private static double Amplitude(float[] x, double frequency, int rate)
    {
        int from = x.Length / 4, to = 3 * x.Length / 4;
        double re = 0, im = 0;
        for (var i = from; i < to; i++)
        {
            re += x[i] * Math.Cos(2 * Math.PI * frequency * i / rate);
            im += x[i] * Math.Sin(2 * Math.PI * frequency * i / rate);
        }
        return 2 * Math.Sqrt(re * re + im * im) / (to - from);
    }

    private static double Db(double ratio) => 20 * Math.Log10(ratio);

    [Theory]
    [InlineData(48000, 16000)]
    [InlineData(44100, 16000)]
    [InlineData(22050, 16000)]
    [InlineData(8000, 16000)]
    public void ResampleAll_InBandTone_KeepsItsAmplitude(int from, int to)
    {
        var y = Resampler.ResampleAll(TestWav.Sine(1000, from, from * 2, 0.5), from, to);
        Assert.Equal((int)Math.Ceiling(from * 2.0 * to / from), y.Length);
        Assert.InRange(Db(Amplitude(y, 1000, to) / 0.5), -0.1, 0.1);
    }

    [Theory]
    [InlineData(48000, 10000)]
    [InlineData(44100, 12000)]
    [InlineData(48000, 20000)]
    public void ResampleAll_ToneAboveNewNyquist_IsRemovedNotAliased(int from, double tone)
    {
        var y = Resampler.ResampleAll(TestWav.Sine(tone, from, from * 2, 0.5), from, 16000);
        var alias = Math.Abs(16000 - tone % 16000); // where the tone would fold to
        if (alias > 8000) alias = 16000 - alias;
        Assert.True(Db(Amplitude(y, alias, 16000) / 0.5) < -60, $"alias at {alias} Hz");
        Assert.True(Db(Rms(y) / (0.5 / Math.Sqrt(2))) < -50);
    }

    [Fact]
    public void ResampleAll_TelephoneUpsampling_HasNoImage()
    {
        var y = Resampler.ResampleAll(TestWav.Sine(1000, 8000, 16000, 0.5), 8000, 16000);
        // Zero-stuffing would mirror 1 kHz to 7 kHz.
        Assert.True(Db(Amplitude(y, 7000, 16000) / 0.5) < -60);
    }

    [Fact]
    public void Process_InRandomBlocks_EqualsWholeSignal()
    {
        var x = TestWav.Sine(440, 44100, 44100, 0.3);
        var whole = Resampler.ResampleAll(x, 44100, 16000);
        var r = new Resampler(44100, 16000);
        var output = new List<float>();
        var rng = new Random(9);
        var buffer = new float[r.MaxOutput(5000)];
        for (var i = 0; i < x.Length;)
        {
            var n = Math.Min(x.Length - i, 1 + rng.Next(3000));
            var m = r.Process(x.AsSpan(i, n), buffer);
            output.AddRange(buffer[..m]);
            i += n;
        }
        var tail = r.Flush(buffer);
        output.AddRange(buffer[..tail]);
        Assert.Equal(whole, output);
    }

    [Fact]
    public void TelephoneChannel_RemovesOutOfBandKeepsSpeechBand()
    {
        var rate = 16000;
        var low = TelephoneChannel.Apply(TestWav.Sine(100, rate, rate, 0.5), rate);
        var mid = TelephoneChannel.Apply(TestWav.Sine(1000, rate, rate, 0.5), rate);
        var high = TelephoneChannel.Apply(TestWav.Sine(5000, rate, rate, 0.5), rate);
        Assert.True(Db(Amplitude(low, 100, rate) / 0.5) < -20);
        Assert.InRange(Db(Amplitude(mid, 1000, rate) / 0.5), -1, 1);
        Assert.True(Db(Amplitude(high, 5000, rate) / 0.5) < -60);
    }

    private static double Rms(float[] y) => Math.Sqrt(y.Skip(y.Length / 4).Take(y.Length / 2).Average(v => (double)v * v));
}
