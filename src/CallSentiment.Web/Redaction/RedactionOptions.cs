using System.ComponentModel.DataAnnotations;
using CallSentiment.Analysis.Redaction;

namespace CallSentiment.Web.Redaction;

/// <summary>
/// PII redaction (section <c>Redaction</c>): which kinds of personal data leave transcripts before anything is stored,
/// whether a copy of the recording with a tone over them is made (and then played instead of the original), and
/// whether the original is kept.
/// </summary>
public sealed class RedactionOptions : IValidatableObject
{
    public const string Section = "Redaction";

    /// <summary>Redact transcripts (on by default: card numbers never reach the database or Comprehend).</summary>
    public bool Enabled { get; set; } = true;

    public bool Card { get; set; } = true;

    public bool Account { get; set; } = true;

    public bool SortCode { get; set; } = true;

    public bool Phone { get; set; } = true;

    public bool Email { get; set; } = true;

    public bool NiNumber { get; set; } = true;

    public bool Ssn { get; set; } = true;

    public bool DateOfBirth { get; set; } = true;

    /// <summary>Write a copy of each recording with redactions, a 1 kHz tone over them; the call page plays it instead of the original.</summary>
    public bool Audio { get; set; }

    /// <summary>Keep the original recording beside the redacted copy; false deletes it once the copy and the analysis are stored.</summary>
    public bool KeepOriginal { get; set; } = true;

    /// <summary>With Transcription:Engine=Aws, ask Amazon Transcribe to redact the types it knows as well (the app's own pass still runs after it).</summary>
    public bool AmazonTranscribe { get; set; } = true;

    /// <summary>The enabled types (none when <see cref="Enabled"/> is false).</summary>
    public IReadOnlyList<PiiType> Types => !Enabled ? [] : PiiTypes.All.Where(t => t switch
    {
        PiiType.Card => Card,
        PiiType.Account => Account,
        PiiType.SortCode => SortCode,
        PiiType.Phone => Phone,
        PiiType.Email => Email,
        PiiType.NiNumber => NiNumber,
        PiiType.Ssn => Ssn,
        PiiType.DateOfBirth => DateOfBirth,
        _ => false,
    }).ToList();

    /// <summary>The PiiEntityType values to ask Amazon Transcribe to redact (empty when it should not).</summary>
    public IReadOnlyList<string> TranscribeEntityTypes => AmazonTranscribe ? Types.SelectMany(PiiTypes.TranscribeEntityTypes).ToList() : [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && Types.Count == 0)
            yield return new ValidationResult("Redaction: every type is switched off; set Redaction:Enabled=false to switch redaction off", [nameof(Enabled)]);
        if (Audio && !Enabled)
            yield return new ValidationResult("Redaction:Audio needs Redaction:Enabled=true: the tone goes where the transcript was redacted", [nameof(Audio)]);
        if (!KeepOriginal && !Audio)
            yield return new ValidationResult("Redaction:KeepOriginal=false deletes recordings with personal data in them; it needs Redaction:Audio=true so a redacted copy remains to play",
                [nameof(KeepOriginal)]);
    }
}
