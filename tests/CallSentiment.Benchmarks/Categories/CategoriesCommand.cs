using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallSentiment.Cli;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallSentiment.Benchmarks.Categories;

/// <summary>
/// categories: (a) what a rule costs per call — evaluated in memory on calls read from the database, with the words
/// JSON parsed afresh each time (as when a call is tagged) — and (b) how fast the re-tagging job runs over a stored
/// history: a SQLite file with the app's schema and N calls, each with two speakers and a transcript of six turns
/// (~70 words, some calls with planted phrases), re-tagged by the app's own job for a phrase rule (reads every
/// transcript) and a rule on conversation facts (reads the calls alone).
/// </summary>
internal static class CategoriesCommand
{
    private static readonly string[] Vocabulary =
    [
        "the", "a", "I", "you", "my", "your", "account", "bill", "payment", "phone", "internet", "service", "yes", "no", "please", "thanks",
        "okay", "right", "so", "it", "was", "is", "have", "had", "been", "we", "can", "check", "that", "for", "with", "today", "last", "month",
        "charge", "number", "address", "email", "help", "problem", "working", "again", "when", "what", "how", "order", "delivery", "router",
    ];

    private static readonly (string Name, string Rule)[] Rules =
    [
        ("phrase", "customer says \"cancel*\""),
        ("near", "customer says \"cancel*\" near/5 \"contract\""),
        ("not greeted", "not agent says \"thank* you for calling\" in first 30s"),
        ("facts", "customer.sentiment = NEGATIVE and (silence > 30s or agent.talk_ratio > 70%)"),
        ("combined", "customer.sentiment = NEGATIVE and customer says \"cancel*\" near/5 \"contract\" and not agent says \"sorry\""),
    ];

