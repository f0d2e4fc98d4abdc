using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CallSentiment.Web.Access;
using CallSentiment.Web.Retention;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Transcript search through HTTP (the page and /api/v1/search) on each engine's own full-text index: words, phrases,
/// who said it, the dashboard's filters, links to the moment, hostile input, and the index following deletion and
/// retention. The transcripts are written into the database before the search migration runs (it must index them),
/// plus one after (the triggers or the engine must index it). Search:ScanCalls is 100 and the 120 newest calls are
/// small talk, so a rare word is found through the full-text index and a common one among the newest calls.
/// </summary>
public abstract class SearchTests
{
    /// <summary>A database of the given engine and a connection string for the app.</summary>
    protected abstract Task<(string Provider, string ConnectionString)> CreateDatabaseAsync();

    private static readonly DateTime Today = TimeProvider.System.GetUtcNow().UtcDateTime.Date;

    // The calls that say the words searched for, older than the small talk (days before today).
    private static readonly DateTime Alice1 = Today.AddDays(-40).AddHours(10);   // call 1: the customer says "cancel my account"
    private static readonly DateTime Bob2 = Today.AddDays(-37).AddHours(11);     // call 2: the customer says cancel … account, not the phrase
    private static readonly DateTime Alice3 = Today.AddDays(-60).AddHours(9);    // call 3: the agent says "cancel my account"
    private static readonly DateTime Later4 = Today.AddDays(-50).AddHours(14);   // call 4: written after the migration

    private const int SmallTalkCalls = 120;

