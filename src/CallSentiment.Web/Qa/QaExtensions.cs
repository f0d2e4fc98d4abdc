using CallSentiment.Web.Access;

namespace CallSentiment.Web.Qa;

public static class QaExtensions
{
    /// <summary>The service-recovery queue and, when Webhook:Url is set, the webhook outbox sender.</summary>
    public static IHostApplicationBuilder AddQa(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QaQueue>();
        builder.Services.AddSingleton<VerdictLabels>();
        builder.Services.AddSingleton<WebhookTelemetry>();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{WebhookOptions.Section}:{nameof(WebhookOptions.Url)}"]))
            builder.Services.AddHostedService<WebhookSender>();
        return builder;
    }

    /// <summary>/qa/labels.csv: the QA corrections as an evaluate-calls manifest (for callsentiment calibrate).</summary>
    public static IEndpointRouteBuilder MapQaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/qa/labels.csv", async (HttpContext http, VerdictLabels labels, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
        {
            var csv = await labels.ExportCsvAsync(ct).ConfigureAwait(false);
            await audit.WriteAsync(http, AuditLog.Actions.QaExport, "qa:labels").ConfigureAwait(false);
            var name = $"callsentiment-labels-{clock.GetUtcNow():yyyyMMdd}.csv";
            return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", name);
        }).RequireAuthorization(Policies.Qa);
        return app;
    }
}
