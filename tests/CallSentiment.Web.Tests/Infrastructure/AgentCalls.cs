using System.Globalization;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// One call as the worker would have stored it, with chosen figures, for tests that need many employees and exact
/// numbers (analysing real audio for each would take minutes). <see cref="AgentTalkMs"/> null: no conversation facts
/// and no speakers (a call analysed without a transcript).
/// </summary>
public sealed record SeedCall(string Agent, DateTimeOffset Start, string Sentiment, long DurationMs = 300_000, double? Change = null,
    long? SilenceMs = null, long? LongestSilenceMs = null, long? AgentTalkMs = null, long? CustomerTalkMs = null, long AgentInterruptions = 0,
    long CustomerInterruptions = 0);

public static class AgentCalls
{
    private static int Sequence;

    /// <summary>Writes each call (its employee, recording, call row and speakers) through plain SQL; returns the call ids in order.</summary>
    public static async Task<IReadOnlyList<long>> InsertAsync(Db db, IEnumerable<SeedCall> calls)
    {
        const string FindAgent = "SELECT id FROM agents WHERE name = @name";
        const string InsertAgent = "INSERT INTO agents (name, display_name) VALUES (@name, @displayName)";
        const string InsertRecording = """
            INSERT INTO recordings (source_key, version, size_bytes, agent_id, call_ref, customer_ref, started_at, agent_channel, customer_channel, discovered_at)
            VALUES (@key, 'v1', 1000, @agentId, @callRef, NULL, @startedAt, 0, 1, @startedAt)
            """;
        const string FindRecording = "SELECT id FROM recordings WHERE source_key = @key";
        const string InsertCall = """
            INSERT INTO calls (source_key, recording_id, agent_id, call_ref, customer_ref, started_at, duration_ms, sentiment, confidence,
                               positive, negative, neutral, mixed, dominant_emotion, channel_count, sample_rate, agent_channel, customer_channel, analyzed_at,
                               customer_sentiment, agent_sentiment, sentiment_change, silence_ms, longest_silence_ms, overlap_ms, interruptions)
            VALUES (@key, @recordingId, @agentId, @callRef, NULL, @startedAt, @durationMs, @sentiment, 0.7, @positive, @negative, @neutral, @mixed,
                    NULL, 2, 8000, 0, 1, @startedAt, @sentiment, 'NEUTRAL', @change, @silenceMs, @longestSilenceMs, @overlapMs, @interruptions)
            """;
        const string FindCall = "SELECT id FROM calls WHERE source_key = @key";
        const string InsertSpeaker = """
            INSERT INTO call_speakers (call_id, speaker, role, channel, talk_ms, words, interruptions)
            VALUES (@callId, @speaker, @role, @speaker, @talkMs, 100, @interruptions)
            """;
        var ids = new List<long>();
        await using var c = await db.OpenAsync(CancellationToken.None);
        foreach (var call in calls)
        {
            var agentId = await c.ExecuteScalarAsync<long?>(FindAgent, new { name = call.Agent });
            if (agentId is null)
            {
                await c.ExecuteAsync(InsertAgent, new { name = call.Agent, displayName = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(call.Agent) + " Test" });
                agentId = await c.ExecuteScalarAsync<long>(FindAgent, new { name = call.Agent });
            }
            var n = Interlocked.Increment(ref Sequence);
            var key = string.Create(CultureInfo.InvariantCulture, $"{call.Agent}/{call.Start:yyyy-MM-dd}/{call.Start:HHmmss}_seed{n}.wav");
            var callRef = string.Create(CultureInfo.InvariantCulture, $"seed{n}");
            var startedAt = call.Start.ToUnixTimeMilliseconds();
            await c.ExecuteAsync(InsertRecording, new { key, agentId, callRef, startedAt });
            var recordingId = await c.ExecuteScalarAsync<long>(FindRecording, new { key });
            var (positive, negative, neutral, mixed) = call.Sentiment switch
            {
                "POSITIVE" => (0.7, 0.1, 0.1, 0.1),
                "NEGATIVE" => (0.1, 0.7, 0.1, 0.1),
                "MIXED" => (0.1, 0.1, 0.1, 0.7),
                _ => (0.1, 0.1, 0.7, 0.1),
            };
            var conversation = call.AgentTalkMs is not null;
            await c.ExecuteAsync(InsertCall, new
            {
                key, recordingId, agentId, callRef, startedAt, durationMs = call.DurationMs, sentiment = call.Sentiment, positive, negative, neutral, mixed,
                change = call.Change, silenceMs = conversation ? call.SilenceMs ?? 0 : (long?)null, longestSilenceMs = conversation ? call.LongestSilenceMs ?? 0 : (long?)null,
                overlapMs = conversation ? 0L : (long?)null, interruptions = conversation ? call.AgentInterruptions + call.CustomerInterruptions : (long?)null,
            });
            var callId = await c.ExecuteScalarAsync<long>(FindCall, new { key });
            if (conversation)
            {
                await c.ExecuteAsync(InsertSpeaker, new { callId, speaker = 0L, role = "agent", talkMs = call.AgentTalkMs, interruptions = call.AgentInterruptions });
                await c.ExecuteAsync(InsertSpeaker, new { callId, speaker = 1L, role = "customer", talkMs = call.CustomerTalkMs ?? 0, interruptions = call.CustomerInterruptions });
            }
            ids.Add(callId);
        }
        return ids;
    }

