using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Observability;

/// <summary>
/// The Prometheus scrape endpoint for ops. Off unless <see cref="MetricsToken"/> is set: then <see cref="MetricsPath"/>
/// answers only requests that carry <c>Authorization: Bearer &lt;token&gt;</c> (401 otherwise).
/// </summary>
public sealed class ObservabilityOptions : IValidatableObject
{
    public const string Section = "Observability";

    public const int MinTokenLength = 32;

    /// <summary>The scrapers' shared secret (32+ characters); empty: no endpoint (404).</summary>
    public string? MetricsToken { get; set; }

    /// <summary>Where Prometheus scrapes.</summary>
    public string MetricsPath { get; set; } = "/metrics";

    public bool Enabled => !string.IsNullOrEmpty(MetricsToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled) yield break;
        if (MetricsToken!.Length < MinTokenLength || MetricsToken.Any(char.IsWhiteSpace))
            yield return new ValidationResult($"Observability:MetricsToken must have at least {MinTokenLength} characters and no spaces (e.g. openssl rand -hex 32)", [nameof(MetricsToken)]);
        if (!MetricsPath.StartsWith('/') || MetricsPath.Length < 2 || MetricsPath.StartsWith("/api", StringComparison.OrdinalIgnoreCase) || MetricsPath.StartsWith("/health", StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"Observability:MetricsPath '{MetricsPath}' must be a path of its own, such as /metrics (not under /api or /health)", [nameof(MetricsPath)]);
    }
}
