using System.Data;
using System.Data.Common;
using Dapper;
using MySqlConnector;

namespace CallSentiment.Web.Storage;

/// <summary>
/// Applies the numbered SQL files embedded under Storage/Migrations/{sqlite|postgres|mysql}/ that the database has
/// not seen, each in its own transaction, at start. Several instances starting together serialise on a lock
/// (PostgreSQL advisory lock; MySQL GET_LOCK; SQLite's write lock), so each migration runs once. MySQL commits
/// implicitly after each DDL statement, so a MySQL migration is not atomic: keep each file's statements few and
/// simple, and a failure names the file to finish by hand.
/// </summary>
public sealed partial class Migrator(Db db, ILogger<Migrator> logger, TimeProvider clock)
{
    private const long AdvisoryLockKey = 0x43616C6C53656E; // "CallSen"

    private const string MySqlLockName = "callsentiment_migrations";

    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations(DbProvider provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var folder = provider switch
        {
            DbProvider.Postgres => ".postgres.",
            DbProvider.MySql => ".mysql.",
            _ => ".sqlite.",
        };
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Storage.Migrations" + folder, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                // Resource names prefix a leading digit with '_': "_0001_initial.sql".
                var file = n[(n.IndexOf(folder, StringComparison.Ordinal) + folder.Length)..].TrimStart('_');
                var version = int.Parse(file.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (version, file, reader.ReadToEnd());
            })
            .OrderBy(m => m.version)
            .ToList();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // The database may still be starting (docker compose): retry connecting for a while before giving up.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateOnceAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DbException e) when (attempt < 15 && IsTransient(e))
            {
                LogWaiting(logger, db.Description, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(DbException e) => e switch
    {
        Npgsql.NpgsqlException n => n.IsTransient || n.InnerException is System.Net.Sockets.SocketException,
        MySqlException m => m.IsTransient || m.ErrorCode == MySqlErrorCode.UnableToConnectToHost,
        _ => false,
    };

    private async Task MigrateOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (db.IsPostgres)
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // GET_LOCK waits at most its timeout (seconds) and answers 0 then: another instance is still migrating.
        if (db.IsMySql && await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT GET_LOCK(@name, 300)", new { name = MySqlLockName },
                cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
            throw new InvalidOperationException($"Another instance held the migration lock on {db.Description} for 5 minutes");
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var (version, name, sql) in Migrations(db.Provider))
            {
                await using var tx = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
                var applied = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (applied > 0) continue;
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @now)",
                    new { version, name, now = clock.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogApplied(logger, name, db.Description);
            }
        }
        finally
        {
            if (db.IsPostgres)
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
            if (db.IsMySql)
                await connection.ExecuteAsync(new CommandDefinition("SELECT RELEASE_LOCK(@name)", new { name = MySqlLockName }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A write transaction. Microsoft.Data.Sqlite's default is BEGIN IMMEDIATE (the write lock at once), so
    /// read-then-write inside it is safe across processes sharing the file. MySQL's default (REPEATABLE READ) takes
    /// gap locks that make concurrent inserts deadlock; READ COMMITTED behaves as PostgreSQL's default does.
    /// </summary>
    public static ValueTask<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is MySqlConnection
            ? connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken)
            : connection.BeginTransactionAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Name} to {Database}")]
    private static partial void LogApplied(ILogger logger, string name, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for {Database} (attempt {Attempt}): {Error}")]
    private static partial void LogWaiting(ILogger logger, string database, int attempt, string error);
}
