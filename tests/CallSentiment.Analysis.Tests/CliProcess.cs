using System.Diagnostics;

namespace CallSentiment.Analysis.Tests;

/// <summary>Runs the built command-line tool as a user would (its own process, from the repository root).</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(IDictionary<string, string>? env, params string[] args) =>
        RunFrom(AppContext.BaseDirectory, env, args);

    /// <summary>
    /// Runs the tool from a copy of the build output without its runtimes/ folder, i.e. without ONNX Runtime's native
    /// library: what a deployment for the wrong platform, or one that lost the file, looks like.
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWithoutOnnxRuntimeNatives(params string[] args)
    {
        var copy = Directory.CreateTempSubdirectory("callsentiment-no-natives-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            return RunFrom(copy, null, args);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) RunFrom(string appDirectory, IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.Root };
        psi.ArgumentList.Add(Path.Combine(appDirectory, "callsentiment.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }
}
