using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Visualization;
using CallSentiment.Cli.Diagnostics;

namespace CallSentiment.Analysis.Tests;

public class VisualizationTests
{
    private const int Rate = 8000;

    [Fact]
    public void Crc32_CheckString_MatchesPublishedValue()
    {
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32("123456789"u8, 0));
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32("6789"u8, PngEncoder.Crc32("12345"u8, 0)));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Encode_MixedRows_DecodesToTheSamePixels(int channels)
    {
        const int width = 37, height = 23;
        var pixels = new byte[width * height * channels];
        var rng = new Random(7);
        for (var y = 0; y < height; y++)
        {
            var row = pixels.AsSpan(y * width * channels, width * channels);
            // Noise, repeats of the row above and smooth ramps: each filter wins somewhere.
            if (y % 3 == 0) rng.NextBytes(row);
            else if (y % 3 == 1) pixels.AsSpan((y - 1) * width * channels, width * channels).CopyTo(row);
            else for (var i = 0; i < row.Length; i++) row[i] = (byte)(i * 3 + y);
        }
        var png = Png.Decode(PngEncoder.Encode(pixels, width, height, channels));
        Assert.Equal((width, height, channels), (png.Width, png.Height, png.Channels));
        Assert.Equal(pixels, png.Pixels);
    }

    [Fact]
    public void Render_StereoCall_ImagesHaveWidthAndOneLanePerChannel()
    {
        var wav = TestWav.Build([TestWav.Sine(300, Rate, 2 * Rate), TestWav.Sine(700, Rate, 2 * Rate)], Rate, SampleEncoding.Pcm16);

        using (var reader = AudioReader.OpenWav(new MemoryStream(wav)))
        {
            var png = Png.Decode(WaveformImage.Render(reader, 300, 80, CancellationToken.None));
            Assert.Equal((300, 160, 4), (png.Width, png.Height, png.Channels));
        }
        using (var reader = AudioReader.OpenWav(new MemoryStream(wav)))
        {
            var png = Png.Decode(SpectrogramImage.Render(reader, 300, 80, CancellationToken.None));
            Assert.Equal((300, 160, 3), (png.Width, png.Height, png.Channels));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SpectrogramRender_1kHzToneAt8kHz_BrightestRowAtToneAndSilentChannelDark(bool piped)
    {
        const int width = 120, lane = 128;
        var wav = TestWav.Build([TestWav.Sine(1000, Rate, 3 * Rate), new float[3 * Rate]], Rate, SampleEncoding.Pcm16);
        using var reader = Open(wav, piped);

        var png = Png.Decode(SpectrogramImage.Render(reader, width, lane, CancellationToken.None));

        Assert.Equal((width, 2 * lane), (png.Width, png.Height));
        var expectedRow = (lane - 1) * (1 - 1000.0 / (Rate / 2)); // 0 Hz at the bottom row, Nyquist at the top
        double toneLaneMax = 0, silentLaneMax = 0;
        for (var x = 0; x < width; x++)
        {
            var brightest = 0;
            for (var y = 0; y < lane; y++)
            {
                if (png.Luma(x, y) > png.Luma(x, brightest)) brightest = y;
                toneLaneMax = Math.Max(toneLaneMax, png.Luma(x, y));
                silentLaneMax = Math.Max(silentLaneMax, png.Luma(x, lane + y));
            }
            Assert.True(Math.Abs(brightest - expectedRow) <= 2, $"column {x}: brightest row {brightest}, expected {expectedRow:F1}");
        }
        Assert.True(toneLaneMax > 200, $"tone peak luma {toneLaneMax}");
        Assert.True(silentLaneMax < 40, $"silent channel luma up to {silentLaneMax}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WaveformRender_SilentThenLoud_EnvelopeOnlyInLoudHalf(bool piped)
    {
        const int width = 200, lane = 101;
        const double amplitude = 0.8;
        var signal = new float[4 * Rate];
        TestWav.Sine(440, Rate, 2 * Rate, amplitude).CopyTo(signal, 2 * Rate);
        using var reader = Open(TestWav.Build([signal], Rate, SampleEncoding.Pcm16), piped);

        var png = Png.Decode(WaveformImage.Render(reader, width, lane, CancellationToken.None));

        Assert.Equal((width, lane), (png.Width, png.Height));
        const int centre = (lane - 1) / 2;
        for (var x = 0; x < width / 2 - 1; x++)
        {
            for (var y = 0; y < lane; y++)
                Assert.True(y == centre ? png.Opaque(x, y) : !png.Opaque(x, y), $"silent column {x}, row {y}");
        }
        for (var x = width / 2 + 1; x < width; x++)
        {
            // Envelope: every drawn row; RMS band: the rows sharing the centre pixel's (lighter) colour.
            var envelope = Enumerable.Range(0, lane).Count(y => png.Opaque(x, y));
            var rmsBand = Enumerable.Range(0, lane).Count(y => png.Pixel(x, y).SequenceEqual(png.Pixel(x, centre)));
            Assert.InRange(envelope, amplitude * (lane - 1) - 2, amplitude * (lane - 1) + 3);
            Assert.InRange(rmsBand, amplitude / Math.Sqrt(2) * (lane - 1) - 2, amplitude / Math.Sqrt(2) * (lane - 1) + 3);
        }
    }

    [Fact]
    public void WaveformRender_FewerFramesThanColumns_DrawsEveryColumn()
    {
        var wav = TestWav.Build([Enumerable.Repeat(0.5f, 50).ToArray()], Rate, SampleEncoding.Pcm16);
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));

        var png = Png.Decode(WaveformImage.Render(reader, 200, 21, CancellationToken.None));

        for (var x = 0; x < 200; x++) Assert.True(png.Opaque(x, 5), $"column {x} has no envelope at +0.5");
    }

    [Fact]
    public void Render_TwoHourPipedRecording_BoundedMemoryAndWholeCallAcrossTheWidth()
    {
        const int width = 1000, lane = 64;
        const long frames = 2L * 3600 * Rate;

        // Silent first hour, loud second hour: the image must stretch the whole stream over the width.
        using (var reader = AudioReader.OpenWav(new SyntheticCall(frames, loudFrom: frames / 2)))
        {
            Assert.Null(reader.Info.TotalFrames);
            // This thread's allocations: other test classes run in parallel and would blur a process-wide count.
            var before = GC.GetAllocatedBytesForCurrentThread();
            var bytes = WaveformImage.Render(reader, width, lane, CancellationToken.None);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 << 20, $"waveform allocated {allocated >> 20} MB for a 2-hour call");

            var png = Png.Decode(bytes);
            Assert.Equal((width, 2 * lane), (png.Width, png.Height));
            Assert.Equal(1, Enumerable.Range(0, lane).Count(y => png.Opaque(width / 4, y)));
            Assert.True(Enumerable.Range(0, lane).Count(y => png.Opaque(3 * width / 4, y)) > lane / 2);
        }

        using (var reader = AudioReader.OpenWav(new SyntheticCall(frames, loudFrom: frames / 2)))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var bytes = SpectrogramImage.Render(reader, width, lane, CancellationToken.None);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64 << 20, $"spectrogram allocated {allocated >> 20} MB for a 2-hour call");

            var png = Png.Decode(bytes);
            Assert.Equal((width, 2 * lane), (png.Width, png.Height));
            var toneRow = (int)Math.Round((lane - 1) * (1 - 1000.0 / (Rate / 2)));
            Assert.True(png.Luma(width / 4, toneRow) < 40);
            Assert.True(png.Luma(3 * width / 4, toneRow) > 200);
        }
    }

    [Fact]
    public void Render_CancelledToken_Throws()
    {
        var wav = TestWav.Build([TestWav.Sine(300, Rate, Rate)], Rate, SampleEncoding.Pcm16);
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        Assert.Throws<OperationCanceledException>(() => SpectrogramImage.Render(reader, 100, 50, new CancellationToken(canceled: true)));
    }

    /// <summary>A reader over an in-memory WAV; piped: sizes unknown (as ffmpeg writes them) on a non-seekable stream.</summary>
    private static AudioReader Open(byte[] wav, bool piped)
    {
        if (!piped) return AudioReader.OpenWav(new MemoryStream(wav));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), uint.MaxValue);
        var reader = AudioReader.OpenWav(new ChunkedStream(wav, 4096));
        Assert.Null(reader.Info.TotalFrames);
        return reader;
    }

    /// <summary>
    /// A stereo 16-bit 8 kHz WAV of any length produced on the fly, as a decoder pipe delivers it: not seekable,
    /// sizes unknown. Channel 0: silence, then a 1 kHz tone (one period is 8 samples); channel 1: silence.
    /// </summary>
    private sealed class SyntheticCall(long frames, long loudFrom) : ForwardOnlyStream
    {
        private static readonly short[] Period = [.. Enumerable.Range(0, 8).Select(i => (short)(26000 * Math.Sin(2 * Math.PI * i / 8)))];
        private readonly byte[] _header = UnknownSizeHeader();
        private long _position; // bytes

        public override int Read(Span<byte> buffer)
        {
            if (_position < _header.Length)
            {
                var n = Math.Min(buffer.Length, _header.Length - (int)_position);
                _header.AsSpan((int)_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            var frame = (_position - _header.Length) / 4;
            var count = (int)Math.Min(buffer.Length / 4, frames - frame);
            for (var i = 0; i < count; i++, frame++)
            {
                var left = frame >= loudFrom ? Period[frame & 7] : (short)0;
                BinaryPrimitives.WriteInt16LittleEndian(buffer[(4 * i)..], left);
                BinaryPrimitives.WriteInt16LittleEndian(buffer[(4 * i + 2)..], 0);
            }
            _position += 4L * count;
            return 4 * count;
        }

        private static byte[] UnknownSizeHeader()
        {
            var header = TestWav.Container([], Rate, 2, 1, 2);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), uint.MaxValue);
            return header;
        }
    }

    /// <summary>An independent PNG reader: checks the structure and every CRC, inflates and un-filters.</summary>
    private sealed record Png(int Width, int Height, int Channels, byte[] Pixels)
    {
        public ReadOnlySpan<byte> Pixel(int x, int y) => Pixels.AsSpan((y * Width + x) * Channels, Channels);

        public bool Opaque(int x, int y) => Pixel(x, y)[3] == 255;

        public double Luma(int x, int y)
        {
            var p = Pixel(x, y);
            return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
        }

        public static Png Decode(byte[] file)
        {
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, file[..8]);
            var pos = 8;
            int width = 0, height = 0, channels = 0;
            using var compressed = new MemoryStream();
            var types = new List<string>();
            while (pos < file.Length)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
                var type = Encoding.ASCII.GetString(file, pos + 4, 4);
                var data = file.AsSpan(pos + 8, length);
                Assert.Equal(BitwiseCrc(file.AsSpan(pos + 4, length + 4)), BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos + 8 + length)));
                types.Add(type);
                if (type == "IHDR")
                {
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(8, data[8]);
                    channels = data[9] switch { 2 => 3, 6 => 4, var t => throw new InvalidDataException($"colour type {t}") };
                    Assert.Equal(new byte[3], data[10..13].ToArray());
                }
                else if (type == "IDAT")
                {
                    compressed.Write(data);
                }
                pos += 12 + length;
            }
            Assert.Equal(file.Length, pos);
            Assert.Equal("IHDR", types[0]);
            Assert.Equal("IEND", types[^1]);

            compressed.Position = 0;
            using var inflated = new MemoryStream();
            using (var z = new ZLibStream(compressed, CompressionMode.Decompress)) z.CopyTo(inflated);
            var raw = inflated.ToArray();
            var stride = width * channels;
            Assert.Equal(height * (stride + 1), raw.Length);

            var pixels = new byte[height * stride];
            for (var y = 0; y < height; y++)
            {
                var filter = raw[y * (stride + 1)];
                for (var i = 0; i < stride; i++)
                {
                    int a = i >= channels ? pixels[y * stride + i - channels] : 0;
                    int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                    int c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
                    var predictor = filter switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        4 => Paeth(a, b, c),
                        _ => throw new InvalidDataException($"row {y}: filter {filter}"),
                    };
                    pixels[y * stride + i] = (byte)(raw[y * (stride + 1) + 1 + i] + predictor);
                }
            }
            return new Png(width, height, channels, pixels);
        }

        private static int Paeth(int a, int b, int c)
        {
            var p = a + b - c;
            int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }

        private static uint BitwiseCrc(ReadOnlySpan<byte> bytes)
        {
            var crc = uint.MaxValue;
            foreach (var x in bytes)
            {
                crc ^= x;
                for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
            return ~crc;
        }
    }
}
