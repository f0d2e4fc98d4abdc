using System.Buffers.Binary;
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
        if (!output.CanSeek) throw new ArgumentException("the output must be seekable", nameof(output));
        var rate = reader.Info.SampleRate;
        var channels = reader.Info.Channels;
        var frames = Merge(spans, rate);
        var origin = output.Position;
        WriteHeader(output, rate, channels, 0);
        var buffer = new float[4096 * channels];
        var bytes = new byte[buffer.Length * 2];
        long frame = 0;
        long dataBytes = 0;
        var next = 0;
        int n;
        while ((n = reader.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var f = 0; f < n; f++)
            {
                var t = frame + f;
                while (next < frames.Count && frames[next].End <= t) next++;
                var tone = next < frames.Count && t >= frames[next].Start;
                var toneSample = tone ? Amplitude * (float)Math.Sin(2 * Math.PI * ToneHz * t / rate) : 0f;
                for (var c = 0; c < channels; c++)
                {
                    var x = tone ? toneSample : Math.Clamp(buffer[f * channels + c], -1f, 1f);
                    BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan((f * channels + c) * 2), (short)Math.Clamp(Math.Round(x * 32768), -32768, 32767));
                }
            }
            output.Write(bytes, 0, n * channels * 2);
            frame += n;
            dataBytes += n * channels * 2L;
            if (dataBytes > uint.MaxValue - 36)
                throw new InvalidOperationException("the redacted copy would be over 4 GB, more than a WAV file holds");
        }
        var end = output.Position;
        output.Position = origin;
        WriteHeader(output, rate, channels, dataBytes);
        output.Position = end;
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

    private static void WriteHeader(Stream output, int rate, int channels, long dataBytes)
    {
        Span<byte> h = stackalloc byte[44];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(36 + dataBytes));
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)(rate * channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], 16);
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[40..], (uint)dataBytes);
        output.Write(h);
    }
}
