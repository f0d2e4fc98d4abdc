using System.ComponentModel.DataAnnotations;
using System.Globalization;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Metrics;

namespace CallSentiment.Web.Agents;

public sealed class AgentComparisonOptions
{
    public const string Section = "Agents";

    /// <summary>Employees with fewer calls in the period are listed but not ranked or flagged: too few to judge.</summary>
    [Range(1, 100_000)]
    public int MinCalls { get; set; } = 10;
}

/// <summary>Where an employee stands on one figure: its value, its rank (1 = best) among the ranked, and whether it is a coaching point.</summary>
public sealed record MetricStanding(double? Value, int? Rank, int Ranked, bool Weak);

/// <summary>The team's spread of one figure over the ranked employees (each employee counts once).</summary>
public sealed record TeamSpread(double? Min, double? P25, double? Median, double? P75, double? Max, IReadOnlyList<double> Values);

/// <summary>
/// One employee in the comparison: totals, standing per figure, coaching points. <see cref="Weeks"/> holds the weeks that
/// were read for them (see <see cref="AgentWeeks"/>): all of the period's weeks, or none.
/// </summary>
public sealed record AgentStanding(AgentRow Agent, AgentSums Total, IReadOnlyList<AgentSums> Weeks, IReadOnlyDictionary<string, MetricStanding> Metrics,
    IReadOnlyList<AgentMetric> CoachOn, bool Ranked);

/// <summary>
/// The category a comparison counts (its column's title is the category's name), and which way: to avoid, a high share
/// is a coaching point; to encourage, a low one.
/// </summary>
public sealed record AgentCategory(long Id, string Name, CategoryPolarity Polarity = CategoryPolarity.Avoid);

