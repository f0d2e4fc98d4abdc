namespace CallSentiment.Analysis.Tests;

/// <summary>The repository root and the shared datasets beside it (../shared relative to the root).</summary>
internal static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Datasets => Path.Combine(Shared, "datasets");

    public static string SpeechEmotionModel => Path.Combine(Root, "models", "speech-emotion");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CallSentiment.sln"))) return dir.FullName;
        throw new InvalidOperationException("CallSentiment.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Dataset(string relative)
    {
        var path = Path.Combine(Datasets, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Test data missing: {path} (the shared datasets must sit beside the repository)");
        return path;
    }
}
