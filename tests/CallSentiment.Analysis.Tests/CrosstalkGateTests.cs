using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Tests.Transcription;

namespace CallSentiment.Analysis.Tests;

public class CrosstalkGateTests
{
    private const int Rate = 8000;

    /// <summary>
    /// A stereo call at 8 kHz: the agent's utterance on channel 0 from 0.5 s, the customer's on channel 1
    /// <paramref name="gap"/> seconds after the agent ends; the agent's voice returns into the customer's line
    /// <paramref name="echoDb"/> down after 120 ms, and the customer leaks 30 dB down into the agent's headset.
    /// </summary>
    internal static (float[][] Clean, float[][] WithEcho, double AgentEnd, double CustomerStart) Call(double echoDb = 15, double gap = 1.0)
    {
        var a = Resampler.ResampleAll(AsrFixtures.Utterance("ls_1089-134691-0001"), 16000, Rate);
        var b = Resampler.ResampleAll(AsrFixtures.Utterance("lv_sense_and_sensibility_01_austen_64kb-0890"), 16000, Rate);
        var agentEnd = 0.5 + (double)a.Length / Rate;
        var customerStart = agentEnd + gap;
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
    public void Read_ReplyRightAfterTheOtherStops_ItsFirstSyllablesPass()
    {
        // The customer answers 150 ms after the agent ends: their own span is still quiet and the agent's still loud,
        // but their speech is louder than any echo of the agent can be, so it is not cut.
        var (clean, heard, agentEnd, customerStart) = Call(gap: 0.15);

        var gated = Gate(heard);

        var onset = FirstFrameAbove(heard[1], customerStart, Db(clean[1], agentEnd, customerStart) + 10);
        // The first 150 ms of the reply, while the agent's last syllables are within a round trip.
        Assert.Equal(heard[1][onset..(onset + 3 * Rate / 20)], gated[1][onset..(onset + 3 * Rate / 20)]);
    }

    /// <summary>The first sample of the first 10 ms frame from <paramref name="from"/> whose level exceeds <paramref name="db"/>.</summary>
    private static int FirstFrameAbove(float[] x, double from, double db)
    {
        for (var i = (int)(from * Rate); i + Rate / 100 <= x.Length; i += Rate / 100)
            if (Db(x, (double)i / Rate, (double)(i + Rate / 100) / Rate) > db) return i;
        throw new InvalidOperationException("no speech");
    }

    [Fact]
    public void Read_CleanLines_ComeOutSampleForSample()
    {
        var (clean, _, _, _) = Call();

        var gated = Gate(clean, out var quieted);

        // Each line's noise under the other party's speech is crosstalk by the levels, but it is the line itself: left
        // as it is, so a clean call is analysed exactly as without the gate.
        Assert.Equal([0L, 0L], quieted);
        Assert.Equal(clean[0], gated[0]);
        Assert.Equal(clean[1], gated[1]);
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
