using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// A multilingual Whisper model (small, random weights) with Transcription:WhisperLanguage=auto: what the call stores
/// and shows as its language is the language whisper.cpp detected in each channel, never the setting "auto"; and the
/// transcript keeps Whisper's casing and punctuation for reading.
/// </summary>
public sealed class WhisperLanguageTests : IAsyncLifetime
{
    private MultilingualWhisperApp _whisper = null!;

    private CallSentimentApp App => _whisper.App;

    public async Task InitializeAsync() =>
        _whisper = await MultilingualWhisperApp.StartAsync("auto", "carla", "auto-call", new DateTime(2026, 6, 1, 9, 0, 0));

    public async Task DisposeAsync() => await _whisper.DisposeAsync();

    [Fact]
    public async Task StereoCall_WhisperLanguageAuto_StoresEachChannelsDetectedLanguageNeverAuto()
    {
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var detail = JsonDocument.Parse(await c.QuerySingleAsync<string>(
            "SELECT s.detail FROM stage_results s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'auto-call' AND s.stage = 'text-sentiment'")).RootElement;
        var language = detail.GetProperty("language").GetString()!;
        var byChannel = detail.GetProperty("languages").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        Assert.DoesNotContain("auto", detail.GetRawText(), StringComparison.Ordinal);
        // Whisper's language codes ("de", "haw"), English as the configured en-US; the call's is the channel with the most speech's.
        Assert.Matches(new Regex("^([a-z]{2,3}|en-US)$"), language);
        Assert.Equal(["0", "1"], byChannel.Keys.Order(StringComparer.Ordinal));
        Assert.All(byChannel.Values, l => Assert.Matches(new Regex("^([a-z]{2,3}|en-US)$"), l));
        Assert.Contains(language, byChannel.Values);
    }

    [Fact]
    public async Task ApiCall_WhisperLanguageAuto_CarriesTheStoredLanguagesAndWhispersCasing()
    {
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var (id, detail) = await c.QuerySingleAsync<(long, string)>(
            "SELECT k.id, s.detail FROM stage_results s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'auto-call' AND s.stage = 'text-sentiment'");
        var stored = JsonDocument.Parse(detail).RootElement;
        var (key, _) = await App.Services.GetRequiredService<ApiKeyStore>().CreateAsync("reporting", AppRoles.Supervisor, null, "test", CancellationToken.None);
        using var api = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var response = await api.GetAsync($"/api/v1/calls/{id}");
        var call = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(stored.GetProperty("language").GetString(), call.GetProperty("language").GetString());
        Assert.All(call.GetProperty("speakers").EnumerateArray(), s => Assert.Equal(
            stored.GetProperty("languages").GetProperty(s.GetProperty("number").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)).GetString(),
            s.GetProperty("language").GetString()));
        // The generated vocabulary's words are capitalised (" W17") and include "." and ",": shown as Whisper wrote them.
        var text = string.Join(' ', call.GetProperty("transcript").EnumerateArray().Select(t => t.GetProperty("text").GetString()));
        Assert.Matches(new Regex("W[0-9]+"), text);
        Assert.DoesNotMatch(new Regex("w[0-9]+"), text);
    }

    [Fact]
    public async Task StatusPage_WhisperLanguageAuto_SaysWordsInOtherLanguagesAreNotScored()
    {
        using var http = await App.SignedInClientAsync();

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"));

        Assert.Contains("language detected per channel (words in a language the offline text scorer does not read are not scored: the voice decides)",
            doc.QuerySelector("#engine")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallPage_WhisperLanguageAuto_StageDetailNamesTheDetectedLanguage()
    {
        await using var c = await App.Db.OpenAsync(CancellationToken.None);
        var (id, detail) = await c.QuerySingleAsync<(long, string)>(
            "SELECT k.id, s.detail FROM stage_results s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'auto-call' AND s.stage = 'text-sentiment'");
        var language = JsonDocument.Parse(detail).RootElement.GetProperty("language").GetString();
        using var http = await App.SignedInClientAsync();

        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync($"/calls/{id}"));

        var words = doc.QuerySelectorAll("td.detail").Select(d => d.TextContent).Single(t => t.StartsWith("Transcribed by whisper", StringComparison.Ordinal));
        Assert.Contains($"({language}", words, StringComparison.Ordinal);
        Assert.DoesNotContain("auto", words, StringComparison.Ordinal);
    }
}
