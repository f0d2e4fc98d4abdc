using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Recordings;

public sealed class RecordingSourceOptions
{
    public const string Section = "Recordings";

    /// <summary><c>Folder</c> (default) or <c>S3</c>.</summary>
    [Required]
    public string Kind { get; set; } = "Folder";

    /// <summary>Root folder of recordings when <see cref="Kind"/> is Folder; relative paths are from the working directory.</summary>
    public string Folder { get; set; } = "data/recordings";

    [Required]
    public string KeyPattern { get; set; } = "{agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.{ext}";

    /// <summary>IANA zone of the local times in keys and sidecars without an offset.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    [Range(0, 31)]
    public int AgentChannel { get; set; }

    [Range(0, 31)]
    public int CustomerChannel { get; set; } = 1;

    public S3SourceOptions S3 { get; set; } = new();

    public bool IsS3 => string.Equals(Kind, "S3", StringComparison.OrdinalIgnoreCase);

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

public sealed class S3SourceOptions
{
    public string? Bucket { get; set; }

    /// <summary>Prefix inside the bucket under which keys follow the pattern (e.g. <c>calls/</c>).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Endpoint of an S3-compatible service (MinIO, …); empty for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string? Region { get; set; }

    /// <summary>Path-style addressing (bucket in the path), as MinIO and most S3-compatible servers need.</summary>
    public bool ForcePathStyle { get; set; }
}

internal sealed class RecordingSourceOptionsValidator : IValidateOptions<RecordingSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, RecordingSourceOptions o)
    {
        var errors = new List<string>();
        if (!o.IsS3 && !string.Equals(o.Kind, "Folder", StringComparison.OrdinalIgnoreCase))
            errors.Add($"Recordings:Kind must be Folder or S3, not '{o.Kind}'");
        if (!Recordings.KeyPattern.TryCreate(o.KeyPattern, out _, out var patternError))
            errors.Add($"Recordings:KeyPattern: {patternError}");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _))
            errors.Add($"Recordings:TimeZone '{o.TimeZone}' is not a known time zone");
        if (o.AgentChannel == o.CustomerChannel)
            errors.Add("Recordings:AgentChannel and Recordings:CustomerChannel must differ");
        if (o.IsS3)
        {
            if (string.IsNullOrWhiteSpace(o.S3.Bucket)) errors.Add("Recordings:S3:Bucket is required when Recordings:Kind is S3");
            if (o.S3.ServiceUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
                errors.Add($"Recordings:S3:ServiceUrl '{url}' is not an absolute URL");
            if (o.S3.Prefix.Length > 0 && !o.S3.Prefix.EndsWith('/')) errors.Add("Recordings:S3:Prefix must end with '/'");
        }
        else if (string.IsNullOrWhiteSpace(o.Folder))
        {
            errors.Add("Recordings:Folder is required when Recordings:Kind is Folder");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
