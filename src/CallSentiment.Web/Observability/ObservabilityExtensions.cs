using System.Security.Cryptography;
using System.Text;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Qa;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace CallSentiment.Web.Observability;

/// <summary>
/// OpenTelemetry metrics exported for Prometheus: the app's own meters (ingestion, webhook) and ASP.NET Core's request
/// metrics, scraped from <see cref="ObservabilityOptions.MetricsPath"/> with a bearer token. The instruments live beside
/// the features that record them (<see cref="IngestionTelemetry"/>, <see cref="WebhookTelemetry"/>).
/// </summary>
public static class ObservabilityExtensions
{
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (string.IsNullOrEmpty(builder.Configuration[$"{ObservabilityOptions.Section}:{nameof(ObservabilityOptions.MetricsToken)}"])) return builder;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(IngestionTelemetry.MeterName, WebhookTelemetry.MeterName, "Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Maps the scrape endpoint when a token is configured; anonymous or wrong-token requests get 401.</summary>
    public static IEndpointRouteBuilder MapMetricsScrape(this IEndpointRouteBuilder app)
    {
        var o = app.ServiceProvider.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        if (!o.Enabled) return app;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(o.MetricsToken!));
        app.MapPrometheusScrapingEndpoint(o.MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (!HasToken(context.Request, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            // The queue gauges report what was read here, just before the exporter collects them.
            var services = context.RequestServices;
            await services.GetRequiredService<IngestionTelemetry>().RefreshQueueAsync(context.RequestAborted).ConfigureAwait(false);
            await services.GetRequiredService<WebhookTelemetry>().RefreshOutboxAsync(context.RequestAborted).ConfigureAwait(false);
            await next(context).ConfigureAwait(false);
        }), optionsName: null).AllowAnonymous(); // the fallback policy wants a signed-in person; the token is checked above
        return app;
    }

    /// <summary>Compares hashes in constant time, so the answer's timing says nothing about the token.</summary>
    private static bool HasToken(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
