using System.Globalization;
using System.Text;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Agents;

/// <summary>One employee's sums in one week of the period (<see cref="Week"/>: the index into the period's weeks).</summary>
public sealed record AgentWeekSums(long AgentId, int Week, AgentSums Sums);

/// <summary>A call that drove one of an employee's figures (the drill-down lists).</summary>
public sealed record DriverCall
{
    public long Id { get; init; }
    public long StartedAt { get; init; }
    public long DurationMs { get; init; }
    public string Sentiment { get; init; } = "";
    public string? CustomerSentiment { get; init; }
    public double? SentimentChange { get; init; }
    public long? SilenceMs { get; init; }
    public long? LongestSilenceMs { get; init; }
    public long? AgentTalkMs { get; init; }
    public long? CustomerTalkMs { get; init; }
    public long? AgentInterruptions { get; init; }

    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedAt);

    public double? AgentTalkShare => AgentTalkMs is { } a && CustomerTalkMs is { } c && a + c > 0 ? 100.0 * a / (a + c) : null;
}

/// <summary>
/// The comparison's reads. Whole UTC weeks come from the weekly totals per employee that triggers keep in agent_weeks (a
/// year of 500 employees: ~26,000 rows instead of ~500,000 calls and their ~1,000,000 speaker rows), the whole days
/// around them from agent_days, and the parts of days at the period's ends and the UTC days that a week boundary in the
/// dashboard's zone cuts in two from calls (at most one day per week; none in UTC).
/// </summary>
public sealed class AgentQueries(Db db)
{
    private const long DayMs = 86_400_000;

