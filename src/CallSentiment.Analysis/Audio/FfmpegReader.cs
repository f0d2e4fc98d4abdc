using System.Diagnostics;
using System.Text;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Decodes compressed formats by running ffmpeg, which writes 32-bit float WAV to a pipe that
/// <see cref="WavReader"/> streams: memory stays constant however long the recording is.
/// </summary>
internal sealed class FfmpegReader : AudioReader
{
    private const int MaxStderrChars = 4000;
    private readonly Process _process;
    private readonly WavReader _wav;
    private readonly StringBuilder _stderr;
    private readonly string _name;
    private bool _finished;

    private FfmpegReader(Process process, WavReader wav, StringBuilder stderr, string name)
    {
        _process = process;
        _wav = wav;
        _stderr = stderr;
        _name = name;
    }

    public override AudioInfo Info => _wav.Info with { Encoding = SampleEncoding.External, Container = "ffmpeg" };

    public static string? Find(AudioDecodeOptions options)
    {
        if (options.FfmpegPath is { } configured) return File.Exists(configured) ? configured : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static FfmpegReader Start(string path, AudioDecodeOptions options)
    {
        var name = Path.GetFileName(path);
        var ffmpeg = Find(options) ?? throw new AudioFormatException(AudioErrorKind.ToolMissing,
            $"{name}: decoding {Path.GetExtension(path)} files needs ffmpeg, which is not installed " +
            "(install the 'ffmpeg' package or set its path); WAV files decode without it.");
        var psi = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-nostdin", "-hide_banner", "-v", "error", "-i", path, "-map", "0:a:0", "-vn", "-f", "wav", "-c:a", "pcm_f32le", "-" })
            psi.ArgumentList.Add(a);
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = psi };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr)
                if (stderr.Length < MaxStderrChars) stderr.AppendLine(e.Data);
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new AudioFormatException(AudioErrorKind.ToolMissing, $"{name}: ffmpeg at {ffmpeg} could not be started: {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        try
        {
            var wav = new WavReader(process.StandardOutput.BaseStream, leaveOpen: true, name);
            return new FfmpegReader(process, wav, stderr, name);
        }
        catch (AudioFormatException e)
        {
            process.WaitForExit(10_000);
            var message = Tail(stderr);
            Kill(process);
            process.Dispose();
            throw new AudioFormatException(AudioErrorKind.DecoderFailed,
                $"{name}: ffmpeg could not decode the file: {(message.Length > 0 ? message : e.Message)}", e);
        }
    }

    public override int Read(Span<float> interleaved)
    {
        if (_finished) return 0;
        int n;
        try
        {
            n = _wav.Read(interleaved);
        }
        catch (IOException e)
        {
            throw new AudioFormatException(AudioErrorKind.DecoderFailed, $"{_name}: reading ffmpeg's output failed: {e.Message}", e);
        }
        if (n > 0) return n;
        _finished = true;
        _process.WaitForExit();
        if (_process.ExitCode != 0)
            throw new AudioFormatException(AudioErrorKind.DecoderFailed,
                $"{_name}: ffmpeg stopped with exit code {_process.ExitCode}: {Tail(_stderr)}");
        return 0;
    }

    private static string Tail(StringBuilder sb)
    {
        lock (sb) return sb.ToString().Trim().ReplaceLineEndings(" ");
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Kill(_process);
            _wav.Dispose();
            _process.Dispose();
        }
        base.Dispose(disposing);
    }
}
