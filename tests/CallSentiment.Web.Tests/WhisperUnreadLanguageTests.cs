using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Analysis.Tests.Transcription.Whisper;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Words in a language the text scorer does not read are not scored: Whisper (a small multilingual model, random
/// weights) transcribes the call as German, the offline text model reads English only, so none of the words become
/// text evidence — otherwise the English model's verdict on German words would be fused as if it meant something —
/// and the voice decides. The call page says why.
/// </summary>
public sealed class WhisperUnreadLanguageTests : IAsyncLifetime
{
    private readonly string _modelFolder = Directory.CreateTempSubdirectory("whisper-german-").FullName;
    private CallSentimentApp _app = null!;

    public async Task InitializeAsync()
    {
        var model = Path.Combine(_modelFolder, "ggml-tiny.bin");
        GgmlWhisperModelWriter.Write(model, GgmlWhisperDimensions.Small with { Vocab = GgmlWhisperDimensions.MultilingualVocab });
        _app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:WhisperModel"] = model, ["Transcription:WhisperLanguage"] = "de",
        });
        SpokenCalls.Write(_app.Recordings, "dora", new DateTime(2026, 6, 2, 9, 0, 0), "german-call", SpokenCalls.HappyCustomer);
        using (await _app.SignedInClientAsync()) { }
        await _app.WaitForJobsAsync(1, TimeSpan.FromMinutes(4));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_modelFolder, recursive: true);
    }

    [Fact]
    public async Task GermanTranscript_OfflineTextModelReadsEnglishOnly_NoChunkScoredAndTheVoiceAloneDecides()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var id = await c.QuerySingleAsync<long>("SELECT id FROM calls WHERE call_ref = 'german-call'");
        var chunks = (await c.QueryAsync<(string Text, string? Sentiment, string? Note)>(
            "SELECT text, sentiment, note FROM transcript_chunks WHERE call_id = @id ORDER BY seq", new { id })).ToList();
        var long_ = chunks.Where(k => k.Text.Trim().Length >= 8).ToList();
        var evidence = JsonDocument.Parse(await c.QuerySingleAsync<string>(
            "SELECT evidence FROM call_speakers WHERE call_id = @id AND role = 'customer'", new { id })).RootElement;
        var detail = JsonDocument.Parse(await c.QuerySingleAsync<string>(
            "SELECT detail FROM stage_results WHERE call_id = @id AND stage = 'text-sentiment'", new { id })).RootElement;

        Assert.NotEmpty(long_);
        Assert.All(long_, k => Assert.Null(k.Sentiment));
        Assert.All(long_, k => Assert.Equal("not scored: the offline text scorer does not read de", k.Note));
        Assert.Equal(0, evidence.GetProperty("textWeight").GetDouble());
        Assert.True(evidence.GetProperty("voiceWeight").GetDouble() > 0);
        Assert.Equal(["de"], detail.GetProperty("unreadLanguages").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(long_.Count, detail.GetProperty("notRead").GetInt32());
        Assert.Equal(0, detail.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task CallPage_GermanTranscript_StageDetailSaysTheWordsWereNotReadAndTheVoiceDecides()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var id = await c.QuerySingleAsync<long>("SELECT id FROM calls WHERE call_ref = 'german-call'");
        using var http = await _app.SignedInClientAsync();

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/calls/{id}"));

        var words = doc.QuerySelectorAll("td.detail").Select(d => d.TextContent).Single(t => t.StartsWith("Transcribed by whisper", StringComparison.Ordinal));
        Assert.Contains("in de not scored (offline does not read that language; the voice decides)", words, StringComparison.Ordinal);
        Assert.Contains("The customer spoke de, which the offline text scorer does not read: the voice decides.", words, StringComparison.Ordinal);
    }
}
