using CallSentiment.Analysis.SpeechEmotion;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli;

internal static class ModelLocator
{
    /// <summary>--model, else models/speech-emotion found from the working directory or the tool's folder upwards.</summary>
    public static string SpeechEmotionFolder(string? explicitFolder)
    {
        if (explicitFolder is not null) return explicitFolder;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "speech-emotion");
                if (File.Exists(Path.Combine(candidate, SpeechEmotionModel.CardFile))) return candidate;
            }
        }
        throw new UsageException("models/speech-emotion not found; pass --model DIR");
    }

    /// <summary>--model, else models/text-sentiment found from the working directory or the tool's folder upwards.
    /// Without <paramref name="requireModel"/> the folder only needs to exist (feature export runs before training).</summary>
    public static string TextSentimentFolder(string? explicitFolder, bool requireModel = true)
    {
        if (explicitFolder is not null) return explicitFolder;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "text-sentiment");
                if (requireModel ? File.Exists(Path.Combine(candidate, OfflineTextSentimentScorer.CardFile)) : Directory.Exists(candidate))
                    return candidate;
            }
        }
        throw new UsageException("models/text-sentiment not found; pass --model DIR");
    }

    /// <summary>VADER's lexicon in the shared datasets beside the repository (../shared/datasets/text/vader).</summary>
    public static string VaderLexicon(string? explicitPath)
    {
        if (explicitPath is not null) return explicitPath;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "datasets", "text", "vader", "vader_lexicon.txt");
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new UsageException("VADER lexicon not found (expected ../shared/datasets/text/vader/vader_lexicon.txt); pass --lexicon FILE");
    }
}

internal static class SharedModelLocator
{
    /// <summary>
    /// --vad-model, else the copy set-up installs for the product (.tools/silero-vad), else
    /// ../shared/models/silero-vad/silero_vad.onnx beside the repository (working directory or tool folder upwards).
    /// </summary>
    public static string SileroVad(string? explicitPath)
    {
        if (explicitPath is not null) return explicitPath;
        if (Shared.TryFindInRepository(".tools", "silero-vad", "silero_vad.onnx") is { } installed) return installed;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "models", "silero-vad", "silero_vad.onnx");
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        throw new UsageException("Silero VAD model (../shared/models/silero-vad/silero_vad.onnx) not found; pass --vad-model PATH");
    }
}

/// <summary>Files of the repository (models/…) and of the shared datasets beside it (../shared/…), found upwards.</summary>
internal static class Shared
{
    private static IEnumerable<DirectoryInfo> Upwards()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                yield return dir;
    }

    /// <summary>shared/PARTS in a folder above the working directory or the tool.</summary>
    public static string Find(params string[] parts) =>
        Upwards().Select(d => Path.Combine([d.FullName, "shared", .. parts])).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p))
        ?? throw new UsageException($"shared/{string.Join('/', parts)} not found above the working directory; pass its path");

    public static string? TryFindInRepository(params string[] parts) =>
        Upwards().Select(d => Path.Combine([d.FullName, .. parts])).FirstOrDefault(p => File.Exists(p) || Directory.Exists(p));

    public static string FindInRepository(params string[] parts) => TryFindInRepository(parts)
        ?? throw new UsageException($"{string.Join('/', parts)} not found above the working directory; pass its path");
}
