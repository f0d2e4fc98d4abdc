using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Diarization;

namespace CallSentiment.Cli.Diarization;

/// <summary>A synthetic mono conversation and the reference turns it was built from.</summary>
internal sealed record SyntheticConversation(float[] Samples, IReadOnlyList<SpeakerTurn> Reference)
{
    public double DurationSeconds => (double)Samples.Length / ConversationSynthesizer.SampleRate;
}

/// <summary>
/// Builds a two-speaker mono conversation from real utterances of two speakers: alternating turns of one or two
/// utterances, pauses between turns and, now and then, the next speaker starting before the previous one has
/// finished (short overlaps). The reference is exact because each utterance's speech extent is measured before it is
/// placed. Optionally the mix goes through the simulated telephone line.
/// </summary>
internal static class ConversationSynthesizer
{
    public const int SampleRate = 16000;

    public static SyntheticConversation Build(
        IReadOnlyList<string> speakerA,
        IReadOnlyList<string> speakerB,
        int turns,
        int seed,
        bool telephone,
        double overlapProbability = 0.2)
    {
        if (speakerA.Count == 0 || speakerB.Count == 0) throw new UsageException("each speaker needs at least one utterance");
        var random = new Random(seed);
        var clips = new[] { speakerA, speakerB };
        var gains = new[] { (float)Math.Pow(10, (random.NextDouble() * 6 - 3) / 20), (float)Math.Pow(10, (random.NextDouble() * 6 - 3) / 20) };
        var next = new[] { random.Next(speakerA.Count), random.Next(speakerB.Count) };

        var placed = new List<(float[] Audio, int Offset, int Speaker)>();
        var reference = new List<SpeakerTurn>();
        var cursor = (int)(0.5 * SampleRate);
        var previousSpeechEnd = 0;
        for (var turn = 0; turn < turns; turn++)
        {
            var speaker = turn % 2;
            var utterances = random.NextDouble() < 0.4 ? 2 : 1;
            for (var u = 0; u < utterances; u++)
            {
                var path = clips[speaker][next[speaker]++ % clips[speaker].Count];
                var audio = AudioLoader.LoadMono(path, SampleRate);
                var (from, to) = SpeechExtent(audio);
                var speech = audio[from..to];
                int start;
                if (u > 0) start = previousSpeechEnd + (int)((0.25 + 0.3 * random.NextDouble()) * SampleRate);
                else if (turn > 0 && random.NextDouble() < overlapProbability)
                    start = Math.Max(cursor - (int)((0.2 + 0.6 * random.NextDouble()) * SampleRate), 0); // barges in
                else start = (turn == 0 ? cursor : previousSpeechEnd) + (int)((0.2 + 1.0 * random.NextDouble()) * SampleRate);
                if (turn > 0 && u == 0 && random.NextDouble() < 0.1) start += (int)(2.5 * SampleRate); // a long pause (hold)
                for (var i = 0; i < speech.Length; i++) speech[i] *= gains[speaker];
                placed.Add((speech, start, speaker));
                reference.Add(new SpeakerTurn(speaker == 0 ? "A" : "B", (double)start / SampleRate, (double)(start + speech.Length) / SampleRate));
                previousSpeechEnd = start + speech.Length;
                cursor = previousSpeechEnd;
            }
        }

        var total = placed.Max(p => p.Offset + p.Audio.Length) + SampleRate / 2;
        var mix = new float[total];
        foreach (var (audio, offset, _) in placed)
            for (var i = 0; i < audio.Length; i++) mix[offset + i] += audio[i];
        // A quiet noise floor: digital silence is not what a line sounds like, and it would make VAD trivially exact.
        var noise = new Random(seed ^ 0x5eed);
        for (var i = 0; i < mix.Length; i++) mix[i] += (float)((noise.NextDouble() - 0.5) * 0.002);
        if (telephone) mix = TelephoneChannel.Apply(mix, SampleRate);
        return new SyntheticConversation(mix, reference.OrderBy(t => t.Start).ToList());
    }

    /// <summary>First and last sample of the 20 ms frames within 30 dB of the loudest frame (the utterance without its lead-in and tail).</summary>
    internal static (int From, int To) SpeechExtent(float[] audio)
    {
        const int frame = SampleRate / 50;
        var count = audio.Length / frame;
        if (count == 0) return (0, audio.Length);
        var energy = new double[count];
        for (var f = 0; f < count; f++)
        {
            double s = 0;
            for (var i = f * frame; i < (f + 1) * frame; i++) s += audio[i] * audio[i];
            energy[f] = s / frame;
        }
        var threshold = energy.Max() * 1e-3;
        var first = Array.FindIndex(energy, e => e >= threshold);
        var last = Array.FindLastIndex(energy, e => e >= threshold);
        return (first * frame, Math.Min(audio.Length, (last + 1) * frame));
    }
}
