using CallSentiment.Analysis.SpeechEmotion;

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
}
