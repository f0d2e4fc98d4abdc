using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Redaction;

/// <summary>
/// A copy of a recording with a 1 kHz tone over the redacted spans, on every channel (a stereo line carries some of
/// the other side too), as 16-bit PCM WAV at the recording's own rate. Decoded and written block by block, so a
/// long call costs no more memory than a short one.
/// </summary>
public static class ToneRedaction
{
    public const double ToneHz = 1000;

    /// <summary>Silence the recogniser put around a word is not always where it put the word: the tone starts a little early and ends a little late.</summary>
    public const double PadSeconds = 0.15;

    public const float Amplitude = 0.3f;

    /// <summary>Writes the redacted copy of <paramref name="reader"/>'s audio to <paramref name="output"/> (seekable: the header is completed at the end).</summary>
    public static void Write(AudioReader reader, IReadOnlyList<(double Start, double End)> spans, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(output);
        var rate = reader.Info.SampleRate;
        var channels = reader.Info.Channels;
        var frames = Merge(spans, rate);
        using var writer = new PcmWavWriter(output, rate, channels);
        var buffer = new float[4096 * channels];
        long frame = 0;
        var next = 0;
        int n;
        while ((n = reader.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var f = 0; f < n; f++)
            {
                var t = frame + f;
                while (next < frames.Count && frames[next].End <= t) next++;
                if (next >= frames.Count || t < frames[next].Start) continue;
                var toneSample = Amplitude * (float)Math.Sin(2 * Math.PI * ToneHz * t / rate);
                for (var c = 0; c < channels; c++) buffer[f * channels + c] = toneSample;
            }
            writer.Write(buffer.AsSpan(0, n * channels));
            frame += n;
        }
    }

    /// <summary>The spans in frames, padded, sorted and merged where they touch.</summary>
    private static List<(long Start, long End)> Merge(IReadOnlyList<(double Start, double End)> spans, int rate)
    {
        var merged = new List<(long Start, long End)>();
        foreach (var (s, e) in spans.OrderBy(s => s.Start))
        {
            var start = (long)Math.Floor(Math.Max(0, s - PadSeconds) * rate);
            var end = (long)Math.Ceiling((e + PadSeconds) * rate);
            if (merged.Count > 0 && start <= merged[^1].End) merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            else merged.Add((start, end));
        }
        return merged;
    }
}
