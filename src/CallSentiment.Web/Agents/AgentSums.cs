using System.Globalization;
using CallSentiment.Web.Categories;

namespace CallSentiment.Web.Agents;

/// <summary>
/// Sums over one employee's calls (a day, a week, a period), additive like <see cref="Metrics.CallAggregate"/>: the
/// database returns them per employee and week, from the daily totals in agent_days and from calls at the edges, and
/// the period is their sum. Every rate is derived here, never stored.
/// </summary>
public sealed record AgentSums
{
    /// <summary>A call counts as a long silence when nobody spoke for at least this long (the migration's threshold).</summary>
    public const long LongSilenceMs = 30_000;

    public long Calls { get; init; }
    public long DurationMs { get; init; }
    public long Positives { get; init; }
    public long Negatives { get; init; }
    public double ChangeSum { get; init; }
    public long ChangeCount { get; init; }
    public long ConversationCalls { get; init; }
    public long ConversationMs { get; init; }
    public long SilenceMs { get; init; }
    public long LongSilences { get; init; }
    public long AgentTalkMs { get; init; }
    public long CustomerTalkMs { get; init; }
    public long AgentInterruptions { get; init; }

    /// <summary>Calls tagged with the category the comparison was asked for (0 when none was).</summary>
    public long CategoryCalls { get; init; }

    public static AgentSums Empty { get; } = new();

    public static AgentSums operator +(AgentSums a, AgentSums b) => new()
    {
        Calls = a.Calls + b.Calls,
        DurationMs = a.DurationMs + b.DurationMs,
        Positives = a.Positives + b.Positives,
        Negatives = a.Negatives + b.Negatives,
        ChangeSum = a.ChangeSum + b.ChangeSum,
        ChangeCount = a.ChangeCount + b.ChangeCount,
        ConversationCalls = a.ConversationCalls + b.ConversationCalls,
        ConversationMs = a.ConversationMs + b.ConversationMs,
        SilenceMs = a.SilenceMs + b.SilenceMs,
        LongSilences = a.LongSilences + b.LongSilences,
        AgentTalkMs = a.AgentTalkMs + b.AgentTalkMs,
        CustomerTalkMs = a.CustomerTalkMs + b.CustomerTalkMs,
        AgentInterruptions = a.AgentInterruptions + b.AgentInterruptions,
        CategoryCalls = a.CategoryCalls + b.CategoryCalls,
    };

    public static AgentSums Add(AgentSums a, AgentSums b) => a + b;

    /// <summary>(positives − negatives) / calls × 100, as on the dashboard; null without calls.</summary>
    public double? Nps => Calls == 0 ? null : ((double)Positives / Calls - (double)Negatives / Calls) * 100;

    /// <summary>The customer's mean sentiment change from the first to the last quarter of a call (−2..2; up is better).</summary>
    public double? AverageChange => ChangeCount == 0 ? null : ChangeSum / ChangeCount;

    /// <summary>The agent's share of the talk time of agent and customer, in percent.</summary>
    public double? AgentTalkShare => AgentTalkMs + CustomerTalkMs == 0 ? null : 100.0 * AgentTalkMs / (AgentTalkMs + CustomerTalkMs);

    /// <summary>Times the agent started talking over the customer, per call with conversation facts.</summary>
    public double? InterruptionsPerCall => ConversationCalls == 0 ? null : (double)AgentInterruptions / ConversationCalls;

    /// <summary>Time nobody spoke, in percent of the call time of calls with conversation facts.</summary>
    public double? SilenceShare => ConversationMs == 0 ? null : 100.0 * SilenceMs / ConversationMs;

    /// <summary>Calls with a silence of at least <see cref="LongSilenceMs"/>, in percent of calls with conversation facts.</summary>
    public double? LongSilenceShare => ConversationCalls == 0 ? null : 100.0 * LongSilences / ConversationCalls;

    /// <summary>Calls tagged with the chosen category, in percent of all calls.</summary>
    public double? CategoryShare => Calls == 0 ? null : 100.0 * CategoryCalls / Calls;
}

/// <summary>
/// One column of the comparison: what it measures, which way is better, and where its calls are listed. The page, the
/// API and the CSV are built from <see cref="All"/> (<see cref="AgentComparison.Metrics"/>: without the category's
/// column when no category was chosen), so a new figure is one more entry here and one more sum in <see cref="AgentSums"/>.
/// </summary>
public sealed record AgentMetric(string Key, string Title, string Explanation, bool HigherIsBetter, Func<AgentSums, double?> Value,
    Func<double?, string> Format, string DrillDownTitle)
{
    /// <summary>
    /// The category's column for a category to avoid ("agent did not greet", "customer mentioned cancelling"): fewer is
    /// better, and the calls behind the figure are the tagged ones. <see cref="All"/> holds this one (the sort keys).
    /// </summary>
    public static AgentMetric CategoryToAvoid { get; } = new(CategoryKey, "Category", "share of calls tagged with the chosen category, a category to avoid", false,
        s => s.CategoryShare, Share, "Calls tagged with the category");

    /// <summary>
    /// The category's column for a category to encourage ("agent offered a callback"): more is better, and the calls
    /// behind a low figure are the employee's calls NOT tagged with it.
    /// </summary>
    public static AgentMetric CategoryToEncourage { get; } = new(CategoryKey, "Category", "share of calls tagged with the chosen category, a category to encourage", true,
        s => s.CategoryShare, Share, "Calls not tagged with the category");

    // Declared before All: static initializers run in order, and All holds CategoryToAvoid.
    public static readonly IReadOnlyList<AgentMetric> All =
    [
        new("nps", "NPS", "(positive − negative calls) / calls × 100", true, s => s.Nps,
            v => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "–", "Negative calls"),
        new("change", "Customer change", "mean change of the customer's sentiment from the first to the last quarter of the call", true, s => s.AverageChange,
            v => v is { } x ? x.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) : "–", "Calls where the customer ended worse than they began"),
        new("talk", "Agent talk share", "the agent's share of the talk time (lower: the customer was heard more)", false, s => s.AgentTalkShare,
            v => v is { } x ? x.ToString("0", CultureInfo.InvariantCulture) + "%" : "–", "Calls where the agent talked most"),
        new("interruptions", "Interruptions", "times per call the agent started talking over the customer", false, s => s.InterruptionsPerCall,
            v => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–", "Calls with the most interruptions by the agent"),
        new("silence", "Silence", "share of the call time in which nobody spoke", false, s => s.SilenceShare,
            v => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–", "Calls with the most silence"),
        new("longSilences", "Long silences", "share of calls with a silence of 30 s or more", false, s => s.LongSilenceShare,
            v => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–", "Calls with the longest silences"),
        CategoryToAvoid,
    ];

    /// <summary>The key of the chosen category's column (its title is the category's name).</summary>
    public const string CategoryKey = "category";

    private static string Share(double? v) => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    /// <summary>The category's column the way the category counts.</summary>
    public static AgentMetric ForCategory(CategoryPolarity polarity) => polarity == CategoryPolarity.Encourage ? CategoryToEncourage : CategoryToAvoid;

    public static AgentMetric? Find(string key) => All.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.Ordinal));
}
