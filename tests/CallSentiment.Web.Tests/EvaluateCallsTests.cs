using System.Diagnostics;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// evaluate-calls scores what the product would store: the worker analyses three calls (stereo and mono, with
/// transcripts) and the command-line tool analyses the same files; their verdicts and confidences must be equal.
/// </summary>
public sealed class EvaluateCallsTests : IAsyncLifetime
{
    private CallSentimentApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = new CallSentimentApp();
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        SpokenCalls.Write(_app.Recordings, "dana", start, "angry", SpokenCalls.AngryCustomer);
        SpokenCalls.Write(_app.Recordings, "dana", start.AddHours(1), "happy", SpokenCalls.HappyCustomer);
        SpokenCalls.Write(_app.Recordings, "dana", start.AddHours(2), "mono", SpokenCalls.AngryCustomer, stereo: false);
        _ = _app.Services; // starts the app and its worker
        await _app.WaitForJobsAsync(3, TimeSpan.FromMinutes(6));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task EvaluateCalls_SameRecordings_GivesTheVerdictsTheWorkerStored()
    {
        var keys = Directory.GetFiles(_app.Recordings, "*.wav", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_app.Recordings, f)).Order(StringComparer.Ordinal).ToList();
        var manifest = Path.Combine(_app.Root, "calls.csv");
        await File.WriteAllLinesAsync(manifest, ["path,customer,agent", .. keys.Select(k => $"{k},{(k.Contains("happy", StringComparison.Ordinal) ? "positive" : "negative")},neutral")]);
        var predictions = Path.Combine(_app.Root, "predictions.csv");

        var (code, stdout, stderr) = Cli("evaluate-calls", "--manifest", manifest, "--data", _app.Recordings, "--out", predictions);
        Assert.True(code == 0, stderr + stdout);

        var cli = (await File.ReadAllLinesAsync(predictions)).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => f[0], f => (Fused: f[5], Confidence: double.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture), Agent: f[9]));
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var stored = (await c.QueryAsync<(string Key, string Sentiment, double Confidence, string? Agent)>(
            "SELECT r.source_key, k.sentiment, k.confidence, k.agent_sentiment FROM calls k JOIN recordings r ON r.id = k.recording_id")).ToList();
        Assert.Equal(3, stored.Count);
        foreach (var s in stored)
        {
            var p = cli[s.Key];
            Assert.Equal(s.Sentiment, p.Fused);
            Assert.Equal(Math.Round(s.Confidence, 3), p.Confidence, 3);
            Assert.Equal(s.Agent ?? "", p.Agent);
        }

        // QA corrections exported from the product are a manifest evaluate-calls reads as it is.
        var labels = _app.Services.GetRequiredService<CallSentiment.Web.Qa.VerdictLabels>();
        foreach (var id in await c.QueryAsync<long>("SELECT id FROM calls ORDER BY id"))
            Assert.True(await labels.SetAsync(id, "negative", "test-qa", null, CancellationToken.None));
        var exported = Path.Combine(_app.Root, "labels.csv");
        await File.WriteAllTextAsync(exported, await labels.ExportCsvAsync(CancellationToken.None));
        var (code2, stdout2, stderr2) = Cli("evaluate-calls", "--manifest", exported, "--data", _app.Recordings, "--stages", "voice,fused");
        Assert.True(code2 == 0, stderr2 + stdout2);
        Assert.Contains("3 labelled call(s)", stdout2, StringComparison.Ordinal);
        Assert.Contains("n=3", stdout2.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
    }

    private static (int ExitCode, string Stdout, string Stderr) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.Root };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "callsentiment.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }
}
