using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Visualization;

/// <summary>
/// The call page's waveform: one lane per channel (agent, customer) stacked top to bottom, each pixel column showing
/// the min/max envelope of its stretch of audio with the RMS band drawn lighter inside it, on a transparent
/// background so it sits on any dashboard theme. Amplitude is full scale (not normalised), so the two sides of a
/// call and clipping compare honestly.
/// </summary>
public static class WaveformImage
{
    private const int BlockFrames = 8192;

    // Fine bins per image column when the length is unknown: envelopes stay sharp after resampling.
    private const int UnknownBinsPerColumn = 8;

    private static readonly byte[] Envelope = [37, 99, 235, 255];
    private static readonly byte[] Rms = [147, 197, 253, 255];
    private static readonly byte[] CentreLine = [148, 163, 184, 255];

    /// <summary>
    /// Streams <paramref name="reader"/> to its end and returns a PNG (RGBA) of
    /// <paramref name="width"/> × (<paramref name="heightPerChannel"/> × channels) pixels.
    /// </summary>
    public static byte[] Render(AudioReader reader, int width, int heightPerChannel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var channels = reader.Info.Channels;
        PngEncoder.CheckSize(width, heightPerChannel, channels);

        var bins = new ColumnBins(width, reader.Info.TotalFrames, UnknownBinsPerColumn);
        var capacity = bins.Capacity;
        var min = new float[capacity * channels];
        var max = new float[capacity * channels];
        var sumSq = new double[capacity * channels];
        var count = new long[capacity];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);

        var block = new float[BlockFrames * channels];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var f = 0; f < frames;)
            {
                var (bin, run) = bins.Next(frames - f, out var compact);
                if (compact)
                {
                    Halve(min, max, sumSq, count, channels);
                    continue;
                }
                count[bin] += run;
                for (var c = 0; c < channels; c++)
                {
                    var k = bin * channels + c;
                    float lo = min[k], hi = max[k], s = 0;
                    for (int i = f * channels + c, end = (f + run) * channels; i < end; i += channels)
                    {
                        var v = block[i];
                        if (v < lo) lo = v;
                        if (v > hi) hi = v;
                        s += v * v; // a run is at most one block: float is precise enough before the double sum
                    }
                    min[k] = lo;
                    max[k] = hi;
                    sumSq[k] += s;
                }
                f += run;
            }
        }

        var height = heightPerChannel * channels;
        var pixels = new byte[width * height * 4]; // transparent
        for (var c = 0; c < channels; c++)
        {
            var top = c * heightPerChannel;
            var centre = top + Row(0, heightPerChannel);
            for (var x = 0; x < width; x++) Put(pixels, width, x, centre, CentreLine);
            for (var x = 0; x < width; x++)
            {
                var (from, to) = bins.Column(x);
                float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                double s = 0;
                long n = 0;
                for (var b = from; b < to; b++)
                {
                    lo = Math.Min(lo, min[b * channels + c]);
                    hi = Math.Max(hi, max[b * channels + c]);
                    s += sumSq[b * channels + c];
                    n += count[b];
                }
                if (n == 0) continue;
                int yHi = Row(hi, heightPerChannel), yLo = Row(lo, heightPerChannel);
                for (var y = yHi; y <= yLo; y++) Put(pixels, width, x, top + y, Envelope);
                var rms = (float)Math.Sqrt(s / n);
                // The RMS band can poke out of a one-sided envelope (a DC offset): keep it inside.
                int rTop = Math.Max(yHi, Row(rms, heightPerChannel)), rBottom = Math.Min(yLo, Row(-rms, heightPerChannel));
                for (var y = rTop; y <= rBottom; y++) Put(pixels, width, x, top + y, Rms);
            }
        }
        return PngEncoder.Encode(pixels, width, height, 4);
    }

    /// <summary>Row of amplitude <paramref name="v"/> in a lane: +1 at the top, -1 at the bottom, 0 in the middle.</summary>
    private static int Row(float v, int laneHeight) =>
        (int)Math.Floor((laneHeight - 1) * 0.5 * (1 - Math.Clamp(v, -1f, 1f)) + 0.5);

    private static void Put(byte[] pixels, int width, int x, int y, byte[] rgba) =>
        rgba.CopyTo(pixels.AsSpan((y * width + x) * 4, 4));

    /// <summary>Merges bins 2i and 2i+1 into i and empties the upper half (see <see cref="ColumnBins"/>).</summary>
    private static void Halve(float[] min, float[] max, double[] sumSq, long[] count, int channels)
    {
        var half = count.Length / 2;
        for (var i = 0; i < half; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                int d = i * channels + c, a = 2 * i * channels + c, b = (2 * i + 1) * channels + c;
                min[d] = Math.Min(min[a], min[b]);
                max[d] = Math.Max(max[a], max[b]);
                sumSq[d] = sumSq[a] + sumSq[b];
            }
            count[i] = count[2 * i] + count[2 * i + 1];
        }
        Array.Fill(min, float.PositiveInfinity, half * channels, half * channels);
        Array.Fill(max, float.NegativeInfinity, half * channels, half * channels);
        Array.Clear(sumSq, half * channels, half * channels);
        Array.Clear(count, half, half);
    }
}
