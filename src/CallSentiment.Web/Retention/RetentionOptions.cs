using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Retention;

/// <summary>How long personal data is kept, counted from the call's start. Empty: kept until deleted by hand.</summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>Delete the recording (audio) after this many days; the analysis, transcript and scores stay.</summary>
    [Range(1, 36500)]
    public int? RecordingDays { get; set; }

    /// <summary>Delete the transcript's words after this many days; the scores stay.</summary>
    [Range(1, 36500)]
    public int? TranscriptDays { get; set; }

    /// <summary>Delete the call and everything derived from it (and its recording) after this many days.</summary>
    [Range(1, 36500)]
    public int? CallDays { get; set; }

    /// <summary>How often the retention rules run.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval < TimeSpan.FromSeconds(1))
            yield return new ValidationResult("Retention:Interval must be at least a second", [nameof(Interval)]);
    }
}
