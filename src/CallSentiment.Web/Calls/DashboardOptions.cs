using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Calls;

public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>IANA zone in which the filter's dates are read, times are shown and ISO weeks begin.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    [Range(5, 500)]
    public int PageSize { get; set; } = 25;

    /// <summary>Weeks shown when the filter gives no dates.</summary>
    [Range(1, 520)]
    public int DefaultWeeks { get; set; } = 12;

    /// <summary>Longest range one view may cover (bounds the work of one request).</summary>
    [Range(1, 3660)]
    public int MaxRangeDays { get; set; } = 800;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

public static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Dashboard:TimeZone is not a known time zone")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallQueries>();
        builder.Services.AddSingleton<CallDetails>();
        builder.Services.AddSingleton<Ingestion.StatusQueries>();
        return builder;
    }
}
