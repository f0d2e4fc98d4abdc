using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Tests;

/// <summary>WAV fixtures for the tests.</summary>
internal static class TestWav
{
    public static byte[] Build(float[][] channels, int rate, SampleEncoding encoding, bool extensible = false, bool rf64 = false, bool extraChunks = false) =>
        WavWriter.Build(channels, rate, encoding, extensible, rf64, extraChunks);

    public static byte[] Container(byte[] data, int rate, int channels, int tag, int bytesPerSample) =>
        WavWriter.Container(data, rate, channels, tag, bytesPerSample);

    public static float[] Sine(double frequency, int rate, int samples, double amplitude = 0.5)
    {
        var x = new float[samples];
        for (var i = 0; i < samples; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate));
        return x;
    }

    public static float[][] ReadAll(byte[] wav) => AudioReader.OpenWav(new MemoryStream(wav)).ReadAllChannels();
}
