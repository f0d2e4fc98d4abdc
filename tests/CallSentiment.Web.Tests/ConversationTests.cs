using System.Net;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The transcript path end to end with the offline engines: scripted calls spoken by Festival are transcribed by
/// pocketsphinx, scored chunk by chunk by the offline text model, fused with the voice per speaker, stored, shown on
/// the call page and filterable on the dashboard. Runs on SQLite, PostgreSQL and MariaDB.
/// </summary>
public abstract class ConversationTests : IAsyncLifetime
{
    private CallSentimentApp _app = null!;
    private HttpClient _http = null!;

    protected abstract Task<CallSentimentApp> CreateAppAsync();

    public async Task InitializeAsync()
    {
        _app = await CreateAppAsync();
        var start = new DateTime(2026, 6, 1, 9, 0, 0);
        SpokenCalls.Write(_app.Recordings, "carla", start, "angry", SpokenCalls.AngryCustomer);
        SpokenCalls.Write(_app.Recordings, "carla", start.AddHours(1), "happy", SpokenCalls.HappyCustomer);
        SpokenCalls.Write(_app.Recordings, "carla", start.AddHours(2), "mono", SpokenCalls.AngryCustomer, stereo: false);
        _http = await _app.SignedInClientAsync(allowAutoRedirect: false);
        await _app.WaitForJobsAsync(3, TimeSpan.FromMinutes(6));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<long> CallIdAsync(string callRef)
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>("SELECT id FROM calls WHERE call_ref = @callRef", new { callRef });
    }

