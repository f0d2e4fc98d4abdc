using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Tests.Transcription;

internal static class AsrFixtures
{
    public static string VadModel => Path.Combine(Paths.Shared, "models", "silero-vad", "silero_vad.onnx");

    public static OfflineTranscriberOptions Options => new() { VadModelPath = VadModel };

    public static float[] Utterance(string id) => AudioLoader.LoadMono(Paths.Dataset($"asr/speech/{id}.wav"), 16000);

    public static string Reference(string id) =>
        File.ReadAllLines(Paths.Dataset("asr/speech/transcripts.tsv")).Select(l => l.Split('\t')).Single(p => p[0] == id)[1];

    public static WordErrors Errors(string id, IEnumerable<TranscriptWord> words) =>
        WordErrors.Align(WordErrors.Words(Reference(id)), [.. words.Select(w => w.Text.ToLowerInvariant())]);

    public static float[] Silence(double seconds, int seed = 1)
    {
        // Faint line noise rather than digital zeros, as in a real recording.
        var rng = new Random(seed);
        var x = new float[(int)(seconds * 16000)];
        for (var i = 0; i < x.Length; i++) x[i] = (float)((rng.NextDouble() - 0.5) * 2e-4);
        return x;
    }
}
