using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Categories;

/// <summary>Categories: how the re-tagging job over past calls runs, and how many calls a rule may be tried on.</summary>
public sealed class CategoryOptions
{
    public const string Section = "Categories";

    /// <summary>Run the re-tagging job in this instance (any instance may; a lease keeps it to one at a time).</summary>
    public bool RetagEnabled { get; set; } = true;

    /// <summary>Calls read, evaluated and written per transaction by the re-tagging job (also its progress step).</summary>
    [Range(10, 10_000)]
    public int RetagBatchSize { get; set; } = 1000;

    /// <summary>How often the job looks for a category to re-tag when there is none.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A re-tagging run is this instance's for this long, renewed with every batch; a dead instance's run resumes after it.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most recent calls a rule may be tried on before it is saved.</summary>
    [Range(1, 100_000)]
    public int MaxTryCalls { get; set; } = 2000;
}
