using System.Text.Json;
using AngleSharp.Html.Parser;
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
    private MultilingualWhisperApp _whisper = null!;

    private CallSentimentApp App => _whisper.App;

    public async Task InitializeAsync() =>
        _whisper = await MultilingualWhisperApp.StartAsync("de", "dora", "german-call", new DateTime(2026, 6, 2, 9, 0, 0));

    public async Task DisposeAsync() => await _whisper.DisposeAsync();

    [Fact]
    public async Task GermanTranscript_OfflineTextModelReadsEnglishOnly_NoChunkScoredAndTheVoiceAloneDecides()
    {
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var id = await c.QuerySingleAsync<long>("SELECT id FROM calls WHERE call_ref = 'german-call'");
        var chunks = (await c.QueryAsync<(string Text, string? Sentiment, string? Note)>(
            "SELECT text, sentiment, note FROM transcript_chunks WHERE call_id = @id ORDER BY seq", new { id })).ToList();
        var longEnough = chunks.Where(k => k.Text.Trim().Length >= 8).ToList();
        var evidence = JsonDocument.Parse(await c.QuerySingleAsync<string>(
            "SELECT evidence FROM call_speakers WHERE call_id = @id AND role = 'customer'", new { id })).RootElement;
        var detail = JsonDocument.Parse(await c.QuerySingleAsync<string>(
            "SELECT detail FROM stage_results WHERE call_id = @id AND stage = 'text-sentiment'", new { id })).RootElement;

        Assert.NotEmpty(longEnough);
        Assert.All(longEnough, k => Assert.Null(k.Sentiment));
        Assert.All(longEnough, k => Assert.Equal("not scored: the offline text scorer does not read de", k.Note));
        Assert.Equal(0, evidence.GetProperty("textWeight").GetDouble());
        Assert.True(evidence.GetProperty("voiceWeight").GetDouble() > 0);
        Assert.Equal(["de"], detail.GetProperty("unreadLanguages").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(longEnough.Count, detail.GetProperty("notRead").GetInt32());
        Assert.Equal(0, detail.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task StatusPage_WhisperLanguageTheTextScorerDoesNotRead_SaysWordsAreNotScoredBeforeAnyCall()
    {
        using var http = await App.SignedInClientAsync();

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"));

        Assert.Contains("language de: the offline text scorer does not read it, so words are not scored and the voice decides",
            doc.QuerySelector("#engine")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallPage_GermanTranscript_StageDetailSaysTheWordsWereNotReadAndTheVoiceDecides()
    {
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var id = await c.QuerySingleAsync<long>("SELECT id FROM calls WHERE call_ref = 'german-call'");
        using var http = await App.SignedInClientAsync();

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/calls/{id}"));

        var words = doc.QuerySelectorAll("td.detail").Select(d => d.TextContent).Single(t => t.StartsWith("Transcribed by whisper", StringComparison.Ordinal));
        Assert.Contains("in de not scored (offline does not read that language; the voice decides)", words, StringComparison.Ordinal);
        Assert.Contains("The customer spoke de, which the offline text scorer does not read: the voice decides.", words, StringComparison.Ordinal);
    }
}
