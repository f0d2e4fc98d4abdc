using System.Buffers.Binary;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Streams 16-bit PCM WAV to a file or a seekable stream; the header's sizes are completed on dispose, so the audio is
/// never held in memory. Samples in [-1, 1] are scaled by 32768 (as <see cref="AudioReader"/> reads them), so 16-bit
/// audio read and written again is unchanged.
/// </summary>
public sealed class PcmWavWriter : IDisposable
{
    private readonly Stream _output;
    private readonly bool _ownsOutput;
    private readonly long _origin;
    private long _dataBytes;
    private byte[] _buffer = new byte[65536];

    public PcmWavWriter(string path, int rate, int channels)
        : this(new FileStream(path, FileMode.Create, FileAccess.ReadWrite), rate, channels, ownsOutput: true)
    {
    }

    public PcmWavWriter(Stream output, int rate, int channels, bool ownsOutput = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek) throw new ArgumentException("the output must be seekable (the header is completed at the end)", nameof(output));
        _output = output;
        _ownsOutput = ownsOutput;
        _origin = output.Position;
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
        _output.Write(h);
    }

    /// <summary>Writes interleaved samples (frames × channels).</summary>
    /// <exception cref="InvalidOperationException">The file would outgrow what a WAV header can hold (4 GB).</exception>
    public void Write(ReadOnlySpan<float> interleaved)
    {
        if (_dataBytes + interleaved.Length * 2L > uint.MaxValue - 36)
            throw new InvalidOperationException("the audio would be over 4 GB, more than a WAV file holds");
        if (_buffer.Length < interleaved.Length * 2) _buffer = new byte[interleaved.Length * 2];
        for (var i = 0; i < interleaved.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(_buffer.AsSpan(2 * i), (short)Math.Clamp(Math.Round(interleaved[i] * 32768.0), -32768, 32767));
        _output.Write(_buffer, 0, interleaved.Length * 2);
        _dataBytes += interleaved.Length * 2;
    }

    public void Dispose()
    {
        var end = _output.Position;
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(_dataBytes + 36));
        _output.Position = _origin + 4;
        _output.Write(size);
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)_dataBytes);
        _output.Position = _origin + 40;
        _output.Write(size);
        _output.Position = end;
        if (_ownsOutput) _output.Dispose();
    }
}
