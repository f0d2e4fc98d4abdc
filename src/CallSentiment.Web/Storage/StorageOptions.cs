using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (default, a file), <c>Postgres</c> or <c>MySql</c> (MySQL 8.0+ or MariaDB 10.6+).</summary>
    [Required]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>
    /// For SQLite a <c>Data Source=…</c> string, for PostgreSQL an Npgsql connection string, for MySQL a MySqlConnector
    /// connection string with <c>DateTimeKind=Utc</c>.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/callsentiment.db";

    public bool IsPostgres => string.Equals(Provider, "Postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    public bool IsMySql => string.Equals(Provider, "MySql", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "MariaDB", StringComparison.OrdinalIgnoreCase);

    public bool IsSqlite => string.Equals(Provider, "Sqlite", StringComparison.OrdinalIgnoreCase);
}
