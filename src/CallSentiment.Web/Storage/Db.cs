using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace CallSentiment.Web.Storage;

public enum DbProvider { Sqlite, Postgres, MySql }

/// <summary>
/// The database seam: SQLite (embedded default), PostgreSQL or MySQL/MariaDB. All run the same SQL except where a
/// dialect differs, and those places switch on <see cref="Provider"/> with the versions side by side.
/// </summary>
public abstract class Db : IAsyncDisposable
{
    public abstract DbProvider Provider { get; }

    public bool IsPostgres => Provider == DbProvider.Postgres;

    public bool IsMySql => Provider == DbProvider.MySql;

    public abstract string Description { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static Db Create(StorageOptions options) =>
        options.IsPostgres ? new PostgresDb(options.ConnectionString)
        : options.IsMySql ? new MySqlDb(options.ConnectionString)
        : new SqliteDb(options.ConnectionString);
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

    public override DbProvider Provider => DbProvider.Sqlite;

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

    public override DbProvider Provider => DbProvider.Postgres;

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

/// <summary>
/// MySQL 8.0+ or MariaDB 10.6+ through MySqlConnector. Times are stored as Unix milliseconds like everywhere else;
/// <c>DateTimeKind=Utc</c> is required (<see cref="StorageOptions"/>) so any date the server hands back is UTC too.
/// </summary>
public sealed class MySqlDb(string connectionString) : Db
{
    private readonly MySqlDataSource _dataSource = new(connectionString);

    public override DbProvider Provider => DbProvider.MySql;

    public override string Description
    {
        get
        {
            var b = new MySqlConnectionStringBuilder(connectionString);
            return $"MySQL {b.Server}:{b.Port}/{b.Database}";
        }
    }

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Null when the connection string is usable, else why not (names the setting).</summary>
    public static string? CheckConnectionString(string connectionString)
    {
        MySqlConnectionStringBuilder b;
        try
        {
            b = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            return $"Storage:ConnectionString is not a MySQL connection string: {e.Message}";
        }
        if (b.DateTimeKind != MySqlDateTimeKind.Utc)
            return "Storage:ConnectionString for MySql must include DateTimeKind=Utc (the app stores and reads UTC only)";
        return string.IsNullOrEmpty(b.Database) ? "Storage:ConnectionString for MySql must name a Database" : null;
    }
}
