namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// Every app host watches its content root, web root and settings files with a FileSystemWatcher, one inotify instance
/// each on Linux; the suite keeps many apps and app processes alive at once, more than the default limit of 128
/// instances per user, and the next watcher then throws inside a page. Polling watchers and no reload-on-change use
/// none. Set before the first host starts (child processes inherit it).
/// </summary>
internal static class FileWatching
{
    public static void UsePolling()
    {
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
    }
}