    /// <summary>Per employee and week of <paramref name="weeks"/> (consecutive ISO weeks, the first and last clipped to the period).</summary>
    public async Task<IReadOnlyList<AgentWeekSums>> WeeklyAsync(IReadOnlyList<WeekBucket> weeks, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        // Whole UTC weeks: one row per employee and week. A local week's whole UTC days always fall in the UTC Monday-to-
        // Sunday of its date (offsets are under a day), so its week is (Monday − the first week's Monday) / 7 days.
        const string Weeks = """
            SELECT agent_id AS AgentId, CAST((week_start - @monday) / 604800000 AS BIGINT) AS Week, call_count AS Calls, duration_ms AS DurationMs,
                   positives AS Positives, negatives AS Negatives, change_sum AS ChangeSum, change_count AS ChangeCount,
                   conversation_calls AS ConversationCalls, conversation_ms AS ConversationMs, silence_ms AS SilenceMs, long_silences AS LongSilences,
                   agent_talk_ms AS AgentTalkMs, customer_talk_ms AS CustomerTalkMs, agent_interruptions AS AgentInterruptions
            FROM agent_weeks WHERE week_start >= @fullFrom AND week_start < @fullTo AND call_count > 0
            """;
        // Whole UTC days (the weeks clipped by the period, and the days a week boundary cuts, which are taken out again).
        const string Days = """
            SELECT x.agent_id AS AgentId, CAST(x.week AS BIGINT) AS Week, CAST(SUM(x.call_count) AS BIGINT) AS Calls,
                   CAST(SUM(x.duration_ms) AS BIGINT) AS DurationMs, CAST(SUM(x.positives) AS BIGINT) AS Positives,
                   CAST(SUM(x.negatives) AS BIGINT) AS Negatives, SUM(x.change_sum) AS ChangeSum, CAST(SUM(x.change_count) AS BIGINT) AS ChangeCount,
                   CAST(SUM(x.conversation_calls) AS BIGINT) AS ConversationCalls, CAST(SUM(x.conversation_ms) AS BIGINT) AS ConversationMs,
                   CAST(SUM(x.silence_ms) AS BIGINT) AS SilenceMs, CAST(SUM(x.long_silences) AS BIGINT) AS LongSilences,
                   CAST(SUM(x.agent_talk_ms) AS BIGINT) AS AgentTalkMs, CAST(SUM(x.customer_talk_ms) AS BIGINT) AS CustomerTalkMs,
                   CAST(SUM(x.agent_interruptions) AS BIGINT) AS AgentInterruptions
            FROM (SELECT agent_id, (day_start - @monday) / 604800000 AS week, call_count, duration_ms, positives, negatives, change_sum, change_count,
                         conversation_calls, conversation_ms, silence_ms, long_silences, agent_talk_ms, customer_talk_ms, agent_interruptions
                  FROM agent_days WHERE call_count > 0 AND ({0})) x
            GROUP BY x.agent_id, x.week
            """;
        // The calls' part: each piece lies in one week and is its own range scan of ix_calls_time (an OR of ranges is a scan
        // of every call on SQLite); the speakers' figures are looked up per call (primary key).
        const string Calls = """
            SELECT x.agent_id AS AgentId, CAST(x.week AS BIGINT) AS Week, CAST(COUNT(*) AS BIGINT) AS Calls,
                   CAST(SUM(x.duration_ms) AS BIGINT) AS DurationMs,
                   CAST(SUM(CASE WHEN x.sentiment = 'POSITIVE' THEN 1 ELSE 0 END) AS BIGINT) AS Positives,
                   CAST(SUM(CASE WHEN x.sentiment = 'NEGATIVE' THEN 1 ELSE 0 END) AS BIGINT) AS Negatives,
                   COALESCE(SUM(x.sentiment_change), 0) AS ChangeSum, CAST(COUNT(x.sentiment_change) AS BIGINT) AS ChangeCount,
                   CAST(COUNT(x.silence_ms) AS BIGINT) AS ConversationCalls,
                   CAST(SUM(CASE WHEN x.silence_ms IS NOT NULL THEN x.duration_ms ELSE 0 END) AS BIGINT) AS ConversationMs,
                   CAST(COALESCE(SUM(x.silence_ms), 0) AS BIGINT) AS SilenceMs,
                   CAST(SUM(CASE WHEN x.longest_silence_ms >= 30000 THEN 1 ELSE 0 END) AS BIGINT) AS LongSilences,
                   CAST(COALESCE(SUM(x.agent_talk_ms), 0) AS BIGINT) AS AgentTalkMs, CAST(COALESCE(SUM(x.customer_talk_ms), 0) AS BIGINT) AS CustomerTalkMs,
                   CAST(COALESCE(SUM(x.agent_interruptions), 0) AS BIGINT) AS AgentInterruptions
            FROM ({0}) x
            GROUP BY x.agent_id, x.week
            """;
        const string Piece = """
            SELECT c.agent_id, {0} AS week, c.duration_ms, c.sentiment, c.sentiment_change, c.silence_ms, c.longest_silence_ms,
                   (SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS agent_talk_ms,
                   (SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'customer') AS customer_talk_ms,
                   (SELECT SUM(s.interruptions) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS agent_interruptions
            FROM calls c WHERE c.started_at >= @from{1} AND c.started_at < @to{1}
            """;
        var result = new List<AgentWeekSums>();
        if (weeks.Count == 0) return result;
        var plan = Plan(weeks, zone);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (plan.FullFrom < plan.FullTo)
            await ReadAsync(Weeks, new DynamicParameters(new { monday = plan.Monday, fullFrom = plan.FullFrom, fullTo = plan.FullTo }), negate: false).ConfigureAwait(false);
        if (plan.DayRanges.Count > 0)
        {
            var p = new DynamicParameters(new { monday = plan.Monday });
            var where = new StringBuilder();
            for (var i = 0; i < plan.DayRanges.Count; i++)
            {
                where.Append(i == 0 ? "(" : " OR (").Append(CultureInfo.InvariantCulture, $"day_start >= @dayFrom{i} AND day_start < @dayTo{i})");
                p.Add($"dayFrom{i}", plan.DayRanges[i].From);
                p.Add($"dayTo{i}", plan.DayRanges[i].To);
            }
            if (plan.CutDays.Count > 0) where.Append(" AND day_start NOT IN (").Append(In(p, "cut", plan.CutDays)).Append(')');
            await ReadAsync(string.Format(CultureInfo.InvariantCulture, Days, where), p, negate: false).ConfigureAwait(false);
        }
        if (plan.SubtractDays.Count > 0)
        {
            var p = new DynamicParameters(new { monday = plan.Monday });
            await ReadAsync(string.Format(CultureInfo.InvariantCulture, Days, "day_start IN (" + In(p, "less", plan.SubtractDays) + ")"), p, negate: true).ConfigureAwait(false);
        }
        if (plan.Pieces.Count > 0)
        {
            var p = new DynamicParameters();
            var arms = new List<string>();
            for (var i = 0; i < plan.Pieces.Count; i++)
            {
                var (from, to, week) = plan.Pieces[i];
                p.Add($"from{i}", from);
                p.Add($"to{i}", to);
                arms.Add(string.Format(CultureInfo.InvariantCulture, Piece, week, i));
            }
            await ReadAsync(string.Format(CultureInfo.InvariantCulture, Calls, string.Join(" UNION ALL ", arms)), p, negate: false).ConfigureAwait(false);
        }
        return result;

        async Task ReadAsync(string sql, DynamicParameters p, bool negate)
        {
            foreach (var row in await c.QueryAsync<SumsRow>(new CommandDefinition(Dialect(sql), p, cancellationToken: cancellationToken)).ConfigureAwait(false))
                result.Add(row.ToWeek(negate));
        }

        static string In(DynamicParameters p, string name, List<long> values)
        {
            for (var i = 0; i < values.Count; i++) p.Add(name + i.ToString(CultureInfo.InvariantCulture), values[i]);
            return string.Join(", ", values.Select((_, i) => "@" + name + i.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The period's comparison of every employee with calls in it (see <see cref="AgentComparison"/>).</summary>
    public async Task<AgentComparison> CompareAsync(ResolvedRange range, TimeZoneInfo zone, IReadOnlyList<AgentRow> agents, int minCalls,
        CancellationToken cancellationToken)
    {
        var weeks = WeekBuckets.Between(range.FromUtc, range.ToUtc, zone);
        var rows = await WeeklyAsync(weeks, zone, cancellationToken).ConfigureAwait(false);
        return AgentComparison.Build(range, weeks, agents, rows, minCalls);
    }

    /// <summary>
    /// Where each part of the period is read: whole UTC weeks from agent_weeks; whole UTC days outside them from agent_days;
    /// the days a local week boundary cuts in two (none in UTC), which a whole UTC week holds and must give back
    /// (<c>SubtractDays</c>); and the pieces of time summed from calls instead (the cut days and the period's partial
    /// days), each inside one week.
    /// </summary>
    internal static (long Monday, long FullFrom, long FullTo, List<(long From, long To)> DayRanges, List<long> CutDays, List<long> SubtractDays,
        List<(long From, long To, int Week)> Pieces) Plan(IReadOnlyList<WeekBucket> weeks, TimeZoneInfo zone)
    {
        const long WeekMs = 7 * DayMs;
        long from = weeks[0].StartUtc.ToUnixTimeMilliseconds(), to = weeks[^1].EndUtc.ToUnixTimeMilliseconds();
        var localFirst = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(weeks[0].StartUtc, zone).DateTime);
        var mondayDate = localFirst.AddDays(-(((int)localFirst.DayOfWeek + 6) % 7));
        var monday = new DateTimeOffset(mondayDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var wholeFrom = CeilDay(from);
        var wholeTo = FloorDay(to);
        var spans = new List<(long From, long To)>();
        var cut = new List<long>();
        var dayRanges = new List<(long, long)>();
        var subtract = new List<long>();
        long fullFrom = 0, fullTo = 0;
        if (wholeFrom >= wholeTo) spans.Add((from, to));
        else
        {
            if (from < wholeFrom) spans.Add((from, wholeFrom));
            for (var i = 1; i < weeks.Count; i++)
            {
                var boundary = weeks[i].StartUtc.ToUnixTimeMilliseconds();
                var day = FloorDay(boundary);
                if (boundary == day || day < wholeFrom || day >= wholeTo || cut.Contains(day)) continue;
                cut.Add(day);
                spans.Add((day, day + DayMs));
            }
            if (wholeTo < to) spans.Add((wholeTo, to));
            // The UTC weeks (Mondays monday + k weeks) that lie wholly within the whole days.
            var firstFull = monday + (wholeFrom - monday + WeekMs - 1) / WeekMs * WeekMs;
            var endFull = monday + (wholeTo - monday) / WeekMs * WeekMs;
            if (firstFull < endFull)
            {
                (fullFrom, fullTo) = (firstFull, endFull);
                if (wholeFrom < firstFull) dayRanges.Add((wholeFrom, firstFull));
                if (endFull < wholeTo) dayRanges.Add((endFull, wholeTo));
                subtract.AddRange(cut.Where(d => d >= firstFull && d < endFull));
            }
            else dayRanges.Add((wholeFrom, wholeTo));
        }
        var pieces = new List<(long, long, int)>();
        foreach (var (s, e) in spans)
        {
            for (var w = 0; w < weeks.Count; w++)
            {
                long ws = weeks[w].StartUtc.ToUnixTimeMilliseconds(), we = weeks[w].EndUtc.ToUnixTimeMilliseconds();
                var a = Math.Max(s, ws);
                var b = Math.Min(e, we);
                if (a < b) pieces.Add((a, b, w));
            }
        }
        return (monday, fullFrom, fullTo, dayRanges, cut, subtract, pieces);

        static long FloorDay(long t) => t - (t % DayMs + DayMs) % DayMs;
        static long CeilDay(long t) => FloorDay(t + DayMs - 1);
    }

    /// <summary>
    /// An employee's calls in the period that drove <paramref name="metric"/> most, worst first (the drill-down):
    /// negative calls, the customer's biggest drops, the agent's highest talk share or most interruptions, the most or
    /// longest silence. A range scan of ix_calls_agent_time: one employee's period is a few thousand calls at most.
    /// </summary>
    public async Task<IReadOnlyList<DriverCall>> DriversAsync(long agentId, DateTimeOffset from, DateTimeOffset to, AgentMetric metric, int take,
        CancellationToken cancellationToken)
    {
        const string Select = """
            SELECT x.Id, x.StartedAt, x.DurationMs, x.Sentiment, x.CustomerSentiment, x.SentimentChange, x.SilenceMs, x.LongestSilenceMs,
                   x.AgentTalkMs, x.CustomerTalkMs, x.AgentInterruptions
            FROM (SELECT c.id AS Id, c.started_at AS StartedAt, c.duration_ms AS DurationMs, c.sentiment AS Sentiment,
                         c.customer_sentiment AS CustomerSentiment, c.sentiment_change AS SentimentChange, c.silence_ms AS SilenceMs,
                         c.longest_silence_ms AS LongestSilenceMs,
                         CAST((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS BIGINT) AS AgentTalkMs,
                         CAST((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'customer') AS BIGINT) AS CustomerTalkMs,
                         CAST((SELECT SUM(s.interruptions) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS BIGINT) AS AgentInterruptions
                  FROM calls c WHERE c.agent_id = @agentId AND c.started_at >= @from AND c.started_at < @to) x
            """;
        var (where, order) = metric.Key switch
        {
            "nps" => ("x.Sentiment = 'NEGATIVE'", "x.StartedAt DESC"),
            "change" => ("x.SentimentChange < 0", "x.SentimentChange ASC"),
            "talk" => ("x.AgentTalkMs + x.CustomerTalkMs > 0", "1.0 * x.AgentTalkMs / (x.AgentTalkMs + x.CustomerTalkMs) DESC"),
            "interruptions" => ("x.AgentInterruptions > 0", "x.AgentInterruptions DESC"),
            "silence" => ("x.SilenceMs > 0 AND x.DurationMs > 0", "1.0 * x.SilenceMs / x.DurationMs DESC"),
            "longSilences" => ($"x.LongestSilenceMs >= {AgentSums.LongSilenceMs.ToString(CultureInfo.InvariantCulture)}", "x.LongestSilenceMs DESC"),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric.Key, "no drill-down for this figure"),
        };
        var sql = Dialect($"{Select} WHERE {where} ORDER BY {order}, x.Id DESC LIMIT @take");
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<DriverCall>(new CommandDefinition(sql,
            new { agentId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), take = (long)take },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    // MySQL: integer division is DIV, and its BIGINT in a CAST is SIGNED (a type name PostgreSQL does not know).
    private string Dialect(string sql) => db.IsMySql
        ? sql.Replace(" AS BIGINT)", " AS SIGNED)", StringComparison.Ordinal).Replace(" / 604800000", " DIV 604800000", StringComparison.Ordinal)
        : sql;

    private sealed class SumsRow
    {
        public long AgentId { get; init; }
        public long Week { get; init; }
        public long Calls { get; init; }
        public long DurationMs { get; init; }
        public long Positives { get; init; }
        public long Negatives { get; init; }
        public double ChangeSum { get; init; }
        public long ChangeCount { get; init; }
        public long ConversationCalls { get; init; }
        public long ConversationMs { get; init; }
        public long SilenceMs { get; init; }
        public long LongSilences { get; init; }
        public long AgentTalkMs { get; init; }
        public long CustomerTalkMs { get; init; }
        public long AgentInterruptions { get; init; }

        /// <summary>The row's sums, or their opposite (a day to take back out of its UTC week).</summary>
        public AgentWeekSums ToWeek(bool negate)
        {
            var k = negate ? -1 : 1;
            return new(AgentId, (int)Week, new AgentSums
            {
                Calls = k * Calls, DurationMs = k * DurationMs, Positives = k * Positives, Negatives = k * Negatives, ChangeSum = k * ChangeSum,
                ChangeCount = k * ChangeCount, ConversationCalls = k * ConversationCalls, ConversationMs = k * ConversationMs, SilenceMs = k * SilenceMs,
                LongSilences = k * LongSilences, AgentTalkMs = k * AgentTalkMs, CustomerTalkMs = k * CustomerTalkMs, AgentInterruptions = k * AgentInterruptions,
            });
        }
    }
}
