using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Issue 15: recordings, discovery and uploads keep their integrity. An upload never overwrites or resurrects a call,
/// one bad sidecar never stops discovery, links never lead out of the recordings folder, a call keeps its id across
/// re-analyses, and the upload form checks what it is given.
/// </summary>
public sealed class IngestionIntegrityTests
{
    private static readonly Dictionary<string, string?> VoiceOnly = new() { ["Transcription:Engine"] = "None" };
    private static readonly DateTime Day = new(2026, 5, 4, 10, 0, 0);

    internal static async Task<HttpResponseMessage> UploadAsync(HttpClient http, IDictionary<string, string> fields, byte[] file, string fileName)
    {
        var token = SignIn.TokenOf(await http.GetStringAsync("/status"));
        using var form = new MultipartFormDataContent();
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        form.Add(new StringContent(token), "__RequestVerificationToken");
        form.Add(new ByteArrayContent(file), "UploadFile", fileName);
        return await http.PostAsync("/status?handler=Upload", form);
    }

    internal static Dictionary<string, string> NewEmployee(string name, string start, string callId) => new()
    {
        ["UploadAgent"] = "+new", ["UploadNewAgent"] = name, ["UploadStart"] = start, ["UploadCallId"] = callId,
    };

    internal static async Task<string> TopErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        var errors = doc.QuerySelector("#upload-errors");
        Assert.NotNull(errors);
        // At the top: before the counters, the tables and the form.
        Assert.True(errors!.CompareDocumentPosition(doc.QuerySelector("#counts")!).HasFlag(AngleSharp.Dom.DocumentPositions.Following),
            "the upload's errors are not at the top of the page");
        return errors.TextContent;
    }

    private static async Task<long> ScalarAsync(CallSentimentApp app, string sql, object? args = null)
    {
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    private static async Task PostFormAsync(HttpClient http, string page, string handler, Dictionary<string, string>? fields = null)
    {
        fields ??= [];
        fields["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync(page));
        using var response = await http.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    // Item 2 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Upload_SameEmployeeTimeAndCallId_RefusedUntilReplaceTicked_ThenAuditedAndCallKeepsItsId()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        var original = TestCalls.Build(CustomerMood.Angry, 3, 7);
        using (var first = await UploadAsync(http, NewEmployee("frank", "2026-05-06T14:30", "up-7"), original, "call.wav"))
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        await app.WaitForJobsAsync(1);
        var path = Path.Combine(app.Recordings, "frank", "2026-05-06", "143000_up-7.wav");
        var callId = await ScalarAsync(app, "SELECT id FROM calls");

        var other = TestCalls.Build(CustomerMood.Happy, 2, 8);
        var fields = new Dictionary<string, string> { ["UploadAgent"] = "frank", ["UploadStart"] = "2026-05-06T14:30", ["UploadCallId"] = "up-7" };
        using (var again = await UploadAsync(http, fields, other, "call.wav"))
            Assert.Contains("There is already a recording of frank", await TopErrorsAsync(again));
        Assert.Equal(original, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, await ScalarAsync(app, "SELECT COUNT(*) FROM recordings"));

        fields["UploadReplace"] = "true";
        using (var replace = await UploadAsync(http, fields, other, "call.wav"))
            Assert.Equal(HttpStatusCode.Redirect, replace.StatusCode);
        Assert.Equal(other, await File.ReadAllBytesAsync(path));
        await app.WaitForJobsAsync(2);
        Assert.Equal(callId, await ScalarAsync(app, "SELECT id FROM calls"));
        Assert.Equal(1, await ScalarAsync(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'upload-replace' AND target = @t AND user_name = 'test-admin'",
            new { t = $"call:{callId}" }));
        using var page = await http.GetAsync($"/calls/{callId}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Upload_DeletedCallsKey_RefusedWithReason_NothingWritten()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        var key = TestCalls.Write(app.Recordings, "erin", Day, "e1", CustomerMood.Calm);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        await app.WaitForJobsAsync(1);
        var callId = await ScalarAsync(app, "SELECT id FROM calls");
        await PostFormAsync(http, $"/calls/{callId}", "Delete", new Dictionary<string, string> { ["confirm"] = "true" });
        Assert.False(File.Exists(Path.Combine(app.Recordings, key)));

        var fields = new Dictionary<string, string> { ["UploadAgent"] = "erin", ["UploadStart"] = "2026-05-04T10:00", ["UploadCallId"] = "e1", ["UploadReplace"] = "true" };
        using (var response = await UploadAsync(http, fields, TestCalls.Build(CustomerMood.Calm, 2, 3), "call.wav"))
            Assert.Contains("was deleted on", await TopErrorsAsync(response));
        Assert.False(File.Exists(Path.Combine(app.Recordings, key)), "an orphan file was written for a deleted call");
        Assert.Equal(0, await ScalarAsync(app, "SELECT COUNT(*) FROM audit_log WHERE action IN ('upload', 'upload-replace')"));
    }

    // Item 3 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Discovery_BadSidecars_EachAProblemForItsKey_AndLaterRecordingsStillQueued()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        TestCalls.Write(app.Recordings, "alice", Day, "g1", CustomerMood.Calm, turns: 2);
        void WithSidecar(string callId, DateTime start, string json)
        {
            var key = TestCalls.Write(app.Recordings, "alice", start, callId, CustomerMood.Angry, turns: 2);
            File.WriteAllText(Path.Combine(app.Recordings, RecordingKey.SidecarOf(key)), json);
        }
        WithSidecar("d1", Day.AddHours(1), """{ "startedAt": "0001-01-01T00:00:00", "timeZone": "Asia/Tokyo" }""");
        WithSidecar("h1", Day.AddHours(2), "{ \"agentName\": \"" + new string('x', 100_000) + "\" }");
        WithSidecar("c1", Day.AddHours(3), """{ "channels": { "agent": 5, "customer": 7 } }""");
        _ = app.Server;
        await app.WaitForJobsAsync(1, TimeSpan.FromSeconds(90));

        // A recording that arrives later is still found: the bad sidecars do not stop the passes.
        TestCalls.Write(app.Recordings, "alice", Day.AddHours(4), "g2", CustomerMood.Calm, turns: 2);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        await PostFormAsync(http, "/status", "AnalyseNow"); // a full pass: the day is older than the polls look back
        await app.WaitForJobsAsync(2, TimeSpan.FromSeconds(90));

        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(["alice/2026-05-04/100000_g1.wav", "alice/2026-05-04/140000_g2.wav"],
            await c.QueryAsync<string>("SELECT source_key FROM recordings ORDER BY source_key"));
        var problems = (await c.QueryAsync<(string Key, string Reason)>("SELECT source_key, reason FROM source_problems ORDER BY source_key"))
            .ToDictionary(p => p.Key, p => p.Reason);
        Assert.Equal(3, problems.Count);
        Assert.Contains("outside the plausible years 1970-9000", problems["alice/2026-05-04/110000_d1.wav"]);
        Assert.Contains("sidecars may be at most 64 KB", problems["alice/2026-05-04/120000_h1.wav"]);
        Assert.Contains("agent channel 5 and customer channel 7, but the recording has 2 channels", problems["alice/2026-05-04/130000_c1.wav"]);
        var table = (await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"))).QuerySelector("#problems")!.TextContent;
        Assert.Contains("130000_c1.wav", table);
        Assert.Null((await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"))).QuerySelector(".error"));
    }

    [Fact]
    public async Task Worker_ConfiguredChannelsTheFileLacks_FailsWithReasonInsteadOfAConfidentVerdict()
    {
        var settings = new Dictionary<string, string?>(VoiceOnly) { ["Recordings:AgentChannel"] = "2", ["Recordings:CustomerChannel"] = "3" };
        await using var app = new CallSentimentApp(settings: settings);
        TestCalls.Write(app.Recordings, "alice", Day, "a1", CustomerMood.Angry, turns: 2);
        _ = app.Server;
        await app.WaitForJobsAsync(1);
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        var job = await c.QuerySingleAsync<(string Status, string Error)>("SELECT status, last_error FROM jobs");
        Assert.Equal("failed", job.Status);
        Assert.Contains("names agent channel 2 and customer channel 3, but the recording has 2 channels", job.Error);
    }

    // Item 5 ------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task LocalFolder_LinksOutOfTheFolder_NeverListedAnalysedOrServed_LinksInsideStillWork()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        var outside = Path.Combine(app.Root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "zed", "2026-05-04"));
        var secret = Path.Combine(outside, "secret.txt");
        await File.WriteAllTextAsync(secret, "root:x:0:0:SECRET-BYTES");
        var secretWav = TestCalls.Build(CustomerMood.Happy, 2, 11);
        await File.WriteAllBytesAsync(Path.Combine(outside, "secret.wav"), secretWav);
        await File.WriteAllBytesAsync(Path.Combine(outside, "zed", "2026-05-04", "100000_z1.wav"), secretWav);
        var e1 = TestCalls.Write(app.Recordings, "erin", Day, "e1", CustomerMood.Calm, turns: 2);
        var day = Path.Combine(app.Recordings, "erin", "2026-05-04");
        File.CreateSymbolicLink(Path.Combine(day, "120000_passwd.wav"), secret);
        File.CreateSymbolicLink(Path.Combine(day, "130000_out.wav"), "../../../outside/secret.wav");
        Directory.CreateSymbolicLink(Path.Combine(app.Recordings, "zed"), Path.Combine(outside, "zed"));
        File.CreateSymbolicLink(Path.Combine(day, "140000_in.wav"), "100000_e1.wav"); // inside the folder: followed
        using var http = await app.SignedInClientAsync();
        await app.WaitForJobsAsync(2, TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(2)); // more polls

        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            Assert.Equal([e1, "erin/2026-05-04/140000_in.wav"], await c.QueryAsync<string>("SELECT source_key FROM recordings ORDER BY source_key"));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE last_error LIKE '%SECRET%' OR last_error LIKE '%root:x%'"));
        }
        Assert.DoesNotContain("SECRET", await http.GetStringAsync("/status"));

        // The analysed recording swapped for a link out of the folder: not served, not analysed again.
        var callId = await ScalarAsync(app, "SELECT id FROM calls WHERE source_key = @e1", new { e1 });
        File.Delete(Path.Combine(app.Recordings, e1));
        File.CreateSymbolicLink(Path.Combine(app.Recordings, e1), Path.Combine(outside, "secret.wav"));
        using (var audio = await http.GetAsync($"/calls/{callId}/audio"))
        {
            Assert.Equal(HttpStatusCode.Gone, audio.StatusCode);
            Assert.NotEqual(secretWav, await audio.Content.ReadAsByteArrayAsync());
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, await ScalarAsync(app, "SELECT COUNT(*) FROM recordings"));
    }

    // Item 13 -----------------------------------------------------------------------------------------------------

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // scripts/run is a bash script, as the product's quick start
    public async Task Run_FirstStart_OnlyTheAdminPasswordIsPrivate_TheAppKeepsTheCallersUmask()
    {
        var repo = Path.Combine(Path.GetTempPath(), "callsentiment-run-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            void Script(string relative, string text)
            {
                var path = Path.Combine(repo, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
                File.SetUnixFileMode(path, executable);
            }
            Script("scripts/run", await File.ReadAllTextAsync(Path.Combine(Paths.Root, "scripts", "run")));
            Script("scripts/setup", "#!/bin/sh\nexit 0\n");
            Script("src/CallSentiment.Cli/bin/Release/net10.0/callsentiment", "#!/bin/sh\numask > \"$UMASK_DIR/demo\"\n");
            // Stands in for the app: records the umask it was started with.
            Script("fakebin/dotnet", "#!/bin/sh\numask > \"$UMASK_DIR/app\"\n");
            var psi = new ProcessStartInfo("/bin/bash") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("umask 022 && exec scripts/run");
            psi.Environment["PATH"] = Path.Combine(repo, "fakebin") + ":" + Environment.GetEnvironmentVariable("PATH");
            psi.Environment["UMASK_DIR"] = repo;
            using var process = Process.Start(psi)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, output);
            Assert.Equal("0022", (await File.ReadAllTextAsync(Path.Combine(repo, "app"))).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(repo, "data", "admin-password")));
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    // Item 17 -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Upload_TextFileNamedMp3_RefusedAtOnceWithTheReasonAtTheTop()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        using var response = await UploadAsync(http, NewEmployee("frank", "2026-05-06T14:30", "t1"), "just some notes, not audio"u8.ToArray(), "call.mp3");
        Assert.Contains("'call.mp3' is not a recording that can be analysed: call.mp3: not a recognised audio file", await TopErrorsAsync(response));
        Assert.False(Directory.Exists(Path.Combine(app.Recordings, "frank")), "the refused file was stored");
        Assert.Equal(0, await ScalarAsync(app, "SELECT COUNT(*) FROM jobs"));
    }

    [Fact]
    public async Task Upload_EmployeeNotInTheList_AskedToPickOrCreate_AndMessagesStateTheLimits()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        TestCalls.Write(app.Recordings, "erin", Day, "e1", CustomerMood.Calm, turns: 2);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        await app.WaitForJobsAsync(1);
        var options = (await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status")))
            .QuerySelectorAll("#upload-agent option").Select(o => o.GetAttribute("value")).ToList();
        Assert.Equal(["", "erin", "+new"], options);

        var wav = TestCalls.Build(CustomerMood.Calm, 2, 5);
        var typo = new Dictionary<string, string> { ["UploadAgent"] = "erinn", ["UploadStart"] = "2026-05-06T14:30", ["UploadCallId"] = "x1" };
        using (var r = await UploadAsync(http, typo, wav, "call.wav"))
            Assert.Contains("There is no employee 'erinn'. Pick one from the list, or choose \"New employee\"", await TopErrorsAsync(r));
        using (var r = await UploadAsync(http, NewEmployee(new string('n', 101), "2026-05-06T14:30", new string('c', 101)), wav, "call.wav"))
        {
            var text = await TopErrorsAsync(r);
            Assert.Contains("The employee's name may have at most 100 characters", text);
            Assert.Contains("The call id may have at most 100 characters", text);
        }
        using (var r = await UploadAsync(http, NewEmployee("frank", "2026-05-06T14:30", "x1"), wav, "call.wma"))
            Assert.Contains("accepted: amr, flac, m4a, mp3, ogg, opus, wav", await TopErrorsAsync(r));
        Assert.Equal(1, await ScalarAsync(app, "SELECT COUNT(*) FROM agents"));
    }

    [Fact]
    public async Task UploadForm_AcceptsExactlyTheFormatsDiscoveryQueues()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        using var http = await app.SignedInClientAsync();
        var accept = (await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"))).QuerySelector("#upload input[type=file]")!.GetAttribute("accept")!;
        Assert.Equal(RecordingKey.AudioExtensions.Select(e => "." + e).Order(StringComparer.Ordinal), accept.Split(',').Order(StringComparer.Ordinal));
        // Each is one the decoder recognises: the raw ADTS (.aac) and ASF (.wma) containers are not.
        Assert.DoesNotContain("aac", RecordingKey.AudioExtensions);
        Assert.DoesNotContain("wma", RecordingKey.AudioExtensions);
    }

    [Fact]
    public async Task Upload_AgentOnTheSecondChannel_RolesStoredAndKeptInTheSidecar()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        var fields = NewEmployee("frank", "2026-05-06T14:30", "ch-1");
        fields["UploadAgentChannel"] = "1";
        using (var r = await UploadAsync(http, fields, TestCalls.Build(CustomerMood.Calm, 2, 5), "call.wav"))
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        await app.WaitForJobsAsync(1);
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal((1L, 0L), await c.QuerySingleAsync<(long, long)>("SELECT agent_channel, customer_channel FROM recordings"));
        Assert.Equal((1L, 0L), await c.QuerySingleAsync<(long, long)>("SELECT agent_channel, customer_channel FROM calls"));
        using var sidecar = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app.Recordings, "frank", "2026-05-06", "143000_ch-1.json")));
        Assert.Equal(1, sidecar.RootElement.GetProperty("channels").GetProperty("agent").GetInt32());
    }

    [Fact]
    public async Task Dismiss_FailedJob_LeavesTheListAndTheCounts_AndIsNotQueuedAgain()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        var broken = Path.Combine(app.Recordings, "erin", "2026-05-04", "110000_e2.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        await File.WriteAllTextAsync(broken, "not audio");
        File.SetLastWriteTimeUtc(broken, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        await app.WaitForJobsAsync(1);
        var jobId = await ScalarAsync(app, "SELECT id FROM jobs WHERE status = 'failed'");
        await PostFormAsync(http, "/status", "Dismiss", new Dictionary<string, string> { ["jobId"] = jobId.ToString(CultureInfo.InvariantCulture) });
        await PostFormAsync(http, "/status", "AnalyseNow");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"));
        Assert.Equal("0", doc.QuerySelector("[data-count=Failed]")!.TextContent);
        Assert.DoesNotContain("110000_e2.wav", doc.QuerySelector("#failed")!.TextContent);
        Assert.Equal(1, await ScalarAsync(app, "SELECT COUNT(*) FROM jobs"));
        Assert.Equal(1, await ScalarAsync(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'dismiss' AND target = @t", new { t = $"job:{jobId}" }));
    }

    [Fact]
    public async Task Progress_ActiveJobs_CarryEveryColumnOfTheInProgressTable()
    {
        await using var app = new CallSentimentApp(settings: VoiceOnly);
        var key = TestCalls.Write(app.Recordings, "erin", Day, "e1", CustomerMood.Calm, turns: 2);
        using var http = await app.SignedInClientAsync();
        await app.WaitForJobsAsync(1);
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
            await c.ExecuteAsync("UPDATE jobs SET status = 'retrying', last_error = 'the source did not answer', run_after = @later",
                new { later = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() });

        var page = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"));
        var cells = page.QuerySelectorAll("#active tbody tr td").Select(td => td.TextContent.Trim()).ToList();
        using var json = JsonDocument.Parse(await http.GetStringAsync("/status/progress"));
        var job = json.RootElement.GetProperty("active").EnumerateArray().Single();
        Assert.Equal(key, job.GetProperty("sourceKey").GetString());
        Assert.Equal(cells[1], job.GetProperty("status").GetString());
        Assert.Equal(cells[4], job.GetProperty("leaseOwner").GetString() ?? "");
        Assert.StartsWith("next try ", cells[5], StringComparison.Ordinal);
        Assert.Equal(cells[5], job.GetProperty("note").GetString());
        var script = await http.GetStringAsync("/js/status.js");
        Assert.Contains("drawActive(s.active)", script, StringComparison.Ordinal);
    }
}

/// <summary>Item 11: a call's id survives every re-analysis, on every database.</summary>
public abstract class StableCallIdTests
{
    protected abstract Task<CallSentimentApp> CreateAppAsync();

    [Fact]
    public async Task ReAnalysis_SwappedRolesThenNewVersion_CallKeepsItsIdAndTotalsCountItOnce()
    {
        await using var app = await CreateAppAsync();
        var key = TestCalls.Write(app.Recordings, "erin", new DateTime(2026, 5, 4, 10, 0, 0), "e1", CustomerMood.Angry, turns: 2);
        using var http = await app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        await app.WaitForJobsAsync(1);
        // A later call, so the first is not the newest row (SQLite would hand a re-inserted newest row its old id).
        TestCalls.Write(app.Recordings, "erin", new DateTime(2026, 5, 4, 11, 0, 0), "e2", CustomerMood.Calm, turns: 2);
        var now = new Dictionary<string, string> { ["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync("/status")) };
        using (var r = await http.PostAsync("/status?handler=AnalyseNow", new FormUrlEncodedContent(now))) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        await app.WaitForJobsAsync(2);
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        var id = await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE source_key = @key", new { key });

        var fields = new Dictionary<string, string> { ["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync($"/calls/{id}")) };
        using (var swap = await http.PostAsync($"/calls/{id}?handler=Swap", new FormUrlEncodedContent(fields))) Assert.Equal(HttpStatusCode.Redirect, swap.StatusCode);
        await app.WaitForJobsAsync(2);
        Assert.Equal(id, await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE source_key = @key", new { key }));
        Assert.Equal((1L, 0L), await c.QuerySingleAsync<(long, long)>("SELECT agent_channel, customer_channel FROM calls WHERE id = @id", new { id }));

        var path = Path.Combine(app.Recordings, key);
        await File.WriteAllBytesAsync(path, TestCalls.Build(CustomerMood.Happy, 3, 99));
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1_700_000_500));
        fields["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync("/status"));
        using (var reanalyse = await http.PostAsync("/status?handler=AnalyseNow", new FormUrlEncodedContent(fields))) Assert.Equal(HttpStatusCode.Redirect, reanalyse.StatusCode);
        await app.WaitForJobsAsync(3);

        Assert.Equal(id, await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE source_key = @key", new { key }));
        Assert.Equal(await c.ExecuteScalarAsync<long>("SELECT MAX(id) FROM recordings WHERE source_key = @key", new { key }),
            await c.ExecuteScalarAsync<long>("SELECT recording_id FROM calls WHERE id = @id", new { id }));
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        // The hourly totals the dashboard sums follow the update: each call counted once, with its new duration.
        var bigint = app.Db.IsMySql ? "SIGNED" : "BIGINT";
        Assert.Equal(2, await c.ExecuteScalarAsync<long>($"SELECT CAST(SUM(call_count) AS {bigint}) FROM call_hours"));
        Assert.Equal(await c.ExecuteScalarAsync<long>($"SELECT CAST(SUM(duration_ms) AS {bigint}) FROM calls"),
            await c.ExecuteScalarAsync<long>($"SELECT CAST(SUM(duration_ms) AS {bigint}) FROM call_hours"));
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM call_channels WHERE call_id = @id", new { id }) > 0);
        // The file replaced in the folder (not through the upload form) is audited too.
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'recording-replaced' AND target = @target",
            new { target = $"recording:{key}" }));
        using var page = await http.GetAsync($"/calls/{id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

public sealed class SqliteStableCallIdTests : StableCallIdTests
{
    protected override Task<CallSentimentApp> CreateAppAsync() =>
        Task.FromResult(new CallSentimentApp(settings: new Dictionary<string, string?> { ["Transcription:Engine"] = "None" }));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStableCallIdTests(PostgresCluster cluster) : StableCallIdTests
{
    protected override async Task<CallSentimentApp> CreateAppAsync() =>
        new(await cluster.CreateDatabaseAsync(), new Dictionary<string, string?> { ["Transcription:Engine"] = "None" });
}

public sealed class MySqlStableCallIdTests(MariaDbServer server) : StableCallIdTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync() =>
        new("MySql", await server.CreateDatabaseAsync(), new Dictionary<string, string?> { ["Transcription:Engine"] = "None" });
}

/// <summary>Items 2 and 3 with the recordings in an S3 bucket (s3rver).</summary>
[Collection(S3Collection.Name)]
public sealed class S3IngestionIntegrityTests(S3Server s3)
{
    [Fact]
    public async Task S3_UploadOverExistingOrDeletedKey_Refused_OversizedSidecarAProblem()
    {
        var bucket = await s3.CreateBucketAsync();
        const string Existing = "alice/2026-03-02/090000_a1.wav";
        var original = TestCalls.Build(CustomerMood.Calm, turns: 2, seed: 1);
        await s3.PutAsync(bucket, Existing, original);
        await s3.PutAsync(bucket, "alice/2026-03-02/100000_a2.wav", TestCalls.Build(CustomerMood.Calm, turns: 2, seed: 2));
        await s3.PutAsync(bucket, "alice/2026-03-02/100000_a2.json", "{ \"agentName\": \"" + new string('x', 70_000) + "\" }");
        var settings = s3.Settings(bucket);
        settings["Transcription:Engine"] = "None";
        await using var app = new CallSentimentApp(settings: settings);
        using var http = await app.SignedInClientAsync(allowAutoRedirect: false);
        await app.WaitForJobsAsync(1);
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            Assert.Contains("sidecars may be at most 64 KB",
                await c.ExecuteScalarAsync<string>("SELECT reason FROM source_problems WHERE source_key = 'alice/2026-03-02/100000_a2.wav'"));
            // Deleted on purpose earlier (by retention, say): the key must stay gone.
            await c.ExecuteAsync("INSERT INTO deleted_recordings (source_key, deleted_at, deleted_by, reason) VALUES ('alice/2026-03-02/110000_gone.wav', 0, 'retention', 'old')");
        }

        var wav = TestCalls.Build(CustomerMood.Angry, turns: 2, seed: 3);
        var fields = new Dictionary<string, string> { ["UploadAgent"] = "alice", ["UploadStart"] = "2026-03-02T09:00", ["UploadCallId"] = "a1" };
        using (var r = await IngestionIntegrityTests.UploadAsync(http, fields, wav, "call.wav"))
            Assert.Contains("There is already a recording of alice", await IngestionIntegrityTests.TopErrorsAsync(r));
        using (var stored = await s3.Client.GetObjectAsync(bucket, Existing))
        using (var bytes = new MemoryStream())
        {
            await stored.ResponseStream.CopyToAsync(bytes);
            Assert.Equal(original, bytes.ToArray());
        }
        fields["UploadStart"] = "2026-03-02T11:00";
        fields["UploadCallId"] = "gone";
        using (var r = await IngestionIntegrityTests.UploadAsync(http, fields, wav, "call.wav"))
            Assert.Contains("was deleted on", await IngestionIntegrityTests.TopErrorsAsync(r));
        var listed = await s3.Client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = "alice/2026-03-02/110000" });
        Assert.Empty(listed.S3Objects ?? []);
    }
}
