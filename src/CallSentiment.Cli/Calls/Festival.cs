using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// Festival's text2wave (Debian festival + festvox voices): the TTS whose voices the offline recogniser understands
/// far better than espeak-ng's. Clips are kept in a cache folder by voice and text, so a rebuild speaks nothing twice.
/// </summary>
internal sealed class Festival(string cacheFolder)
{
    public const int Rate = 16000;

    /// <summary>The English voices Debian ships: two diphone voices (male) and one HTS voice (female).</summary>
    public static readonly string[] Voices = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"];

    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["kal_diphone"] = "festvox-kallpc16k", ["ked_diphone"] = "festvox-kdlpc16k", ["cmu_us_slt_arctic_hts"] = "festvox-us-slt-hts",
    };

    /// <summary>Fails with the packages to install when festival or a voice is missing.</summary>
    public static void EnsureInstalled(IEnumerable<string> voices)
    {
        var missing = voices.Where(v => !Directory.EnumerateDirectories("/usr/share/festival/voices", v, SearchOption.AllDirectories).Any()
            ).Select(v => Packages.GetValueOrDefault(v, v)).ToList();
        if (!File.Exists("/usr/bin/text2wave")) missing.Insert(0, "festival");
        if (missing.Count > 0)
            throw new UsageException($"Festival voices missing: apt-get install {string.Join(' ', missing)} (scripts/setup installs them)");
    }

    /// <summary>The text spoken by the voice, 16 kHz mono.</summary>
    public float[] Speak(string voice, string text)
    {
        Directory.CreateDirectory(cacheFolder);
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(voice + "|" + text)))[..20];
        var wav = Path.Combine(cacheFolder, name + ".wav");
        if (!File.Exists(wav))
        {
            var txt = Path.Combine(cacheFolder, name + ".txt");
            File.WriteAllText(txt, text);
            var psi = new ProcessStartInfo("text2wave") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-eval", $"(voice_{voice})", txt, "-o", wav + ".tmp" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("text2wave did not start (apt-get install festival)");
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"text2wave failed ({p.ExitCode}) for voice {voice}: {err}");
            File.Move(wav + ".tmp", wav, overwrite: true);
            File.Delete(txt);
        }
        return AudioLoader.LoadMono(wav, Rate);
    }
}
