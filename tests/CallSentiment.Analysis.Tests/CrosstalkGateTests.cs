using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Tests.Transcription;

namespace CallSentiment.Analysis.Tests;

public class CrosstalkGateTests
{
    private const int Rate = 8000;

    /// <summary>
    /// A stereo call at 8 kHz: the agent's utterance on channel 0 from 0.5 s, the customer's on channel 1 one second
    /// after the agent ends; the agent's voice returns into the customer's line <paramref name="echoDb"/> down after
    /// 120 ms, and the customer leaks 30 dB down into the agent's headset.
    /// </summary>
    internal static (float[][] Clean, float[][] WithEcho, double AgentEnd, double CustomerStart) Call(double echoDb = 15)
    {
        var a = Resampler.ResampleAll(AsrFixtures.Utterance("ls_1089-134691-0001"), 16000, Rate);
        var b = Resampler.ResampleAll(AsrFixtures.Utterance("lv_sense_and_sensibility_01_austen_64kb-0890"), 16000, Rate);
        var agentEnd = 0.5 + (double)a.Length / Rate;
        var customerStart = agentEnd + 1.0;
        var length = (int)((customerStart + (double)b.Length / Rate + 0.5) * Rate);
        var agent = Resampler.ResampleAll(AsrFixtures.Silence((double)length / Rate + 0.1, 3), 16000, Rate)[..length];
        var customer = Resampler.ResampleAll(AsrFixtures.Silence((double)length / Rate + 0.1, 4), 16000, Rate)[..length];
        for (var i = 0; i < a.Length; i++) agent[Rate / 2 + i] += a[i];
        for (var i = 0; i < b.Length; i++) customer[(int)(customerStart * Rate) + i] += b[i];
        var delay = (int)(0.12 * Rate);
        float echo = (float)Math.Pow(10, -echoDb / 20), leak = (float)Math.Pow(10, -30 / 20.0);
        var agentHeard = new float[length];
        var customerHeard = new float[length];
        for (var i = 0; i < length; i++)
        {
            agentHeard[i] = agent[i] + leak * customer[i];
            customerHeard[i] = customer[i] + (i >= delay ? echo * agent[i - delay] : 0);
        }
        return ([agent, customer], [agentHeard, customerHeard], agentEnd, customerStart);
    }

    private static float[][] Gate(float[][] channels, int readFrames = 4096) => Gate(channels, out _, readFrames);

    private static float[][] Gate(float[][] channels, out long[] quieted, int readFrames = 4096)
    {
        using var gate = (CrosstalkGate)CrosstalkGate.Wrap(AudioReader.OpenWav(new MemoryStream(TestWav.Build(channels, Rate, SampleEncoding.Float32))));
        var n = channels.Length;
        var outs = channels.Select(_ => new List<float>()).ToArray();
        var buffer = new float[readFrames * n];
        int frames;
        while ((frames = gate.Read(buffer)) > 0)
            for (var f = 0; f < frames; f++)
                for (var c = 0; c < n; c++) outs[c].Add(buffer[f * n + c]);
        quieted = gate.QuietedFrames;
        return [.. outs.Select(o => o.ToArray())];
    }

    private static double Db(float[] x, double from, double to)
    {
        double s = 0;
        int i0 = (int)(from * Rate), i1 = (int)(to * Rate);
        for (var i = i0; i < i1; i++) s += x[i] * x[i];
        return 10 * Math.Log10(s / (i1 - i0) + 1e-20);
    }

    [Fact]
    public void Read_AgentEchoInTheCustomersLine_BroughtDownToTheLineAndTheCustomerKept()
    {
        var (clean, heard, agentEnd, customerStart) = Call();

        var gated = Gate(heard, out var quieted);

        // While only the agent talks, the customer's line held the echo 15 dB down; the gate takes it to the line's noise.
        var echoIn = Db(heard[1], 0.7, agentEnd);
        var echoOut = Db(gated[1], 0.7, agentEnd);
        var line = Db(clean[1], 0.7, agentEnd);
        Assert.True(echoIn - echoOut > 15, $"echo {echoIn:0.0} dB in, {echoOut:0.0} dB out (line {line:0.0} dB)");
        Assert.True(echoOut - line < 6, $"echo left {echoOut - line:0.0} dB above the line's noise");
        // Each party's own speech passes (within a fraction of a dB), and so does the agent's line while the customer talks.
        var end = gated[0].Length / (double)Rate - 0.5;
        Assert.InRange(Db(gated[1], customerStart, end) - Db(heard[1], customerStart, end), -0.5, 0.01);
        Assert.InRange(Db(gated[0], 0.5, agentEnd) - Db(heard[0], 0.5, agentEnd), -0.5, 0.01);
        Assert.True(Db(heard[0], customerStart, end) - Db(gated[0], customerStart, end) > 10, "the customer's leak into the agent's headset is taken out too");
        // What was quieted is counted: most of the agent's talk on the customer's line.
        Assert.InRange(quieted[1] / 100.0, 0.6 * (agentEnd - 0.5), agentEnd - 0.5 + 0.3);
    }

    [Fact]
    public void Read_CleanLines_NothingQuietedAndSpeechUnchanged()
    {
        var (clean, _, agentEnd, customerStart) = Call();

        var gated = Gate(clean, out var quieted);

        Assert.Equal([0L, 0L], quieted);
        var end = gated[0].Length / (double)Rate - 0.5;
        Assert.InRange(Db(gated[0], 0.5, agentEnd) - Db(clean[0], 0.5, agentEnd), -0.2, 0.01);
        Assert.InRange(Db(gated[1], customerStart, end) - Db(clean[1], customerStart, end), -0.2, 0.01);
    }

    [Fact]
    public void Read_SameMixOnEveryChannel_ComesOutUnchanged()
    {
        var (_, heard, _, _) = Call();
        float[][] twice = [heard[1], heard[1]];

        var gated = Gate(twice);

        Assert.Equal(twice[0], gated[0]);
        Assert.Equal(twice[1], gated[1]);
    }

    [Fact]
    public void Read_AnyReadSize_SameSamples()
    {
        var (_, heard, _, _) = Call();

        var whole = Gate(heard);

        foreach (var size in new[] { 1, 37, 80, 1000 })
        {
            var gated = Gate(heard, size);
            Assert.Equal(whole[0], gated[0]);
            Assert.Equal(whole[1], gated[1]);
        }
        Assert.Equal(heard[0].Length, whole[0].Length);
    }

    [Fact]
    public void Wrap_MonoReader_ReturnsItAsItIs()
    {
        using var reader = AudioReader.OpenWav(new MemoryStream(TestWav.Build([TestWav.Sine(440, Rate, Rate)], Rate, SampleEncoding.Pcm16)));

        Assert.Same(reader, CrosstalkGate.Wrap(reader));
    }
}
