using System.Net;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>The ingestion status page's actions through HTTP, forms and antiforgery included.</summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    // Voice-only: the status page does not depend on transcripts, and each test builds its own app.
    private readonly CallSentimentApp _app = new(settings: new Dictionary<string, string?> { ["Transcription:Engine"] = "None" });
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        TestCalls.Write(_app.Recordings, "erin", new DateTime(2026, 5, 4, 10, 0, 0), "e1", CustomerMood.Calm);
        var broken = Path.Combine(_app.Recordings, "erin", "2026-05-04", "110000_e2.wav");
        await File.WriteAllBytesAsync(broken, [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 1, 2, 3]);
        File.SetLastWriteTimeUtc(broken, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        _http = await _app.SignedInClientAsync(allowAutoRedirect: false);
        await _app.WaitForJobsAsync(2);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<string> TokenAsync() => SignIn.TokenOf(await _http.GetStringAsync("/status"));

    [Fact]
    public async Task StatusPage_ShowsCountsAndFailureReason()
    {
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync("/status"));
        Assert.Equal("1", doc.QuerySelector("[data-count=Done]")!.TextContent);
        Assert.Equal("1", doc.QuerySelector("[data-count=Failed]")!.TextContent);
        Assert.Contains("110000_e2.wav", doc.QuerySelector("#failed")!.TextContent);
        Assert.StartsWith("110000_e2.wav: ", doc.QuerySelector("#failed .reason")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_FailedJob_IsRunAgainAndFailsAgainWithReason()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var jobId = await c.ExecuteScalarAsync<long>("SELECT id FROM jobs WHERE status = 'failed'");
        var response = await _http.PostAsync("/status?handler=Retry", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["jobId"] = jobId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["__RequestVerificationToken"] = await TokenAsync(),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await _app.WaitForJobsAsync(2);
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM job_attempts WHERE job_id = @jobId", new { jobId }));
        Assert.Equal("failed", await c.ExecuteScalarAsync<string>("SELECT status FROM jobs WHERE id = @jobId", new { jobId }));
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_Rejected()
    {
        var response = await _http.PostAsync("/status?handler=Retry", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Upload_RealRecording_StoredUnderPatternAndAnalysed()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("+new"), "UploadAgent" },
            { new StringContent("frank"), "UploadNewAgent" },
            { new StringContent("2026-05-06T14:30"), "UploadStart" },
            { new StringContent("up-7"), "UploadCallId" },
            { new StringContent(await TokenAsync()), "__RequestVerificationToken" },
            { new ByteArrayContent(TestCalls.Build(CustomerMood.Angry, 3, 7)), "UploadFile", "call.wav" },
        };
        var response = await _http.PostAsync("/status?handler=Upload", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(File.Exists(Path.Combine(_app.Recordings, "frank", "2026-05-06", "143000_up-7.wav")));
        await _app.WaitForJobsAsync(3);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var call = await c.QuerySingleAsync<(string Agent, long StartedAt)>(
            "SELECT a.name, c.started_at FROM calls c JOIN agents a ON a.id = c.agent_id WHERE c.call_ref = 'up-7'");
        Assert.Equal(("frank", new DateTimeOffset(2026, 5, 6, 14, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()), call);
    }

    [Fact]
    public async Task Upload_BadForm_ValidationMessagesNot500()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("../etc"), "UploadAgent" },
            { new StringContent("not a time"), "UploadStart" },
            { new StringContent(await TokenAsync()), "__RequestVerificationToken" },
            { new ByteArrayContent([1, 2, 3]), "UploadFile", "notes.txt" },
        };
        var response = await _http.PostAsync("/status?handler=Upload", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = (await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync())).QuerySelector("#upload-errors")!.TextContent;
        Assert.Contains("The employee's name may have at most 100 characters, without '/'", text);
        Assert.Contains("start as a date and time", text);
        Assert.Contains("is not a supported audio file", text);
    }

    [Fact]
    public async Task ChangedRecording_AnalysedAgainAsNewVersion_OneCallRow()
    {
        var path = Path.Combine(_app.Recordings, "erin", "2026-05-04", "100000_e1.wav");
        await File.WriteAllBytesAsync(path, TestCalls.Build(CustomerMood.Angry, 4, 99));
        File.SetLastWriteTimeUtc(path, DateTime.UnixEpoch.AddSeconds(1_700_000_500));
        var response = await _http.PostAsync("/status?handler=AnalyseNow", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await _app.WaitForJobsAsync(3);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM recordings WHERE source_key = 'erin/2026-05-04/100000_e1.wav'"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls WHERE source_key = 'erin/2026-05-04/100000_e1.wav'"));
        var latest = await c.ExecuteScalarAsync<long>("SELECT MAX(id) FROM recordings WHERE source_key = 'erin/2026-05-04/100000_e1.wav'");
        Assert.Equal(latest, await c.ExecuteScalarAsync<long>("SELECT recording_id FROM calls WHERE source_key = 'erin/2026-05-04/100000_e1.wav'"));
    }
}
