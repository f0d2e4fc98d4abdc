using System.Globalization;

namespace CallSentiment.Web.Qa;

/// <summary>Whether an analysed call belongs in the service-recovery queue, and why, in words a QA person reads first.</summary>
public static class QaReason
{
    /// <summary>
    /// The customer's side decides (the whole call when the speakers were not separated): NEGATIVE, and when the
    /// verdict is low-confidence only with strong negative evidence (<see cref="FusionModel.ForRecovery"/>).
    /// </summary>
    public static bool IsNegative(CallAnalysis a) => a.ForRecovery;

    /// <summary>The webhook's JSON for a call that entered the queue.</summary>
    public static string EventJson(long itemId, long callId, Recordings.CallMetadata meta, CallAnalysis a, string reason, long analysedAtMs, string? publicBaseUrl)
    {
        var customer = a.Conversation?.Customer?.Mood?.Fused;
        var baseUrl = publicBaseUrl?.TrimEnd('/');
        return System.Text.Json.JsonSerializer.Serialize(new
        {
            @event = "negative-call",
            qaItemId = itemId,
            callId,
            agent = meta.Agent,
            agentName = meta.AgentName,
            callRef = meta.CallId,
            customerRef = meta.CustomerId,
            startedAt = meta.StartedAt.ToUniversalTime(),
            analysedAt = DateTimeOffset.FromUnixTimeMilliseconds(analysedAtMs),
            durationSeconds = a.DurationMs / 1000.0,
            customerSentiment = (customer ?? a.Verdict).Sentiment.ToLabel(),
            negative = Math.Round((customer ?? a.Verdict).Scores.Negative, 3),
            reason,
            queueUrl = baseUrl is null ? null : $"{baseUrl}/qa/{itemId}",
            callUrl = baseUrl is null ? null : $"{baseUrl}/calls/{callId}",
        });
    }

    /// <summary>
    /// The reason, written the way a team lead would brief a colleague: how the customer came across (and how sure the
    /// product is), what the words and the voice each said, whether the call ended worse than it began, the voice's
    /// commonest emotion, and up to two of the most negative things the customer said, quoted only when the recogniser
    /// was sure of their words (<see cref="FusionModel.ConfidentWords"/>): a misheard sentence shown as "why negative"
    /// would send QA after words nobody said.
    /// </summary>
    public static string Describe(CallAnalysis a, FusionModel fusion)
    {
        var ci = CultureInfo.InvariantCulture;
        var sentences = new List<string>();
        var customer = a.Conversation?.Customer;
        var mood = customer?.Mood;
        if (mood?.Fused is { } fused)
        {
            var first = string.Create(ci, $"The customer came across as {Strength(fused.Scores.Negative)} unhappy (negative score {fused.Scores.Negative:0.00})");
            var parts = new List<string>();
            if (mood.Text is { } t) parts.Add($"their words were {Word(t.Sentiment)}");
            if (mood.Voice is { } v) parts.Add($"their voice sounded {Word(v.Sentiment)}");
            sentences.Add(parts.Count == 0 ? first : $"{first}: {string.Join(" and ", parts)}");
            if (mood.Change is { } change && Math.Abs(change) >= 0.05)
                sentences.Add(string.Create(ci, $"They ended the call {(change < 0 ? "less happy" : "happier")} than they began ({change:+0.00;-0.00} from the first to the last quarter)"));
        }
        else
        {
            sentences.Add(string.Create(ci, $"The call as a whole came across as {Strength(a.Verdict.Scores.Negative)} unhappy (negative score {a.Verdict.Scores.Negative:0.00})")
                + (customer is null ? "; the speakers were not told apart" : ""));
        }
        var channel = a.Channels.FirstOrDefault(c => c.Role == Roles.Customer) ?? (a.Channels.Count == 1 ? a.Channels[0] : null);
        if (channel is { Windows.Count: > 0 })
        {
            var top = channel.Windows.GroupBy(w => w.Emotion).OrderByDescending(g => g.Count()).First();
            var share = (double)top.Count() / channel.Windows.Count;
            sentences.Add(share >= 0.995
                ? $"The customer's voice was {top.Key.ToLowerInvariant()} throughout"
                : string.Create(ci, $"The customer's voice was mostly {top.Key.ToLowerInvariant()} ({100 * share:0}% of the time they spoke)"));
        }
        var worst = a.Conversation?.Chunks
            .Where(k => k.Verdict is { Sentiment: Sentiment.Negative } && fusion.ConfidentWords(k.Confidence) && (customer is null || k.Speaker == customer.Speaker))
            .OrderByDescending(k => k.Verdict!.Scores.Negative).Take(2).OrderBy(k => k.StartMs).ToList() ?? [];
        if (worst.Count > 0)
        {
            var quotes = worst.Select(k =>
            {
                var text = k.Text.Length > 120 ? k.Text[..120] + "…" : k.Text;
                return string.Create(ci, $"\"{text}\" at {TimeSpan.FromMilliseconds(k.StartMs):m\\:ss}");
            });
            sentences.Add($"They said {string.Join(" and ", quotes)}");
        }
        return string.Join(". ", sentences) + ".";

        static string Word(Sentiment s) => s.ToLabel().ToLowerInvariant();

        static string Strength(double negative) => negative >= 0.75 ? "clearly" : negative >= 0.5 ? "likely" : "possibly";
    }

    private const string QuotesStart = "They said \"";

    /// <summary>
    /// The reason without what the customer said (transcript retention removes the words, so their quotes go too); the
    /// rest of the reason stays. Reasons written before the sentence form ("…; at 0:05 "…"") are cut the same way.
    /// </summary>
    public static string WithoutQuotes(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        // The quotes are the last sentence; the sentences before them never contain its opening words.
        var at = reason.StartsWith(QuotesStart, StringComparison.Ordinal) ? 0 : reason.IndexOf(". " + QuotesStart, StringComparison.Ordinal);
        if (at >= 0)
            return (at == 0 ? "" : reason[..(at + 2)]) + "(What they said was removed by retention.)";
        var old = reason.IndexOf("; at ", StringComparison.Ordinal);
        return old >= 0 ? reason[..old] + "; (quotes removed by retention)" : reason;
    }
}
