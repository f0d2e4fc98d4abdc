using System.Globalization;
using System.Text;
using CallSentiment.Benchmarks.Dashboard;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Npgsql;
using NpgsqlTypes;

namespace CallSentiment.Benchmarks.Categories;

/// <summary>
/// The categories benchmark's call history: N calls of 50 agents, five minutes apart, each with two speakers and a
/// transcript of six turns (~70 words; agents open with "thank you for calling" nine times in ten, one customer turn
/// in 40 says "I want to cancel my contract"). Every call is generated from its own id (fixed seed per id), so each
/// table is written in a pass of its own (parents first, as the foreign keys want) with the same data on every engine.
/// Loaded with the app's migrations: SQLite one prepared INSERT per table in one transaction, PostgreSQL binary COPY
/// (secondary indexes rebuilt after it), MariaDB multi-row INSERTs with its indexes on.
/// </summary>
internal static class CategoryCalls
{
    public const int Agents = 50;
    public const int Turns = 6;

    private static readonly string[] Vocabulary =
    [
        "the", "a", "I", "you", "my", "your", "account", "bill", "payment", "phone", "internet", "service", "yes", "no", "please", "thanks",
        "okay", "right", "so", "it", "was", "is", "have", "had", "been", "we", "can", "check", "that", "for", "with", "today", "last", "month",
        "charge", "number", "address", "email", "help", "problem", "working", "again", "when", "what", "how", "order", "delivery", "router",
    ];

    private static readonly string[] Labels = ["NEGATIVE", "NEUTRAL", "POSITIVE", "MIXED"];

    private static readonly long Start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public sealed record Turn(long Seq, bool Agent, long StartMs, long EndMs, string Text, string WordsJson);

    public sealed record Call(long Id, long AgentId, string Key, long At, string CustomerSentiment, long DurationMs, double Change, long SilenceMs,
        long Interruptions, long AgentTalkMs, long CustomerTalkMs, long AgentInterruptions, long CustomerInterruptions, IReadOnlyList<Turn> Turns);

