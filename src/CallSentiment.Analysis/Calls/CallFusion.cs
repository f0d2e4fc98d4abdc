using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// Gives each speaker of a conversation its voice-emotion windows and fuses them with its scored transcript chunks
/// (rules: <see cref="ConversationFusion"/>). On a stereo call a speaker's windows are its channel's; on a diarized mono
/// call a window belongs to the speaker whose speech overlaps it most.
/// </summary>
public static class CallFusion
{
    public static ConversationResult Fuse(ConversationResult conversation, IReadOnlyList<ChannelResult> channels, double callSeconds, FusionModel model)
    {
        // The agent's words are shifted before anything weighs them or shows them (text verdict, evidence, quarters, the
        // transcript's chunk labels): the text model reads their apologies as complaints. The chunk keeps the shifted
        // scores and their largest as its label, so the page, the API and the verdict read the same words the same way.
        var chunks = conversation.Chunks;
        if (model.AgentText is { } offsets)
        {
            var agents = conversation.Speakers.Where(s => s.Role == Roles.Agent).Select(s => s.Speaker).ToHashSet();
            chunks = [.. chunks.Select(k => agents.Contains(k.Speaker) && k.Verdict is { } v ? k with { Verdict = Calibrated(v, offsets) } : k)];
        }
        var speakers = conversation.Speakers.Select(s =>
        {
            var text = chunks
                .Where(k => k.Speaker == s.Speaker && k.Verdict is not null)
                .Select(k => new MoodSpan(k.StartMs / 1000.0, k.EndMs / 1000.0, k.Verdict!.Scores, k.Confidence))
                .ToList();
            var voice = VoiceWindows(s, conversation.Speakers, channels)
                .Select(w => new MoodSpan(w.StartMs / 1000.0, w.EndMs / 1000.0, new SentimentScores(w.Positive, w.Negative, w.Neutral, 0)))
                .ToList();
            return s with { Mood = ConversationFusion.Fuse(text, voice, callSeconds, model) };
        }).ToList();
        return conversation with { Speakers = speakers, Chunks = chunks };
    }

    private static Verdict Calibrated(Verdict v, TextOffsets offsets)
    {
        var shifted = offsets.Shift(v.Scores);
        return new Verdict(ConversationFusion.Largest(shifted), shifted);
    }

    private static IEnumerable<WindowResult> VoiceWindows(SpeakerResult speaker, IReadOnlyList<SpeakerResult> all, IReadOnlyList<ChannelResult> channels)
    {
        if (channels.Count > 1)
            return speaker.Channel is { } ch ? channels.FirstOrDefault(c => c.Channel == ch)?.Windows ?? [] : [];
        if (channels.Count == 0) return [];
        if (all.Count == 1) return channels[0].Windows;
        return channels[0].Windows.Where(w => Owner(w, all) == speaker.Speaker);
    }

    private static int? Owner(WindowResult w, IReadOnlyList<SpeakerResult> speakers)
    {
        double start = w.StartMs / 1000.0, end = w.EndMs / 1000.0;
        int? best = null;
        double bestOverlap = 0;
        foreach (var s in speakers)
        {
            var overlap = s.Speech.Sum(seg => Math.Max(0, Math.Min(end, seg.End) - Math.Max(start, seg.Start)));
            if (overlap > bestOverlap) { bestOverlap = overlap; best = s.Speaker; }
        }
        return best;
    }
}