    public static async Task<int> RunAsync(Args args)
    {
        var callCount = args.Int("calls", 100_000, 100, 10_000_000);
        var sample = args.Int("sample", 10_000, 100, 1_000_000);
        var batch = args.Int("batch", 1000, 10, 10_000);
        var reuse = args.Flag("reuse");
        var dir = args.Get("dir") ?? Path.Combine(Path.GetTempPath(), "callsentiment-bench");
        args.EnsureAllUsed();
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"categories_{callCount}.db"));
        if (!reuse || !File.Exists(file))
        {
            var clock = Stopwatch.StartNew();
            await LoadAsync(file, callCount, CancellationToken.None);
            Print($"wrote {callCount} calls with transcripts to {file} ({new FileInfo(file).Length / 1_048_576.0:0} MB): {clock.Elapsed.TotalSeconds:0.0} s");
        }
        await using var db = new SqliteDb($"Data Source={file}");
        await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);

        // (a) evaluation per call, on calls read once; the facts are rebuilt per rule so the words JSON is parsed each time.
        await using (var c = await db.OpenAsync(CancellationToken.None))
        {
            var ids = (await c.QueryAsync<long>("SELECT id FROM calls ORDER BY id LIMIT @sample", new { sample = (long)sample })).ToList();
            var facts = await CategoryStore.LoadFactsAsync(c, null, ids, transcript: true, CancellationToken.None);
            Print($"evaluation per call over {facts.Count} calls (words parsed from the stored JSON each time, as when a call is tagged):");
            foreach (var (name, text) in Rules)
            {
                var rule = CategoryRule.Parse(text);
                var fresh = facts.Select(Copy).ToList();
                var matched = 0;
                var clock = Stopwatch.StartNew();
                foreach (var f in fresh)
                    if (rule.Matches(f, [])) matched++;
                var first = clock.Elapsed.TotalMicroseconds / fresh.Count;
                clock.Restart();
                foreach (var f in fresh) rule.Matches(f, []);
                var again = clock.Elapsed.TotalMicroseconds / fresh.Count;
                Print($"  {name,-12} {first,7:0.0} µs/call ({again:0.0} µs once the words are parsed), {matched} matched   {text}");
            }
        }

        // (b) the re-tagging job over every stored call.
        var options = Options.Create(new CategoryOptions { RetagBatchSize = batch });
        var store = new CategoryStore(db, TimeProvider.System, options);
        var retagger = new CategoryRetagger(db, TimeProvider.System, options, Options.Create(new IngestionOptions()), NullLogger<CategoryRetagger>.Instance);
        await using (var c = await db.OpenAsync(CancellationToken.None))
            await c.ExecuteAsync("DELETE FROM call_categories; DELETE FROM categories;");
        Print($"re-tagging {callCount} stored calls (batches of {batch}):");
        foreach (var (name, text) in new[] { Rules[1], Rules[3] })
        {
            var (id, problems) = await store.SaveAsync(null, name, text, alert: false, "bench", CancellationToken.None);
            if (id is null) throw new InvalidOperationException(string.Join("; ", problems.Select(p => p.Message)));
            var clock = Stopwatch.StartNew();
            await retagger.RunAllAsync("bench", CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            await using var c = await db.OpenAsync(CancellationToken.None);
            var (status, done, matched) = await c.QuerySingleAsync<(string, long, long)>(
                "SELECT retag_status, retag_done, retag_matched FROM categories WHERE id = @id", new { id });
            Print($"  {name,-8} {status}: {done} calls in {seconds:0.0} s = {done / seconds:0} calls/s, {matched} tagged   {text}");
        }
        return 0;
    }

    private static CallFacts Copy(CallFacts f) => new(f.CallId, f.DurationMs, f.Sentiment, f.CustomerSentiment, f.AgentSentiment, f.SentimentChange, f.SilenceMs,
        f.LongestSilenceMs, f.OverlapMs, f.Interruptions, f.Speakers, f.Chunks);

    /// <summary>A fresh SQLite file with the app's schema and <paramref name="count"/> generated calls (fixed seed).</summary>
    private static async Task LoadAsync(string file, int count, CancellationToken cancellationToken)
    {
        foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        await using (var db = new SqliteDb($"Data Source={file}"))
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(cancellationToken);
        SqliteConnection.ClearAllPools();
        await using var c = new SqliteConnection($"Data Source={file};Pooling=False");
        await c.OpenAsync(cancellationToken);
        // Rows go in call by call, children first where that is simpler: the constraints are the app's, not the load's to check.
        await c.ExecuteAsync("PRAGMA foreign_keys=OFF; PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken);
        for (var a = 1; a <= 50; a++)
            await c.ExecuteAsync("INSERT INTO agents (id, name) VALUES (@a, @name)", new { a, name = string.Create(CultureInfo.InvariantCulture, $"agent{a:00}") }, tx);
        var recording = Command(c, tx, "recordings", "id, source_key, version, size_bytes, agent_id, call_ref, started_at, agent_channel, customer_channel, discovered_at");
        var call = Command(c, tx, "calls", "id, source_key, recording_id, agent_id, call_ref, started_at, duration_ms, sentiment, confidence, positive, negative, neutral, mixed, "
            + "channel_count, sample_rate, agent_channel, customer_channel, analyzed_at, customer_sentiment, agent_sentiment, sentiment_change, silence_ms, longest_silence_ms, "
            + "overlap_ms, interruptions, speaker_separation");
        var speaker = Command(c, tx, "call_speakers", "call_id, speaker, role, channel, talk_ms, words, interruptions");
        var chunk = Command(c, tx, "transcript_chunks", "call_id, seq, speaker, role, start_ms, end_ms, text, words");
        var rng = new Random(17);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        string[] labels = ["NEGATIVE", "NEUTRAL", "POSITIVE", "MIXED"];
        for (long id = 1; id <= count; id++)
        {
            var agent = 1 + rng.Next(50);
            var at = start + id * 300_000;
            var key = string.Create(CultureInfo.InvariantCulture, $"agent{agent:00}/call{id}.wav");
            var customer = labels[rng.Next(labels.Length)];
            await Run(recording, id, key, "v1", 1000L, (long)agent, $"c{id}", at, 0L, 1L, at);
            long t = 500, agentMs = 0, customerMs = 0;
            for (var seq = 0; seq < 6; seq++)
            {
                var isAgent = seq % 2 == 0;
                var words = new List<string>();
                if (seq == 0 && rng.Next(10) > 0) words.AddRange(["thank", "you", "for", "calling"]);
                var n = 8 + rng.Next(8);
                while (words.Count < n) words.Add(Vocabulary[rng.Next(Vocabulary.Length)]);
                if (!isAgent && rng.Next(40) == 0) words.InsertRange(rng.Next(words.Count), ["I", "want", "to", "cancel", "my", "contract"]);
                var json = new StringBuilder("[");
                for (var w = 0; w < words.Count; w++)
                    json.Append(w == 0 ? "[\"" : ",[\"").Append(words[w]).Append("\",").Append(t + 350 * w).Append(',').Append(t + 350 * w + 300).Append(",0.9]");
                var end = t + 350 * words.Count;
                await Run(chunk, id, (long)seq, isAgent ? 0L : 1L, isAgent ? "agent" : "customer", t, end, string.Join(' ', words), json.Append(']').ToString());
                if (isAgent) agentMs += end - t; else customerMs += end - t;
                t = end + 400 + rng.Next(3000);
            }
            var silence = (long)rng.Next(60_000);
            await Run(call, id, key, id, (long)agent, $"c{id}", at, t + silence, customer, 0.8, 0.3, 0.3, 0.3, 0.1, 2L, 8000L, 0L, 1L, at, customer, "NEUTRAL",
                rng.NextDouble() * 2 - 1, silence, silence / 2, 0L, (long)rng.Next(5), "Channels");
            await Run(speaker, id, 0L, "agent", 0L, agentMs, 40L, (long)rng.Next(3));
            await Run(speaker, id, 1L, "customer", 1L, customerMs, 40L, (long)rng.Next(3));
        }
        await tx.CommitAsync(cancellationToken);
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction tx, string table, string columns)
    {
        var names = columns.Split(',', StringSplitOptions.TrimEntries);
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names.Select((_, i) => $"$p{i}"))})";
        for (var i = 0; i < names.Length; i++) command.Parameters.Add(new SqliteParameter($"$p{i}", DBNull.Value));
        command.Prepare();
        return command;
    }

    private static async Task Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
        await command.ExecuteNonQueryAsync();
    }

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
