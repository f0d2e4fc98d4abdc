using System.Diagnostics;
using System.Globalization;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// The largest recording analysed: memory and time grow with duration (and, for some stages, channels), so a recording
/// beyond these is refused from its header before any sample is decoded.
/// </summary>
public sealed record AudioLimits(TimeSpan MaxDuration, int MaxChannels)
{
    /// <summary>
    /// Reads the duration and channel count of <paramref name="path"/> without decoding it (WAV/RF64: the header; other
    /// formats: ffprobe) and throws <see cref="AudioFormatException"/> (<see cref="AudioErrorKind.LimitExceeded"/>) when
    /// either is over the limit. A duration nobody states (ffprobe missing, a stream without one) is left to the decoders.
    /// </summary>
    /// <returns>What the header says.</returns>
    public AudioInfo Check(string path, AudioDecodeOptions? options = null)
    {
        var info = AudioProbe.Read(path, options);
        var name = Path.GetFileName(path);
        if (info.Channels > MaxChannels)
            throw new AudioFormatException(AudioErrorKind.LimitExceeded,
                $"{name}: {info.Channels} channels; recordings with more than {MaxChannels} channels are not analysed.");
        if (info.Duration is { } d && d > MaxDuration)
            throw new AudioFormatException(AudioErrorKind.LimitExceeded,
                $"{name}: {Describe(d)} long; recordings longer than {Describe(MaxDuration)} are not analysed.");
        return info;
    }

    public static string Describe(TimeSpan d) => d.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours} h {d.Minutes:00} min")
        : d.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min {d.Seconds:00} s")
        : string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.#} s");
}

/// <summary>A recording's format, channels and duration from its header alone.</summary>
internal static class AudioProbe
{
    public static AudioInfo Read(string path, AudioDecodeOptions? options)
    {
        options ??= AudioDecodeOptions.Default;
        var kind = ContainerKind.Unknown;
        using (var stream = OpenFile(path))
        {
            Span<byte> head = stackalloc byte[12];
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            if (n > 0) kind = ContainerSniffer.Identify(head[..n]);
            if (kind == ContainerKind.Wav)
            {
                try
                {
                    using var wav = new WavReader(stream, leaveOpen: true, Path.GetFileName(path));
                    // A WAV written to a pipe leaves its size open: the file's length says how long it is.
                    return wav.Info.TotalFrames is null && wav.FramesToEnd is { } frames ? wav.Info with { TotalFrames = frames } : wav.Info;
                }
                catch (AudioFormatException e) when (e.Kind == AudioErrorKind.UnsupportedEncoding)
                {
                    // Compressed payload in a WAV: ffprobe below knows it.
                }
            }
        }
        if (kind != ContainerKind.Unknown && FfmpegReader.Find(options) is { } ffmpeg && FfprobeNextTo(ffmpeg) is { } ffprobe && Ffprobe(ffprobe, path) is { } probed)
            return probed;
        // Not audio: the decoder's own message. No ffprobe: ffmpeg's output header gives the channels; the duration stays unknown.
        using var reader = AudioReader.Open(path, options);
        return reader.Info;
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Recording not found: {path}", path, e);
        }
    }

    private static string? FfprobeNextTo(string ffmpeg)
    {
        var candidate = Path.Combine(Path.GetDirectoryName(ffmpeg) ?? "", "ffprobe");
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>The first audio stream's channels and rate, and the duration (the stream's, else the container's); null when ffprobe fails.</summary>
    private static AudioInfo? Ffprobe(string ffprobe, string path)
    {
        var psi = new ProcessStartInfo(ffprobe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels,sample_rate,duration:format=duration",
                     "-of", "default=noprint_wrappers=1", path })
            psi.ArgumentList.Add(a);
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        _ = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
        if (process.ExitCode != 0) return null;
        int channels = 0, rate = 0;
        double? duration = null;
        foreach (var line in output.GetAwaiter().GetResult().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            var (key, value) = (line[..eq], line[(eq + 1)..]);
            if (key == "channels") int.TryParse(value, CultureInfo.InvariantCulture, out channels);
            else if (key == "sample_rate") int.TryParse(value, CultureInfo.InvariantCulture, out rate);
            // The stream's duration comes first; the container's fills in when the stream has none.
            else if (key == "duration" && duration is null && double.TryParse(value, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d >= 0)
                duration = d;
        }
        if (channels <= 0 || rate <= 0) return null;
        return new AudioInfo(rate, channels, SampleEncoding.External, duration is { } s ? (long)Math.Ceiling(s * rate) : null, "ffprobe");
    }
}
