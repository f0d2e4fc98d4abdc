using System.ComponentModel.DataAnnotations;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Web.Ingestion;

public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Run the discovery and analysis workers in this instance (a dashboard-only instance sets false).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the source is listed for new recordings.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Polls list today's and this many earlier days' prefixes per agent; a full listing runs every <see cref="FullScanInterval"/>.</summary>
    [Range(0, 60)]
    public int LookbackDays { get; set; } = 1;

    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan FullScanInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A local file must be unchanged this long before it is queued (it may still be being copied).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Recordings analysed at once by this instance; 0 means one per CPU core.</summary>
    [Range(0, 256)]
    public int Concurrency { get; set; }

    /// <summary>A claimed job is the instance's for this long, renewed while it works; a dead instance's jobs return after it.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay; it doubles each attempt (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Name of this instance in leases and the status page; defaults to host name and process id.</summary>
    public string? InstanceName { get; set; }

    /// <summary>Longer recordings are refused from their header (WAV/RF64) or ffprobe's duration, before decoding.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "04:00:00")]
    public TimeSpan MaxRecordingDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Recordings with more channels are refused from their header, before decoding.</summary>
    [Range(1, 64)]
    public int MaxChannels { get; set; } = 16;

    public AudioLimits Limits => new(MaxRecordingDuration, MaxChannels);

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;

    public string Instance => InstanceName ?? $"{Environment.MachineName}:{Environment.ProcessId}";
}
