using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Diarization;

/// <summary>
/// When a speaker's start counts as an interruption. Speaker B interrupts speaker A when B starts while A is speaking,
/// A has already spoken for at least <see cref="MinPriorSpeechSeconds"/> in that turn (so the clash at the very start
/// of a turn is not blamed on anyone), B's turn lasts at least <see cref="MinInterrupterSpeechSeconds"/> (shorter
/// ones are back-channels: "mm-hm", "right", "yes"), and both then talk together for at least
/// <see cref="MinOverlapSeconds"/> (shorter overlaps at the end of A's turn are ordinary turn-taking: people
/// anticipate where a sentence ends). Each of B's turns counts at most once.
/// </summary>
public sealed record InterruptionRule
{
    public double MinPriorSpeechSeconds { get; init; } = 1.0;

    public double MinInterrupterSpeechSeconds { get; init; } = 1.0;

    public double MinOverlapSeconds { get; init; } = 0.5;
}

/// <summary>Talk and interruptions of one speaker. <see cref="TalkShare"/> is this speaker's part of all talk time (0..1).</summary>
public sealed record SpeakerStats(
    int Speaker,
    SpeakerRole? Role,
    double TalkSeconds,
    int Turns,
    double TalkShare,
    int InterruptionsMade,
    int TimesInterrupted);

/// <summary>
/// Conversation statistics of one call from its speech segments: per-channel VAD segments of a stereo call (which
/// may overlap) or diarized segments of a mono call. Diarized mono segments never overlap (one speaker per moment),
/// so on mono calls <see cref="OverlapSeconds"/> and interruptions read zero or close to it: they need stereo.
/// <see cref="SilenceSeconds"/> is the time nobody speaks over the whole recording; <see cref="LongestSilenceSeconds"/>
/// is the longest gap between two stretches of speech (hold, dead air), so the ringing before the first word and the
/// tail after the last one do not count there.
/// </summary>
public sealed record ConversationStats(
    double DurationSeconds,
    double SpeechSeconds,
    double SilenceSeconds,
    double LongestSilenceSeconds,
    double LongestSilenceStart,
    double OverlapSeconds,
    int Interruptions,
    IReadOnlyList<SpeakerStats> Speakers)
{
    /// <summary>Talk time of the agent divided by talk time of the customers; null without both roles.</summary>
    public double? AgentTalkRatio
    {
        get
        {
            var agent = Speakers.Where(s => s.Role == SpeakerRole.Agent).Sum(s => s.TalkSeconds);
            var customer = Speakers.Where(s => s.Role == SpeakerRole.Customer).Sum(s => s.TalkSeconds);
            return agent > 0 && customer > 0 ? agent / customer : null;
        }
    }

    /// <param name="segments">Speech of every speaker; a speaker's own overlapping segments are merged.</param>
    /// <param name="durationSeconds">Length of the recording.</param>
    /// <param name="roles">Optional speaker → role (from channel metadata or <see cref="SpeakerRoles.Assign"/>).</param>
    /// <param name="rule">Interruption rule; the defaults of <see cref="InterruptionRule"/> when null.</param>
    public static ConversationStats Compute(
        IReadOnlyList<SpeechSegment> segments,
        double durationSeconds,
        IReadOnlyDictionary<int, SpeakerRole>? roles = null,
        InterruptionRule? rule = null)
    {
        if (!(durationSeconds >= 0) || !double.IsFinite(durationSeconds))
            throw new ArgumentOutOfRangeException(nameof(durationSeconds), durationSeconds, "duration must be a non-negative number of seconds");
        foreach (var s in segments)
        {
            if (!double.IsFinite(s.Start) || !double.IsFinite(s.End) || s.End < s.Start || s.Start < 0)
                throw new ArgumentException($"segment of speaker {s.Speaker} has start {s.Start} and end {s.End}", nameof(segments));
        }
        rule ??= new InterruptionRule();

        // Clip to the recording and merge each speaker's own overlaps, so each speaker's turns are disjoint.
        var turns = segments
            .GroupBy(s => s.Speaker)
            .ToDictionary(g => g.Key, g => Intervals.Union(g.Select(s => (s.Start, Math.Min(s.End, durationSeconds)))));
        var all = Intervals.Union(turns.Values.SelectMany(t => t));
        var speech = all.Sum(i => i.End - i.Start);

        double longest = 0, longestStart = 0;
        for (var i = 1; i < all.Count; i++)
        {
            var gap = all[i].Start - all[i - 1].End;
            if (gap > longest) { longest = gap; longestStart = all[i - 1].End; }
        }

        var overlap = OverlapTime(turns.Values.ToList());

        var made = turns.Keys.ToDictionary(k => k, _ => 0);
        var suffered = turns.Keys.ToDictionary(k => k, _ => 0);
        foreach (var (b, bTurns) in turns)
        {
            foreach (var bt in bTurns)
            {
                if (bt.End - bt.Start < rule.MinInterrupterSpeechSeconds) continue;
                foreach (var (a, aTurns) in turns)
                {
                    if (a == b) continue;
                    var victim = aTurns.FirstOrDefault(at =>
                        at.Start < bt.Start && at.End > bt.Start
                        && bt.Start - at.Start >= rule.MinPriorSpeechSeconds
                        && Math.Min(at.End, bt.End) - bt.Start >= rule.MinOverlapSeconds);
                    if (victim == default) continue;
                    made[b]++;
                    suffered[a]++;
                    break;
                }
            }
        }

        var speakers = turns.Keys.Order().Select(k =>
        {
            var talk = turns[k].Sum(t => t.End - t.Start);
            var totalTalk = turns.Values.Sum(ts => ts.Sum(t => t.End - t.Start));
            SpeakerRole? role = roles is not null && roles.TryGetValue(k, out var r) ? r : null;
            return new SpeakerStats(k, role, talk, turns[k].Count, totalTalk > 0 ? talk / totalTalk : 0, made[k], suffered[k]);
        }).ToList();

        return new ConversationStats(durationSeconds, speech, Math.Max(0, durationSeconds - speech), longest, longestStart,
            overlap, made.Values.Sum(), speakers);
    }

    // Time with two or more speakers at once: a sweep over start (+1) and end (−1) events.
    private static double OverlapTime(List<List<(double Start, double End)>> turnsBySpeaker)
    {
        var events = turnsBySpeaker.SelectMany(ts => ts.SelectMany(t => new[] { (Time: t.Start, Delta: 1), (Time: t.End, Delta: -1) }))
            .OrderBy(e => e.Time).ThenBy(e => e.Delta).ToList();
        double overlap = 0;
        var active = 0;
        var last = 0.0;
        foreach (var (time, delta) in events)
        {
            if (active >= 2) overlap += time - last;
            active += delta;
            last = time;
        }
        return overlap;
    }
}
