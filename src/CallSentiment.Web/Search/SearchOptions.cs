using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Search;

public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>
    /// How many of the filter's newest calls a search reads and matches itself before it asks the full-text index
    /// (common words are found among the newest calls; rare ones come from the index). Measured on 1,000,000 calls.
    /// </summary>
    [Range(100, 100_000)]
    public int ScanCalls { get; set; } = 2000;

    [Range(5, 200)]
    public int PageSize { get; set; } = 25;

    /// <summary>The last page a search may ask for (each page reads the ones before it).</summary>
    [Range(1, 1000)]
    public int MaxPage { get; set; } = 40;
}

public static class SearchExtensions
{
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TranscriptSearch>();
        return builder;
    }
}
