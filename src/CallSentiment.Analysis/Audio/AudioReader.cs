namespace CallSentiment.Analysis.Audio;

/// <summary>
/// A forward-only decoder that yields interleaved float samples in [-1, 1] block by block, so a recording of any
/// length is decoded in constant memory. Open one with <see cref="Open(string, AudioDecodeOptions?)"/>.
/// </summary>
public abstract class AudioReader : IDisposable
{
    public abstract AudioInfo Info { get; }

    /// <summary>
    /// Reads whole frames (one sample per channel, interleaved) into <paramref name="interleaved"/>.
    /// Returns the number of frames read; 0 at the end of the stream.
    /// </summary>
    /// <exception cref="AudioFormatException">The stream turns out to be truncated or the decoder fails.</exception>
    public abstract int Read(Span<float> interleaved);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// Opens a recording: WAV/RF64/BW64 by the project's own decoder, everything else (MP3, M4A, FLAC, OGG, ...)
    /// through ffmpeg. The container is recognised by its first bytes, not by the file name.
    /// </summary>
    public static AudioReader Open(string path, AudioDecodeOptions? options = null)
    {
        options ??= AudioDecodeOptions.Default;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Recording not found: {path}", path, e);
        }

        try
        {
            if (stream.Length == 0)
                throw new AudioFormatException(AudioErrorKind.Empty, $"{Path.GetFileName(path)}: the file is empty (0 bytes).");
            Span<byte> head = stackalloc byte[12];
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            var kind = ContainerSniffer.Identify(head[..n]);
            if (kind == ContainerKind.Wav)
            {
                try
                {
                    return new WavReader(stream, leaveOpen: false, name: Path.GetFileName(path));
                }
                catch (AudioFormatException e) when (e.Kind == AudioErrorKind.UnsupportedEncoding && FfmpegReader.Find(options) is not null)
                {
                    // A WAV with a compressed payload (ADPCM, GSM, MP3-in-WAV): ffmpeg knows those codecs.
                    stream.Dispose();
                    return FfmpegReader.Start(path, options);
                }
            }

            stream.Dispose();
            if (kind == ContainerKind.Unknown)
            {
                throw new AudioFormatException(AudioErrorKind.NotAudio,
                    $"{Path.GetFileName(path)}: not a recognised audio file (starts with {ContainerSniffer.Describe(head[..n])}).");
            }
            return FfmpegReader.Start(path, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Decodes a WAV/RF64 stream (seekable or not) with the project's own decoder.</summary>
    public static AudioReader OpenWav(Stream stream, bool leaveOpen = false, string name = "stream") =>
        new WavReader(stream, leaveOpen, name);

    /// <summary>Reads a whole (short) recording into one array per channel. Refuses more than <paramref name="maxSeconds"/>.</summary>
    public float[][] ReadAllChannels(double maxSeconds = 600)
    {
        var channels = Info.Channels;
        var maxFrames = (long)(maxSeconds * Info.SampleRate);
        var lists = new List<float>[channels];
        for (var c = 0; c < channels; c++) lists[c] = new List<float>(Info.TotalFrames is { } t && t < maxFrames ? (int)t : 16000);
        var block = new float[4096 * channels];
        long total = 0;
        int frames;
        while ((frames = Read(block)) > 0)
        {
            total += frames;
            if (total > maxFrames)
                throw new AudioFormatException(AudioErrorKind.InvalidHeader, $"recording is longer than {maxSeconds} s; stream it instead of reading it whole.");
            for (var f = 0; f < frames; f++)
                for (var c = 0; c < channels; c++) lists[c].Add(block[f * channels + c]);
        }
        var result = new float[channels][];
        for (var c = 0; c < channels; c++) result[c] = [.. lists[c]];
        return result;
    }
}

public sealed record AudioDecodeOptions
{
    public static AudioDecodeOptions Default { get; } = new();

    /// <summary>Path of the ffmpeg executable; null searches PATH.</summary>
    public string? FfmpegPath { get; init; }
}

internal enum ContainerKind
{
    Unknown,
    Wav,
    Flac,
    Ogg,
    Mp3,
    Mp4,
    Webm,
    Aiff,
    Amr,
}

internal static class ContainerSniffer
{
    public static ContainerKind Identify(ReadOnlySpan<byte> h)
    {
        if (h.Length >= 4 && (h[..4].SequenceEqual("RIFF"u8) || h[..4].SequenceEqual("RF64"u8) || h[..4].SequenceEqual("BW64"u8)))
            return h.Length >= 12 && !h[8..12].SequenceEqual("WAVE"u8) ? ContainerKind.Unknown : ContainerKind.Wav;
        if (h.Length >= 4 && h[..4].SequenceEqual("fLaC"u8)) return ContainerKind.Flac;
        if (h.Length >= 4 && h[..4].SequenceEqual("OggS"u8)) return ContainerKind.Ogg;
        if (h.Length >= 3 && h[..3].SequenceEqual("ID3"u8)) return ContainerKind.Mp3;
        if (h.Length >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 && (h[1] & 0x06) != 0) return ContainerKind.Mp3;
        if (h.Length >= 8 && h[4..8].SequenceEqual("ftyp"u8)) return ContainerKind.Mp4;
        if (h.Length >= 4 && h[0] == 0x1A && h[1] == 0x45 && h[2] == 0xDF && h[3] == 0xA3) return ContainerKind.Webm;
        if (h.Length >= 4 && h[..4].SequenceEqual("FORM"u8)) return ContainerKind.Aiff;
        if (h.Length >= 5 && h[..5].SequenceEqual("#!AMR"u8)) return ContainerKind.Amr;
        return ContainerKind.Unknown;
    }

    public static string Describe(ReadOnlySpan<byte> h)
    {
        var n = Math.Min(h.Length, 8);
        var chars = new char[n];
        for (var i = 0; i < n; i++) chars[i] = h[i] is >= 32 and < 127 ? (char)h[i] : '.';
        return $"\"{new string(chars)}\" / {Convert.ToHexString(h[..n])}";
    }
}
