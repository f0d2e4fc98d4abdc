using System.Diagnostics;

namespace CallSentiment.Analysis.Tests;

/// <summary>Runs the built command-line tool as a user would (its own process, from the repository root).</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.Root };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "callsentiment.dll"));
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
