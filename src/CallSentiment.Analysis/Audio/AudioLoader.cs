namespace CallSentiment.Analysis.Audio;

/// <summary>Whole-clip helpers for short files (datasets, tests); long recordings are streamed instead.</summary>
public static class AudioLoader
{
    /// <summary>Decodes a clip, averages its channels and resamples it to <paramref name="sampleRate"/>.</summary>
    public static float[] LoadMono(string path, int sampleRate, double maxSeconds = 600, AudioDecodeOptions? options = null)
    {
        using var reader = AudioReader.Open(path, options);
        var channels = reader.ReadAllChannels(maxSeconds);
        var mono = channels[0];
        if (channels.Length > 1)
        {
            mono = new float[channels[0].Length];
            foreach (var ch in channels)
                for (var i = 0; i < mono.Length; i++) mono[i] += ch[i] / channels.Length;
        }
        return Resampler.ResampleAll(mono, reader.Info.SampleRate, sampleRate);
    }
}
