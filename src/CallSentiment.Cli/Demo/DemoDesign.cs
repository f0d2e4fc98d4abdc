using System.Globalization;
using System.Text;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.Demo;

/// <summary>
/// What the demo set is designed to show: the verdict each customer's persona should get, and from the plan the NPS per
/// agent and over the team as the dashboard counts it. These are the figures the analysed demo is checked against.
/// </summary>
internal static class DemoDesign
{
    /// <summary>The customer verdict a persona is written for: a mixed call (angry, then relieved) is MIXED.</summary>
    public static Sentiment Verdict(Persona persona) => persona switch
    {
        Persona.Satisfied => Sentiment.Positive,
        Persona.Angry or Persona.Sad => Sentiment.Negative,
        Persona.Mixed => Sentiment.Mixed,
        _ => Sentiment.Neutral,
    };

    /// <summary>NPS as the dashboard computes it: (positives − negatives) / calls × 100.</summary>
    public static double Nps(IReadOnlyCollection<Sentiment> verdicts) =>
        verdicts.Count == 0 ? double.NaN
            : 100.0 * (verdicts.Count(v => v == Sentiment.Positive) - verdicts.Count(v => v == Sentiment.Negative)) / verdicts.Count;

    public static string Describe(DemoDataOptions o, IReadOnlyList<PlannedCall> calls)
    {
        var ci = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(ci, $"demo-data plan: {o.Agents} agent(s) x {o.Weeks} week(s) x {o.CallsPerWeek} call(s) a week, seed {o.Seed}, ending {o.End:yyyy-MM-dd}: {calls.Count} calls");
        s.AppendLine("designed customer verdicts (satisfied POSITIVE, neutral NEUTRAL, angry and sad NEGATIVE, mixed MIXED) and NPS:");
        s.AppendLine(ci, $"  {"agent",-16}{"calls",6}{"positive",10}{"neutral",9}{"mixed",7}{"negative",10}{"NPS",9}");
        void Row(string name, List<Sentiment> v) => s.AppendLine(ci,
            $"  {name,-16}{v.Count,6}{v.Count(x => x == Sentiment.Positive),10}{v.Count(x => x == Sentiment.Neutral),9}{v.Count(x => x == Sentiment.Mixed),7}{v.Count(x => x == Sentiment.Negative),10}{Signed(Nps(v)),9}");
        foreach (var agent in DemoPlan.Agents(o.Agents))
            Row(agent.Name, [.. calls.Where(c => c.Agent.Slug == agent.Slug).Select(c => Verdict(c.Persona))]);
        Row("team", [.. calls.Select(c => Verdict(c.Persona))]);
        return s.ToString();
    }

    private static string Signed(double nps) => double.IsNaN(nps) ? "N/A" : nps.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
}
