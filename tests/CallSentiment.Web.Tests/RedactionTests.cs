using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Web.Access;
using CallSentiment.Web.Redaction;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// PII redaction end to end with the offline engines: a customer reads a card number out (spoken by Festival,
/// recognised by pocketsphinx); the stored transcript, the API and the text scorer see a placeholder, the audit log
/// the count, and the call page plays a copy with a tone where the number was — the original deleted, as configured.
/// Runs on SQLite, PostgreSQL and MariaDB.
/// </summary>
public abstract partial class RedactionTests : IAsyncLifetime
{
    private static readonly Line[] CardCall =
    [
        new(true, "Thank you for calling, how can I help you today?"),
        new(false, "I would like to pay my bill please."),
        new(true, "Of course. Can I take the long number on your card?"),
        new(false, "Yes. It is four one one one, one one one one, one one one one, one one one one."),
        new(true, "Thank you, that payment has gone through."),
    ];

    protected static readonly Dictionary<string, string?> Settings = new()
    {
        ["Redaction:Audio"] = "true",
        ["Redaction:KeepOriginal"] = "false",
    };

    private CallSentimentApp _app = null!;
    private HttpClient _http = null!;
    private string _key = null!;

    protected abstract Task<CallSentimentApp> CreateAppAsync();

    public async Task InitializeAsync()
    {
        _app = await CreateAppAsync();
        _key = SpokenCalls.Write(_app.Recordings, "carla", new DateTime(2026, 6, 1, 9, 0, 0), "card", CardCall);
        _http = await _app.SignedInClientAsync(allowAutoRedirect: false);
        await _app.WaitForJobsAsync(1, TimeSpan.FromMinutes(4));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<long> CallIdAsync()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE call_ref = 'card'");
    }

    /// <summary>Four digit words in a row: a number the recogniser heard, left in the text.</summary>
    [GeneratedRegex(@"\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|for|to|won)( (zero|oh|one|two|three|four|five|six|seven|eight|nine|for|to|won)){3}\b")]
    private static partial Regex DigitRun();

