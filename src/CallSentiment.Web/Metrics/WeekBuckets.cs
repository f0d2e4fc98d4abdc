using System.Globalization;

namespace CallSentiment.Web.Metrics;

/// <summary>One ISO week (Monday 00:00 to the next Monday 00:00 in the dashboard's time zone), clipped to a range.</summary>
public sealed record WeekBucket(int IsoYear, int IsoWeek, DateTimeOffset StartUtc, DateTimeOffset EndUtc)
{
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{IsoYear}-W{IsoWeek:00}");
}

public static class WeekBuckets
{
    /// <summary>
    /// The ISO weeks covering [from, to) in <paramref name="zone"/>, each clipped to the range, in order. Week
    /// boundaries are local midnights, so a week across a DST change is 167 or 169 hours long.
    /// </summary>
    public static IReadOnlyList<WeekBucket> Between(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var result = new List<WeekBucket>();
        if (to <= from) return result;
        var localFrom = TimeZoneInfo.ConvertTime(from, zone).DateTime;
        var monday = DateOnly.FromDateTime(localFrom).AddDays(-(((int)localFrom.DayOfWeek + 6) % 7));
        while (true)
        {
            var start = LocalMidnightToUtc(monday, zone);
            if (start >= to) break;
            var next = monday.AddDays(7);
            var end = LocalMidnightToUtc(next, zone);
            var thursday = monday.AddDays(3).ToDateTime(TimeOnly.MinValue);
            result.Add(new WeekBucket(
                ISOWeek.GetYear(thursday), ISOWeek.GetWeekOfYear(thursday),
                start < from ? from : start, end > to ? to : end));
            monday = next;
        }
        return result;
    }

    /// <summary>The instant a local day begins; in a gap (clocks jump over midnight) the first valid local time.</summary>
    public static DateTimeOffset LocalMidnightToUtc(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>Local wall-clock time → instant; the earlier instant when ambiguous, shifted forward when in a gap.</summary>
    public static DateTimeOffset LocalToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
