using System.Globalization;
using System.Text;

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
    /// The reason line: the customer's verdict, each stage's, the voice's commonest emotion and up to two of the most
    /// negative chunks, quoted only when the recogniser was sure of their words (<see cref="FusionModel.ConfidentWords"/>):
    /// a misheard sentence shown as "why negative" would send QA after words nobody said.
    /// </summary>
    public static string Describe(CallAnalysis a, FusionModel fusion)
    {
        var sb = new StringBuilder();
        var customer = a.Conversation?.Customer;
        var mood = customer?.Mood;
        if (mood?.Fused is { } fused)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Customer NEGATIVE ({fused.Scores.Negative:0.00})");
            if (mood.Text is { } t) sb.Append(CultureInfo.InvariantCulture, $"; words {t.Sentiment.ToLabel()}");
            if (mood.Voice is { } v) sb.Append(CultureInfo.InvariantCulture, $"; voice {v.Sentiment.ToLabel()}");
            if (mood.Change is { } change) sb.Append(CultureInfo.InvariantCulture, $"; Q4 − Q1 {change:+0.00;-0.00;0.00}");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"Call NEGATIVE ({a.Verdict.Scores.Negative:0.00})");
        }
        var channel = a.Channels.FirstOrDefault(c => c.Role == Roles.Customer) ?? (a.Channels.Count == 1 ? a.Channels[0] : null);
        if (channel is { Windows.Count: > 0 })
        {
            var top = channel.Windows.GroupBy(w => w.Emotion).OrderByDescending(g => g.Count()).First();
            sb.Append(CultureInfo.InvariantCulture, $"; voice mostly {top.Key} ({100.0 * top.Count() / channel.Windows.Count:0}% of windows)");
        }
        var worst = a.Conversation?.Chunks
            .Where(k => k.Verdict is { Sentiment: Sentiment.Negative } && fusion.ConfidentWords(k.Confidence) && (customer is null || k.Speaker == customer.Speaker))
            .OrderByDescending(k => k.Verdict!.Scores.Negative).Take(2).ToList() ?? [];
        foreach (var k in worst)
        {
            var text = k.Text.Length > 120 ? k.Text[..120] + "…" : k.Text;
            sb.Append(CultureInfo.InvariantCulture, $"; at {TimeSpan.FromMilliseconds(k.StartMs):m\\:ss} \"{text}\"");
        }
        return sb.ToString();
    }
}
