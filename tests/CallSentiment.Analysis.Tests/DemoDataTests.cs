using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;
using CallSentiment.Cli.Demo;

namespace CallSentiment.Analysis.Tests;

/// <summary>demo-data end to end with the real Festival and its voices (scripts/setup installs them): a tiny set per test.</summary>
public partial class DemoDataTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    // A Friday in British Summer Time, so the sidecar's offset (+01:00) differs from UTC.
    private static DemoDataOptions Tiny(string dir, int seed = 1, bool force = false) =>
        new(dir, Agents: 2, Weeks: 1, CallsPerWeek: 1, Seed: seed, End: new DateOnly(2025, 6, 13), TimeZone: London, Force: force);

    private static DemoDataResult Generate(DemoDataOptions options) =>
        DemoData.Generate(options, FestivalSynthesiser.Find(Environment.GetEnvironmentVariable("PATH")));

    private static List<string> Recordings(string dir) =>
        [.. Directory.GetFiles(dir, "*.wav", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^(?<agent>[a-z]+(-[a-z]+)+)/(?<date>\d{4}-\d{2}-\d{2})/(?<time>\d{6})_(?<call>c\d{5,})\.wav$")]
    private static partial Regex KeyPattern();

    [Fact]
    public void Generate_TinySet_WritesOneRecordingAndSidecarPerCallUnderTheKeyPattern()
    {
        using var dir = new TempDir();

        var result = Generate(Tiny(dir.Path));

        var keys = Recordings(dir.Path);
        Assert.Equal(2, result.Written);
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Matches(KeyPattern(), k));
        Assert.Equal(["alice-moreau", "ben-okafor"], keys.Select(k => k.Split('/')[0]));
        Assert.All(keys, k => Assert.True(File.Exists(Path.Combine(dir.Path, Path.ChangeExtension(k, ".json")))));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public void Generate_TinySet_SidecarFieldsAgreeWithTheKey()
    {
        using var dir = new TempDir();
        Generate(Tiny(dir.Path));

        foreach (var key in Recordings(dir.Path))
        {
            var m = KeyPattern().Match(key);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, Path.ChangeExtension(key, ".json"))));
            var root = json.RootElement;
            Assert.Equal(m.Groups["agent"].Value, root.GetProperty("agent").GetString());
            Assert.Equal(m.Groups["call"].Value, root.GetProperty("callId").GetString());
            Assert.Matches(@"^[A-Z][a-z]+ [A-Z][a-z]+$", root.GetProperty("agentName").GetString());
            Assert.Matches(@"^cust-\d{4}$", root.GetProperty("customerId").GetString());
            Assert.Equal("Europe/London", root.GetProperty("timeZone").GetString());
            Assert.Equal(0, root.GetProperty("channels").GetProperty("agent").GetInt32());
            Assert.Equal(1, root.GetProperty("channels").GetProperty("customer").GetInt32());

            // ISO 8601 with the zone's offset at that instant; the key holds the same local date and time.
            var text = root.GetProperty("startedAt").GetString()!;
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+01:00$", text);
            var started = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
            Assert.Equal(m.Groups["date"].Value, started.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Assert.Equal(m.Groups["time"].Value, started.ToString("HHmmss", CultureInfo.InvariantCulture));
            Assert.Equal(London.GetUtcOffset(started), started.Offset);
            Assert.InRange(started.DayOfWeek, DayOfWeek.Monday, DayOfWeek.Friday);
            Assert.InRange(started.TimeOfDay, new TimeSpan(8, 30, 0), new TimeSpan(17, 30, 0));
        }
    }

    [Fact]
    public void Generate_TinySet_StereoTelephoneAudioWithTurnTaking()
    {
        using var dir = new TempDir();
        Generate(Tiny(dir.Path));

        foreach (var key in Recordings(dir.Path))
        {
            using var reader = AudioReader.Open(Path.Combine(dir.Path, key));
            Assert.Equal(8000, reader.Info.SampleRate);
            Assert.Equal(2, reader.Info.Channels);
            Assert.Equal(SampleEncoding.Pcm16, reader.Info.Encoding);
            var ch = reader.ReadAllChannels();
            Assert.InRange(ch[0].Length / 8000.0, 45, 150);

            // 50 ms frames: speech is louder than -45 dBFS, the quiet line about -60 dBFS.
            var agent = FrameLevels(ch[0]);
            var customer = FrameLevels(ch[1]);
            int agentOnly = 0, customerOnly = 0, both = 0;
            var quiet = new List<double>();
            for (var i = 0; i < agent.Length; i++)
            {
                bool a = agent[i] > -45, c = customer[i] > -45;
                if (a && !c) agentOnly++;
                if (c && !a) customerOnly++;
                if (a && c) both++;
                if (a && !c) quiet.Add(customer[i]);
                if (c && !a) quiet.Add(agent[i]);
            }
            Assert.True(agentOnly > agent.Length / 10, $"{key}: agent speaks alone in {agentOnly} of {agent.Length} frames");
            Assert.True(customerOnly > agent.Length / 10, $"{key}: customer speaks alone in {customerOnly} of {agent.Length} frames");
            Assert.True(both < agent.Length / 10, $"{key}: both talk at once in {both} of {agent.Length} frames");
            Assert.InRange(quiet.Order().ElementAt(quiet.Count / 2), -64, -56);
        }
    }

    private static double[] FrameLevels(float[] x)
    {
        const int frame = 400;
        var levels = new double[x.Length / frame];
        for (var f = 0; f < levels.Length; f++)
        {
            double e = 0;
            for (var k = 0; k < frame; k++) e += (double)x[f * frame + k] * x[f * frame + k];
            levels[f] = 10 * Math.Log10(e / frame + 1e-12);
        }
        return levels;
    }

    [Fact]
    public void Generate_SameSeedTwice_IdenticalBytesAndAnotherSeedDiffers()
    {
        using var first = new TempDir();
        using var second = new TempDir();
        using var other = new TempDir();

        Generate(Tiny(first.Path));
        Generate(Tiny(second.Path));
        Generate(Tiny(other.Path, seed: 2));

        var files = Directory.GetFiles(first.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first.Path, f)).ToList();
        Assert.Equal(4, files.Count);
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(first.Path, f)).SequenceEqual(File.ReadAllBytes(Path.Combine(second.Path, f))), f);
        Assert.NotEqual(Recordings(first.Path), Recordings(other.Path));
    }

    [Fact]
    public void Generate_SecondRun_SkipsExistingRecordingsUnlessForced()
    {
        using var dir = new TempDir();
        var first = Generate(Tiny(dir.Path));
        var wav = Path.Combine(dir.Path, Recordings(dir.Path)[0]);
        var written = File.GetLastWriteTimeUtc(wav);
        File.Delete(Path.ChangeExtension(wav, ".json"));

        var second = Generate(Tiny(dir.Path));

        Assert.Equal((0, 2), (second.Written, second.Skipped));
        Assert.Equal(first.AudioMinutes, second.AudioMinutes, 6);
        Assert.Equal(written, File.GetLastWriteTimeUtc(wav));
        Assert.True(File.Exists(Path.ChangeExtension(wav, ".json")), "a missing sidecar is restored");
        var forced = Generate(Tiny(dir.Path, force: true));
        Assert.Equal((2, 0), (forced.Written, forced.Skipped));
    }

    [Fact]
    public void Calls_DefaultSetEndingOnSunday_PlansEveryCallOnWeekdayBusinessHoursWithUniqueIds()
    {
        var options = new DemoDataOptions("out", 6, 8, 3, 1, new DateOnly(2025, 6, 15), London);

        var calls = DemoPlan.Calls(options);

        Assert.Equal(144, calls.Count);
        Assert.Equal(calls.Count, calls.Select(c => c.CallId).Distinct().Count());
        Assert.All(calls, c => Assert.InRange(c.StartedAt.DayOfWeek, DayOfWeek.Monday, DayOfWeek.Friday));
        Assert.All(calls, c => Assert.InRange(c.StartedAt.TimeOfDay, new TimeSpan(8, 30, 0), new TimeSpan(17, 0, 0)));
        Assert.All(calls, c => Assert.InRange(c.Turns.Count, 6, 14));
        Assert.InRange(calls.Min(c => c.StartedAt), new DateTimeOffset(2025, 4, 21, 0, 0, 0, TimeSpan.FromHours(1)), DateTimeOffset.MaxValue);
        // The best agent's customers are clearly less often negative than the worst agent's.
        double NegativeShare(string agent) => calls.Where(c => c.Agent.Slug == agent).Average(c => c.Persona is Persona.Angry or Persona.Sad ? 1.0 : 0.0);
        Assert.True(NegativeShare("alice-moreau") + 0.25 < NegativeShare("ben-okafor"));
    }

    [Fact]
    public void Calls_RunADayLater_KeepsTheCallsOfTheDaysBothCover()
    {
        var tuesday = DemoPlan.Calls(new DemoDataOptions("out", 6, 8, 3, 1, new DateOnly(2025, 6, 10), London));
        var wednesday = DemoPlan.Calls(new DemoDataOptions("out", 6, 8, 3, 1, new DateOnly(2025, 6, 11), London));

        Assert.Subset(wednesday.Select(c => c.Key).ToHashSet(), tuesday.Select(c => c.Key).ToHashSet());
        Assert.True(wednesday.Count >= tuesday.Count);
    }

    [Fact]
    public void Readme_DemoDescribeBlock_IsWhatTheCommandPrints()
    {
        var readme = File.ReadAllText(Path.Combine(Paths.Root, "README.md")).ReplaceLineEndings("\n");
        var block = ReadmeDescribeBlock().Match(readme);
        Assert.True(block.Success, "README.md has a ```text block that starts with '$ callsentiment demo-data --describe'");

        var (code, stdout, stderr) = CliProcess.Run(null, block.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(code == 0, stderr);
        Assert.Equal(stdout.ReplaceLineEndings("\n"), block.Groups["output"].Value);
    }

    [GeneratedRegex(@"```text\n\$ callsentiment (?<args>demo-data --describe[^\n]*)\n(?<output>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeDescribeBlock();

    [Fact]
    public void Describe_DefaultSet_DesignedNpsRanksBestAgentFirstAndWorstLast()
    {
        var options = new DemoDataOptions("out", 6, 8, 3, 1, new DateOnly(2026, 11, 20), London);
        var calls = DemoPlan.Calls(options);

        double Nps(string agent) => DemoDesign.Nps([.. calls.Where(c => c.Agent.Slug == agent).Select(c => DemoDesign.Verdict(c.Persona))]);
        var team = DemoDesign.Nps([.. calls.Select(c => DemoDesign.Verdict(c.Persona))]);

        var others = DemoPlan.Agents(6).Skip(2).Select(a => Nps(a.Slug)).ToList();
        Assert.All(others, n => Assert.InRange(n, Nps("ben-okafor") + 1, Nps("alice-moreau") - 1));
        Assert.InRange(team, 5, 20);
        Assert.Contains(team.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture), DemoDesign.Describe(options, calls).Split('\n').Single(l => l.TrimStart().StartsWith("team", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoData_FestivalNotOnPath_ExitsWithCode4AndNamesThePackage()
    {
        using var emptyPath = new TempDir();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "callsentiment.dll"), "demo-data", "--out", Path.Combine(emptyPath.Path, "out") })
            psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = emptyPath.Path;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();

        Assert.Equal(4, p.ExitCode);
        Assert.Contains("'festival'", await stderr, StringComparison.Ordinal);
        Assert.Contains("apt-get install festival", await stderr, StringComparison.Ordinal);
    }
}