    [Fact]
    public async Task Analysis_CardReadOut_StoredTranscriptAndApiHoldThePlaceholderNotTheDigits()
    {
        var id = await CallIdAsync();
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var chunks = (await c.QueryAsync<(string Role, string Text, string Words)>(
            "SELECT role, text, words FROM transcript_chunks WHERE call_id = @id ORDER BY seq", new { id })).ToList();
        var customer = string.Join(' ', chunks.Where(k => k.Role == "customer").Select(k => k.Text));
        Assert.Contains("[CARD]", customer, StringComparison.Ordinal);
        Assert.All(chunks, k => Assert.DoesNotMatch(DigitRun(), k.Text.ToLowerInvariant()));
        Assert.All(chunks, k => Assert.DoesNotMatch(DigitRun(), string.Join(' ', Regex.Matches(k.Words, "\"([^\"]*)\"").Select(m => m.Groups[1].Value)).ToLowerInvariant()));

        var (key, _) = await _app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("redaction-test", AppRoles.Admin, null, "test", CancellationToken.None);
        using var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var api = await client.GetStringAsync($"/api/v1/calls/{id}");
        Assert.Contains("[CARD]", api, StringComparison.Ordinal);
        Assert.DoesNotMatch(DigitRun(), api.ToLowerInvariant());
        var detail = await c.QuerySingleAsync<string>("SELECT detail FROM stage_results WHERE call_id = @id AND stage = 'text-sentiment'", new { id });
        Assert.Contains("\"redacted\":{\"CARD\":1}", detail, StringComparison.Ordinal);
        Assert.Contains("Personal data redacted: 1 CARD.", await _http.GetStringAsync($"/calls/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analysis_CardReadOut_AuditRowCountsTheTypeOnly()
    {
        var id = await CallIdAsync();

        var page = await _http.GetStringAsync($"/admin/audit?action=redaction&target=call:{id}");

        Assert.Contains("CARD=1", page, StringComparison.Ordinal);
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var detail = await c.QuerySingleAsync<string>("SELECT detail FROM audit_log WHERE action = 'redaction' AND target = @target", new { target = $"call:{id}" });
        Assert.Equal("CARD=1", detail);
    }

    [Fact]
    public async Task Audio_RedactedCopy_ToneOverTheCardTheRestAsRecordedAndTheOriginalDeleted()
    {
        var id = await CallIdAsync();
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var words = await c.QuerySingleAsync<string>(
            "SELECT words FROM transcript_chunks WHERE call_id = @id AND text LIKE '%[CARD]%'", new { id });
        var card = Regex.Match(words, @"\[""\[CARD\][^""]*"",(\d+),(\d+),");
        Assert.True(card.Success, words);
        var (start, end) = (long.Parse(card.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000.0,
            long.Parse(card.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000.0);

        var response = await _http.GetAsync($"/calls/{id}/audio");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(Path.Combine(_app.Recordings, _key)), "the original should be deleted (Redaction:KeepOriginal=false)");
        Assert.True(File.Exists(Path.Combine(_app.Recordings, RedactedAudio.KeyOf(_key))));
        var played = AudioReader.OpenWav(new MemoryStream(await response.Content.ReadAsByteArrayAsync())).ReadAllChannels();
        var original = AudioReader.OpenWav(new MemoryStream(SpokenCalls.Build(CardCall, stereo: true))).ReadAllChannels();
        Assert.Equal(original[0].Length, played[0].Length);
        var rate = SpokenCalls.Rate;
        for (var i = 0; i < original[0].Length; i += 7)
        {
            var t = (double)i / rate;
            for (var ch = 0; ch < 2; ch++)
            {
                if (t >= start && t < end)
                    Assert.Equal(ToneRedaction.Amplitude * Math.Sin(2 * Math.PI * ToneRedaction.ToneHz * i / rate), played[ch][i], 1e-3);
                else if (t < start - ToneRedaction.PadSeconds - 0.01 || t > end + ToneRedaction.PadSeconds + 0.01)
                    Assert.Equal(original[ch][i], played[ch][i], 1e-3);
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/calls/{id}/waveform.png")).StatusCode);
    }
}

public sealed class SqliteRedactionTests : RedactionTests
{
    protected override Task<CallSentimentApp> CreateAppAsync() => Task.FromResult(new CallSentimentApp(settings: Settings));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRedactionTests(PostgresCluster cluster) : RedactionTests
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new(await cluster.CreateDatabaseAsync(), Settings);
}

public sealed class MySqlRedactionTests(MariaDbServer server) : RedactionTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new("MySql", await server.CreateDatabaseAsync(), Settings);
}

public sealed class RedactionSettingsTests
{
    [Theory]
    [InlineData("Redaction:KeepOriginal", "false", "Redaction:KeepOriginal=false deletes recordings")]
    [InlineData("Redaction:Audio", "true", "")]
    [InlineData("Redaction:Card", "maybe", "Redaction:Card")]
    public async Task Start_RedactionSettingWrong_StopsNamingTheSetting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value, ["Transcription:Engine"] = "None" };
        if (expected.Length == 0) settings["Redaction:Enabled"] = "false";
        await using var app = new CallSentimentApp(settings: settings);

        var failure = app.StartFailure();

        Assert.Contains(expected.Length == 0 ? "Redaction:Audio needs Redaction:Enabled=true" : expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analysis_AudioCopyOnAndNothingRedacted_CallStoredAndNoCopyWritten()
    {
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?> { ["Transcription:Engine"] = "None", ["Redaction:Audio"] = "true" });
        var key = TestCalls.Write(app.Recordings, "dana", new DateTime(2026, 6, 2, 9, 0, 0), "plain", CustomerMood.Calm);
        _ = app.CreateClient();

        await app.WaitForJobsAsync(1, TimeSpan.FromMinutes(2));

        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal("done", await c.QuerySingleAsync<string>("SELECT status FROM jobs"));
        Assert.True(File.Exists(Path.Combine(app.Recordings, key)));
        Assert.False(Directory.Exists(Path.Combine(app.Recordings, ".redacted")));
    }
}
