using System.Globalization;

namespace CallSentiment.Benchmarks.Dashboard;

internal sealed record DatasetAgent(long Id, string Name, string DisplayName);

/// <summary>
/// A synthetic but realistic call history for the dashboard benchmark, deterministic for a seed: agents with
/// different workloads, call lengths and outcomes; calls on business days and hours in the centre's zone (fewer on
/// Saturdays, none on Sundays, slowly growing volume); verdicts ~40 % positive, 30 % neutral, 20 % negative,
/// 10 % mixed overall; four scores summing to 1 with the verdict's the largest; 1–20 minute durations; conversation facts
/// and two speakers (agent, customer) per call.
/// </summary>
internal sealed class CallDataset
{
    private static readonly string[] FirstNames =
    [
        "Alex", "Sam", "Jordan", "Priya", "Mohammed", "Olivia", "Liam", "Chloe", "Tomasz", "Aisha", "Daniel", "Emma", "Ravi",
        "Sofia", "George", "Hannah", "Kwame", "Lucy", "Noah", "Zara", "Oscar", "Mia", "Ethan", "Fatima", "Jack",
    ];

    private static readonly string[] LastNames =
    [
        "Smith", "Jones", "Patel", "Williams", "Brown", "Khan", "Taylor", "Davies", "Evans", "Wilson", "Nowak", "Roberts",
        "Walker", "Wright", "Okafor", "Thompson", "White", "Hughes", "Edwards", "Green",
    ];

    // Share of a business day's calls starting in each hour from 08:00 to 17:00 (a morning and an afternoon peak).
    private static readonly double[] WeekdayHours = [0.6, 1.0, 1.3, 1.3, 0.8, 0.9, 1.2, 1.1, 0.9, 0.6];
    private static readonly double[] SaturdayHours = [0, 0.8, 1.0, 1.0, 0.7];

    private static readonly string[][] Emotions =
    [
        ["happy", "happy", "happy", "calm", "calm", "surprise"],    // POSITIVE
        ["angry", "angry", "sad", "disgust", "fear", "sad"],         // NEGATIVE
        ["neutral", "neutral", "neutral", "calm", "calm", "sad"],    // NEUTRAL
        ["angry", "happy", "sad", "neutral", "surprise", "calm"],    // MIXED
    ];

    private readonly Call[] _calls;
    private readonly List<Day> _days;

    private CallDataset(IReadOnlyList<DatasetAgent> agents, List<Day> days, Call[] calls)
    {
        Agents = agents;
        _days = days;
        _calls = calls;
    }

    public IReadOnlyList<DatasetAgent> Agents { get; }

    public int Count => _calls.Length;

    public static CallDataset Generate(int callCount, int agentCount, int years, int seed, TimeZoneInfo zone, DateOnly lastDay)
    {
        var rng = new Random(seed);
        var agents = new List<DatasetAgent>(agentCount);
        var profiles = new AgentProfile[agentCount];
        for (var i = 0; i < agentCount; i++)
        {
            var first = FirstNames[i % FirstNames.Length];
            var last = LastNames[i / FirstNames.Length % LastNames.Length];
            var round = i / (FirstNames.Length * LastNames.Length);
            var name = string.Create(CultureInfo.InvariantCulture, $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{(round > 0 ? round.ToString(CultureInfo.InvariantCulture) : "")}");
            agents.Add(new DatasetAgent(i + 1, name, $"{first} {last}"));
            // Part-timers and full-timers; a skill that moves the verdict mix; some agents talk longer than others.
            profiles[i] = new AgentProfile(0.4 + 1.2 * rng.NextDouble(), (rng.NextDouble() - 0.5) * 0.24, 0.8 + 0.45 * rng.NextDouble());
        }
        var agentCumulative = Cumulative(profiles.Select(p => p.Workload).ToArray());

        var firstDay = lastDay.AddYears(-years).AddDays(1);
        var days = new List<Day>();
        for (var d = firstDay; d <= lastDay; d = d.AddDays(1))
        {
            var hours = d.DayOfWeek switch { DayOfWeek.Sunday => null, DayOfWeek.Saturday => SaturdayHours, _ => WeekdayHours };
            if (hours is null) continue;
            var growth = 0.9 + 0.2 * (d.DayNumber - firstDay.DayNumber) / Math.Max(1.0, lastDay.DayNumber - firstDay.DayNumber);
            // Business hours never span a DST change (those happen on Sunday nights), so one offset holds all day.
            var offset = zone.GetUtcOffset(d.ToDateTime(new TimeOnly(12, 0)));
            var midnightUtcMs = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), offset).ToUnixTimeMilliseconds();
            days.Add(new Day(d, midnightUtcMs, hours, Cumulative(hours), hours.Sum() * growth));
        }
        var dayCumulative = Cumulative(days.Select(d => d.Weight).ToArray());

