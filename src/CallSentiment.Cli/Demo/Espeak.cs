using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Demo;

/// <summary>
/// Runs the espeak-ng synthesiser, one process per utterance. A voice file is written for every utterance: it is
/// the only way to reach espeak-ng's timbre and voice-quality controls (formants, pitch range, flutter, breath)
/// that the command line does not expose.
/// </summary>
internal sealed class Espeak(string executable, string voiceFolder)
{
    public const int OutputRate = TelephoneChannel.LineRate;

    /// <summary>espeak-ng on PATH, else a clear "install it" error (exit code 4, like a missing native library).</summary>
    public static string Find(string? pathVariable)
    {
        foreach (var dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "espeak-ng");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            "demo-data needs the espeak-ng text-to-speech program, which is not on PATH: install the Debian/Ubuntu package " +
            "'espeak-ng' (sudo apt-get install espeak-ng, or run scripts/setup)", "espeak-ng");
    }

    /// <summary>Speaks <paramref name="text"/> and returns it at 8 kHz, leading and trailing silence removed.</summary>
    public float[] Say(Speaker speaker, Prosody prosody, string text, string utteranceId)
    {
        // espeak-ng lower-cases the voice name before opening it, so a path with capitals (a temp folder) is not
        // found: the file is named in lower case and loaded relative to the working directory instead.
        var name = utteranceId.ToLowerInvariant();
        var voice = Path.Combine(voiceFolder, name);
        File.WriteAllText(voice, VoiceFile(speaker, prosody));
        try
        {
            var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = voiceFolder };
            foreach (var a in new[] { "--load", "-v", name, "-s", prosody.WordsPerMinute.ToString(CultureInfo.InvariantCulture), "-z", "--stdout", text })
                psi.ArgumentList.Add(a);
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("espeak-ng did not start");
            var stderr = process.StandardError.ReadToEndAsync();
            using var wav = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(wav);
            process.WaitForExit();
            var errors = stderr.GetAwaiter().GetResult();
            // InvalidDataException: the CLI reports it as a broken dependency (exit code 4), not a crash.
            if (process.ExitCode != 0 || wav.Length <= 44)
                throw new InvalidDataException($"espeak-ng failed (exit {process.ExitCode}) for \"{text}\": {errors.Trim()}");
            var bytes = wav.ToArray();
            PatchStreamingSizes(bytes);
            using var reader = AudioReader.OpenWav(new MemoryStream(bytes));
            var samples = reader.ReadAllChannels()[0];
            return Trim(Resampler.ResampleAll(samples, reader.Info.SampleRate, OutputRate));
        }
        finally
        {
            File.Delete(voice);
        }
    }

    /// <summary>
    /// espeak-ng cannot seek back on a pipe, so its header declares a placeholder length (0x7FFFF000). The header is
    /// the canonical 44-byte one; the real sizes are written in so the strict WAV reader accepts the stream.
    /// </summary>
    private static void PatchStreamingSizes(byte[] wav)
    {
        if (!wav.AsSpan(36, 4).SequenceEqual("data"u8))
            throw new InvalidDataException("espeak-ng wrote a WAV header in an unexpected layout (no 'data' chunk at byte 36)");
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(wav.Length - 8));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), (uint)(wav.Length - 44));
    }

    // espeak-ng leaves a little silence at both ends; turn-taking gaps are set by the mixer instead.
    private static float[] Trim(float[] x)
    {
        const float threshold = 1e-3f;
        var first = Array.FindIndex(x, s => Math.Abs(s) > threshold);
        if (first < 0) return [];
        var last = Array.FindLastIndex(x, s => Math.Abs(s) > threshold);
        return x[first..(last + 1)];
    }

    private static string VoiceFile(Speaker s, Prosody p)
    {
        var ci = CultureInfo.InvariantCulture;
        var f = new StringBuilder();
        f.AppendLine(ci, $"name {s.Id}");
        f.AppendLine(s.Accent switch
        {
            Accent.American => "language en-us\nphonemes en-us\ndictrules 3 6",
            Accent.Scottish => "language en-gb-scotland\nphonemes en-sc\ndictrules 2 5 6 7",
            _ => "language en",
        });
        f.AppendLine(s.Female ? "gender female" : "gender male");
        var basePitch = s.PitchHz * p.PitchScale;
        f.AppendLine(ci, $"pitch {basePitch:0} {basePitch * p.PitchRange:0}");
        // Formant frequency scales give each speaker a vocal tract of their own.
        for (var i = 0; i < s.Formants.Length; i++) f.AppendLine(ci, $"formant {i} {s.Formants[i]} 100 100");
        f.AppendLine(ci, $"flutter {p.Flutter}");
        f.AppendLine(ci, $"roughness {p.Roughness}");
        if (p.Breath > 0) f.AppendLine(ci, $"breath {string.Join(' ', Enumerable.Repeat(p.Breath, 8))}");
        return f.ToString();
    }
}
