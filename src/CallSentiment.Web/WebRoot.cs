using Microsoft.AspNetCore.DataProtection;

namespace CallSentiment.Web;

/// <summary>
/// The static files live in the repository's top-level wwwroot/ (the design card); a container image copies them
/// beside the app. Found by walking up from the app's folder; <c>CALLSENTIMENT_WEBROOT</c> overrides.
/// </summary>
internal static class WebRoot
{
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CALLSENTIMENT_WEBROOT") is { Length: > 0 } configured) return configured;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "wwwroot");
                if (File.Exists(Path.Combine(candidate, "css", "site.css"))) return candidate;
            }
        }
        return null;
    }
}

/// <summary>Server-Timing: app;dur=… on every response, so the dashboard's server time can be measured from outside.</summary>
internal static class ServerTimingExtensions
{
    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            context.Response.Headers["Server-Timing"] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"app;dur={ms:0.0}");
            return Task.CompletedTask;
        });
        await next(context).ConfigureAwait(false);
    });
}

internal static class DataProtectionExtensions
{
    /// <summary>
    /// Antiforgery and cookie keys survive restarts and are shared by instances that mount the same folder
    /// (<c>DataProtection:KeysFolder</c>, default data/keys).
    /// </summary>
    public static IHostApplicationBuilder AddDataProtectionKeys(this IHostApplicationBuilder builder)
    {
        var folder = builder.Configuration["DataProtection:KeysFolder"] is { Length: > 0 } f ? f : Path.Combine("data", "keys");
        builder.Services.AddDataProtection().SetApplicationName("CallSentiment").PersistKeysToFileSystem(Directory.CreateDirectory(folder));
        return builder;
    }
}
