using System.Numerics;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;

namespace CallSentiment.Analysis.Visualization;

/// <summary>
/// The call page's spectrogram: one lane per channel stacked top to bottom, time left to right, frequency 0 to
/// Nyquist bottom to top (linear), colour = dB of the mean Hann-windowed STFT power in each pixel, over the
/// 80 dB below the image's peak, in a viridis-like map (perceptually even, readable in grey).
/// </summary>
public static class SpectrogramImage
{
    private const int BlockFrames = 8192;
    private const double DynamicRangeDb = 80;

    // The peak is never taken below this (dB re a full-scale sine), so digital silence stays dark instead of
    // being stretched over the whole colour map.
    private const double QuietestPeakDb = -100;

    // Fine bins per column when the length is unknown; fewer than the waveform's, each holds a whole spectrum.
    private const int UnknownBinsPerColumn = 4;

    private static readonly byte[] Palette = BuildPalette();

    /// <summary>
    /// Streams <paramref name="reader"/> to its end and returns a PNG (RGB) of
    /// <paramref name="width"/> × (<paramref name="heightPerChannel"/> × channels) pixels.
    /// </summary>
    public static byte[] Render(AudioReader reader, int width, int heightPerChannel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var info = reader.Info;
        var channels = info.Channels;
        PngEncoder.CheckSize(width, heightPerChannel, channels);

        // ~25 ms frames whatever the rate: 256 at 8 kHz, 512 at 16 kHz; 31 Hz resolution resolves voice harmonics.
        var nfft = (int)Math.Max(256, BitOperations.RoundUpToPowerOf2((uint)(info.SampleRate / 40)));
        var nb = nfft / 2 + 1;
        // Half-overlapping frames (Welch averaging) unless columns are shorter than that: then one frame per column.
        var hop = nfft / 2;
        long? items = null;
        if (info.TotalFrames is { } total and > 0)
        {
            hop = (int)Math.Clamp(total / width, 1, nfft / 2);
            items = (total + hop - 1) / hop; // frames are centred on samples 0, hop, 2·hop, ... < total
        }
        var bins = new ColumnBins(width, items, UnknownBinsPerColumn);
        var power = new float[(long)bins.Capacity * channels * nb];
        var count = new long[bins.Capacity];

        var window = new float[nfft];
        for (var i = 0; i < nfft; i++) window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / nfft)); // periodic Hann
        var fft = new RealFft(nfft);
        var frame = new float[nfft];
        var spectrum = new float[nb];
        var buffers = new float[channels][];
        for (var c = 0; c < channels; c++) buffers[c] = new float[nfft];
        var fill = nfft / 2; // zeros before the first sample centre frame 0 on it
        long read = 0, emitted = 0;

        void Emit()
        {
            var (bin, _) = bins.Next(1, out var compact);
            if (compact)
            {
                Halve(power, count, channels * nb);
                (bin, _) = bins.Next(1, out _);
            }
            count[bin]++;
            for (var c = 0; c < channels; c++)
            {
                var x = buffers[c];
                for (var i = 0; i < nfft; i++) frame[i] = x[i] * window[i];
                fft.PowerSpectrum(frame, spectrum);
                var sum = power.AsSpan((int)(((long)bin * channels + c) * nb), nb);
                for (var k = 0; k < nb; k++) sum[k] += spectrum[k];
                Array.Copy(x, hop, x, 0, nfft - hop);
            }
            fill = nfft - hop;
            emitted++;
        }

        var block = new float[BlockFrames * channels];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            read += frames;
            for (var f = 0; f < frames;)
            {
                var take = Math.Min(frames - f, nfft - fill);
                for (var c = 0; c < channels; c++)
                {
                    var x = buffers[c];
                    for (int i = 0, j = f * channels + c; i < take; i++, j += channels) x[fill + i] = block[j];
                }
                fill += take;
                f += take;
                if (fill == nfft) Emit();
            }
        }
        // The last frames reach past the end: pad with zeros until every hop position in the signal has a frame.
        while (emitted < (read + hop - 1) / hop)
        {
            foreach (var x in buffers) Array.Clear(x, fill, nfft - fill);
            Emit();
        }

        return Draw(bins, power, count, channels, nb, width, heightPerChannel, FullScaleSineDb(window));
    }

    private static byte[] Draw(ColumnBins bins, float[] power, long[] count, int channels, int nb, int width, int laneHeight, double referenceDb)
    {
        // dB of the mean power per column, channel and frequency bin; the peak sets the colour scale.
        var db = new float[width * channels * nb];
        var peak = QuietestPeakDb;
        var mean = new double[nb];
        for (var x = 0; x < width; x++)
        {
            var (from, to) = bins.Column(x);
            long n = 0;
            for (var b = from; b < to; b++) n += count[b];
            for (var c = 0; c < channels; c++)
            {
                Array.Clear(mean);
                for (var b = from; b < to; b++)
                {
                    var sum = power.AsSpan((int)(((long)b * channels + c) * nb), nb);
                    for (var k = 0; k < nb; k++) mean[k] += sum[k];
                }
                var o = (x * channels + c) * nb;
                for (var k = 0; k < nb; k++)
                {
                    var v = n == 0 ? -1000 : 10 * Math.Log10(mean[k] / n + 1e-30) - referenceDb;
                    db[o + k] = (float)v;
                    if (v > peak) peak = v;
                }
            }
        }

        // Image row r (0 at the bottom) sits at bin position r·(nb-1)/(H-1) and covers one row's worth of bins: the
        // loudest of them, so a narrow tone never vanishes between rows; when rows are finer than bins, interpolate.
        var rowFrom = new int[laneHeight];
        var rowTo = new int[laneHeight];
        var rowPos = new double[laneHeight];
        var step = laneHeight == 1 ? nb - 1.0 : (nb - 1.0) / (laneHeight - 1);
        for (var r = 0; r < laneHeight; r++)
        {
            rowPos[r] = laneHeight == 1 ? 0 : r * step;
            rowFrom[r] = Math.Max(0, (int)Math.Ceiling(rowPos[r] - step / 2));
            rowTo[r] = Math.Min(nb - 1, (int)Math.Floor(rowPos[r] + step / 2));
        }

        var height = laneHeight * channels;
        var pixels = new byte[width * height * 3];
        var floor = peak - DynamicRangeDb;
        for (var c = 0; c < channels; c++)
        {
            for (var x = 0; x < width; x++)
            {
                var column = db.AsSpan((x * channels + c) * nb, nb);
                for (var r = 0; r < laneHeight; r++)
                {
                    float v;
                    if (rowFrom[r] <= rowTo[r])
                    {
                        v = column[rowFrom[r]];
                        for (var k = rowFrom[r] + 1; k <= rowTo[r]; k++) v = Math.Max(v, column[k]);
                    }
                    else
                    {
                        var k = Math.Min(nb - 2, (int)rowPos[r]);
                        var t = (float)(rowPos[r] - k);
                        v = column[k] + t * (column[k + 1] - column[k]);
                    }
                    var level = (int)Math.Round(Math.Clamp((v - floor) / DynamicRangeDb, 0, 1) * 255);
                    var y = c * laneHeight + laneHeight - 1 - r;
                    Palette.AsSpan(level * 3, 3).CopyTo(pixels.AsSpan((y * width + x) * 3, 3));
                }
            }
        }
        return PngEncoder.Encode(pixels, width, height, 3);
    }

    /// <summary>Power of a full-scale sine in one bin with this window, (Σw / 2)²: makes levels dB re full scale.</summary>
    private static double FullScaleSineDb(float[] window)
    {
        double sum = 0;
        foreach (var w in window) sum += w;
        return 20 * Math.Log10(sum / 2);
    }

    /// <summary>Merges bins 2i and 2i+1 into i and empties the upper half (see <see cref="ColumnBins"/>).</summary>
    private static void Halve(float[] power, long[] count, int stride)
    {
        var half = count.Length / 2;
        for (var i = 0; i < half; i++)
        {
            var d = power.AsSpan(i * stride, stride);
            var a = power.AsSpan(2 * i * stride, stride);
            var b = power.AsSpan((2 * i + 1) * stride, stride);
            for (var k = 0; k < stride; k++) d[k] = a[k] + b[k];
            count[i] = count[2 * i] + count[2 * i + 1];
        }
        Array.Clear(power, half * stride, half * stride);
        Array.Clear(count, half, half);
    }

    /// <summary>256 RGB entries from dark purple through blue and green to yellow, linear between control points.</summary>
    private static byte[] BuildPalette()
    {
        // Control points sampled along viridis: monotonic lightness, so the map reads correctly in grey too.
        (double T, int R, int G, int B)[] stops =
        [
            (0.00, 68, 1, 84),
            (0.25, 59, 82, 139),
            (0.50, 33, 145, 140),
            (0.75, 94, 201, 98),
            (1.00, 253, 231, 37),
        ];
        var palette = new byte[256 * 3];
        for (var i = 0; i < 256; i++)
        {
            var t = i / 255.0;
            var s = 0;
            while (s < stops.Length - 2 && t > stops[s + 1].T) s++;
            var (t0, r0, g0, b0) = stops[s];
            var (t1, r1, g1, b1) = stops[s + 1];
            var u = (t - t0) / (t1 - t0);
            palette[3 * i] = (byte)Math.Round(r0 + u * (r1 - r0));
            palette[3 * i + 1] = (byte)Math.Round(g0 + u * (g1 - g0));
            palette[3 * i + 2] = (byte)Math.Round(b0 + u * (b1 - b0));
        }
        return palette;
    }
}
