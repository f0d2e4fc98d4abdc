using System.Buffers.Binary;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Streaming decoder for RIFF/WAVE, RF64 and BW64: PCM 8/16/24/32-bit, IEEE float 32/64, G.711 µ-law and A-law,
/// plain or WAVE_FORMAT_EXTENSIBLE. Never trusts a size field with an allocation: chunks are skipped, not read.
/// </summary>
internal sealed class WavReader : AudioReader
{
    public const int MaxChannels = 64;
    public const int MinSampleRate = 1000;
    public const int MaxSampleRate = 768_000;
    private const int BlockFrames = 8192;
    private const uint UnknownSize = 0xFFFF_FFFF;

    private static readonly byte[] ExtensibleGuidTail =
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string _name;
    private readonly int _blockAlign;
    private readonly long? _dataBytes;
    private long _dataRead;
    private byte[] _buffer = [];

    public WavReader(Stream stream, bool leaveOpen, string name)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _name = name;
        (Info, _blockAlign, _dataBytes) = ParseHeader();
    }

    public override AudioInfo Info { get; }

    /// <summary>Whole frames between the read position and the end of a seekable stream (a WAV whose header leaves the size open).</summary>
    internal long? FramesToEnd => _stream.CanSeek ? (_stream.Length - _stream.Position) / _blockAlign : null;

    private (AudioInfo, int, long?) ParseHeader()
    {
        Span<byte> head = stackalloc byte[12];
        var n = _stream.ReadAtLeast(head, 12, throwOnEndOfStream: false);
        if (n == 0) throw Error(AudioErrorKind.Empty, "the file is empty (0 bytes)");
        if (n < 4 || ContainerSniffer.Identify(head[..n]) != ContainerKind.Wav)
            throw Error(AudioErrorKind.NotAudio, $"not a WAV file (starts with {ContainerSniffer.Describe(head[..n])})");
        if (n < 12) throw Error(AudioErrorKind.Truncated, $"the file ends inside the RIFF header ({n} bytes)");
        var container = System.Text.Encoding.ASCII.GetString(head[..4]);
        var isRf64 = container is "RF64" or "BW64";

        long? ds64Data = null;
        Format? format = null;
        Span<byte> chunkHeader = stackalloc byte[8];
        Span<byte> body = stackalloc byte[40];
        for (var chunkIndex = 0; ; chunkIndex++)
        {
            var got = _stream.ReadAtLeast(chunkHeader, 8, throwOnEndOfStream: false);
            if (got < 8)
            {
                if (format is null) throw Error(AudioErrorKind.Truncated, "the file ends before a 'fmt ' chunk");
                throw Error(AudioErrorKind.Truncated, "the file ends before a 'data' chunk");
            }
            var id = chunkHeader[..4];
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            if (!IsPrintableId(id))
                throw Error(AudioErrorKind.InvalidHeader, $"chunk #{chunkIndex} has an invalid id {ContainerSniffer.Describe(id)}");

            if (id.SequenceEqual("ds64"u8))
            {
                if (size < 24) throw Error(AudioErrorKind.InvalidHeader, $"'ds64' chunk of {size} bytes is too small (needs 24)");
                ReadExactly(body[..24], "'ds64' chunk");
                var dataSize = BinaryPrimitives.ReadInt64LittleEndian(body[8..16]);
                if (dataSize < 0) throw Error(AudioErrorKind.InvalidHeader, $"'ds64' data size {dataSize} is negative");
                ds64Data = dataSize;
                Skip(size - 24 + (size & 1), "'ds64' chunk");
            }
            else if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16) throw Error(AudioErrorKind.InvalidHeader, $"'fmt ' chunk of {size} bytes is too small (needs 16)");
                var take = (int)Math.Min(size, 40u);
                ReadExactly(body[..take], "'fmt ' chunk");
                format = ParseFormat(body[..take]);
                Skip(size - (uint)take + (size & 1), "'fmt ' chunk");
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is null) throw Error(AudioErrorKind.InvalidHeader, "'data' chunk comes before the 'fmt ' chunk");
                long? dataBytes = size;
                if (size == UnknownSize) dataBytes = isRf64 ? ds64Data : null;
                if (isRf64 && size == UnknownSize && ds64Data is null)
                    throw Error(AudioErrorKind.InvalidHeader, "RF64 file without a 'ds64' chunk giving the data size");
                if (dataBytes == 0) throw Error(AudioErrorKind.Empty, "the 'data' chunk is empty (no samples)");
                if (dataBytes is { } declared && _stream.CanSeek)
                {
                    var available = _stream.Length - _stream.Position;
                    if (available == 0) throw Error(AudioErrorKind.Empty, "the 'data' chunk is empty (no samples)");
                    if (declared > available)
                        throw Error(AudioErrorKind.Truncated,
                            $"the 'data' chunk declares {declared} bytes but only {available} follow (file truncated)");
                }
                var f = format.Value;
                long? frames = dataBytes / f.BlockAlign;
                if (frames == 0) throw Error(AudioErrorKind.Empty, $"the 'data' chunk holds {dataBytes} bytes, less than one sample frame");
                var info = new AudioInfo(f.SampleRate, f.Channels, f.Encoding, frames, container);
                return (info, f.BlockAlign, dataBytes is null ? null : frames * f.BlockAlign);
            }
            else
            {
                Skip(size + (size & 1), $"'{System.Text.Encoding.ASCII.GetString(id)}' chunk");
            }
        }
    }

    private readonly record struct Format(int SampleRate, int Channels, int BlockAlign, SampleEncoding Encoding);

    private Format ParseFormat(ReadOnlySpan<byte> b)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(b);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(b[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(b[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(b[14..]);

        if (tag == 0xFFFE)
        {
            if (b.Length < 40) throw Error(AudioErrorKind.InvalidHeader, "WAVE_FORMAT_EXTENSIBLE header shorter than 40 bytes");
            if (!b[26..40].SequenceEqual(ExtensibleGuidTail))
                throw Error(AudioErrorKind.UnsupportedEncoding, "WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(b[24..]);
        }

        if (channels == 0) throw Error(AudioErrorKind.InvalidHeader, "the header declares 0 channels");
        if (channels > MaxChannels) throw Error(AudioErrorKind.InvalidHeader, $"the header declares {channels} channels (at most {MaxChannels} supported)");
        if (rate is < MinSampleRate or > MaxSampleRate)
            throw Error(AudioErrorKind.InvalidHeader, $"sample rate {rate} Hz is outside {MinSampleRate}..{MaxSampleRate} Hz");
        if (blockAlign == 0 || blockAlign % channels != 0)
            throw Error(AudioErrorKind.InvalidHeader, $"block align {blockAlign} does not fit {channels} channels");
        var bytesPerSample = blockAlign / channels;

        SampleEncoding encoding = (tag, bytesPerSample) switch
        {
            (1, 1) => SampleEncoding.PcmUnsigned8,
            (1, 2) => SampleEncoding.Pcm16,
            (1, 3) => SampleEncoding.Pcm24,
            (1, 4) => SampleEncoding.Pcm32,
            (3, 4) => SampleEncoding.Float32,
            (3, 8) => SampleEncoding.Float64,
            (6, 1) => SampleEncoding.ALaw,
            (7, 1) => SampleEncoding.MuLaw,
            (1 or 3 or 6 or 7, _) => throw Error(AudioErrorKind.InvalidHeader,
                $"{TagName(tag)} with {bytesPerSample} bytes per sample ({bits} bits) is not a valid layout"),
            _ => throw Error(AudioErrorKind.UnsupportedEncoding, $"WAV encoding {TagName(tag)} is not supported by the built-in decoder"),
        };
        if (bits == 0 || bits > bytesPerSample * 8)
            throw Error(AudioErrorKind.InvalidHeader, $"{bits} bits per sample do not fit {bytesPerSample}-byte samples");
        return new Format((int)rate, channels, blockAlign, encoding);
    }

    private static string TagName(int tag) => tag switch
    {
        1 => "PCM",
        2 => "MS ADPCM (0x0002)",
        3 => "IEEE float",
        6 => "A-law",
        7 => "µ-law",
        0x11 => "IMA ADPCM (0x0011)",
        0x31 => "GSM 6.10 (0x0031)",
        0x55 => "MPEG Layer 3 (0x0055)",
        _ => $"format tag 0x{tag:X4}",
    };

    private static bool IsPrintableId(ReadOnlySpan<byte> id)
    {
        foreach (var c in id)
            if (c is < 0x20 or > 0x7E) return false;
        return true;
    }

    public override int Read(Span<float> interleaved)
    {
        var channels = Info.Channels;
        var wanted = Math.Min(interleaved.Length / channels, BlockFrames);
        if (wanted == 0) return 0;
        long wantedBytes = (long)wanted * _blockAlign;
        if (_dataBytes is { } total) wantedBytes = Math.Min(wantedBytes, total - _dataRead);
        wantedBytes -= wantedBytes % _blockAlign;
        if (wantedBytes <= 0) return 0;
        if (_buffer.Length < wantedBytes) _buffer = new byte[BlockFrames * _blockAlign];
        var span = _buffer.AsSpan(0, (int)wantedBytes);
        var got = _stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false);
        if (got < span.Length && _dataBytes is { } declared)
            throw Error(AudioErrorKind.Truncated,
                $"the data ends after {_dataRead + got} of {declared} declared bytes (file truncated)");
        got -= got % _blockAlign;
        _dataRead += got;
        var frames = got / _blockAlign;
        Decode(span[..got], interleaved[..(frames * channels)]);
        return frames;
    }

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Decode(ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (Info.Encoding)
        {
            case SampleEncoding.PcmUnsigned8:
                for (var i = 0; i < dst.Length; i++) dst[i] = (src[i] - 128) / 128f;
                break;
            case SampleEncoding.Pcm16:
                for (var i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]) / 32768f;
                break;
            case SampleEncoding.Pcm24:
                for (var i = 0; i < dst.Length; i++)
                {
                    var o = 3 * i;
                    var v = src[o] | (src[o + 1] << 8) | ((sbyte)src[o + 2] << 16);
                    dst[i] = v / 8388608f;
                }
                break;
            case SampleEncoding.Pcm32:
                for (var i = 0; i < dst.Length; i++) dst[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]) / 2147483648.0);
                break;
            case SampleEncoding.Float32:
                for (var i = 0; i < dst.Length; i++) dst[i] = Sanitize(BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]));
                break;
            case SampleEncoding.Float64:
                for (var i = 0; i < dst.Length; i++) dst[i] = Sanitize((float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]));
                break;
            case SampleEncoding.MuLaw:
                for (var i = 0; i < dst.Length; i++) dst[i] = G711.DecodeMuLaw(src[i]);
                break;
            case SampleEncoding.ALaw:
                for (var i = 0; i < dst.Length; i++) dst[i] = G711.DecodeALaw(src[i]);
                break;
            default:
                throw new InvalidOperationException($"unexpected encoding {Info.Encoding}");
        }
    }

    // Float WAVs may hold NaN/Inf or wild values; downstream maths must never see them.
    private static float Sanitize(float v) => float.IsFinite(v) ? Math.Clamp(v, -1f, 1f) : 0f;

    private void ReadExactly(Span<byte> dst, string what)
    {
        if (_stream.ReadAtLeast(dst, dst.Length, throwOnEndOfStream: false) < dst.Length)
            throw Error(AudioErrorKind.Truncated, $"the file ends inside the {what}");
    }

    private void Skip(long bytes, string what)
    {
        if (bytes <= 0) return;
        if (_stream.CanSeek)
        {
            if (_stream.Position + bytes > _stream.Length)
                throw Error(AudioErrorKind.Truncated, $"the {what} declares {bytes} bytes past the end of the file");
            _stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        Span<byte> scratch = stackalloc byte[4096];
        while (bytes > 0)
        {
            var n = _stream.Read(scratch[..(int)Math.Min(bytes, scratch.Length)]);
            if (n == 0) throw Error(AudioErrorKind.Truncated, $"the file ends inside the {what}");
            bytes -= n;
        }
    }

    private AudioFormatException Error(AudioErrorKind kind, string detail) => new(kind, $"{_name}: {detail}.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen) _stream.Dispose();
        base.Dispose(disposing);
    }
}