/// <summary>
/// The period's comparison: every employee with calls, their totals and weeks, their standing on each figure against
/// the team, and the coaching points — figures on which they are in the team's weakest quarter and worse than the median.
/// </summary>
public sealed record AgentComparison(ResolvedRange Range, IReadOnlyList<WeekBucket> Weeks, IReadOnlyList<AgentStanding> Agents,
    IReadOnlyDictionary<string, TeamSpread> Team, AgentSums TeamTotal, IReadOnlyList<AgentSums> TeamWeeks, int MinCalls, AgentCategory? Category)
{
    /// <summary>The figures compared: every one of <see cref="AgentMetric.All"/>, the category's only when one was chosen.</summary>
    public IReadOnlyList<AgentMetric> Metrics { get; } = MetricsFor(Category);

    public static IReadOnlyList<AgentMetric> MetricsFor(AgentCategory? category) => category is null
        ? AgentMetric.All.Where(m => m.Key != AgentMetric.CategoryKey).ToList()
        : AgentMetric.All.Select(m => m.Key == AgentMetric.CategoryKey ? AgentMetric.ForCategory(category.Polarity) : m).ToList();

    /// <summary>The compared figure with this key (the category's the way its polarity says), or null.</summary>
    public AgentMetric? Metric(string key) => Metrics.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.Ordinal));

    /// <summary>A figure's column title: the category's name for the category's column.</summary>
    public string Title(AgentMetric metric) => metric.Key == AgentMetric.CategoryKey && Category is { } c ? c.Name : metric.Title;

    /// <summary>A figure as a coaching point: the category's name says which way it is off ("Offered a callback (too rarely)").</summary>
    public string CoachTitle(AgentMetric metric) => metric.Key == AgentMetric.CategoryKey && Category is { } c
        ? $"{c.Name} ({(c.Polarity == CategoryPolarity.Encourage ? "too rarely" : "too often")})"
        : metric.Title;

    /// <summary>
    /// From the database's sums: per employee over the period (<paramref name="totals"/>), per week for the team
    /// (<paramref name="teamWeeks"/>; null: the sum of <paramref name="agentWeeks"/>, which then hold everyone's) and per
    /// employee and week for those whose weeks were read (<paramref name="agentWeeks"/>).
    /// </summary>
    public static AgentComparison Build(ResolvedRange range, IReadOnlyList<WeekBucket> weeks, IReadOnlyList<AgentRow> agents,
        IReadOnlyList<AgentWeekSums> totals, IReadOnlyList<AgentWeekSums>? teamWeeks, IReadOnlyList<AgentWeekSums> agentWeeks, int minCalls,
        AgentCategory? category)
    {
        var metrics = MetricsFor(category);
        var byAgent = new Dictionary<long, AgentSums[]>();
        foreach (var r in agentWeeks)
        {
            if (r.Week < 0 || r.Week >= weeks.Count) continue;
            if (!byAgent.TryGetValue(r.AgentId, out var w)) byAgent[r.AgentId] = w = Enumerable.Repeat(AgentSums.Empty, weeks.Count).ToArray();
            w[r.Week] += r.Sums;
        }
        var team = Enumerable.Repeat(AgentSums.Empty, weeks.Count).ToArray();
        foreach (var r in (teamWeeks ?? agentWeeks).Where(r => r.Week >= 0 && r.Week < weeks.Count)) team[r.Week] += r.Sums;
        var total = totals.GroupBy(r => r.AgentId).ToDictionary(g => g.Key, g => g.Select(r => r.Sums).Aggregate(AgentSums.Empty, AgentSums.Add));
        var people = agents.Where(a => total.TryGetValue(a.Id, out var t) && t.Calls > 0)
            .Select(a => (Agent: a, Weeks: byAgent.TryGetValue(a.Id, out var w) ? w : (IReadOnlyList<AgentSums>)[], Total: total[a.Id]))
            .ToList();
        var ranked = people.Where(p => p.Total.Calls >= minCalls).ToList();
        var spread = new Dictionary<string, TeamSpread>();
        var standings = people.ToDictionary(p => p.Agent.Id, _ => new Dictionary<string, MetricStanding>());
        foreach (var m in metrics)
        {
            var values = ranked.Select(p => m.Value(p.Total)).OfType<double>().Order().ToList();
            var median = Quantile(values, 0.5);
            spread[m.Key] = new TeamSpread(values.Count > 0 ? values[0] : null, Quantile(values, 0.25), median, Quantile(values, 0.75),
                values.Count > 0 ? values[^1] : null, values);
            foreach (var p in people)
            {
                var v = m.Value(p.Total);
                if (v is not { } x || p.Total.Calls < minCalls)
                {
                    standings[p.Agent.Id][m.Key] = new MetricStanding(v, null, values.Count, false);
                    continue;
                }
                // values is sorted: below and above count the employees with a lower and a higher value (binary search).
                int below = Bound(values, x, strict: true), above = values.Count - Bound(values, x, strict: false);
                var (better, worse) = m.HigherIsBetter ? (above, below) : (below, above);
                // The weakest quarter, and worse than the median: when everyone is alike nobody is singled out.
                var weak = values.Count >= 4 && worse < values.Count / 4.0 && median is { } md && (m.HigherIsBetter ? x < md : x > md);
                standings[p.Agent.Id][m.Key] = new MetricStanding(v, better + 1, values.Count, weak);
            }
        }
        var list = people.Select(p =>
        {
            var s = standings[p.Agent.Id];
            var coach = metrics.Where(m => s[m.Key].Weak).OrderByDescending(m => s[m.Key].Rank!.Value / (double)s[m.Key].Ranked).ToList();
            return new AgentStanding(p.Agent, p.Total, p.Weeks, s, coach, p.Total.Calls >= minCalls);
        }).ToList();
        return new AgentComparison(range, weeks, list, spread, people.Select(p => p.Total).Aggregate(AgentSums.Empty, AgentSums.Add), team, minCalls, category);
    }

    /// <summary>How many of the sorted values are below <paramref name="x"/> (strict) or at most <paramref name="x"/>.</summary>
    private static int Bound(List<double> sorted, double x, bool strict)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (strict ? sorted[mid] < x : sorted[mid] <= x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Linear interpolation between closest ranks of sorted values; null when there are none.</summary>
    public static double? Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return null;
        var pos = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st.</summary>
    public static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => n.ToString(CultureInfo.InvariantCulture) + "th",
        _ => n.ToString(CultureInfo.InvariantCulture) + (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" },
    };

    /// <summary>The employees in the order asked: by a figure (unranked employees and missing values last), by name or by calls.</summary>
    public IReadOnlyList<AgentStanding> Sorted(string sort, bool descending)
    {
        if (sort == "name")
            return (descending ? Agents.OrderByDescending(a => a.Agent.Employee, StringComparer.OrdinalIgnoreCase) : Agents.OrderBy(a => a.Agent.Employee, StringComparer.OrdinalIgnoreCase)).ToList();
        if (sort == "calls")
            return (descending ? Agents.OrderByDescending(a => a.Total.Calls) : Agents.OrderBy(a => a.Total.Calls)).ThenBy(a => a.Agent.Name, StringComparer.Ordinal).ToList();
        var withValue = Agents.Where(a => a.Ranked && a.Metrics[sort].Value is not null);
        var ordered = descending ? withValue.OrderByDescending(a => a.Metrics[sort].Value) : withValue.OrderBy(a => a.Metrics[sort].Value);
        return ordered.ThenBy(a => a.Agent.Name, StringComparer.Ordinal)
            .Concat(Agents.Where(a => !a.Ranked || a.Metrics[sort].Value is null).OrderBy(a => a.Agent.Name, StringComparer.Ordinal)).ToList();
    }
}

