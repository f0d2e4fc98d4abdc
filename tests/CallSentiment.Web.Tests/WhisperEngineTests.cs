using AngleSharp.Html.Parser;
using CallSentiment.Analysis.Tests.Transcription.Whisper;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// A configured Whisper model (a small ggml file with random weights, written by the test) is the engine the app uses
/// and reports: on the status page, in /health/ready and in each call's stage detail. The transcript path runs whole.
/// </summary>
public sealed class WhisperEngineTests : IAsyncLifetime
{
    private readonly string _modelFolder = Directory.CreateTempSubdirectory("whisper-model-").FullName;
    private CallSentimentApp _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var model = Path.Combine(_modelFolder, "ggml-tiny.en.bin");
        GgmlWhisperModelWriter.Write(model, GgmlWhisperDimensions.Small);
        _app = new CallSentimentApp(settings: new Dictionary<string, string?> { ["Transcription:WhisperModel"] = model });
        SpokenCalls.Write(_app.Recordings, "carla", new DateTime(2026, 6, 1, 9, 0, 0), "whisper-call", SpokenCalls.HappyCustomer);
        _http = await _app.SignedInClientAsync(allowAutoRedirect: false);
        await _app.WaitForJobsAsync(1, TimeSpan.FromMinutes(4));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_modelFolder, recursive: true);
    }

    [Fact]
    public async Task StatusPage_WhisperModelConfigured_NamesWhisperAndTheModel()
    {
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync("/status"));

        Assert.Contains("Whisper tiny.en (ggml-tiny.en.bin", doc.QuerySelector("#engine")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthReady_WhisperModelConfigured_ReportsTheEngine()
    {
        var response = await _http.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"transcription\"", body, StringComparison.Ordinal);
        Assert.Contains("Whisper tiny.en", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StereoCall_TranscribedByWhisper_StageDetailNamesItAndSpeakersComeFromChannels()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var (status, separation) = await c.QuerySingleAsync<(string, string?)>(
            "SELECT j.status, k.speaker_separation FROM jobs j LEFT JOIN calls k ON k.call_ref = 'whisper-call'");
        Assert.Equal(("done", "Channels"), (status, separation));
        var detail = await c.QuerySingleAsync<string>(
            "SELECT s.detail FROM stage_results s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'whisper-call' AND s.stage = 'text-sentiment'");
        Assert.Contains("whisper tiny.en", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EngineWhisperWithMissingModel_StopsNamingTheFileAndSetUp()
    {
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:Engine"] = "Whisper", ["Transcription:WhisperModel"] = "/nowhere/ggml-base.en.bin",
        });

        var failure = app.StartFailure();

        Assert.Contains("/nowhere/ggml-base.en.bin", failure, StringComparison.Ordinal);
        Assert.Contains("scripts/setup --whisper", failure, StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
