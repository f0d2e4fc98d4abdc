using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Demo;

/// <summary>One utterance to speak: who says it, how and what.</summary>
internal sealed record Utterance(Speaker Speaker, Prosody Prosody, string Text);

/// <summary>
/// Festival (Debian festival + festvox voices) speaks the demo calls: the offline recogniser reads its voices far better
/// than espeak-ng's (the words are what the text model judges). One festival process per call speaks all its
/// utterances, each at 16 kHz with its own rate and pitch; they come back at the telephone line rate.
/// </summary>
internal sealed class FestivalSynthesiser(string executable)
{
    public const int SynthesisRate = 16000;
    public const int OutputRate = TelephoneChannel.LineRate;
    private const string VoicesFolder = "/usr/share/festival/voices";

    // Plain speech of each voice: the pitch its intonation model aims at (diphone voices: int_lr_params' target) and
    // the pitch an HTS talker is shifted from. Diphone voices speak 10 % slower than their models by default.
    private const double DiphoneF0Std = 14;
    private const double DiphoneStretch = 1.1;
    private const double SltPitchHz = 175;

    private static readonly Dictionary<FestivalVoice, (string Name, string Package)> Installed = new()
    {
        [FestivalVoice.Kal] = ("kal_diphone", "festvox-kallpc16k"),
        [FestivalVoice.Ked] = ("ked_diphone", "festvox-kdlpc16k"),
        [FestivalVoice.Slt] = ("cmu_us_slt_arctic_hts", "festvox-us-slt-hts"),
    };

    /// <summary>festival on PATH with the three voices, else a clear "install it" error (exit code 4, like a missing native library).</summary>
    public static string Find(string? pathVariable)
    {
        var festival = (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "festival")).FirstOrDefault(File.Exists);
        var missing = Installed.Values
            .Where(v => !Directory.Exists(VoicesFolder) || !Directory.EnumerateDirectories(VoicesFolder, v.Name, SearchOption.AllDirectories).Any())
            .Select(v => v.Package).ToList();
        if (festival is null) missing.Insert(0, "festival");
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"demo-data needs the Festival text-to-speech program and its English voices, which are not installed: install the Debian/Ubuntu " +
                $"packages '{string.Join("' '", missing)}' (sudo apt-get install {string.Join(' ', missing)}, or run scripts/setup)", "festival");
        return festival!;
    }

    /// <summary>Speaks the utterances (one festival run) and returns each at 8 kHz, leading and trailing silence removed.</summary>
    public List<float[]> Say(IReadOnlyList<Utterance> utterances)
    {
        var folder = Directory.CreateTempSubdirectory("callsentiment-festival-");
        try
        {
            var script = new StringBuilder();
            for (var i = 0; i < utterances.Count; i++) AppendUtterance(script, utterances[i], Path.Combine(folder.FullName, $"{i}.wav"));
            var scriptPath = Path.Combine(folder.FullName, "call.scm");
            File.WriteAllText(scriptPath, script.ToString());
            var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.FullName };
            psi.ArgumentList.Add("-b");
            psi.ArgumentList.Add(scriptPath);
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("festival did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            stdout.GetAwaiter().GetResult();
            var clips = new List<float[]>(utterances.Count);
            for (var i = 0; i < utterances.Count; i++)
            {
                var wav = Path.Combine(folder.FullName, $"{i}.wav");
                // InvalidDataException: the CLI reports it as a broken dependency (exit code 4), not a crash.
                if (process.ExitCode != 0 || !File.Exists(wav))
                    throw new InvalidDataException($"festival failed (exit {process.ExitCode}) for \"{utterances[i].Text}\": {stderr.Trim()}");
                using var reader = AudioReader.Open(wav);
                clips.Add(Trim(Resampler.ResampleAll(reader.ReadAllChannels()[0], reader.Info.SampleRate, OutputRate)));
            }
            return clips;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void AppendUtterance(StringBuilder s, Utterance u, string wav)
    {
        var ci = CultureInfo.InvariantCulture;
        var p = u.Prosody;
        var pitch = u.Speaker.PitchHz * p.PitchScale;
        // Selecting the voice resets its parameters, so each utterance starts from the talker's plain speech.
        s.AppendLine(ci, $"(voice_{Installed[u.Speaker.Voice].Name})");
        if (u.Speaker.Voice == FestivalVoice.Slt)
        {
            // hts_engine: -r speaking rate, -fm pitch shift in semitones, -a vocal-tract warping, -jf weight of the
            // pitch contour's global variance (above 1 livelier, below 1 flatter).
            var semitones = 12 * Math.Log2(pitch / SltPitchHz);
            s.AppendLine(ci, $"(set! hts_engine_params (append hts_engine_params (list '(\"-r\" {p.Rate:0.###}) '(\"-fm\" {semitones:0.###}) '(\"-a\" {u.Speaker.Warp:0.###}) '(\"-jf\" {p.PitchRange:0.###}))))");
        }
        else
        {
            s.AppendLine(ci, $"(Parameter.set 'Duration_Stretch {DiphoneStretch / p.Rate:0.###})");
            s.AppendLine(ci, $"(set! int_lr_params '((target_f0_mean {pitch:0.#}) (target_f0_std {DiphoneF0Std * p.PitchRange * p.PitchScale:0.#}) (model_f0_mean 170) (model_f0_std 34)))");
        }
        s.AppendLine(ci, $"(set! utt (utt.synth (Utterance Text \"{Escape(u.Text)}\")))");
        s.AppendLine(ci, $"(utt.wave.resample utt {SynthesisRate})");
        s.AppendLine(ci, $"(utt.save.wave utt \"{Escape(wav)}\" 'riff)");
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    // Festival leaves a little silence at both ends; turn-taking gaps are set by the mixer instead.
    private static float[] Trim(float[] x)
    {
        const float threshold = 1e-3f;
        var first = Array.FindIndex(x, s => Math.Abs(s) > threshold);
        if (first < 0) return [];
        var last = Array.FindLastIndex(x, s => Math.Abs(s) > threshold);
        return x[first..(last + 1)];
    }
}