    private static string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    protected async Task<CallSentimentApp> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var (provider, connectionString) = await CreateDatabaseAsync();
        var db = Db.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString });
        await using (db)
        {
            await using var c = await db.OpenAsync(CancellationToken.None);
            // The schema as it was before the search migration, with transcripts in it.
            await c.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in Migrator.Migrations(db.Provider).Where(m => m.Version < 13))
            {
                await c.ExecuteAsync(sql);
                await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
            }
            await c.ExecuteAsync("INSERT INTO agents (id, name, display_name) VALUES (1, 'alice', 'Alice Archer'), (2, 'bob', NULL)");
            await InsertCallAsync(c, 1, 1, Alice1, "NEGATIVE",
                ("agent", "Thank you for calling, how can I help?"),
                ("customer", "I want to CANCEL my account today, I've had enough."),
                ("agent", "I'm sorry to hear that."));
            await InsertCallAsync(c, 2, 2, Bob2, "NEUTRAL",
                ("customer", "Can you cancel the order? My account is fine."),
                ("agent", "Of course, the order is cancelled."));
            await InsertCallAsync(c, 3, 1, Alice3, "POSITIVE",
                ("customer", "I moved house last week."),
                ("agent", "Shall I cancel my account for the old address? <b>bold</b> & \"quoted\""));
            for (var i = 0; i < SmallTalkCalls; i++)
            {
                await InsertCallAsync(c, 100 + i, 1 + (i % 2), Today.AddDays(-20).AddMinutes(i * 7), "POSITIVE",
                    ("agent", "Good morning, thank you for calling."), ("customer", "Hello, just a quick question about my bill."));
            }
        }
        var all = new Dictionary<string, string?> { ["Ingestion:Enabled"] = "false", ["Search:ScanCalls"] = "100" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var app = new CallSentimentApp(provider, connectionString, all);
        // The recordings' folders (the files themselves are not needed: deleting a missing one is fine).
        foreach (var agent in new[] { "agent1", "agent2" }) Directory.CreateDirectory(Path.Combine(app.Recordings, agent));
        using (await app.SignedInClientAsync()) { }
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
            await InsertCallAsync(c, 4, 2, Later4, "MIXED", ("customer", "The zebra print sofa arrived broken."), ("agent", "I will arrange a refund."));
        return app;
    }

    private static async Task InsertCallAsync(System.Data.Common.DbConnection c, long id, long agentId, DateTime startUtc, string sentiment, params (string Role, string Text)[] chunks)
    {
        var started = new DateTimeOffset(startUtc, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var key = string.Create(CultureInfo.InvariantCulture, $"agent{agentId}/{id}.wav");
        await c.ExecuteAsync("""
            INSERT INTO recordings (id, source_key, version, size_bytes, agent_id, call_ref, started_at, agent_channel, customer_channel, discovered_at)
            VALUES (@id, @key, 'v1', 1000, @agentId, @callRef, @started, 0, 1, @started)
            """, new { id, key, agentId, callRef = $"C{id}", started });
        await c.ExecuteAsync("""
            INSERT INTO calls (id, source_key, recording_id, agent_id, call_ref, started_at, duration_ms, sentiment, confidence, positive, negative, neutral, mixed,
                               channel_count, sample_rate, agent_channel, customer_channel, analyzed_at, speaker_separation)
            VALUES (@id, @key, @id, @agentId, @callRef, @started, 60000, @sentiment, 0.7, 0.25, 0.25, 0.25, 0.25, 2, 8000, 0, 1, @started, 'channels')
            """, new { id, key, agentId, callRef = $"C{id}", started, sentiment });
        for (var seq = 0; seq < chunks.Length; seq++)
        {
            await c.ExecuteAsync("""
                INSERT INTO transcript_chunks (call_id, seq, speaker, role, start_ms, end_ms, text, words)
                VALUES (@id, @seq, @speaker, @role, @startMs, @endMs, @text, '[]')
                """, new { id, seq = (long)seq, speaker = chunks[seq].Role == "agent" ? 0L : 1L, role = chunks[seq].Role, startMs = 4500L * seq, endMs = 4500L * seq + 4000,
                text = chunks[seq].Text });
        }
    }

    private static async Task<JsonElement> ApiAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync(new Uri("/api/v1/search?" + query, UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>(callId, seq) of each hit, in order.</summary>
    private static List<string> Hits(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("callId").GetInt64()}:{i.GetProperty("chunkSeq").GetInt64()}").ToList();

    private static string Q(string text) => "q=" + Uri.EscapeDataString(text);

    [Fact]
    public async Task Search_WordsPhrasesSpeakerAndFilters_FindTheMomentsNewestFirst()
    {
        await using var app = await StartAsync();
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);

        // A phrase: both calls where it was said, newest first, not the call with the words apart.
        Assert.Equal(["1:1", "3:1"], Hits(await ApiAsync(http, Q("\"cancel my account\""))));
        // Who said it.
        Assert.Equal(["1:1"], Hits(await ApiAsync(http, Q("\"Cancel my account\"") + "&speaker=customer")));
        Assert.Equal(["3:1"], Hits(await ApiAsync(http, Q("\"cancel my account\"") + "&speaker=agent")));
        // Words anywhere in the same stretch of speech, any case; "cancelled" is another word.
        Assert.Equal(["2:0", "1:1", "3:1"], Hits(await ApiAsync(http, Q("account cancel"))));
        // The dashboard's filters: an employee, a range.
        Assert.Equal(["2:0"], Hits(await ApiAsync(http, Q("cancel account") + "&agent=bob")));
        Assert.Equal(["2:0", "1:1"], Hits(await ApiAsync(http, Q("cancel account") + $"&from={Day(Alice1)}&to={Day(Bob2)}")));
        Assert.Empty(Hits(await ApiAsync(http, Q("cancel account") + "&negative=true&agent=bob")));
        // Indexed after the migration.
        Assert.Equal(["4:0"], Hits(await ApiAsync(http, Q("zebra"))));
        Assert.Empty(Hits(await ApiAsync(http, Q("giraffe"))));

        // A common phrase is found among the newest calls, a page at a time.
        var first = await ApiAsync(http, Q("\"thank you for calling\""));
        Assert.Equal(25, Hits(first).Count);
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        Assert.True(first.GetProperty("complete").GetBoolean());
        var last = await ApiAsync(http, Q("\"thank you for calling\"") + "&page=5");
        Assert.Equal(SmallTalkCalls + 1 - 4 * 25, Hits(last).Count); // + call 1's greeting
        Assert.False(last.GetProperty("hasMore").GetBoolean());
        Assert.Equal("1:0", Hits(last)[^1]);

        // The API's hit: where in the call, the snippet's matched span, the link to the moment.
        var hit = (await ApiAsync(http, Q("\"cancel my account\"") + "&speaker=customer")).GetProperty("items")[0];
        Assert.Equal(4.5, hit.GetProperty("atSeconds").GetDouble());
        Assert.Equal("customer", hit.GetProperty("role").GetString());
        Assert.Equal("alice", hit.GetProperty("agent").GetString());
        Assert.Equal("/calls/1?t=4.5#chunk-1", hit.GetProperty("url").GetString());
        var span = hit.GetProperty("matches")[0];
        Assert.Equal("CANCEL my account", hit.GetProperty("snippet").GetString()!.Substring(span.GetProperty("start").GetInt32(), span.GetProperty("length").GetInt32()));

        // The page: the snippet HTML-encoded with the match marked, the employee's name, the link to the moment.
        var page = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync(new Uri("/search?" + Q("\"cancel my account\""), UriKind.Relative)));
        var items = page.QuerySelectorAll("#search-results li.hit");
        Assert.Equal(2, items.Length);
        Assert.Equal("/calls/1?t=4.5#chunk-1", items[0].QuerySelector("a.when")!.GetAttribute("href"));
        Assert.Equal("Alice Archer", items[0].QuerySelector(".employee")!.TextContent);
        Assert.Equal(["CANCEL my account"], items[0].QuerySelectorAll("mark").Select(m => m.TextContent));
        Assert.Equal("Shall I cancel my account for the old address? <b>bold</b> & \"quoted\"", items[1].QuerySelector(".snippet")!.TextContent);
        Assert.Empty(items[1].QuerySelectorAll(".snippet b"));
        Assert.Contains(page.QuerySelectorAll("nav a"), a => a.GetAttribute("href") == "/search");

        // The call page the link opens marks the chunk for the player.
        var call = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync(new Uri("/calls/1?t=4.5", UriKind.Relative)));
        Assert.Equal("4.5", call.QuerySelector("#chunk-1")!.GetAttribute("data-start"));
    }

    /// <summary>Text that means something in FTS5, tsquery, InnoDB boolean mode, SQL or HTML is searched as words.</summary>
    [Fact]
    public async Task Search_HostileInput_IsSearchedAsWordsNeverBreaksTheQuery()
    {
        await using var app = await StartAsync();
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);
        string[] sameAsCancelAccount =
        [
            "cancel* account", "+cancel +account", "cancel & account", "cancel | account", "cancel <-> account", "'cancel' 'account'",
            "cancel' account\\", "(cancel) (account)", "^cancel account", "cancel@@account", "cancel%account", "cancel_account",
            "\"cancel\" \"account", "cancel:* account:*", "cancel~ account", "!cancel account", "-(cancel) account", "cancel\u0000account",
            "{cancel}: account", "cancel;--account", "cancel/*account*/",
        ];
        foreach (var hostile in sameAsCancelAccount)
        {
            Assert.Equal(["2:0", "1:1", "3:1"], Hits(await ApiAsync(http, Q(hostile))));
            using var page = await http.GetAsync(new Uri("/search?" + Q(hostile), UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync());
            Assert.Equal(3, html.QuerySelectorAll("#search-results li.hit").Length);
        }
        // Operators of the engines' query languages and SQL are words like any other: searched, never obeyed.
        string[] otherHostile =
        [
            "cancel AND account", "cancel OR account", "NOT cancel", "NEAR(cancel account)", "text:cancel", "{text}: cancel", "cancel');DROP TABLE calls;--",
            "<script>alert(1)</script>", "\" OR 1=1 --", "MATCH AGAINST", "@@ to_tsquery", "\\", "'", "`", "%", "_",
        ];
        foreach (var hostile in otherHostile)
        {
            using var api = await http.GetAsync(new Uri("/api/v1/search?" + Q(hostile), UriKind.Relative));
            Assert.True(api.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{hostile}: {(int)api.StatusCode}");
            using var page = await http.GetAsync(new Uri("/search?" + Q(hostile), UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync());
            Assert.Empty(html.QuerySelectorAll("#search-results script, #search-results li.hit"));
        }
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
            Assert.Equal(SmallTalkCalls + 4, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        // Words the index leaves out (MySQL: shorter than 3 letters, stopwords) are still required.
        Assert.Equal(["2:0", "3:1"], Hits(await ApiAsync(http, Q("cancel the account"))));
        Assert.Equal(["1:1"], Hits(await ApiAsync(http, Q("\"i want to\""))));

        // Nothing to search, or too much: a message for the field, never a 500, nothing lost from the form.
        foreach (var (bad, message) in new[]
                 {
                     ("", "Type one or more words"), ("\"\"", "has no words"), ("*** ??? ---", "has no words"),
                     (new string('a', 201), "at most 200 characters"), ("a b c d e f g h i", "at most 8 words"),
                 })
        {
            using var api = await http.GetAsync(new Uri("/api/v1/search?" + Q(bad), UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
            Assert.Contains(message, (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("q")[0].GetString(), StringComparison.Ordinal);
            using var page = await http.GetAsync(new Uri("/search?" + Q(bad) + "&agent=bob", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync());
            Assert.Contains(message, html.QuerySelector("#search-errors")!.TextContent, StringComparison.Ordinal);
            Assert.Equal(bad, html.QuerySelector("#q")!.GetAttribute("value") ?? "");
            Assert.Equal("bob", html.QuerySelector("#agent option[selected]")!.GetAttribute("value"));
        }
        foreach (var (query, field) in new[] { ("speaker=boss", "speaker"), ("page=0", "page"), ("page=99999", "page"), ("agent=nobody", "agent"), ("from=2026-13-01", "from") })
        {
            using var api = await http.GetAsync(new Uri("/api/v1/search?q=cancel&" + query, UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
            Assert.True((await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }

    /// <summary>
    /// A phrase the agents say in every call, searched for the customer: the scan's budget (100 calls) holds no
    /// customer who said it, so the answer comes from the customer's own full-text index, which lists only what
    /// customers said; the agents' hits page through the scan and then the index windows, newest first.
    /// </summary>
    [Fact]
    public async Task Search_SpeakerThroughTheIndex_NeverReturnsTheOtherSpeakersChunks()
    {
        await using var app = await StartAsync();
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            foreach (var (id, days) in new[] { (5L, 70), (6L, 80), (7L, 90) })
                await InsertCallAsync(c, id, 1, Today.AddDays(-days).AddHours(12), "POSITIVE",
                    ("agent", "Hello, thank you for calling."), ("customer", "Thank you for calling me back so soon."));
            // A word both speakers say, older than the scan's budget: who said it newest alternates from call to call.
            await InsertCallAsync(c, 8, 1, Today.AddDays(-72).AddHours(12), "POSITIVE", ("customer", "Is the warranty still valid?"), ("agent", "Yes, the warranty runs two years."));
            await InsertCallAsync(c, 9, 2, Today.AddDays(-74).AddHours(12), "POSITIVE", ("agent", "Your warranty has expired, I'm afraid."));
            await InsertCallAsync(c, 10, 1, Today.AddDays(-76).AddHours(12), "NEGATIVE", ("customer", "Then I want my warranty money back."));
        }
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);

        var customer = await ApiAsync(http, Q("\"thank you for calling\"") + "&speaker=customer");
        Assert.Equal(["5:1", "6:1", "7:1"], Hits(customer));
        Assert.All(customer.GetProperty("items").EnumerateArray(), i => Assert.Equal("customer", i.GetProperty("role").GetString()));
        Assert.True(customer.GetProperty("complete").GetBoolean());
        Assert.Empty(Hits(await ApiAsync(http, Q("\"good morning\"") + "&speaker=customer")));
        Assert.Equal(["7:1"], Hits(await ApiAsync(http, Q("calling soon") + "&speaker=customer" + $"&to={Day(Today.AddDays(-85))}")));

        // The agents: 120 small-talk calls (the scan's 100, then the index), call 1, then calls 5-7; 25 a page.
        var agentHits = new List<string>();
        for (var page = 1; page <= 5; page++)
        {
            var result = await ApiAsync(http, Q("\"thank you for calling\"") + $"&speaker=agent&page={page}");
            Assert.All(result.GetProperty("items").EnumerateArray(), i => Assert.Equal("agent", i.GetProperty("role").GetString()));
            agentHits.AddRange(Hits(result));
            Assert.Equal(page < 5, result.GetProperty("hasMore").GetBoolean());
        }
        Assert.Equal(SmallTalkCalls + 4, agentHits.Count);
        Assert.Equal(["1:0", "5:0", "6:0", "7:0"], agentHits.TakeLast(4));
        Assert.Equal(agentHits.Count, agentHits.Distinct(StringComparer.Ordinal).Count());
        // Either speaker: both, newest first, the agent's turn before the customer's in the same call.
        Assert.Equal(["5:0", "5:1", "6:0", "6:1", "7:0", "7:1"], Hits(await ApiAsync(http, Q("\"thank you for calling\"") + $"&to={Day(Today.AddDays(-65))}")));
        // Either speaker through both indexes (MySQL asks them on two connections at once): one order, newest first.
        Assert.Equal(["8:0", "8:1", "9:0", "10:0"], Hits(await ApiAsync(http, Q("warranty"))));
        Assert.Equal(["8:1", "9:0"], Hits(await ApiAsync(http, Q("warranty") + "&speaker=agent")));

        // The engine's own index of each speaker lists that speaker's chunks only.
        Assert.Equal(3, await IndexedAsync(app, "calling", "customer"));
        Assert.Equal(SmallTalkCalls + 4, await IndexedAsync(app, "calling", "agent"));
        Assert.Equal(0, await IndexedAsync(app, "morning", "customer"));
        Assert.Equal(SmallTalkCalls, await IndexedAsync(app, "bill", "customer"));
        Assert.Equal(0, await IndexedAsync(app, "bill", "agent"));
    }

    [Fact]
    public async Task Retention_DeletedCallsAndRemovedTranscripts_LeaveTheIndex()
    {
        // Calls older than 55 days are deleted (call 3), transcripts older than 35 days removed (calls 1, 2 and 4).
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Retention:CallDays"] = "55", ["Retention:TranscriptDays"] = "35" });
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);
        Assert.Equal(3, await IndexedAsync(app, "cancel"));
        Assert.Equal(1, await IndexedAsync(app, "zebra"));

        var (calls, _, transcripts) = await app.Services.GetRequiredService<RetentionService>().RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 3), (calls, transcripts));

        Assert.Equal(0, await IndexedAsync(app, "cancel"));
        Assert.Equal(0, await IndexedAsync(app, "zebra"));
        Assert.Equal(0, await IndexedAsync(app, "address"));
        Assert.True(await IndexedAsync(app, "bill") >= SmallTalkCalls, "the small talk (kept) left the index too");
        Assert.Empty(Hits(await ApiAsync(http, Q("cancel"))));
        Assert.Empty(Hits(await ApiAsync(http, Q("zebra"))));
        Assert.Equal(25, Hits(await ApiAsync(http, Q("bill"))).Count);
    }

    /// <summary>How many chunks the engine's own full-text index lists for a word (not the app's search), both speakers.</summary>
    private static async Task<long> IndexedAsync(CallSentimentApp app, string word) =>
        await IndexedAsync(app, word, "customer") + await IndexedAsync(app, word, "agent");

    /// <summary>How many chunks the engine's own full-text index of one speaker lists for a word.</summary>
    private static async Task<long> IndexedAsync(CallSentimentApp app, string word, string role)
    {
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        return app.Db.Provider switch
        {
            // The role's partial index (a plain scan would count the same, so the plan is forced onto the index).
            DbProvider.Postgres => await CountOnIndexAsync(c, $"SELECT COUNT(*) FROM transcript_chunks WHERE role = '{role}' AND search @@ to_tsquery('simple', @word)", word),
            DbProvider.MySql => await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM transcript_chunks WHERE MATCH ({role}_text) AGAINST (@word IN BOOLEAN MODE)", new { word }),
            _ => await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM transcript_search_{role} WHERE transcript_search_{role} MATCH @word", new { word }),
        };
    }

    private static async Task<long> CountOnIndexAsync(System.Data.Common.DbConnection c, string sql, string word)
    {
        await using var tx = await c.BeginTransactionAsync();
        await c.ExecuteAsync("SET LOCAL enable_seqscan = off", transaction: tx);
        var plan = string.Join('\n', await c.QueryAsync<string>("EXPLAIN " + sql, new { word }, tx));
        Assert.Contains("ix_transcript_chunks_search_", plan, StringComparison.Ordinal);
        return await c.ExecuteScalarAsync<long>(sql, new { word }, tx);
    }
}

public sealed class SqliteSearchTests : SearchTests
{
    protected override Task<(string Provider, string ConnectionString)> CreateDatabaseAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), "callsentiment-search-" + Guid.NewGuid().ToString("N")[..10] + ".db");
        return Task.FromResult(("Sqlite", $"Data Source={file}"));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSearchTests(PostgresCluster cluster) : SearchTests
{
    protected override async Task<(string Provider, string ConnectionString)> CreateDatabaseAsync() => ("Postgres", await cluster.CreateDatabaseAsync());
}

public sealed class MySqlSearchTests(MariaDbServer server) : SearchTests, IClassFixture<MariaDbServer>
{
    protected override async Task<(string Provider, string ConnectionString)> CreateDatabaseAsync() => ("MySql", await server.CreateDatabaseAsync());

    /// <summary>
    /// A server that cannot answer (here: the calls table held by another session, the search's lock wait timing out,
    /// MariaDB error 1205) gets a message on the page and a 503 from the API, never a 500; once free, the same search works.
    /// </summary>
    [Fact]
    public async Task Search_ServerCannotAnswer_SaysSoNeverA500()
    {
        await using var app = await StartAsync();
        using var http = await app.SignedInClientAsync(AppRoles.Supervisor);
        await using (var admin = new MySqlConnector.MySqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync("SET GLOBAL lock_wait_timeout = 1");
        }
        try
        {
            await using var holder = await app.Db.OpenAsync(CancellationToken.None);
            await holder.ExecuteAsync("LOCK TABLES calls WRITE");
            using (var page = await http.GetAsync(new Uri("/search?q=zebra", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
                var html = await new HtmlParser().ParseDocumentAsync(await page.Content.ReadAsStringAsync());
                Assert.Contains("did not answer the search", html.QuerySelector("#search-errors")?.TextContent ?? "", StringComparison.Ordinal);
            }
            using (var api = await http.GetAsync(new Uri("/api/v1/search?q=zebra", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
                Assert.Contains("did not answer the search", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            await holder.ExecuteAsync("UNLOCK TABLES");
        }
        finally
        {
            await using var admin = new MySqlConnector.MySqlConnection(server.AdminConnectionString);
            await admin.OpenAsync();
            await admin.ExecuteAsync("SET GLOBAL lock_wait_timeout = DEFAULT");
        }
        using var ok = await http.GetAsync(new Uri("/api/v1/search?q=zebra", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