        var calls = new Call[callCount];
        for (var i = 0; i < callCount; i++)
        {
            var day = Pick(dayCumulative, rng);
            var hour = Pick(days[day].HourCumulative, rng);
            var secondOfDay = (8 + hour) * 3600 + rng.Next(3600);
            var agent = Pick(agentCumulative, rng);
            var p = profiles[agent];
            var u = rng.NextDouble();
            var sentiment = u < 0.40 + p.Skill ? Sentiment.Positive
                : u < 0.70 + 0.7 * p.Skill ? Sentiment.Neutral
                : u < 0.90 + 0.1 * p.Skill ? Sentiment.Negative
                : Sentiment.Mixed;
            // Log-normal around five minutes; unhappy calls run longer.
            var lengthFactor = sentiment switch { Sentiment.Negative => 1.3, Sentiment.Mixed => 1.15, _ => 1.0 };
            var seconds = 300 * p.DurationFactor * lengthFactor * Math.Exp(0.55 * Gaussian(rng));
            var durationMs = (int)Math.Clamp(seconds * 1000, 60_000, 1_200_000);
            var scores = Scores(sentiment, rng);
            calls[i] = new Call(days[day].MidnightUtcMs + secondOfDay * 1000L, day, secondOfDay, agent, durationMs, sentiment, scores,
                rng.NextDouble() < 0.1 ? -1 : rng.Next(Math.Max(1, callCount / 3)), (byte)rng.Next(Emotions[0].Length));
        }
        // Rows are inserted in time order, as the worker would have: ids follow time.
        Array.Sort(calls, (a, b) => a.StartedAtMs.CompareTo(b.StartedAtMs));
        return new CallDataset(agents, days, calls);
    }

    /// <summary>The values of one call as the app stores them (id = index + 1; one recording per call, same id).</summary>
    public CallRow Row(int index)
    {
        var c = _calls[index];
        var id = index + 1L;
        var local = _days[c.Day].Date.ToDateTime(TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(c.SecondOfDay)));
        var agent = Agents[c.Agent];
        var callRef = string.Create(CultureInfo.InvariantCulture, $"C{id:D8}");
        var key = string.Create(CultureInfo.InvariantCulture, $"{agent.Name}/{local:yyyy-MM-dd}/{local:HHmmss}_{callRef}.wav");
        var sizeBytes = 44 + c.DurationMs * 32L; // 8 kHz, 16-bit, two channels
        var discoveredAt = c.StartedAtMs + c.DurationMs + 15_000;
        return new CallRow(id, agent.Id, key, string.Create(CultureInfo.InvariantCulture, $"{sizeBytes:x}-{discoveredAt:x}"), sizeBytes, callRef,
            c.Customer < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"CU{c.Customer:D7}"), c.StartedAtMs, c.DurationMs,
            c.Sentiment.ToLabel(), c.Scores[c.Sentiment], c.Scores, Emotions[(int)c.Sentiment][c.Emotion], discoveredAt, discoveredAt + 45_000,
            Conversation(index, c));
    }

    /// <summary>
    /// The categories an admin would define, with the rules that would tag them (the bench writes the tags as the analysis
    /// would have; the rules are what they mean). "Long hold" and "Escalation" follow the call's conversation facts exactly;
    /// "Customer mentioned cancelling" comes with unhappy calls; "Agent did not greet" is a habit of some agents.
    /// </summary>
    public static readonly (string Name, string Rule)[] Categories =
    [
        ("Agent did not greet", "not agent says \"thank* for calling\" in first 30s"),
        ("Customer mentioned cancelling", "customer says \"cancel*\""),
        ("Escalation", "customer.sentiment = NEGATIVE and sentiment_change < -0.3"),
        ("Long hold", "longest_silence >= 30s"),
    ];

    /// <summary>The indexes into <see cref="Categories"/> of the categories call <paramref name="index"/> is tagged with (from a generator of its own).</summary>
    public IEnumerable<int> Tags(int index)
    {
        var c = _calls[index];
        var v = Conversation(index, c);
        var rng = new Random(unchecked(index * 104_729 + 5));
        // Most agents greet every time; a few forget often (1 % to ~25 % of their calls).
        var forgetful = c.Agent * 0.7548776662 % 1.0;
        if (rng.NextDouble() < 0.01 + 0.24 * Math.Pow(forgetful, 4)) yield return 0;
        var cancelling = c.Sentiment switch { Sentiment.Negative => 0.15, Sentiment.Mixed => 0.08, _ => 0.02 };
        if (rng.NextDouble() < cancelling) yield return 1;
        if (v.CustomerSentiment == "NEGATIVE" && v.Change < -0.3) yield return 2;
        if (v.LongestSilenceMs >= 30_000) yield return 3;
    }

    /// <summary>
    /// The conversation facts of a call (talk time per side, silence, interruptions, the customer's change from the first
    /// to the last quarter), from a generator of its own per call so the calls above stay what they were: each agent has
    /// a talk share and an interrupting habit of their own; unhappy calls have more silence, more interruptions and a
    /// customer who ends worse.
    /// </summary>
    private static ConversationRow Conversation(int index, Call c)
    {
        var rng = new Random(unchecked(index * 7919 + 17));
        var habit = c.Agent * 0.6180339887 % 1.0;
        var unhappy = c.Sentiment is Sentiment.Negative or Sentiment.Mixed;
        var speech = c.DurationMs * (0.72 + 0.18 * rng.NextDouble());
        var agentShare = Math.Clamp(0.35 + 0.3 * habit + (unhappy ? -0.05 : 0.02) + 0.1 * (rng.NextDouble() - 0.5), 0.1, 0.9);
        var agentTalk = (long)(speech * agentShare);
        var customerTalk = (long)(speech * (1 - agentShare));
        var silence = Math.Max(0, c.DurationMs - agentTalk - customerTalk);
        var longest = (long)Math.Min(silence, (unhappy ? 12_000 : 6_000) * Math.Exp(0.8 * (rng.NextDouble() * 2 - 1)) * (rng.NextDouble() < 0.06 ? 4 : 1));
        var agentInterruptions = (long)Math.Floor(-Math.Log(1 - rng.NextDouble()) * (0.3 + 2.2 * habit * habit + (unhappy ? 0.8 : 0)));
        var customerInterruptions = (long)Math.Floor(-Math.Log(1 - rng.NextDouble()) * (unhappy ? 1.5 : 0.5));
        var change = Math.Round(c.Sentiment switch
        {
            Sentiment.Positive => 0.25,
            Sentiment.Negative => -0.35,
            Sentiment.Mixed => -0.1,
            _ => 0.05,
        } + 0.4 * (rng.NextDouble() - 0.5), 4);
        var customer = c.Sentiment == Sentiment.Mixed ? (rng.NextDouble() < 0.5 ? "NEGATIVE" : "NEUTRAL") : c.Sentiment.ToLabel();
        return new ConversationRow(customer, change, silence, longest, (long)(speech * 0.03), agentInterruptions + customerInterruptions,
            agentTalk, customerTalk, agentInterruptions, customerInterruptions);
    }

    private static SentimentScores Scores(Sentiment winner, Random rng)
    {
        Span<double> s = stackalloc double[4];
        var sum = 0.0;
        for (var k = 0; k < 4; k++) sum += s[k] = -Math.Log(1 - rng.NextDouble());
        s[(int)winner] += sum * (0.5 + 1.5 * rng.NextDouble());
        // The verdict's score is the largest one.
        var top = 0;
        for (var k = 1; k < 4; k++) if (s[k] > s[top]) top = k;
        (s[top], s[(int)winner]) = (s[(int)winner], s[top]);
        sum = s[0] + s[1] + s[2] + s[3];
        var positive = s[0] / sum;
        var negative = s[1] / sum;
        var neutral = s[2] / sum;
        return new SentimentScores(positive, negative, neutral, 1 - positive - negative - neutral);
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double[] Cumulative(double[] weights)
    {
        var c = new double[weights.Length];
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++) c[i] = total += weights[i];
        return c;
    }

    private static int Pick(double[] cumulative, Random rng)
    {
        var i = Array.BinarySearch(cumulative, rng.NextDouble() * cumulative[^1]);
        return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
    }

    private sealed record AgentProfile(double Workload, double Skill, double DurationFactor);

    private sealed record Day(DateOnly Date, long MidnightUtcMs, double[] Hours, double[] HourCumulative, double Weight);

    private readonly record struct Call(long StartedAtMs, int Day, int SecondOfDay, int Agent, int DurationMs, Sentiment Sentiment,
        SentimentScores Scores, int Customer, byte Emotion);
}

internal sealed record CallRow(long Id, long AgentId, string SourceKey, string Version, long SizeBytes, string CallRef, string? CustomerRef,
    long StartedAtMs, long DurationMs, string Sentiment, double Confidence, SentimentScores Scores, string DominantEmotion, long DiscoveredAtMs,
    long AnalyzedAtMs, ConversationRow Conversation);

/// <summary>What the transcript stage stores about a call's conversation (calls' columns and two call_speakers rows).</summary>
internal sealed record ConversationRow(string CustomerSentiment, double Change, long SilenceMs, long LongestSilenceMs, long OverlapMs, long Interruptions,
    long AgentTalkMs, long CustomerTalkMs, long AgentInterruptions, long CustomerInterruptions);
