using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Qa;

/// <summary>Optional webhook: a signed JSON POST for each call that enters the service-recovery queue.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhook";

    /// <summary>Where to POST; empty: no webhook.</summary>
    public string? Url { get; set; }

    /// <summary>Shared secret for the HMAC-SHA256 signature (at least 16 characters).</summary>
    public string? Secret { get; set; }

    /// <summary>Attempts per event before it is marked failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay before the first retry; it doubles (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one POST may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the outbox is checked for due events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The dashboard's address as people reach it (e.g. https://calls.example.com), for links in events.</summary>
    public string? PublicBaseUrl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled) yield break;
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp))
            yield return new ValidationResult($"Webhook:Url '{Url}' is not an http(s) URL", [nameof(Url)]);
        if (Secret is null || Secret.Length < 16)
            yield return new ValidationResult("Webhook:Secret must have at least 16 characters when Webhook:Url is set", [nameof(Secret)]);
        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay)
            yield return new ValidationResult("Webhook:RetryDelay must be positive and at most Webhook:MaxRetryDelay", [nameof(RetryDelay)]);
        if (Timeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero)
            yield return new ValidationResult("Webhook:Timeout and Webhook:PollInterval must be positive", [nameof(Timeout)]);
        if (PublicBaseUrl is { Length: > 0 } b && !Uri.TryCreate(b, UriKind.Absolute, out _))
            yield return new ValidationResult($"Webhook:PublicBaseUrl '{b}' is not an absolute URL", [nameof(PublicBaseUrl)]);
    }
}
