using System.Globalization;
using System.Net;
using System.Text.Json;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The demo tells the truth: a small demo set from <c>callsentiment demo-data</c> (Festival voices, telephone channel),
/// analysed by the app's own worker (the voice, transcript and text stages and the fusion of <c>CallAnalyzer</c>), shows
/// on the dashboard's figures (the metrics API) the agents in the order the plan designed and a team NPS near the designed
/// one. Cost: the 9 calls are 13 minutes of audio; making them takes about 20 CPU-seconds, analysing them about 4–5
/// CPU-minutes (measured with evaluate-calls on the same set: 265 CPU-seconds), which is most of this test.
/// </summary>
public sealed class DemoDataAnalysisTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Seed 22 ending on Friday 2026-11-20 plans 9 calls: Alice +67, Ben −67 and Chloe 0, team 0 (see `demo-data --describe`).
    private static readonly string[] Options =
        ["--agents", "3", "--weeks", "1", "--calls-per-week", "3", "--seed", "22", "--end", "2026-11-20", "--time-zone", "UTC"];
    private const string From = "2026-11-16";
    private const string To = "2026-11-20";
    private const double TeamTolerance = 15;

    private CallSentimentApp _app = null!;
    private List<(string Agent, string Designed)> _plan = null!;

    public async Task InitializeAsync()
    {
        _app = new CallSentimentApp();
        var manifest = Path.Combine(_app.Root, "demo.csv");
        var (code, stdout, stderr) = CliProcess.Run(null, ["demo-data", "--out", _app.Recordings, "--manifest", manifest, .. Options]);
        Assert.True(code == 0, stderr + stdout);
        _plan = [.. (await File.ReadAllLinesAsync(manifest)).Skip(1).Select(l => l.Split(',')).Select(f => (Agent: f[6], Designed: f[3]))];
        _ = _app.Services; // starts the app and its worker
        // Generous: on a 2-core machine shared with other work the analysis took over 15 minutes of wall time.
        await _app.WaitForJobsAsync(_plan.Count, TimeSpan.FromMinutes(40));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task DemoSet_AnalysedByTheWorker_RanksAgentsAsDesignedAndTeamNpsIsNearTheDesign()
    {
        var agents = _plan.Select(p => p.Agent).Distinct().ToList();
        var designed = agents.ToDictionary(a => a, a => Nps(_plan.Where(p => p.Agent == a).Select(p => p.Designed).ToList()));
        Assert.Equal(agents.Count, designed.Values.Distinct().Count()); // the design itself ranks them strictly

        using var api = await _app.SignedInClientAsync(AppRoles.Supervisor);
        async Task<(long Calls, double Nps)> MeasuredAsync(string? agent)
        {
            var response = await api.GetAsync($"/api/v1/metrics?from={From}&to={To}" + (agent is null ? "" : $"&agent={agent}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var totals = json.RootElement.GetProperty("totals");
            return (totals.GetProperty("calls").GetInt64(), totals.GetProperty("nps").GetDouble());
        }
        var measured = new Dictionary<string, double>();
        foreach (var a in agents) measured[a] = (await MeasuredAsync(a)).Nps;
        var team = await MeasuredAsync(null);

        var report = string.Join("; ", agents.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a} designed {designed[a]:+0;-0;0} measured {measured[a]:+0;-0;0}")))
            + string.Create(CultureInfo.InvariantCulture, $"; team designed {Nps(_plan.Select(p => p.Designed).ToList()):+0.0;-0.0;0} measured {team.Nps:+0.0;-0.0;0}");
        output.WriteLine(report);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU time of the test process (the app and its worker's analysis): {System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:0} s"));
        Assert.True(team.Calls == _plan.Count, report);
        Assert.True(agents.OrderByDescending(a => designed[a]).SequenceEqual(agents.OrderByDescending(a => measured[a])), "ranking: " + report);
        for (var i = 0; i + 1 < agents.Count; i++)
        {
            var (better, worse) = (agents.OrderByDescending(a => designed[a]).ElementAt(i), agents.OrderByDescending(a => designed[a]).ElementAt(i + 1));
            Assert.True(measured[better] > measured[worse], "strict ranking: " + report);
        }
        Assert.True(Math.Abs(team.Nps - Nps(_plan.Select(p => p.Designed).ToList())) <= TeamTolerance, "team NPS: " + report);
    }

    // The dashboard's NPS over the designed verdicts (POSITIVE, NEUTRAL, MIXED, NEGATIVE).
    private static double Nps(List<string> verdicts) =>
        100.0 * (verdicts.Count(v => v == "POSITIVE") - verdicts.Count(v => v == "NEGATIVE")) / verdicts.Count;
}
