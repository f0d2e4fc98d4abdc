using System.Globalization;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Recordings;
using Microsoft.Extensions.DependencyInjection;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// Calls with a given transcript and conversation facts, stored the way the worker stores an analysis: discovered,
/// claimed and completed through the app's own <see cref="JobQueue"/> (so tagging runs in the same transaction). For
/// apps with Ingestion:Enabled=false, whose worker would otherwise race for the job.
/// </summary>
public static class AnalysedCalls
{
    public static string KeyOf(string agent, DateTime start, string callRef) =>
        string.Create(CultureInfo.InvariantCulture, $"{agent}/{start:yyyy-MM-dd}/{start:HHmmss}_{callRef}.wav");

    /// <summary>Stores one call; each line is a turn (agent or customer), words 400 ms apart. Returns the call id.</summary>
    public static async Task<long> StoreAsync(IServiceProvider services, string agent, DateTime start, string callRef, Sentiment customer,
        long silenceMs, params (bool Agent, string Text)[] lines)
    {
        var queue = services.GetRequiredService<JobQueue>();
        var started = new DateTimeOffset(start, TimeSpan.Zero);
        var meta = new CallMetadata(agent, null, started, callRef, null, 0, 1);
        await queue.EnqueueAsync([new DiscoveredRecording(new RecordingObject(KeyOf(agent, start, callRef), 10, "v1", started), meta)], CancellationToken.None);
        var job = await queue.ClaimAsync("test", CancellationToken.None) ?? throw new InvalidOperationException("no job to claim");
        var chunks = new List<ChunkResult>();
        long t = 500, agentMs = 0, customerMs = 0;
        foreach (var (isAgent, text) in lines)
        {
            var words = text.Split(' ');
            var json = "[" + string.Join(',', words.Select((w, j) =>
                FormattableString.Invariant($"[{System.Text.Json.JsonSerializer.Serialize(w)},{t + 400 * j},{t + 400 * j + 300},0.95]"))) + "]";
            var end = t + 400 * words.Length;
            chunks.Add(new ChunkResult(isAgent ? 0 : 1, isAgent ? Roles.Agent : Roles.Customer, t, end, text, json, null, "test"));
            if (isAgent) agentMs += end - t; else customerMs += end - t;
            t = end + 600;
        }
        var verdict = new Verdict(customer, customer switch
        {
            Sentiment.Negative => new SentimentScores(0.05, 0.9, 0.05, 0),
            Sentiment.Positive => new SentimentScores(0.9, 0.05, 0.05, 0),
            _ => new SentimentScores(0.1, 0.1, 0.8, 0),
        });
        var neutral = new Verdict(Sentiment.Neutral, new SentimentScores(0.1, 0.1, 0.8, 0));
        var conversation = new ConversationResult("test", "Channels",
            [
                new SpeakerResult(0, Roles.Agent, 0, agentMs, lines.Where(l => l.Agent).Sum(l => l.Text.Split(' ').Length), 0, [],
                    new SpeakerMood(null, null, neutral, [0, 0, 0, 0])),
                new SpeakerResult(1, Roles.Customer, 1, customerMs, lines.Where(l => !l.Agent).Sum(l => l.Text.Split(' ').Length), 0, [],
                    new SpeakerMood(null, null, verdict, [0, 0, 0, 0])),
            ],
            chunks, silenceMs, silenceMs, 0, 0);
        var analysis = new CallAnalysis(t + silenceMs, 8000, 2, verdict, null, [], [], conversation);
        return await queue.CompleteAsync(job, "test", analysis, CancellationToken.None) ?? throw new InvalidOperationException("the job's lease was lost");
    }
}
