using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Npgsql;
using NpgsqlTypes;

namespace CallSentiment.Benchmarks.Dashboard;

/// <summary>
/// Writes a <see cref="CallDataset"/> into a fresh database with the app's own schema (its migrator), fast: secondary
/// indexes are dropped during the load and rebuilt from their own definitions afterwards (so the benchmark always
/// measures the indexes the migrations create). SQLite gets one prepared INSERT per table in one transaction,
/// PostgreSQL binary COPY, MySQL multi-row INSERTs (its indexes and triggers stay: MySQL cannot rename a database,
/// so a marker table, written last, says the load is complete). The SQLite and PostgreSQL databases only get their
/// final names once complete, so a killed load is never reused.
/// </summary>
internal static class DatasetLoader
{
    public static async Task LoadSqliteAsync(string path, CallDataset data, CancellationToken cancellationToken, Search.TranscriptDataset? transcripts = null,
        bool categories = false, int? rollupsFrom = null)
    {
        var loading = path + ".loading";
        DeleteSqlite(loading);
        await using (var db = new SqliteDb($"Data Source={loading}"))
            await MigrateAsync(db, rollupsFrom, cancellationToken);
        await using (var c = new SqliteConnection($"Data Source={loading};Pooling=False"))
        {
            await c.OpenAsync(cancellationToken);
            await c.ExecuteAsync("PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-524288; PRAGMA temp_store=MEMORY;");
            var indexes = (await c.QueryAsync<(string Name, string Sql)>(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('calls', 'recordings', 'call_categories') AND sql IS NOT NULL")).ToList();
            foreach (var (name, _) in indexes) await c.ExecuteAsync($"DROP INDEX {name}");
            await using (var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken))
            {
                await WriteTablesAsync(data, (table, columns) => SqliteRows.CreateAsync(c, tx, table, columns, cancellationToken), cancellationToken, transcripts, categories);
                await tx.CommitAsync(cancellationToken);
            }
            foreach (var (_, sql) in indexes) await c.ExecuteAsync(sql);
        }
        if (rollupsFrom is not null)
        {
            await using (var db = new SqliteDb($"Data Source={loading}"))
                await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(cancellationToken);
            // Back to one file (the app's connections turn WAL on again).
            await using var c = new SqliteConnection($"Data Source={loading};Pooling=False");
            await c.OpenAsync(cancellationToken);
            await c.ExecuteAsync("PRAGMA journal_mode=DELETE; ANALYZE;");
        }
        DeleteSqlite(path);
        File.Move(loading, path);
    }

    /// <summary>
    /// The app's migrations; with <paramref name="rollupsFrom"/>, only those before it (the rest run after the rows are in,
    /// as on an upgrade: the rollups' migrations fill their tables from the rows in one statement each, instead of a
    /// trigger per row — with the agent comparison's triggers on, a 1,000,000-call load took 510 s on SQLite instead of
    /// ~25 s, and did not finish in the time given on PostgreSQL and MariaDB).
    /// </summary>
    private static async Task MigrateAsync(Db db, int? rollupsFrom, CancellationToken cancellationToken)
    {
        if (rollupsFrom is not { } before)
        {
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(cancellationToken);
            return;
        }
        await using var c = await db.OpenAsync(cancellationToken);
        await c.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        foreach (var (version, name, sql) in Migrator.Migrations(db.Provider).Where(m => m.Version < before))
        {
            await c.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
            await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
        }
    }

    public static async Task LoadPostgresAsync(PostgresCluster cluster, string database, CallDataset data, CancellationToken cancellationToken, Search.TranscriptDataset? transcripts = null,
        bool categories = false, int? rollupsFrom = null)
    {
        var loading = database + "_loading";
        await AdminAsync(cluster, $"DROP DATABASE IF EXISTS {loading}");
        var connectionString = await cluster.CreateDatabaseAsync(loading);
        await using (var db = new PostgresDb(connectionString))
            await MigrateAsync(db, rollupsFrom, cancellationToken);
        await using (var c = new NpgsqlConnection(connectionString + ";Pooling=false;Command Timeout=0"))
        {
            await c.OpenAsync(cancellationToken);
            // Indexes that back a constraint (primary keys, UNIQUE) stay; the others are rebuilt after the load.
            var indexes = (await c.QueryAsync<(string Name, string Sql)>("""
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = 'public' AND i.tablename IN ('calls', 'recordings', 'transcript_chunks', 'call_categories')
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
                """)).ToList();
            foreach (var (name, _) in indexes) await c.ExecuteAsync($"DROP INDEX {name}");
            // Triggers stay on (foreign keys, the schema's own derived tables): the load writes what the app would.
            await c.ExecuteAsync("SET maintenance_work_mem = '512MB'");
            await WriteTablesAsync(data, (table, columns) => PostgresRows.CreateAsync(c, table, columns, cancellationToken), cancellationToken, transcripts, categories);
            foreach (var (_, sql) in indexes) await c.ExecuteAsync(sql);
            foreach (var table in new[] { "agents", "recordings", "calls", "categories" })
                await c.ExecuteAsync($"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))");
            if (rollupsFrom is not null)
            {
                await using var db = new PostgresDb(connectionString + ";Command Timeout=0");
                await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(cancellationToken);
            }
            // What autovacuum would have done by the time anyone looks at a year of calls: statistics and the
            // visibility map (index-only scans need it).
            await c.ExecuteAsync("VACUUM ANALYZE");
        }
        await AdminAsync(cluster, $"DROP DATABASE IF EXISTS {database}");
        await AdminAsync(cluster, $"ALTER DATABASE {loading} RENAME TO {database}");
    }

    public static async Task<bool> PostgresDatabaseExistsAsync(PostgresCluster cluster, string database)
    {
        await using var c = new NpgsqlConnection(cluster.AdminConnectionString);
        await c.OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_database WHERE datname = @database", new { database }) > 0;
    }

    internal const string MySqlCompleteMarker = "bench_load_complete";

    public static async Task LoadMySqlAsync(MariaDbServer server, string database, CallDataset data, CancellationToken cancellationToken, Search.TranscriptDataset? transcripts = null,
        bool categories = false, int? rollupsFrom = null)
    {
        await using (var admin = new MySqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {database}");
        }
        var connectionString = await server.CreateDatabaseAsync(database);
        await using (var db = new MySqlDb(connectionString))
            await MigrateAsync(db, rollupsFrom, cancellationToken);
        await using var c = new MySqlConnection(connectionString + ";Pooling=false;Default Command Timeout=0");
        await c.OpenAsync(cancellationToken);
        // Triggers stay on (the schema's own derived tables): the load writes what the app would.
        // Transcripts go in with the FULLTEXT index on and unique checks on, as the app writes them: MariaDB 10.11 leaves
        // rows inserted into an empty table in its bulk mode (unique and foreign key checks off), or while the
        // FULLTEXT index is dropped, without the document ids a FULLTEXT index built later needs (it then finds nothing).
        await c.ExecuteAsync(transcripts is null ? "SET SESSION unique_checks = 0, foreign_key_checks = 0" : "SET SESSION foreign_key_checks = 0");
        await WriteTablesAsync(data, (table, columns) => Task.FromResult<RowWriter>(new MySqlRows(c, table, columns, cancellationToken)), cancellationToken, transcripts, categories);
        if (rollupsFrom is not null)
        {
            await using var db = new MySqlDb(connectionString + ";Default Command Timeout=0");
            await new Migrator(db, NullLogger<Migrator>.Instance, TimeProvider.System).MigrateAsync(cancellationToken);
        }
        await c.ExecuteAsync("ANALYZE TABLE agents, recordings, calls, call_hours, call_speakers, agent_days, agent_weeks, call_categories, transcript_chunks");
        await c.ExecuteAsync($"CREATE TABLE {MySqlCompleteMarker} (done BIGINT NOT NULL)");
    }

    public static async Task<bool> MySqlDatabaseLoadedAsync(MariaDbServer server, string database)
    {
        await using var c = new MySqlConnection(server.AdminConnectionString);
        await c.OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @database AND table_name = @table",
            new { database, table = MySqlCompleteMarker }) > 0;
    }

