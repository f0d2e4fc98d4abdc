using System.Globalization;

namespace CallSentiment.Cli.Demo;

internal sealed record DemoAgent(int Index, string Slug, string Name, Speaker Voice, double[] PersonaWeights)
{
    public string FirstName => Name.Split(' ')[0];
}

/// <summary>One call of the demo set: who, when, with whom and what is said. Audio is rendered from it later.</summary>
internal sealed record PlannedCall(
    DemoAgent Agent,
    string CallId,
    DateTimeOffset StartedAt,
    string CustomerId,
    Speaker CustomerVoice,
    Persona Persona,
    Topic Topic,
    IReadOnlyList<Turn> Turns,
    int AudioSeed)
{
    /// <summary>The product's default key: {agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.wav in the call's local time.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"{Agent.Slug}/{StartedAt:yyyy-MM-dd}/{StartedAt:HHmmss}_{CallId}.wav");
}

/// <summary>
/// Plans the demo set deterministically. Calls are anchored to calendar weeks (Monday to Sunday), each call seeded
/// by the seed, the agent and the week, so a run a day later plans the same calls for the days both runs cover:
/// the existing files are skipped and only the new days are synthesised, with no duplicates.
/// </summary>
internal static class DemoPlan
{
    private static readonly DateOnly WeekEpoch = new(2000, 1, 3); // a Monday
    private static readonly TimeOnly FirstStart = new(8, 30);
    private const int StartWindowMinutes = 8 * 60 + 30; // 08:30..17:00, so a call of at most 150 s ends by 17:30
    private const int MaxCallsPerWeek = 40;

    private static readonly string[] Names =
    [
        "Alice Moreau", "Ben Okafor", "Chloe Jensen", "Daniel Reyes", "Emma Walsh", "Farid Haddad",
        "Grace Liu", "Harry Patel", "Isla Novak", "James Mensah", "Katie Brennan", "Leo Fischer",
    ];

    public static int MaxAgents => Names.Length;

    public static int MaxWeeklyCalls => MaxCallsPerWeek;

    // Persona weights in Persona order (satisfied, neutral, angry, sad, mixed). Over six agents the mix is about
    // 35 % positive, 30 % neutral, 25 % negative and 10 % mixed; Alice is clearly better and Ben clearly worse
    // than the rest, so the dashboard has a contrast to show.
    private static readonly double[] Best = [55, 28, 4, 3, 10];
    private static readonly double[] Worst = [15, 27, 30, 20, 8];
    private static readonly double[] Typical = [35, 31, 14, 10, 10];

    public static List<DemoAgent> Agents(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new DemoAgent(
            i, Names[i].ToLowerInvariant().Replace(' ', '-'), Names[i], Voices.Agents[i],
            i switch { 0 => Best, 1 => Worst, _ => Typical }))];

    public static List<PlannedCall> Calls(DemoDataOptions o)
    {
        var endMonday = o.End.AddDays(-(((int)o.End.DayOfWeek + 6) % 7));
        var calls = new List<PlannedCall>();
        foreach (var agent in Agents(o.Agents))
        {
            for (var w = o.Weeks - 1; w >= 0; w--)
            {
                var monday = endMonday.AddDays(-7 * w);
                var week = (monday.DayNumber - WeekEpoch.DayNumber) / 7;
                var schedule = new Random(Seed(o.Seed, agent.Index, week));
                var taken = new List<DateTime>();
                for (var slot = 0; slot < o.CallsPerWeek; slot++)
                {
                    var local = PickStart(schedule, monday, taken, o.TimeZone);
                    taken.Add(local);
                    if (DateOnly.FromDateTime(local) > o.End) continue;
                    var started = new DateTimeOffset(local, o.TimeZone.GetUtcOffset(local));
                    var callId = string.Create(CultureInfo.InvariantCulture, $"c{(week * MaxAgents + agent.Index) * MaxCallsPerWeek + slot:00000}");
                    var persona = (Persona)PickWeighted(PersonaQuantile(o.Seed, agent.Index, week * MaxCallsPerWeek + slot), agent.PersonaWeights);
                    calls.Add(Script(new Random(Seed(o.Seed, agent.Index, week, slot)), agent, persona, callId, started));
                }
            }
        }
        return calls;
    }

    // A weekday start in business hours that is not in a daylight-saving gap and keeps 5 minutes clear of the
    // agent's other calls that week.
    private static DateTime PickStart(Random rng, DateOnly monday, List<DateTime> taken, TimeZoneInfo zone)
    {
        while (true)
        {
            var day = monday.AddDays(rng.Next(5));
            var local = day.ToDateTime(FirstStart).AddSeconds(rng.Next(StartWindowMinutes * 60));
            if (zone.IsInvalidTime(local)) continue;
            if (taken.All(t => Math.Abs((t - local).TotalMinutes) >= 5)) return local;
        }
    }

    private static PlannedCall Script(Random rng, DemoAgent agent, Persona persona, string callId, DateTimeOffset started)
    {
        var topic = (Topic)rng.Next(Enum.GetValues<Topic>().Length);
        // Customers come from a pool, so some call more than once, always with the same voice.
        var customer = rng.Next(1000, 1600);
        var turns = Conversation.Write(rng, persona, topic, agent.FirstName, rng.Next(6, 15));
        return new PlannedCall(agent, callId, started, string.Create(CultureInfo.InvariantCulture, $"cust-{customer}"),
            Voices.Customers[customer % Voices.Customers.Count], persona, topic, turns, rng.Next());
    }

    /// <summary>
    /// Where a call falls in its agent's persona mix: a Weyl (golden-ratio) sequence over the agent's call number.
    /// Independent random draws over two dozen calls can blur the designed contrast between agents; this sequence
    /// keeps every agent's mix close to its weights, and each call still depends only on the seed, agent and slot.
    /// </summary>
    private static double PersonaQuantile(int seed, int agent, int callNumber)
    {
        var offset = new Random(Seed(seed, agent)).NextDouble();
        var u = offset + callNumber * 0.6180339887498949;
        return u - Math.Floor(u);
    }

    private static int PickWeighted(double quantile, double[] weights)
    {
        var x = quantile * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0) return i;
        }
        return weights.Length - 1;
    }

    /// <summary>A stable seed from parts (string.GetHashCode and HashCode are randomised per process).</summary>
    private static int Seed(params int[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15;
        foreach (var p in parts)
        {
            h ^= (uint)p;
            h *= 0xBF58476D1CE4E5B9;
            h ^= h >> 31;
        }
        return (int)(h & int.MaxValue);
    }
}
