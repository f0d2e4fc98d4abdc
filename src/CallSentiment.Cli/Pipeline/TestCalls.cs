using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Pipeline;

/// <summary>
/// Two-channel test calls from real recorded speech: agent turns on the left channel, customer turns on the right,
/// alternating with 0.4–1.5 s pauses, then telephone band-limited and stored as 8 kHz µ-law WAV like a call
/// recorder's output.
/// </summary>
internal static class TestCalls
{
    private const int Rate = 16000;

    public static List<string> Build(string folder, int count, double seconds, string agentFolder, string customerManifest)
    {
        var agentClips = Directory.GetFiles(agentFolder, "*.wav").Order(StringComparer.Ordinal)
            .Select(f => AudioLoader.LoadMono(f, Rate)).ToList();
        if (agentClips.Count == 0) throw new UsageException($"no .wav clips in {agentFolder}");
        var rows = Manifest.Read(customerManifest);
        var root = Path.GetDirectoryName(Path.GetFullPath(customerManifest))!;
        // A spread of speakers and emotions; decoding every clip of the corpus would take longer than the benchmark.
        var customerClips = rows.Where((_, i) => i % Math.Max(1, rows.Count / 40) == 0).Take(40)
            .Select(r => AudioLoader.LoadMono(Path.Combine(root, r.Path), Rate)).ToList();

        var files = new List<string>();
        for (var n = 0; n < count; n++)
        {
            var rng = new Random(1000 + n);
            var target = (int)(seconds * Rate);
            var agent = new float[target];
            var customer = new float[target];
            var pos = (int)(0.5 * Rate);
            var agentTurn = true;
            while (pos < target)
            {
                var clip = agentTurn ? agentClips[rng.Next(agentClips.Count)] : customerClips[rng.Next(customerClips.Count)];
                var len = Math.Min(clip.Length, target - pos);
                clip.AsSpan(0, len).CopyTo((agentTurn ? agent : customer).AsSpan(pos));
                pos += len + (int)(Rate * (0.4 + 1.1 * rng.NextDouble()));
                // Sometimes the same party goes on after a pause, as in real calls.
                if (rng.NextDouble() < 0.7) agentTurn = !agentTurn;
            }
            AddLineNoise(agent, rng);
            AddLineNoise(customer, rng);
            var line = new[] { ToLine(agent), ToLine(customer) };
            var path = Path.Combine(folder, $"call-{n:000}.wav");
            File.WriteAllBytes(path, WavWriter.Build(line, TelephoneChannel.LineRate, SampleEncoding.MuLaw));
            files.Add(path);
        }
        return files;
    }

    private static void AddLineNoise(float[] x, Random rng)
    {
        for (var i = 0; i < x.Length; i++) x[i] += (float)((rng.NextDouble() - 0.5) * 6e-4);
    }

    /// <summary>Band-limits to 300–3400 Hz and resamples to 8 kHz (µ-law quantisation happens when the WAV is written).</summary>
    private static float[] ToLine(float[] samples16k)
    {
        var x = (float[])samples16k.Clone();
        foreach (var f in Biquad.Butterworth4(Rate, 300, highPass: true)) f.Process(x);
        foreach (var f in Biquad.Butterworth4(Rate, 3400, highPass: false)) f.Process(x);
        return Resampler.ResampleAll(x, Rate, TelephoneChannel.LineRate);
    }
}