    internal static async Task AdminAsync(PostgresCluster cluster, string sql)
    {
        await using var c = new NpgsqlConnection(cluster.AdminConnectionString);
        await c.OpenAsync();
        await c.ExecuteAsync(sql);
    }

    private static void DeleteSqlite(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) File.Delete(path + suffix);
    }

    private static async Task WriteTablesAsync(CallDataset data, Func<string, string[], Task<RowWriter>> open, CancellationToken cancellationToken,
        Search.TranscriptDataset? transcripts = null, bool categories = false)
    {
        await using (var w = await open("agents", ["id", "name", "display_name"]))
        {
            foreach (var a in data.Agents)
            {
                await w.StartRowAsync();
                await w.WriteAsync(a.Id);
                await w.WriteAsync(a.Name);
                await w.WriteAsync(a.DisplayName);
                await w.EndRowAsync();
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("recordings",
            ["id", "source_key", "version", "size_bytes", "agent_id", "call_ref", "customer_ref", "started_at", "agent_channel", "customer_channel", "discovered_at"]))
        {
            for (var i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var r = data.Row(i);
                await w.StartRowAsync();
                await w.WriteAsync(r.Id);
                await w.WriteAsync(r.SourceKey);
                await w.WriteAsync(r.Version);
                await w.WriteAsync(r.SizeBytes);
                await w.WriteAsync(r.AgentId);
                await w.WriteAsync(r.CallRef);
                await w.WriteAsync(r.CustomerRef);
                await w.WriteAsync(r.StartedAtMs);
                await w.WriteAsync(0L);
                await w.WriteAsync(1L);
                await w.WriteAsync(r.DiscoveredAtMs);
                await w.EndRowAsync();
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("calls",
            ["id", "source_key", "recording_id", "agent_id", "call_ref", "customer_ref", "started_at", "duration_ms", "sentiment", "confidence",
             "positive", "negative", "neutral", "mixed", "dominant_emotion", "channel_count", "sample_rate", "agent_channel", "customer_channel", "analyzed_at",
             "customer_sentiment", "sentiment_change", "silence_ms", "longest_silence_ms", "overlap_ms", "interruptions"]))
        {
            for (var i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var r = data.Row(i);
                await w.StartRowAsync();
                await w.WriteAsync(r.Id);
                await w.WriteAsync(r.SourceKey);
                await w.WriteAsync(r.Id);
                await w.WriteAsync(r.AgentId);
                await w.WriteAsync(r.CallRef);
                await w.WriteAsync(r.CustomerRef);
                await w.WriteAsync(r.StartedAtMs);
                await w.WriteAsync(r.DurationMs);
                await w.WriteAsync(r.Sentiment);
                await w.WriteAsync(r.Confidence);
                await w.WriteAsync(r.Scores.Positive);
                await w.WriteAsync(r.Scores.Negative);
                await w.WriteAsync(r.Scores.Neutral);
                await w.WriteAsync(r.Scores.Mixed);
                await w.WriteAsync(r.DominantEmotion);
                await w.WriteAsync(2L);
                await w.WriteAsync(8000L);
                await w.WriteAsync(0L);
                await w.WriteAsync(1L);
                await w.WriteAsync(r.AnalyzedAtMs);
                var v = r.Conversation;
                await w.WriteAsync(v.CustomerSentiment);
                await w.WriteAsync(v.Change);
                await w.WriteAsync(v.SilenceMs);
                await w.WriteAsync(v.LongestSilenceMs);
                await w.WriteAsync(v.OverlapMs);
                await w.WriteAsync(v.Interruptions);
                await w.EndRowAsync();
            }
            await w.CompleteAsync();
        }
        // After the calls, as the worker writes them: the agent comparison's daily totals add the speakers' talk time.
        await using (var w = await open("call_speakers", ["call_id", "speaker", "role", "channel", "talk_ms", "words", "interruptions"]))
        {
            for (var i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var r = data.Row(i);
                var v = r.Conversation;
                foreach (var (speaker, role, talk, interruptions) in new[] { (0L, "agent", v.AgentTalkMs, v.AgentInterruptions), (1L, "customer", v.CustomerTalkMs, v.CustomerInterruptions) })
                {
                    await w.StartRowAsync();
                    await w.WriteAsync(r.Id);
                    await w.WriteAsync(speaker);
                    await w.WriteAsync(role);
                    await w.WriteAsync(speaker);
                    await w.WriteAsync(talk);
                    await w.WriteAsync(talk / 400);
                    await w.WriteAsync(interruptions);
                    await w.EndRowAsync();
                }
            }
            await w.CompleteAsync();
        }
        if (categories) await WriteCategoriesAsync(data, open, cancellationToken);
        if (transcripts is null) return;
        await using (var w = await open("transcript_chunks", ["call_id", "seq", "speaker", "role", "start_ms", "end_ms", "text", "words"]))
        {
            for (var i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var r = data.Row(i);
                var rng = transcripts.For(r.Id);
                for (var seq = 0; seq < transcripts.ChunksPerCall; seq++)
                {
                    var (role, start, end, text) = transcripts.Chunk(r.DurationMs, seq, rng);
                    await w.StartRowAsync();
                    await w.WriteAsync(r.Id);
                    await w.WriteAsync((long)seq);
                    await w.WriteAsync(role == "agent" ? 0L : 1L);
                    await w.WriteAsync(role);
                    await w.WriteAsync(start);
                    await w.WriteAsync(end);
                    await w.WriteAsync(text);
                    await w.WriteAsync("[]");
                    await w.EndRowAsync();
                }
            }
            await w.CompleteAsync();
        }
    }

    /// <summary>The categories an admin defined (re-tagging done) and the calls' tags, as the analysis writes them (no words matched: no spans).</summary>
    private static async Task WriteCategoriesAsync(CallDataset data, Func<string, string[], Task<RowWriter>> open, CancellationToken cancellationToken)
    {
        var at = data.Count == 0 ? 0 : data.Row(0).StartedAtMs;
        await using (var w = await open("categories", ["id", "name", "rule_text", "alert", "version", "created_by", "created_at", "updated_by", "updated_at"]))
        {
            for (var k = 0; k < CallDataset.Categories.Length; k++)
            {
                await w.StartRowAsync();
                await w.WriteAsync(k + 1L);
                await w.WriteAsync(CallDataset.Categories[k].Name);
                await w.WriteAsync(CallDataset.Categories[k].Rule);
                await w.WriteAsync(0L);
                await w.WriteAsync(1L);
                await w.WriteAsync("bench");
                await w.WriteAsync(at);
                await w.WriteAsync("bench");
                await w.WriteAsync(at);
                await w.EndRowAsync();
            }
            await w.CompleteAsync();
        }
        await using (var w = await open("call_categories", ["call_id", "category_id", "started_at", "agent_id", "spans"]))
        {
            for (var i = 0; i < data.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var r = data.Row(i);
                foreach (var k in data.Tags(i))
                {
                    await w.StartRowAsync();
                    await w.WriteAsync(r.Id);
                    await w.WriteAsync(k + 1L);
                    await w.WriteAsync(r.StartedAtMs);
                    await w.WriteAsync(r.AgentId);
                    await w.WriteAsync((string?)null);
                    await w.EndRowAsync();
                }
            }
            await w.CompleteAsync();
        }
    }

    /// <summary>One table's rows, a column at a time, in the order the columns were named.</summary>
    private abstract class RowWriter : IAsyncDisposable
    {
        public abstract ValueTask StartRowAsync();
        public abstract ValueTask WriteAsync(long value);
        public abstract ValueTask WriteAsync(double value);
        public abstract ValueTask WriteAsync(string? value);
        public abstract ValueTask EndRowAsync();
        public abstract ValueTask CompleteAsync();
        public abstract ValueTask DisposeAsync();
    }

    private sealed class SqliteRows : RowWriter
    {
        private readonly SqliteCommand _insert;
        private readonly CancellationToken _cancellationToken;
        private int _column;

        private SqliteRows(SqliteCommand insert, CancellationToken cancellationToken)
        {
            _insert = insert;
            _cancellationToken = cancellationToken;
        }

        public static async Task<RowWriter> CreateAsync(SqliteConnection c, SqliteTransaction tx, string table, string[] columns, CancellationToken cancellationToken)
        {
            var insert = c.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
            for (var i = 0; i < columns.Length; i++) insert.Parameters.Add(new SqliteParameter($"$p{i}", DBNull.Value));
            await insert.PrepareAsync(cancellationToken);
            return new SqliteRows(insert, cancellationToken);
        }

        public override ValueTask StartRowAsync()
        {
            _column = 0;
            return ValueTask.CompletedTask;
        }

        public override ValueTask WriteAsync(long value) => Set(value);

        public override ValueTask WriteAsync(double value) => Set(value);

        public override ValueTask WriteAsync(string? value) => Set(value is null ? DBNull.Value : value);

        private ValueTask Set(object value)
        {
            _insert.Parameters[_column++].Value = value;
            return ValueTask.CompletedTask;
        }

        public override async ValueTask EndRowAsync() => await _insert.ExecuteNonQueryAsync(_cancellationToken);

        public override ValueTask CompleteAsync() => ValueTask.CompletedTask;

        public override ValueTask DisposeAsync() => _insert.DisposeAsync();
    }

    /// <summary>Rows as literals in multi-row INSERTs of a few thousand rows, one transaction each.</summary>
    private sealed class MySqlRows(MySqlConnection c, string table, string[] columns, CancellationToken cancellationToken) : RowWriter
    {
        private const int RowsPerInsert = 2000;
        private readonly System.Text.StringBuilder _sql = new();
        private int _rows;
        private int _column;

        public override ValueTask StartRowAsync()
        {
            if (_rows == 0) _sql.Append("INSERT INTO ").Append(table).Append(" (").AppendJoin(", ", columns).Append(") VALUES ");
            else _sql.Append(", ");
            _sql.Append('(');
            _column = 0;
            return ValueTask.CompletedTask;
        }

        private void Separate()
        {
            if (_column++ > 0) _sql.Append(", ");
        }

        public override ValueTask WriteAsync(long value)
        {
            Separate();
            _sql.Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return ValueTask.CompletedTask;
        }

        public override ValueTask WriteAsync(double value)
        {
            Separate();
            _sql.Append(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            return ValueTask.CompletedTask;
        }

        public override ValueTask WriteAsync(string? value)
        {
            Separate();
            if (value is null) _sql.Append("NULL");
            else _sql.Append('\'').Append(MySqlHelper.EscapeString(value)).Append('\'');
            return ValueTask.CompletedTask;
        }

        public override async ValueTask EndRowAsync()
        {
            _sql.Append(')');
            if (++_rows == RowsPerInsert) await FlushAsync();
        }

        private async Task FlushAsync()
        {
            if (_rows == 0) return;
            await using var insert = new MySqlCommand(_sql.ToString(), c);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            _sql.Clear();
            _rows = 0;
        }

        public override async ValueTask CompleteAsync() => await FlushAsync();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class PostgresRows(NpgsqlBinaryImporter copy, CancellationToken cancellationToken) : RowWriter
    {
        public static async Task<RowWriter> CreateAsync(NpgsqlConnection c, string table, string[] columns, CancellationToken cancellationToken) =>
            new PostgresRows(await c.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken), cancellationToken);

        public override ValueTask StartRowAsync() => new(copy.StartRowAsync(cancellationToken));

        public override ValueTask WriteAsync(long value) => new(copy.WriteAsync(value, NpgsqlDbType.Bigint, cancellationToken));

        public override ValueTask WriteAsync(double value) => new(copy.WriteAsync(value, NpgsqlDbType.Double, cancellationToken));

        public override ValueTask WriteAsync(string? value) =>
            new(value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken));

        public override ValueTask EndRowAsync() => ValueTask.CompletedTask;

        public override async ValueTask CompleteAsync() => await copy.CompleteAsync(cancellationToken);

        public override ValueTask DisposeAsync() => copy.DisposeAsync();
    }
}
