using System.Globalization;
using CallSentiment.Web.Metrics;

namespace CallSentiment.Web.Calls;

/// <summary>
/// The dashboard's filter as it appears in the URL (so a view can be shared): dates and times in the dashboard's
/// zone, end inclusive to the minute. Parsing collects every problem as a message for the form.
/// </summary>
public sealed record DashboardFilterInput(string? Agent, string? From, string? FromTime, string? To, string? ToTime);

public sealed record ResolvedRange(DateTimeOffset FromUtc, DateTimeOffset ToUtc, DateOnly FromDate, TimeOnly FromTime, DateOnly ToDate, TimeOnly ToTime);

public static class DashboardFilter
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd"];
    private static readonly string[] TimeFormats = ["HH:mm", "HH:mm:ss", "H:mm"];

    public static ResolvedRange? Resolve(DashboardFilterInput input, TimeZoneInfo zone, DateTimeOffset now, int defaultWeeks, int maxRangeDays,
        ICollection<(string Field, string Message)> errors)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var thisMonday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var fromDate = ParseDate(input.From, "from", "Begin date", errors) ?? thisMonday.AddDays(-7 * (defaultWeeks - 1));
        var toDate = ParseDate(input.To, "to", "End date", errors) ?? today;
        var fromTime = ParseTime(input.FromTime, "fromTime", "Begin time", errors) ?? TimeOnly.MinValue;
        var toTime = ParseTime(input.ToTime, "toTime", "End time", errors) ?? new TimeOnly(23, 59);
        if (errors.Count > 0) return null;
        var fromUtc = WeekBuckets.LocalToUtc(fromDate.ToDateTime(fromTime), zone);
        // The end minute is included: the range is [begin, end + 1 minute).
        var toUtc = WeekBuckets.LocalToUtc(toDate.ToDateTime(toTime), zone).AddMinutes(1);
        if (toUtc <= fromUtc) errors.Add(("to", "The end must be after the begin."));
        else if ((toUtc - fromUtc).TotalDays > maxRangeDays) errors.Add(("to", $"The range may cover at most {maxRangeDays} days."));
        return errors.Count > 0 ? null : new ResolvedRange(fromUtc, toUtc, fromDate, fromTime, toDate, toTime);
    }

    private static DateOnly? ParseDate(string? text, string field, string name, ICollection<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year >= 1970 && d.Year <= 9000) return d;
        errors.Add((field, $"{name} '{text}' is not a date (yyyy-mm-dd)."));
        return null;
    }

    private static TimeOnly? ParseTime(string? text, string field, string name, ICollection<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (TimeOnly.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) return t;
        errors.Add((field, $"{name} '{text}' is not a time of day (hh:mm)."));
        return null;
    }
}
