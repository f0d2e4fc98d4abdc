using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Diarization;

public enum SpeakerRole
{
    Agent,
    Customer,
}

/// <summary>
/// Which diarized speaker of a mono call is the agent. Stereo calls do not need a rule: the channel metadata
/// (sidecar <c>channels</c>) says which channel is the agent.
/// </summary>
public enum AgentRule
{
    /// <summary>
    /// The first speaker to say something substantial is the agent. Default, because in inbound calls the agent
    /// answers with the greeting ("Thank you for calling ..., my name is ..."). Change it for outbound campaigns,
    /// where the customer picks up and speaks first ("Hello?"), or when recordings start with an IVR prompt.
    /// </summary>
    FirstSpeaker,

    /// <summary>The speaker with the most talk time is the agent (scripted sales and support calls where the agent explains).</summary>
    MostTalk,

    /// <summary>The speaker with the least talk time is the agent (complaint lines where the customer does most of the talking).</summary>
    LeastTalk,
}

public static class SpeakerRoles
{
    /// <summary>A first "segment" shorter than this (a cough, a click, a diarization sliver) does not decide who spoke first.</summary>
    public const double MinFirstTurnSeconds = 0.5;

    /// <summary>Assigns the agent role to one speaker by <paramref name="rule"/>; every other speaker is a customer.</summary>
    public static IReadOnlyDictionary<int, SpeakerRole> Assign(IReadOnlyList<SpeechSegment> segments, AgentRule rule = AgentRule.FirstSpeaker)
    {
        var roles = new Dictionary<int, SpeakerRole>();
        if (segments.Count == 0) return roles;
        var talk = segments.GroupBy(s => s.Speaker).ToDictionary(g => g.Key, g => Intervals.UnionLength(g.Select(s => (s.Start, s.End))));
        int agent;
        switch (rule)
        {
            case AgentRule.FirstSpeaker:
                var ordered = segments.OrderBy(s => s.Start).ThenBy(s => s.Speaker).ToList();
                agent = (ordered.FirstOrDefault(s => s.Duration >= MinFirstTurnSeconds) ?? ordered[0]).Speaker;
                break;
            case AgentRule.MostTalk:
                agent = talk.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
                break;
            case AgentRule.LeastTalk:
                agent = talk.OrderBy(p => p.Value).ThenBy(p => p.Key).First().Key;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown agent rule");
        }
        foreach (var speaker in talk.Keys) roles[speaker] = speaker == agent ? SpeakerRole.Agent : SpeakerRole.Customer;
        return roles;
    }

    /// <summary>"agent" / "customer", the labels the transcript and the database use.</summary>
    public static string Label(this SpeakerRole role) => role switch
    {
        SpeakerRole.Agent => "agent",
        SpeakerRole.Customer => "customer",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    /// <summary>Parses "first-speaker" / "most-talk" / "least-talk" (also the enum names), for configuration and the CLI.</summary>
    public static AgentRule ParseRule(string text) => text.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "FIRSTSPEAKER" => AgentRule.FirstSpeaker,
        "MOSTTALK" => AgentRule.MostTalk,
        "LEASTTALK" => AgentRule.LeastTalk,
        _ => throw new ArgumentException($"agent rule '{text}' is not one of first-speaker, most-talk, least-talk", nameof(text)),
    };
}

internal static class Intervals
{
    /// <summary>Sorted, merged union of intervals.</summary>
    public static List<(double Start, double End)> Union(IEnumerable<(double Start, double End)> intervals)
    {
        var merged = new List<(double Start, double End)>();
        foreach (var (s, e) in intervals.Where(i => i.End > i.Start).OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && s <= merged[^1].End) merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, e));
            else merged.Add((s, e));
        }
        return merged;
    }

    public static double UnionLength(IEnumerable<(double Start, double End)> intervals) => Union(intervals).Sum(i => i.End - i.Start);
}
