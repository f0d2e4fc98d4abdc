using System.Diagnostics;
using System.Text.Json;
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

        // The predictions carry the customer's fusion evidence, as the worker stored it, so they are a manifest
        // calibrate can refit on without the audio (e.g. evidence from out-of-fold voice models).
        var evidenceColumn = (await File.ReadAllLinesAsync(predictions))[0].Split(',').ToList().IndexOf("customer_evidence");
        Assert.Equal(13, evidenceColumn);
        var storedEvidence = (await c.QueryAsync<(string Key, string Evidence)>(
            "SELECT r.source_key, s.evidence FROM calls k JOIN recordings r ON r.id = k.recording_id JOIN call_speakers s ON s.call_id = k.id WHERE s.role <> 'agent'")).ToList();
        Assert.NotEmpty(storedEvidence);
        foreach (var line in (await File.ReadAllLinesAsync(predictions)).Skip(1))
        {
            var key = line[..line.IndexOf(',', StringComparison.Ordinal)];
            var start = line.IndexOf(",\"{", StringComparison.Ordinal) + 2;
            var json = line[start..(line.IndexOf("}\",", start, StringComparison.Ordinal) + 1)].Replace("\"\"", "\"", StringComparison.Ordinal);
            using var fromCli = JsonDocument.Parse(json);
            using var fromDb = JsonDocument.Parse(storedEvidence.Single(e => e.Key == key).Evidence);
            static double? Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();
            var db = fromDb.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => Number(p.Value));
            Assert.NotEmpty(fromCli.RootElement.EnumerateObject());
            foreach (var p in fromCli.RootElement.EnumerateObject())
            {
                Assert.True(db.TryGetValue(p.Name, out var kept), $"{key}: {p.Name} is not in the stored evidence");
                Assert.True(Number(p.Value) is not { } v ? kept is null : Math.Abs(v - kept!.Value) <= 1e-4,
                    $"{key}: {p.Name} {p.Value} stored as {kept}"); // stored to 4 decimals
            }
        }

        // The last column is what the recogniser heard from the customer, chunk by chunk, as the worker stored it.
        Assert.Equal(14, (await File.ReadAllLinesAsync(predictions))[0].Split(',').ToList().IndexOf("customer_transcript"));
        var customerChunks = (await c.QueryAsync<(string Key, string Text)>(
            "SELECT r.source_key, t.text FROM transcript_chunks t JOIN calls k ON k.id = t.call_id JOIN recordings r ON r.id = k.recording_id WHERE t.role = 'customer'")).ToList();
        Assert.NotEmpty(customerChunks);
        foreach (var chunk in customerChunks)
        {
            var line = (await File.ReadAllLinesAsync(predictions)).Single(l => l.StartsWith(chunk.Key + ",", StringComparison.Ordinal));
            Assert.Contains("] " + chunk.Text, line, StringComparison.Ordinal);
        }

        // On the mono call the voice is read one speaker at a time: the worker cut its windows where the diarized
        // speakers change, so no window spans the gap between two speakers' words.
        var mono = await c.QuerySingleAsync<(long Id, string Detail)>(
            "SELECT k.id, s.detail FROM calls k JOIN recordings r ON r.id = k.recording_id JOIN stage_results s ON s.call_id = k.id WHERE r.source_key LIKE '%mono%' AND s.stage = 'voice-emotion'");
        using (var detail = JsonDocument.Parse(mono.Detail))
            Assert.True(detail.RootElement.GetProperty("speakerChanges").GetInt32() >= 1, mono.Detail);
        var monoChunks = (await c.QueryAsync<(int Speaker, long StartMs, long EndMs)>(
            "SELECT speaker, start_ms, end_ms FROM transcript_chunks WHERE call_id = @Id ORDER BY start_ms", new { mono.Id })).ToList();
        var monoWindows = (await c.QueryAsync<(long StartMs, long EndMs)>("SELECT start_ms, end_ms FROM emotion_windows WHERE call_id = @Id", new { mono.Id })).ToList();
        var turnGaps = monoChunks.Zip(monoChunks.Skip(1)).Where(p => p.First.Speaker != p.Second.Speaker).Select(p => (From: p.First.EndMs, To: p.Second.StartMs)).ToList();
        Assert.NotEmpty(turnGaps);
        Assert.NotEmpty(monoWindows);
        Assert.All(monoWindows, w => Assert.DoesNotContain(turnGaps, g => w.StartMs < g.From && w.EndMs > g.To));

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
