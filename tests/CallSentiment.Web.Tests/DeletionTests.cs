using System.Net;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Deleting a call by hand and by retention: every derived row goes, the recording goes, it never comes back. Runs on
/// SQLite and on MariaDB (the subclasses below).
/// </summary>
public abstract class DeletionTests
{
    protected abstract Task<CallSentimentApp> CreateAppAsync(IDictionary<string, string?>? settings = null);

    private static readonly string[] DerivedTables =
        ["calls", "call_channels", "emotion_windows", "stage_results", "call_speakers", "transcript_chunks", "qa_items", "qa_notes", "jobs", "job_attempts", "recordings"];

    private static async Task<Dictionary<string, long>> CountsAsync(CallSentimentApp app)
    {
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        var counts = new Dictionary<string, long>();
        foreach (var t in DerivedTables) counts[t] = await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {t}");
        return counts;
    }

    [Fact]
    public async Task AdminDeletesCall_EveryDerivedRowAndTheRecordingGo_AndItIsNeverAnalysedAgain()
    {
        await using var app = await CreateAppAsync();
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        var path = SpokenCalls.Write(app.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
        using var admin = await app.SignedInClientAsync(AppRoles.Admin, allowAutoRedirect: false);
        await app.WaitForJobsAsync(1, TimeSpan.FromMinutes(6));
        long callId;
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            callId = await c.ExecuteScalarAsync<long>("SELECT id FROM calls");
            var item = await c.ExecuteScalarAsync<long>("SELECT id FROM qa_items");
            await c.ExecuteAsync("INSERT INTO qa_notes (item_id, at, user_name, text) VALUES (@item, 0, 'qa', 'called back')", new { item });
        }
        var before = await CountsAsync(app);
        Assert.All(DerivedTables, t => Assert.True(before[t] > 0, $"{t} is empty before the deletion: the test would prove nothing"));

        // A supervisor may not delete; a form without the confirmation deletes nothing.
        using var supervisor = await app.SignedInClientAsync(AppRoles.Supervisor, allowAutoRedirect: false);
        using (var r = await Post(supervisor, callId, confirm: true)) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await Post(admin, callId, confirm: false)) Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        Assert.Equal(before, await CountsAsync(app));

        using (var r = await Post(admin, callId, confirm: true))
        {
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
            Assert.Equal("/", r.Headers.Location!.OriginalString);
        }
        Assert.All(await CountsAsync(app), kv => Assert.True(kv.Value == 0, $"{kv.Key} still has {kv.Value} rows"));
        Assert.False(File.Exists(path), "the recording is still in the folder");
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            Assert.Equal("test-admin", await c.ExecuteScalarAsync<string>("SELECT deleted_by FROM deleted_recordings"));
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'delete-call' AND user_name = 'test-admin'"));
        }

        // The same recording put back (a restored backup): discovery lists it but never queues it again.
        SpokenCalls.Write(app.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
        await Task.Delay(TimeSpan.FromSeconds(4)); // several polls
        Assert.Equal(0, (await CountsAsync(app))["recordings"]);
    }

    private static async Task<HttpResponseMessage> Post(HttpClient http, long callId, bool confirm)
    {
        var fields = new Dictionary<string, string> { ["__RequestVerificationToken"] = SignIn.TokenOf(await http.GetStringAsync($"/calls/{callId}")) };
        if (confirm) fields["confirm"] = "true";
        return await http.PostAsync($"/calls/{callId}?handler=Delete", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task Retention_RecordingAndTranscriptDays_RemoveAudioAndWordsButKeepScores()
    {
        await using var app = await CreateAppAsync(new Dictionary<string, string?>
        {
            ["Retention:RecordingDays"] = "30",
            ["Retention:TranscriptDays"] = "30",
            ["Retention:Interval"] = "00:00:01",
        });
        // June 2026 is more than 30 days before today's runs (the clock is real): both rules apply.
        var path = SpokenCalls.Write(app.Recordings, "carla", new DateTime(2026, 6, 1, 9, 0, 0), "angry", SpokenCalls.AngryCustomer);
        using var admin = await app.SignedInClientAsync();
        await app.WaitForJobsAsync(1, TimeSpan.FromMinutes(6));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var c = await app.Db.OpenAsync(CancellationToken.None);
            var done = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls WHERE transcript_deleted_at IS NOT NULL")
                       + await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM recordings WHERE audio_deleted_at IS NOT NULL");
            if (done == 2) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "retention did not run");
            await Task.Delay(200);
        }
        Assert.False(File.Exists(path), "the recording is still in the folder");
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM transcript_chunks WHERE text <> '' OR words <> '[]'"));
            Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM transcript_chunks WHERE sentiment IS NOT NULL") > 0, "the scores went too");
            Assert.Equal("NEGATIVE", await c.ExecuteScalarAsync<string>("SELECT customer_sentiment FROM calls"));
            Assert.DoesNotContain("\"", await c.ExecuteScalarAsync<string>("SELECT reason FROM qa_items"), StringComparison.Ordinal);
            Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'retention' AND user_name = '(retention)'") >= 1);
        }
        long id;
        await using (var c = await app.Db.OpenAsync(CancellationToken.None)) id = await c.ExecuteScalarAsync<long>("SELECT id FROM calls");
        using (var audio = await admin.GetAsync($"/calls/{id}/audio")) Assert.Equal(HttpStatusCode.Gone, audio.StatusCode);
        using (var page = await admin.GetAsync($"/calls/{id}")) Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

public sealed class SqliteDeletionTests : DeletionTests
{
    protected override Task<CallSentimentApp> CreateAppAsync(IDictionary<string, string?>? settings = null) =>
        Task.FromResult(new CallSentimentApp(settings: settings));
}

public sealed class MySqlDeletionTests(MariaDbServer server) : DeletionTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync(IDictionary<string, string?>? settings = null) =>
        new("MySql", await server.CreateDatabaseAsync(), settings);
}
