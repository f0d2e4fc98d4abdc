namespace CallSentiment.Analysis.Onnx;

/// <summary>Where to look for libonnxruntime: explicit path, environment, the set-up folder, then the system.</summary>
public static class OnnxRuntimeLocator
{
    public const string EnvironmentVariable = "CALLSENTIMENT_ORT_LIBRARY";
    public const string LibraryFile = "libonnxruntime.so.1";

    /// <summary>Folder (relative to the repository root) into which scripts/setup installs the native library.</summary>
    public const string SetupFolder = ".tools/onnxruntime";

    public static IEnumerable<string> Candidates(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            yield return explicitPath;
            yield break;
        }
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) yield return env;
        yield return Path.Combine(AppContext.BaseDirectory, LibraryFile);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, SetupFolder, LibraryFile);
            if (File.Exists(candidate)) yield return candidate;
        }
        yield return LibraryFile;
    }
}
