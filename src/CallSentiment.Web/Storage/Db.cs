using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CallSentiment.Web.Storage;

/// <summary>
/// The database seam: SQLite (embedded default) or PostgreSQL. Both run the same SQL except where a dialect
/// differs, and those places ask <see cref="IsPostgres"/> with both versions side by side.
/// </summary>
public abstract class Db : IAsyncDisposable
{
    public abstract bool IsPostgres { get; }

    public abstract string Description { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static Db Create(StorageOptions options) =>
        options.IsPostgres ? new PostgresDb(options.ConnectionString) : new SqliteDb(options.ConnectionString);
}

public sealed class SqliteDb : Db
{
    private readonly string _connectionString;

    public SqliteDb(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true, ForeignKeys = true };
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
            Directory.CreateDirectory(dir);
        // Writers wait for each other (several worker threads or processes share the file) instead of failing.
        if (builder.DefaultTimeout < 30) builder.DefaultTimeout = 30;
        _connectionString = builder.ToString();
        Description = $"SQLite {builder.DataSource}";
    }

    public override bool IsPostgres => false;

    public override string Description { get; }

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // WAL: readers (the dashboard) never wait for the writer (the worker). busy_timeout covers BEGIN IMMEDIATE races.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresDb(string connectionString) : Db
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override bool IsPostgres => true;

    public override string Description
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL {b.Host}:{b.Port}/{b.Database}";
        }
    }

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