    [Fact]
    public async Task StereoCalls_CustomerWords_DriveTheVerdict()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var calls = (await c.QueryAsync<(string Ref, string Sentiment, string? Customer, string? Separation)>(
            "SELECT call_ref, sentiment, customer_sentiment, speaker_separation FROM calls ORDER BY call_ref")).ToDictionary(x => x.Ref);
        Assert.Equal(("NEGATIVE", "NEGATIVE", "Channels"), (calls["angry"].Sentiment, calls["angry"].Customer, calls["angry"].Separation));
        Assert.Equal(("POSITIVE", "POSITIVE", "Channels"), (calls["happy"].Sentiment, calls["happy"].Customer, calls["happy"].Separation));
        var stage = await c.QuerySingleAsync<string>(
            "SELECT s.sentiment FROM stage_results s JOIN calls k ON k.id = s.call_id WHERE k.call_ref = 'angry' AND s.stage = 'text-sentiment'");
        Assert.Equal("NEGATIVE", stage);
    }

    [Fact]
    public async Task StereoCall_TranscriptChunks_StoredPerSpeakerWithWordsAndScores()
    {
        var id = await CallIdAsync("angry");
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var chunks = (await c.QueryAsync<(string Role, long Start, long End, string Text, string Words, string? Sentiment)>(
            "SELECT role, start_ms, end_ms, text, words, sentiment FROM transcript_chunks WHERE call_id = @id ORDER BY seq", new { id })).ToList();
        Assert.Contains(chunks, k => k.Role == "agent");
        Assert.Contains(chunks, k => k.Role == "customer" && k.Sentiment == "NEGATIVE");
        var customerText = string.Join(' ', chunks.Where(k => k.Role == "customer").Select(k => k.Text)).ToLowerInvariant();
        Assert.Contains("angry", customerText);
        Assert.Contains("refund", customerText);
        Assert.All(chunks, k => Assert.True(k.Start < k.End, $"chunk {k.Start}..{k.End}"));
        Assert.Equal(chunks.Select(k => k.Start).Order(), chunks.Select(k => k.Start));
        Assert.All(chunks, k => Assert.StartsWith("[[", k.Words));
        var speakers = (await c.QueryAsync<(string Role, long TalkMs, long Words, string? Sentiment, double? Q1, double? Q4)>(
            "SELECT role, talk_ms, words, sentiment, q1, q4 FROM call_speakers WHERE call_id = @id ORDER BY speaker", new { id })).ToList();
        Assert.Equal(["agent", "customer"], speakers.Select(s => s.Role));
        Assert.All(speakers, s => Assert.True(s.TalkMs > 3000 && s.Words > 10, $"{s.Role}: {s.TalkMs} ms, {s.Words} words"));
        var silence = await c.ExecuteScalarAsync<long>("SELECT silence_ms FROM calls WHERE id = @id", new { id });
        Assert.True(silence >= 6 * 600, $"six 0.7 s pauses, silence {silence} ms");
    }

    /// <summary>
    /// The stage tells the scorer who speaks: each agent chunk is stored with exactly the scores the offline model's
    /// agent reading gives its words (the fusion adds no shift), each customer chunk with the scores of anyone's words.
    /// Fails if the agent's words are scored as anyone's (the apologies of this call then read as complaints).
    /// </summary>
    [Fact]
    public async Task StereoCall_AgentChunks_ScoredAsAnAgentsWordsCustomerChunksAsAnyones()
    {
        var id = await CallIdAsync("angry");
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var chunks = (await c.QueryAsync<(string Role, string Text, double? Positive, double? Negative, double? Neutral, double? Mixed)>(
            "SELECT role, text, positive, negative, neutral, mixed FROM transcript_chunks WHERE call_id = @id AND sentiment IS NOT NULL ORDER BY seq", new { id })).ToList();
        Assert.Contains(chunks, k => k.Role == "agent");
        Assert.Contains(chunks, k => k.Role == "customer");
        using var scorer = OfflineTextSentimentScorer.Load(Path.Combine(Paths.Root, "models", "text-sentiment"));
        foreach (var k in chunks)
        {
            var expected = scorer.Score(k.Text, k.Role == "agent" ? TextSpeaker.Agent : TextSpeaker.Customer).Scores;
            var stored = new[] { k.Positive!.Value, k.Negative!.Value, k.Neutral!.Value, k.Mixed!.Value };
            var want = new[] { expected.Positive, expected.Negative, expected.Neutral, expected.Mixed };
            for (var j = 0; j < 4; j++)
                Assert.True(Math.Abs(stored[j] - want[j]) < 1e-6, $"{k.Role} chunk \"{k.Text}\": stored [{string.Join(", ", stored)}], scorer [{string.Join(", ", want)}]");
        }
    }

    [Fact]
    public async Task MonoCall_DiarizedIntoAgentAndCustomer_ByTheFirstSpeakerRule()
    {
        var id = await CallIdAsync("mono");
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        Assert.Equal("Diarization", await c.ExecuteScalarAsync<string>("SELECT speaker_separation FROM calls WHERE id = @id", new { id }));
        var chunks = (await c.QueryAsync<(string Role, string Text)>("SELECT role, text FROM transcript_chunks WHERE call_id = @id ORDER BY seq", new { id })).ToList();
        Assert.Equal("agent", chunks[0].Role); // the agent greets first
        var customerText = string.Join(' ', chunks.Where(k => k.Role == "customer").Select(k => k.Text)).ToLowerInvariant();
        Assert.Contains("refund", customerText);
        Assert.Equal("NEGATIVE", await c.ExecuteScalarAsync<string>("SELECT customer_sentiment FROM calls WHERE id = @id", new { id }));

        // The call page says the voice was read one speaker at a time.
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync($"/calls/{id}"));
        Assert.Contains(doc.QuerySelectorAll("td.detail"), td => td.TextContent.Contains("speaker changes the diarization found, so each hears one speaker", StringComparison.Ordinal));
        // Its stage row judges the whole channel, so it is not titled as the customer's voice.
        Assert.Contains(doc.QuerySelectorAll("td"), td => td.TextContent.StartsWith("The voice of both speakers", StringComparison.Ordinal));
        Assert.DoesNotContain(doc.QuerySelectorAll("td"), td => td.TextContent.StartsWith("The customer's voice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallPage_ShowsTranscriptBySpeakerWithSeekTimesAndQuarterTrend()
    {
        var id = await CallIdAsync("angry");
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync($"/calls/{id}"));
        var chunks = doc.QuerySelectorAll("#transcript li.chunk");
        Assert.True(chunks.Length >= 4, $"{chunks.Length} chunks shown");
        Assert.NotEmpty(doc.QuerySelectorAll("#transcript li.chunk.customer.NEGATIVE"));
        Assert.All(chunks, li => Assert.NotNull(li.QuerySelector("button.seek[data-t]")));
        Assert.NotEmpty(doc.QuerySelectorAll("#transcript span.w[data-t]"));
        Assert.Equal(2, doc.QuerySelectorAll("#speakers tbody tr").Length);
        Assert.Equal("NEGATIVE", doc.QuerySelector("#customer-sentiment")!.TextContent);
        Assert.NotNull(doc.QuerySelector("#quarter-trend polyline.customer"));
        Assert.NotNull(doc.QuerySelector("script[src^='/js/call.js']"));
    }

    [Fact]
    public async Task Dashboard_FilterByWhatTheCustomerFelt_ListsOnlyThoseCalls()
    {
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync("/?agent=carla&from=2026-06-01&to=2026-06-01&customer=POSITIVE"));
        Assert.Equal("1", doc.QuerySelector("#total-calls")!.TextContent);
        var row = Assert.Single(doc.QuerySelectorAll("#calls-table tbody tr"));
        Assert.Contains("POSITIVE", row.TextContent);
        doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync("/?agent=carla&from=2026-06-01&to=2026-06-01&customer=NEGATIVE"));
        Assert.Equal("2", doc.QuerySelector("#total-calls")!.TextContent);
        var bad = await _http.GetAsync("/?customer=FURIOUS&agentTone=%27%20OR%201%3D1");
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        var errors = (await new HtmlParser().ParseDocumentAsync(await bad.Content.ReadAsStringAsync())).QuerySelector("#filter-errors")!.TextContent;
        Assert.Contains("What the customer felt must be", errors);
        Assert.Contains("How the agent came across must be", errors);
    }

    [Fact]
    public async Task SwapAction_RolesExchanged_CallAnalysedAgainWithTheAgentsWordsAsTheCustomer()
    {
        var id = await CallIdAsync("angry");
        (string? Agent, string? Customer) before;
        await using (var c0 = await _app.Db.OpenAsync(CancellationToken.None))
            before = await c0.QuerySingleAsync<(string?, string?)>("SELECT agent_sentiment, customer_sentiment FROM calls WHERE id = @id", new { id });
        Assert.Equal("NEGATIVE", before.Customer);
        var page = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync($"/calls/{id}"));
        var token = page.QuerySelector("#swap-form input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var refused = await _http.PostAsync($"/calls/{id}?handler=Swap", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var response = await _http.PostAsync($"/calls/{id}?handler=Swap", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await _app.WaitForJobsAsync(3, TimeSpan.FromMinutes(2));
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var call = await c.QuerySingleAsync<(long Id, long AgentChannel, long CustomerChannel, string? Agent, string? Customer)>(
            "SELECT id, agent_channel, customer_channel, agent_sentiment, customer_sentiment FROM calls WHERE call_ref = 'angry'");
        Assert.Equal((1L, 0L), (call.AgentChannel, call.CustomerChannel));
        // the same two channels analysed again under exchanged roles: the angry speaker is now the agent and is still
        // judged NEGATIVE (the agent reading excuses service language, not anger); the apologetic speaker's words are now
        // read as a customer's, so that verdict is the customer reading's, not the one the agent had
        Assert.Equal("NEGATIVE", call.Agent);
        Assert.NotNull(call.Customer);
        var customerText = string.Join(' ', await c.QueryAsync<string>(
            "SELECT text FROM transcript_chunks WHERE call_id = @Id AND role = 'customer'", new { call.Id })).ToLowerInvariant();
        Assert.Contains("sorry", customerText);
        var doc = await new HtmlParser().ParseDocumentAsync(await _http.GetStringAsync($"/calls/{call.Id}"));
        Assert.Contains("roles swapped", doc.QuerySelector("#conversation")!.TextContent);
    }
}

public sealed class SqliteConversationTests : ConversationTests
{
    protected override Task<CallSentimentApp> CreateAppAsync() => Task.FromResult(new CallSentimentApp());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresConversationTests(PostgresCluster cluster) : ConversationTests
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new(await cluster.CreateDatabaseAsync());
}

public sealed class MySqlConversationTests(MariaDbServer server) : ConversationTests, IClassFixture<MariaDbServer>
{
    protected override async Task<CallSentimentApp> CreateAppAsync() => new("MySql", await server.CreateDatabaseAsync());
}