/// <summary>The comparison's query values as they come from a URL (the page, its CSV and the JSON API take the same ones).</summary>
public sealed record AgentComparisonInput(string? From, string? To, string? Sort, string? Dir, string? Category = null)
{
    public static readonly string[] SortKeys = ["name", "calls", .. AgentMetric.All.Select(m => m.Key)];

    /// <summary>
    /// Checks every value and collects every problem as (field, message); null when there is any. <paramref name="categories"/>:
    /// the categories there are (a category is chosen by its name).
    /// </summary>
    public (ResolvedRange Range, string Sort, bool Descending, AgentCategory? Category)? Parse(DashboardOptions options, DateTimeOffset now,
        IReadOnlyList<CategoryChoice> categories, ICollection<(string Field, string Message)> errors)
    {
        AgentCategory? category = null;
        if (!string.IsNullOrWhiteSpace(Category))
        {
            if (categories.FirstOrDefault(k => string.Equals(k.Name, Category.Trim(), StringComparison.Ordinal)) is { } found)
                category = new AgentCategory(found.Id, found.Name, found.Polarity);
            else
                errors.Add(("category", categories.Count == 0
                    ? $"There is no category '{Category}': an admin defines categories under Admin → Categories."
                    : $"There is no category '{Category}'; choose one of {string.Join(", ", categories.Select(k => k.Name))}."));
        }
        var sort = string.IsNullOrEmpty(Sort) ? "nps" : Sort;
        if (!SortKeys.Contains(sort, StringComparer.Ordinal))
        {
            errors.Add(("sort", $"Cannot sort by '{Sort}'; choose one of {string.Join(", ", SortKeys)}."));
            sort = "nps";
        }
        else if (sort == AgentMetric.CategoryKey && category is null && string.IsNullOrWhiteSpace(Category))
        {
            errors.Add(("sort", "Choose a category to sort by it."));
            sort = "nps";
        }
        // By default the best first on a figure (so the last rows are who to coach), names A to Z; the category's best
        // depends on its polarity.
        var metric = AgentComparison.MetricsFor(category).FirstOrDefault(m => string.Equals(m.Key, sort, StringComparison.Ordinal));
        var descending = Dir switch
        {
            null or "" => sort == "calls" || metric?.HigherIsBetter == true,
            "desc" => true,
            "asc" => false,
            _ => Error("dir", "The sort direction must be asc or desc."),
        };
        var range = DashboardFilter.Resolve(new DashboardFilterInput(null, From, null, To, null), options.Zone, now, options.DefaultWeeks, options.MaxRangeDays, errors);
        return errors.Count > 0 || range is null ? null : (range, sort, descending, category);

        bool Error(string field, string message)
        {
            errors.Add((field, message));
            return true;
        }
    }

    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
