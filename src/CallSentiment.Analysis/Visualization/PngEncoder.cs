using System.Buffers.Binary;
using System.IO.Compression;

namespace CallSentiment.Analysis.Visualization;

/// <summary>
/// Minimal PNG writer for the dashboard's generated images: 8-bit RGB or RGBA, no interlace, one IDAT chunk.
/// Each row gets the filter (None, Sub or Up) with the smallest sum of absolute residuals, the usual heuristic:
/// Up suits the waveform's repeated rows, Sub the spectrogram's smooth colour runs.
/// </summary>
internal static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    // A dashboard image, not a poster: bounds what a request can make the server allocate (the spectrogram's
    // accumulators grow with width × channels × FFT bins).
    private const int MaxWidth = 8192;
    private const int MaxLaneHeight = 4096;
    private const long MaxPixels = 1 << 24;

    /// <summary>Rejects image sizes the renderers will not allocate (one lane of <paramref name="laneHeight"/> per channel).</summary>
    public static void CheckSize(int width, int laneHeight, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(laneHeight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(laneHeight, MaxLaneHeight);
        if ((long)width * laneHeight * channels > MaxPixels)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width} x {laneHeight} x {channels} channels exceeds {MaxPixels} pixels");
    }

    /// <summary>Encodes <paramref name="pixels"/> (row-major, <paramref name="channels"/> bytes per pixel: 3 = RGB, 4 = RGBA).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "3 (RGB) or 4 (RGBA)");
        var stride = width * channels;
        if (pixels.Length != (long)stride * height) throw new ArgumentException($"expected {stride * height} bytes, got {pixels.Length}", nameof(pixels));

        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = channels == 4 ? (byte)6 : (byte)2; // colour type: truecolour with or without alpha
        // [10..12] compression 0, filter method 0, no interlace
        WriteChunk(output, "IHDR"u8, ihdr);

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var candidates = new byte[3 * (stride + 1)];
            var zero = new byte[stride];
            for (var y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                var above = y == 0 ? zero : pixels.Slice((y - 1) * stride, stride);
                z.Write(Filter(row, above, channels, candidates, stride));
            }
        }
        WriteChunk(output, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    /// <summary>Filters one row three ways into <paramref name="scratch"/> and returns the cheapest (filter byte first).</summary>
    private static ReadOnlySpan<byte> Filter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, int bpp, byte[] scratch, int stride)
    {
        var none = scratch.AsSpan(0, stride + 1);
        var sub = scratch.AsSpan(stride + 1, stride + 1);
        var up = scratch.AsSpan(2 * (stride + 1), stride + 1);
        none[0] = 0;
        sub[0] = 1;
        up[0] = 2;
        long costNone = 0, costSub = 0, costUp = 0;
        for (var i = 0; i < stride; i++)
        {
            var x = row[i];
            var s = (byte)(x - (i >= bpp ? row[i - bpp] : 0));
            var u = (byte)(x - above[i]);
            none[i + 1] = x;
            sub[i + 1] = s;
            up[i + 1] = u;
            // Residuals as signed bytes: small magnitudes compress best.
            costNone += Math.Abs((int)(sbyte)x);
            costSub += Math.Abs((int)(sbyte)s);
            costUp += Math.Abs((int)(sbyte)u);
        }
        if (costUp <= costSub && costUp <= costNone) return up;
        return costSub <= costNone ? sub : none;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        // The CRC covers the chunk type and data, not the length.
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(data, Crc32(type, 0)));
        output.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) continued from <paramref name="crc"/>; start with 0.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint crc)
    {
        var c = ~crc;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