    public static Call Generate(long id)
    {
        var rng = new Random(unchecked((int)id * 7919 + 17));
        var agent = 1 + rng.Next(Agents);
        var at = Start + id * 300_000;
        var customer = Labels[rng.Next(Labels.Length)];
        var turns = new List<Turn>(Turns);
        long t = 500, agentMs = 0, customerMs = 0;
        for (var seq = 0; seq < Turns; seq++)
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
            turns.Add(new Turn(seq, isAgent, t, end, string.Join(' ', words), json.Append(']').ToString()));
            if (isAgent) agentMs += end - t; else customerMs += end - t;
            t = end + 400 + rng.Next(3000);
        }
        var silence = (long)rng.Next(60_000);
        var change = rng.NextDouble() * 2 - 1;
        var interruptions = (long)rng.Next(5);
        return new Call(id, agent, string.Create(CultureInfo.InvariantCulture, $"agent{agent:00}/call{id}.wav"), at, customer, t + silence, change, silence,
            interruptions, agentMs, customerMs, rng.Next(3), rng.Next(3), turns);
    }

    /// <summary>Writes calls 1..<paramref name="count"/> through <paramref name="open"/>, a table at a time.</summary>
    private static async Task WriteAsync(int count, Func<string, string[], Task<Rows>> open)
    {
        await using (var w = await open("agents", ["id", "name"]))
        {
            for (long a = 1; a <= Agents; a++) await w.AddAsync(a, string.Create(CultureInfo.InvariantCulture, $"agent{a:00}"));
            await w.CompleteAsync();
        }
        await using (var w = await open("recordings", ["id", "source_key", "version", "size_bytes", "agent_id", "call_ref", "started_at", "agent_channel",
                         "customer_channel", "discovered_at"]))
        {
            for (long id = 1; id <= count; id++)
            {
                var c = Generate(id);
                await w.AddAsync(id, c.Key, "v1", 1000L, c.AgentId, $"c{id}", c.At, 0L, 1L, c.At);
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("calls", ["id", "source_key", "recording_id", "agent_id", "call_ref", "started_at", "duration_ms", "sentiment", "confidence",
                         "positive", "negative", "neutral", "mixed", "channel_count", "sample_rate", "agent_channel", "customer_channel", "analyzed_at",
                         "customer_sentiment", "agent_sentiment", "sentiment_change", "silence_ms", "longest_silence_ms", "overlap_ms", "interruptions",
                         "speaker_separation"]))
        {
            for (long id = 1; id <= count; id++)
            {
                var c = Generate(id);
                await w.AddAsync(id, c.Key, id, c.AgentId, $"c{id}", c.At, c.DurationMs, c.CustomerSentiment, 0.8, 0.3, 0.3, 0.3, 0.1, 2L, 8000L, 0L, 1L, c.At,
                    c.CustomerSentiment, "NEUTRAL", c.Change, c.SilenceMs, c.SilenceMs / 2, 0L, c.Interruptions, "Channels");
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("call_speakers", ["call_id", "speaker", "role", "channel", "talk_ms", "words", "interruptions"]))
        {
            for (long id = 1; id <= count; id++)
            {
                var c = Generate(id);
                await w.AddAsync(id, 0L, "agent", 0L, c.AgentTalkMs, 40L, c.AgentInterruptions);
                await w.AddAsync(id, 1L, "customer", 1L, c.CustomerTalkMs, 40L, c.CustomerInterruptions);
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("transcript_chunks", ["call_id", "seq", "speaker", "role", "start_ms", "end_ms", "text", "words"]))
        {
            for (long id = 1; id <= count; id++)
                foreach (var k in Generate(id).Turns)
                    await w.AddAsync(id, k.Seq, k.Agent ? 0L : 1L, k.Agent ? "agent" : "customer", k.StartMs, k.EndMs, k.Text, k.WordsJson);
            await w.CompleteAsync();
        }
    }

    // ---- SQLite ----

    public static async Task LoadSqliteAsync(string file, int count)
    {
        var loading = file + ".loading";
        DeleteSqlite(loading);
        await using (var db = new SqliteDb($"Data Source={loading}"))
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        SqliteConnection.ClearAllPools();
        await using (var c = new SqliteConnection($"Data Source={loading};Pooling=False"))
        {
            await c.OpenAsync();
            // The constraints are the app's, not the load's to check; the triggers (search index, daily totals) stay on.
            await c.ExecuteAsync("PRAGMA foreign_keys=OFF; PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync();
            await WriteAsync(count, (table, columns) => Task.FromResult<Rows>(new SqliteRows(c, tx, table, columns)));
            await tx.CommitAsync();
        }
        SqliteConnection.ClearAllPools();
        DeleteSqlite(file);
        File.Move(loading, file);
    }

    private static void DeleteSqlite(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) File.Delete(path + suffix);
    }

    // ---- PostgreSQL ----

    public static async Task LoadPostgresAsync(PostgresCluster cluster, string database, int count)
    {
        var loading = database + "_loading";
        await DatasetLoader.AdminAsync(cluster, $"DROP DATABASE IF EXISTS {loading}");
        var connectionString = await cluster.CreateDatabaseAsync(loading);
        await using (var db = new PostgresDb(connectionString))
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        await using (var c = new NpgsqlConnection(connectionString + ";Pooling=false;Command Timeout=0"))
        {
            await c.OpenAsync();
            // Indexes that back a constraint stay; the others are built after the COPY from their own definitions.
            var indexes = (await c.QueryAsync<(string Name, string Sql)>("""
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = 'public' AND i.tablename IN ('calls', 'recordings', 'transcript_chunks', 'call_speakers')
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
                """)).ToList();
            foreach (var (name, _) in indexes) await c.ExecuteAsync($"DROP INDEX {name}");
            await c.ExecuteAsync("SET maintenance_work_mem = '512MB'");
            await WriteAsync(count, async (table, columns) =>
                new PostgresRows(await c.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)")));
            foreach (var (_, sql) in indexes) await c.ExecuteAsync(sql);
            foreach (var table in new[] { "agents", "recordings", "calls" })
                await c.ExecuteAsync($"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))");
            await c.ExecuteAsync("VACUUM ANALYZE");
        }
        await DatasetLoader.AdminAsync(cluster, $"DROP DATABASE IF EXISTS {database}");
        await DatasetLoader.AdminAsync(cluster, $"ALTER DATABASE {loading} RENAME TO {database}");
    }

    // ---- MariaDB ----

    public static async Task LoadMySqlAsync(MariaDbServer server, string database, int count)
    {
        await using (var admin = new MySqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {database}");
        }
        var connectionString = await server.CreateDatabaseAsync(database);
        await using (var db = new MySqlDb(connectionString))
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(CancellationToken.None);
        await using var c = new MySqlConnection(connectionString + ";Pooling=false;Default Command Timeout=0");
        await c.OpenAsync();
        // Unique checks stay on: MariaDB gives rows inserted in its bulk mode no FULLTEXT document ids (see the search bench).
        await c.ExecuteAsync("SET SESSION foreign_key_checks = 0");
        await WriteAsync(count, (table, columns) => Task.FromResult<Rows>(new MySqlRows(c, table, columns)));
        await c.ExecuteAsync("ANALYZE TABLE agents, recordings, calls, call_speakers, transcript_chunks");
        await c.ExecuteAsync($"CREATE TABLE {DatasetLoader.MySqlCompleteMarker} (done BIGINT NOT NULL)");
    }

    // ---- row writers ----

    /// <summary>One table's rows, each given as its column values in the order the columns were named (long, double or string).</summary>
    private abstract class Rows : IAsyncDisposable
    {
        public abstract Task AddAsync(params object[] values);

        public abstract Task CompleteAsync();

        public abstract ValueTask DisposeAsync();
    }

    private sealed class SqliteRows : Rows
    {
        private readonly SqliteCommand _insert;

        public SqliteRows(SqliteConnection c, SqliteTransaction tx, string table, string[] columns)
        {
            _insert = c.CreateCommand();
            _insert.Transaction = tx;
            _insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
            for (var i = 0; i < columns.Length; i++) _insert.Parameters.Add(new SqliteParameter($"$p{i}", DBNull.Value));
            _insert.Prepare();
        }

        public override async Task AddAsync(params object[] values)
        {
            for (var i = 0; i < values.Length; i++) _insert.Parameters[i].Value = values[i];
            await _insert.ExecuteNonQueryAsync();
        }

        public override Task CompleteAsync() => Task.CompletedTask;

        public override ValueTask DisposeAsync() => _insert.DisposeAsync();
    }

    private sealed class PostgresRows(NpgsqlBinaryImporter copy) : Rows
    {
        public override async Task AddAsync(params object[] values)
        {
            await copy.StartRowAsync();
            foreach (var v in values)
            {
                switch (v)
                {
                    case long l: await copy.WriteAsync(l, NpgsqlDbType.Bigint); break;
                    case double d: await copy.WriteAsync(d, NpgsqlDbType.Double); break;
                    case string s: await copy.WriteAsync(s, NpgsqlDbType.Text); break;
                    default: throw new ArgumentException($"unexpected column value {v}");
                }
            }
        }

        public override async Task CompleteAsync() => await copy.CompleteAsync();

        public override ValueTask DisposeAsync() => copy.DisposeAsync();
    }

    /// <summary>Rows as literals in multi-row INSERTs of 1,000 rows.</summary>
    private sealed class MySqlRows(MySqlConnection c, string table, string[] columns) : Rows
    {
        private const int RowsPerInsert = 1000;
        private readonly StringBuilder _sql = new();
        private int _rows;

        public override async Task AddAsync(params object[] values)
        {
            _sql.Append(_rows == 0 ? $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES (" : ", (");
            for (var i = 0; i < values.Length; i++)
            {
                if (i > 0) _sql.Append(", ");
                switch (values[i])
                {
                    case long l: _sql.Append(l.ToString(CultureInfo.InvariantCulture)); break;
                    case double d: _sql.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                    case string s: _sql.Append('\'').Append(MySqlHelper.EscapeString(s)).Append('\''); break;
                    default: throw new ArgumentException($"unexpected column value {values[i]}");
                }
            }
            _sql.Append(')');
            if (++_rows == RowsPerInsert) await FlushAsync();
        }

        private async Task FlushAsync()
        {
            if (_rows == 0) return;
            await using var insert = new MySqlCommand(_sql.ToString(), c);
            await insert.ExecuteNonQueryAsync();
            _sql.Clear();
            _rows = 0;
        }

        public override Task CompleteAsync() => FlushAsync();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
