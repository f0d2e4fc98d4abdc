using System.Diagnostics;
using System.Text;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// The built web app as a separate OS process (as deployed), configured through environment variables, on a free
/// loopback port. Used where a test needs real processes: several workers on one database, a killed worker, a
/// browser.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The app's own build output (same configuration as the tests).</summary>
    public static string AppDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
            var dll = Path.Combine(Paths.Root, "src", "CallSentiment.Web", "bin", configuration, "net10.0", "CallSentiment.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the app first: {dll}");
        }
    }

    public static async Task<AppProcess> StartAsync(IDictionary<string, string> settings, TimeSpan? startTimeout = null)
    {
        var port = PostgresCluster.FreePort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(AppDll)!,
        };
        psi.ArgumentList.Add(AppDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // No inotify instances per app process (see FileWatching): the tests keep many processes and hosts alive at once.
        psi.Environment["DOTNET_USE_POLLING_FILE_WATCHER"] = "true";
        psi.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        foreach (var (k, v) in settings) psi.Environment[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        var process = Process.Start(psi)!;
        var app = new AppProcess(process, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (app._output) app._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (app._output) app._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (startTimeout ?? TimeSpan.FromSeconds(120)))
        {
            if (process.HasExited) throw new InvalidOperationException($"the app exited with {process.ExitCode}:\n{app.Output}");
            try
            {
                if ((await http.GetAsync(new Uri("health/live", UriKind.Relative))).IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await app.DisposeAsync();
        throw new TimeoutException($"the app did not start:\n{app.Output}");
    }

    /// <summary>SIGKILL: the process dies mid-work, as on a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }
}
