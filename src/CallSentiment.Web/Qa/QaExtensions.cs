namespace CallSentiment.Web.Qa;

public static class QaExtensions
{
    /// <summary>The service-recovery queue and, when Webhook:Url is set, the webhook outbox sender.</summary>
    public static IHostApplicationBuilder AddQa(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QaQueue>();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{WebhookOptions.Section}:{nameof(WebhookOptions.Url)}"]))
            builder.Services.AddHostedService<WebhookSender>();
        return builder;
    }
}
