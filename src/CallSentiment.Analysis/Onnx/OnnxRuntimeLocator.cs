namespace CallSentiment.Analysis.Onnx;

/// <summary>Where to look for libonnxruntime: explicit path, environment, the set-up folder, then the system.</summary>
public static class OnnxRuntimeLocator
{
    public const string EnvironmentVariable = "CALLSENTIMENT_ORT_LIBRARY";
    public const string LibraryFile = "libonnxruntime.so.1";

    /// <summary>Folder (relative to the repository root) into which scripts/setup installs the native library.</summary>
    public const string SetupFolder = ".tools/onnxruntime";

    /// <summary>An explicit path or the environment variable is used alone: a wrong setting fails loudly instead of
    /// silently loading some other copy.</summary>
    public static IEnumerable<string> Candidates(string? explicitPath)
    {
        var configured = !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath : Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            yield return configured;
            yield break;
        }
        yield return Path.Combine(AppContext.BaseDirectory, LibraryFile);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, SetupFolder, LibraryFile);
            if (File.Exists(candidate)) yield return candidate;
        }
        yield return LibraryFile;
    }
}
