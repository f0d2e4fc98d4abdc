using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.IsSqlite || o.IsPostgres || o.IsMySql, "Storage:Provider must be Sqlite, Postgres or MySql")
            .Validate(o => !o.IsMySql || MySqlDb.CheckConnectionString(o.ConnectionString) is null,
                "Storage:ConnectionString for MySql must be a MySqlConnector connection string naming a Database, with DateTimeKind=Utc")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => Db.Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return builder;
    }
}

/// <summary>Brings the schema up to date before anything else starts (hosted services start in order).</summary>
internal sealed class MigrationHostedService(Migrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
