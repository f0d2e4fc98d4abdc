using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (default, a file) or <c>Postgres</c>.</summary>
    [Required]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>For SQLite a <c>Data Source=…</c> string, for PostgreSQL an Npgsql connection string.</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/callsentiment.db";

    public bool IsPostgres => string.Equals(Provider, "Postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    public bool IsSqlite => string.Equals(Provider, "Sqlite", StringComparison.OrdinalIgnoreCase);
}
