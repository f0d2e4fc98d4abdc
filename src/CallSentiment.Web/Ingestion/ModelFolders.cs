namespace CallSentiment.Web.Ingestion;

/// <summary>Finds a model folder: the configured path, else the relative folder searched upwards from the app.</summary>
public static class ModelFolders
{
    public static string Find(string? configured, string relative, string markerFile, string contentRoot, string setting)
    {
        if (!string.IsNullOrEmpty(configured)) return configured;
        foreach (var start in new[] { contentRoot, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(Path.Combine(candidate, markerFile))) return candidate;
            }
        }
        throw new FileNotFoundException($"{relative}/{markerFile} was not found above {contentRoot} (run scripts/setup, or set {setting})");
    }
}