    /// <summary>
    /// agent_days rows that differ from the same sums recomputed from calls and call_speakers, and agent_weeks rows that
    /// differ from the sums of their days, as readable lines (empty: the rollup is right). Rows whose figures are all zero
    /// are ignored (a day whose calls all moved away).
    /// </summary>
    public static async Task<IReadOnlyList<string>> RollupDifferencesAsync(Db db)
    {
        string[] Columns = ["call_count", "duration_ms", "positives", "negatives", "change_sum", "change_count", "conversation_calls", "conversation_ms",
            "silence_ms", "long_silences", "agent_talk_ms", "customer_talk_ms", "agent_interruptions"];
        const string Rollup = """
            SELECT day_start, agent_id, call_count, duration_ms, positives, negatives, change_sum, change_count, conversation_calls, conversation_ms,
                   silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions
            FROM agent_days
            """;
        const string Calls = """
            SELECT c.started_at, c.agent_id, c.duration_ms, c.sentiment, c.sentiment_change, c.silence_ms, c.longest_silence_ms,
                   (SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS agent_talk,
                   (SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'customer') AS customer_talk,
                   (SELECT SUM(s.interruptions) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS agent_interruptions
            FROM calls c
            """;
        await using var c = await db.OpenAsync(CancellationToken.None);
        var stored = new Dictionary<(long, long), double[]>();
        foreach (var r in await c.QueryAsync(Rollup))
        {
            var d = (IDictionary<string, object>)r;
            var v = Columns.Select(k => Convert.ToDouble(d[k], CultureInfo.InvariantCulture)).ToArray();
            if (v.Any(x => Math.Abs(x) > 1e-9)) stored[(Convert.ToInt64(d["day_start"], CultureInfo.InvariantCulture), Convert.ToInt64(d["agent_id"], CultureInfo.InvariantCulture))] = v;
        }
        var expected = new Dictionary<(long, long), double[]>();
        foreach (var r in await c.QueryAsync(Calls))
        {
            var d = (IDictionary<string, object>)r;
            double N(string k) => d[k] is null or DBNull ? 0 : Convert.ToDouble(d[k], CultureInfo.InvariantCulture);
            bool Has(string k) => d[k] is not (null or DBNull);
            var started = Convert.ToInt64(d["started_at"], CultureInfo.InvariantCulture);
            var key = (started - started % 86_400_000, Convert.ToInt64(d["agent_id"], CultureInfo.InvariantCulture));
            var sentiment = (string)d["sentiment"];
            double[] v =
            [
                1, N("duration_ms"), sentiment == "POSITIVE" ? 1 : 0, sentiment == "NEGATIVE" ? 1 : 0, N("sentiment_change"), Has("sentiment_change") ? 1 : 0,
                Has("silence_ms") ? 1 : 0, Has("silence_ms") ? N("duration_ms") : 0, N("silence_ms"), N("longest_silence_ms") >= 30_000 ? 1 : 0,
                N("agent_talk"), N("customer_talk"), N("agent_interruptions"),
            ];
            expected[key] = expected.TryGetValue(key, out var e) ? e.Zip(v, (a, b) => a + b).ToArray() : v;
        }
        var problems = new List<string>();
        Compare("day", stored, expected);
        // The weekly totals (UTC weeks from Monday) against the daily ones.
        var weeks = new Dictionary<(long, long), double[]>();
        foreach (var r in await c.QueryAsync(Rollup.Replace("day_start,", "week_start AS day_start,", StringComparison.Ordinal).Replace("agent_days", "agent_weeks", StringComparison.Ordinal)))
        {
            var d = (IDictionary<string, object>)r;
            var v = Columns.Select(k => Convert.ToDouble(d[k], CultureInfo.InvariantCulture)).ToArray();
            if (v.Any(x => Math.Abs(x) > 1e-9)) weeks[(Convert.ToInt64(d["day_start"], CultureInfo.InvariantCulture), Convert.ToInt64(d["agent_id"], CultureInfo.InvariantCulture))] = v;
        }
        var fromDays = new Dictionary<(long, long), double[]>();
        foreach (var ((day, agent), v) in stored)
        {
            var key = (day - (day - 345_600_000) % 604_800_000, agent);
            fromDays[key] = fromDays.TryGetValue(key, out var e) ? e.Zip(v, (a, b) => a + b).ToArray() : v;
        }
        Compare("week", weeks, fromDays);
        return problems;

        void Compare(string what, Dictionary<(long, long), double[]> actual, Dictionary<(long, long), double[]> wanted)
        {
            foreach (var key in actual.Keys.Union(wanted.Keys))
            {
                var s = actual.GetValueOrDefault(key) ?? new double[13];
                var e = wanted.GetValueOrDefault(key) ?? new double[13];
                if (s.Zip(e).Any(p => Math.Abs(p.First - p.Second) > 1e-6))
                    problems.Add($"{what} {key.Item1} agent {key.Item2}: stored [{string.Join(", ", s)}], expected [{string.Join(", ", e)}]");
            }
        }
    }
}
