using System.Buffers.Binary;

namespace CallSentiment.Cli;

/// <summary>Streams 16-bit PCM WAV to disk (header patched on dispose); never holds the audio in memory.</summary>
internal sealed class PcmWavWriter : IDisposable
{
    private readonly FileStream _file;
    private long _dataBytes;
    private byte[] _buffer = new byte[65536];

    public PcmWavWriter(string path, int rate, int channels)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        Span<byte> h = stackalloc byte[44];
        "RIFF"u8.CopyTo(h);
        "WAVEfmt "u8.CopyTo(h[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)(rate * channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], 16);
        "data"u8.CopyTo(h[36..]);
        _file.Write(h);
    }

    /// <summary>Writes interleaved samples (frames × channels).</summary>
    public void Write(ReadOnlySpan<float> interleaved)
    {
        if (_buffer.Length < interleaved.Length * 2) _buffer = new byte[interleaved.Length * 2];
        for (var i = 0; i < interleaved.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(_buffer.AsSpan(2 * i), (short)Math.Clamp(MathF.Round(interleaved[i] * 32767f), -32768, 32767));
        _file.Write(_buffer, 0, interleaved.Length * 2);
        _dataBytes += interleaved.Length * 2;
    }

    public void Dispose()
    {
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue, _dataBytes + 36));
        _file.Position = 4;
        _file.Write(size);
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)Math.Min(uint.MaxValue, _dataBytes));
        _file.Position = 40;
        _file.Write(size);
        _file.Dispose();
    }
}
