using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Health;

public static class HealthExtensions
{
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<WorkerHealthCheck>("worker", tags: ["ready"]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
                }).ConfigureAwait(false);
            },
        }).AllowAnonymous();
        return app;
    }
}

internal sealed class DatabaseHealthCheck(Db db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
            var version = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_migrations", cancellationToken: cancellationToken)).ConfigureAwait(false);
            return version > 0 ? HealthCheckResult.Healthy($"{db.Description}, {version} migrations") : HealthCheckResult.Unhealthy($"{db.Description}: schema not migrated yet");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"{db.Description}: {e.Message}");
        }
    }
}

/// <summary>Ready only while this instance's worker beats (when it runs one); a stuck worker makes the instance unready.</summary>
internal sealed class WorkerHealthCheck(IngestionSignal signal, IOptions<IngestionOptions> options, TimeProvider clock) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled) return Task.FromResult(HealthCheckResult.Healthy("ingestion disabled in this instance"));
        var beat = signal.LastWorkerBeat;
        var age = beat is { } b ? clock.GetUtcNow() - b : (TimeSpan?)null;
        return Task.FromResult(age is { TotalSeconds: < 30 }
            ? HealthCheckResult.Healthy($"last heartbeat {age.Value.TotalSeconds:0} s ago")
            : HealthCheckResult.Unhealthy(beat is null ? "the worker has not started" : $"last heartbeat {age!.Value.TotalSeconds:0} s ago"));
    }
}
