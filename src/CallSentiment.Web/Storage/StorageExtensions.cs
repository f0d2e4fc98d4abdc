using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.IsSqlite || o.IsPostgres, "Storage:Provider must be Sqlite or Postgres")
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
