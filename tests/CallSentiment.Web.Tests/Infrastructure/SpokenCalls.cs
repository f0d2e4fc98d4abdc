using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>One line of a scripted call: who says it and what.</summary>
public sealed record Line(bool Agent, string Text);

/// <summary>
/// Calls with real words, for the transcript path: each line is spoken by Festival (agent: the kal diphone voice,
/// customer: the slt HTS voice — both recognised well by pocketsphinx at 16 kHz, unlike espeak-ng), placed turn by
/// turn with pauses, as a stereo (agent channel 0, customer channel 1) or mono 16 kHz recording under the default key
/// pattern. Festival (Debian festival, festvox-kallpc16k, festvox-us-slt-hts) is installed by scripts/setup.
/// </summary>
public static class SpokenCalls
{
    public const int Rate = 16000;
    private static readonly ConcurrentDictionary<string, float[]> Cache = new();

    public static string Write(string root, string agent, DateTime localStart, string callId, IReadOnlyList<Line> script, bool stereo = true)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{agent}/{localStart:yyyy-MM-dd}/{localStart:HHmmss}_{callId}.wav");
        var path = Path.Combine(root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Build(script, stereo));
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        return key;
    }

    public static byte[] Build(IReadOnlyList<Line> script, bool stereo)
    {
        var agent = new List<float>();
        var customer = new List<float>();
        foreach (var line in script)
        {
            var clip = Speak(line.Agent ? "voice_kal_diphone" : "voice_cmu_us_slt_arctic_hts", line.Text);
            var (speaker, other) = line.Agent ? (agent, customer) : (customer, agent);
            speaker.AddRange(clip);
            other.AddRange(new float[clip.Length]);
            var pause = new float[Rate * 7 / 10];
            agent.AddRange(pause);
            customer.AddRange(pause);
        }
        if (stereo) return WavWriter.Build([[.. agent], [.. customer]], Rate, SampleEncoding.Pcm16);
        var mixed = new float[agent.Count];
        for (var i = 0; i < mixed.Length; i++) mixed[i] = agent[i] + customer[i];
        return WavWriter.Build([mixed], Rate, SampleEncoding.Pcm16);
    }

    private static float[] Speak(string voice, string text) => Cache.GetOrAdd(voice + "|" + text, _ =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "callsentiment-festival");
        Directory.CreateDirectory(dir);
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(voice + "|" + text)))[..16];
        var wav = Path.Combine(dir, name + ".wav");
        if (!File.Exists(wav))
        {
            var txt = Path.Combine(dir, name + ".txt");
            File.WriteAllText(txt, text);
            var psi = new ProcessStartInfo("text2wave") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-eval", $"({voice})", txt, "-o", wav + ".tmp" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("text2wave did not start (apt-get install festival)");
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"text2wave failed ({p.ExitCode}): {err}");
            File.Move(wav + ".tmp", wav, overwrite: true);
        }
        var x = AudioLoader.LoadMono(wav, Rate);
        var peak = x.Max(MathF.Abs);
        if (peak > 0) for (var i = 0; i < x.Length; i++) x[i] *= 0.5f / peak;
        return x;
    });

    /// <summary>A customer who complains throughout; the agent stays polite.</summary>
    public static readonly Line[] AngryCustomer =
    [
        new(true, "Thank you for calling, my name is John, how can I help you today?"),
        new(false, "This is terrible service. I am very angry and disappointed."),
        new(true, "I am sorry to hear that. Let me look at your account."),
        new(false, "You charged me twice and nobody fixed it. This is the worst company ever. I want a refund now."),
        new(true, "I understand. I will process the refund for you."),
        new(false, "I am still furious. This is awful and I hate waiting."),
    ];

    /// <summary>A customer who is pleased throughout.</summary>
    public static readonly Line[] HappyCustomer =
    [
        new(true, "Thank you for calling, my name is John, how can I help you today?"),
        new(false, "Hello, I just wanted to say thank you, your service is wonderful."),
        new(true, "That is great to hear. Is there anything else I can do?"),
        new(false, "No, everything works perfectly. I love it. You were really helpful. Thank you so much."),
        new(true, "You are welcome. Have a great day."),
        new(false, "Thanks, you too. That was excellent."),
    ];
}
