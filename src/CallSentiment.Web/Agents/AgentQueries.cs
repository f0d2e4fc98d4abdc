using System.Globalization;
using System.Text;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Agents;

/// <summary>One employee's sums in one week of the period (<see cref="Week"/>: the index into the period's weeks).</summary>
public sealed record AgentWeekSums(long AgentId, int Week, AgentSums Sums);

/// <summary>Whose weeks a comparison reads besides the totals and the team's weeks: nobody's, everyone's NPS (sparklines), one employee's or everyone's.</summary>
public sealed record AgentWeeks(AgentWeeks.Whose Kind, long? AgentId = null)
{
    public enum Whose
    {
        None,
        Nps,
        All,
    }

    public static AgentWeeks Nobody { get; } = new(Whose.None);

    public static AgentWeeks NpsOfEveryone { get; } = new(Whose.Nps);

    public static AgentWeeks Everyone { get; } = new(Whose.All);

    public static AgentWeeks Employee(long agentId) => new(Whose.All, agentId);
}

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

/// <summary>How a reading of the sums is grouped: per employee and week, per employee (the period), or per week (the team).</summary>
public enum AgentGrouping
{
    AgentWeek,
    Agent,
    Week,
}

/// <summary>
/// The comparison's reads. Whole UTC weeks come from the weekly totals per employee that triggers keep in agent_weeks (a
/// year of 500 employees: ~26,000 rows instead of ~500,000 calls and their ~1,000,000 speaker rows), the whole days
/// around them from agent_days, and the parts of days at the period's ends and the UTC days that a week boundary in the
/// dashboard's zone cuts in two from calls (at most one day per week; none in UTC). All of it is one statement that the
/// database sums per employee, per week or per both: the ranking needs one row per employee and the team's trend one per
/// week, not the ~26,000 employee-weeks (reading those with every sum cost most of a request). A chosen category's
/// calls are counted from call_categories (its time and employee are copied there; index (category, time, employee)).
/// </summary>
public sealed class AgentQueries(Db db)
{
    private const long DayMs = 86_400_000;

    /// <summary>Each sum: the name Dapper maps it to, its agent_days / agent_weeks column, and its value for one call (alias c).</summary>
    private static readonly (string Name, string Column, string Call)[] Columns =
    [
        ("Calls", "call_count", "1"),
        ("DurationMs", "duration_ms", "c.duration_ms"),
        ("Positives", "positives", "CASE WHEN c.sentiment = 'POSITIVE' THEN 1 ELSE 0 END"),
        ("Negatives", "negatives", "CASE WHEN c.sentiment = 'NEGATIVE' THEN 1 ELSE 0 END"),
        ("ChangeSum", "change_sum", "COALESCE(c.sentiment_change, 0)"),
        ("ChangeCount", "change_count", "CASE WHEN c.sentiment_change IS NOT NULL THEN 1 ELSE 0 END"),
        ("ConversationCalls", "conversation_calls", "CASE WHEN c.silence_ms IS NOT NULL THEN 1 ELSE 0 END"),
        ("ConversationMs", "conversation_ms", "CASE WHEN c.silence_ms IS NOT NULL THEN c.duration_ms ELSE 0 END"),
        ("SilenceMs", "silence_ms", "COALESCE(c.silence_ms, 0)"),
        ("LongSilences", "long_silences", "CASE WHEN c.longest_silence_ms >= 30000 THEN 1 ELSE 0 END"),
        ("AgentTalkMs", "agent_talk_ms", "COALESCE((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent'), 0)"),
        ("CustomerTalkMs", "customer_talk_ms", "COALESCE((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'customer'), 0)"),
        ("AgentInterruptions", "agent_interruptions", "COALESCE((SELECT SUM(s.interruptions) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent'), 0)"),
    ];

    /// <summary>The sums a weekly NPS line needs (the ranking page's sparklines).</summary>
    private static readonly string[] NpsColumns = ["Calls", "Positives", "Negatives"];

    /// <summary>
    /// The sums over <paramref name="weeks"/> (consecutive ISO weeks, the first and last clipped to the period), grouped as
    /// asked (<see cref="AgentWeekSums.Week"/> is 0 per employee, <see cref="AgentWeekSums.AgentId"/> 0 per week; a key
    /// can come in two rows, the whole UTC weeks' and the rest's, to be added up), of one employee or all; <paramref name="npsOnly"/>: calls, positives and negatives only; <paramref name="categoryId"/>: also
    /// count the calls tagged with that category.
    /// </summary>
    public async Task<IReadOnlyList<AgentWeekSums>> SumsAsync(IReadOnlyList<WeekBucket> weeks, TimeZoneInfo zone, AgentGrouping grouping, long? agentId,
        bool npsOnly, long? categoryId, CancellationToken cancellationToken)
    {
        if (weeks.Count == 0) return [];
        var columns = npsOnly ? Columns.Where(k => NpsColumns.Contains(k.Name)).ToArray() : Columns;
        var category = categoryId is not null && !npsOnly;
        var plan = Plan(weeks, zone);
        var p = new DynamicParameters(new { monday = plan.Monday, agentId, categoryId });
        var agent = agentId is null ? "" : " AND agent_id = @agentId";
        var arms = new List<string>();
        // The rollup's rows as they are, or (days a week boundary cuts, summed again from calls) with the opposite sign.
        string Rollup(string table, string time, string where, bool negate) =>
            $"SELECT agent_id, ({time} - @monday) / 604800000 AS week, "
            + string.Join(", ", columns.Select(k => (negate ? "-" : "") + k.Column + " AS " + k.Column))
            + (category ? ", 0 AS category_calls" : "") + $" FROM {table} WHERE call_count > 0 AND ({where}){agent}";
        // The whole UTC weeks are most of the rows (~26,000 employee-weeks in a year of 500 employees): they are read from
        // agent_weeks on their own, as they are per employee and week (one row each already) or grouped straight from the
        // table, and are not put through the grouping of the other arms (a temporary table sorted on every engine). Their
        // rows and the other arms' come back as separate rows of one statement; the app adds them up per key.
        string? whole = null;
        if (plan.FullFrom < plan.FullTo)
        {
            p.Add("fullFrom", plan.FullFrom);
            p.Add("fullTo", plan.FullTo);
            var (wholeKey, wholeGroup, sum) = grouping switch
            {
                AgentGrouping.AgentWeek => ("agent_id AS AgentId, CAST((week_start - @monday) / 604800000 AS BIGINT) AS Week", "", false),
                AgentGrouping.Agent => ("agent_id AS AgentId, CAST(0 AS BIGINT) AS Week", " GROUP BY agent_id", true),
                _ => ("CAST(0 AS BIGINT) AS AgentId, CAST((week_start - @monday) / 604800000 AS BIGINT) AS Week", " GROUP BY week_start", true),
            };
            whole = $"SELECT {wholeKey}, "
                + string.Join(", ", columns.Select(k => k.Name == "ChangeSum" ? $"1.0 * {Sum(k.Column)} AS ChangeSum" : $"CAST({Sum(k.Column)} AS BIGINT) AS {k.Name}"))
                + (category ? ", CAST(0 AS BIGINT) AS CategoryCalls" : "")
                + $" FROM agent_weeks WHERE week_start >= @fullFrom AND week_start < @fullTo AND call_count > 0{agent}{wholeGroup}";
            string Sum(string column) => sum ? $"SUM({column})" : column;
        }
        if (plan.DayRanges.Count > 0)
        {
            var where = new StringBuilder();
            for (var i = 0; i < plan.DayRanges.Count; i++)
            {
                where.Append(i == 0 ? "(" : " OR (").Append(CultureInfo.InvariantCulture, $"day_start >= @dayFrom{i} AND day_start < @dayTo{i})");
                p.Add($"dayFrom{i}", plan.DayRanges[i].From);
                p.Add($"dayTo{i}", plan.DayRanges[i].To);
            }
            // The ranges together, then less the cut days (summed from calls instead) in whichever range they fall.
            var days = "(" + where + ")";
            if (plan.CutDays.Count > 0) days += " AND day_start NOT IN (" + In(p, "cut", plan.CutDays) + ")";
            arms.Add(Rollup("agent_days", "day_start", days, negate: false));
        }
        if (plan.SubtractDays.Count > 0) arms.Add(Rollup("agent_days", "day_start", "day_start IN (" + In(p, "less", plan.SubtractDays) + ")", negate: true));
        // The calls' part: each piece lies in one week and is its own range scan of ix_calls_time (an OR of ranges is a
        // scan of every call on SQLite); the speakers' figures are looked up per call (primary key).
        for (var i = 0; i < plan.Pieces.Count; i++)
        {
            var (from, to, week) = plan.Pieces[i];
            p.Add($"from{i}", from);
            p.Add($"to{i}", to);
            arms.Add(string.Create(CultureInfo.InvariantCulture, $"SELECT c.agent_id, {week} AS week, ")
                + string.Join(", ", columns.Select(k => k.Call + " AS " + k.Column)) + (category ? ", 0 AS category_calls" : "")
                + string.Create(CultureInfo.InvariantCulture, $" FROM calls c WHERE c.started_at >= @from{i} AND c.started_at < @to{i}")
                + (agentId is null ? "" : " AND c.agent_id = @agentId"));
        }
        // The category's tags: one range of (category, time) per week, or one for the period when the weeks are not wanted.
        if (category)
        {
            var zeros = string.Concat(columns.Select(k => "0 AS " + k.Column + ", "));
            var spans = grouping == AgentGrouping.Agent
                ? new List<(DateTimeOffset From, DateTimeOffset To, int Week)> { (weeks[0].StartUtc, weeks[^1].EndUtc, 0) }
                : weeks.Select((w, i) => (From: w.StartUtc, To: w.EndUtc, Week: i)).ToList();
            foreach (var (from, to, week) in spans)
            {
                p.Add($"tagFrom{week}", from.ToUnixTimeMilliseconds());
                p.Add($"tagTo{week}", to.ToUnixTimeMilliseconds());
                // Per week for the team: one count of the index range (no employees to group).
                arms.Add(grouping == AgentGrouping.Week
                    ? string.Create(CultureInfo.InvariantCulture, $"SELECT 0 AS agent_id, {week} AS week, {zeros}COUNT(*) AS category_calls FROM call_categories ")
                        + string.Create(CultureInfo.InvariantCulture, $"WHERE category_id = @categoryId AND started_at >= @tagFrom{week} AND started_at < @tagTo{week}")
                    : string.Create(CultureInfo.InvariantCulture, $"SELECT agent_id, {week} AS week, {zeros}COUNT(*) AS category_calls FROM call_categories ")
                        + string.Create(CultureInfo.InvariantCulture, $"WHERE category_id = @categoryId AND started_at >= @tagFrom{week} AND started_at < @tagTo{week}{agent} GROUP BY agent_id"));
            }
        }
        var (key, group) = grouping switch
        {
            AgentGrouping.AgentWeek => ("x.agent_id AS AgentId, CAST(x.week AS BIGINT) AS Week", "x.agent_id, x.week"),
            AgentGrouping.Agent => ("x.agent_id AS AgentId, CAST(0 AS BIGINT) AS Week", "x.agent_id"),
            _ => ("CAST(0 AS BIGINT) AS AgentId, CAST(x.week AS BIGINT) AS Week", "x.week"),
        };
        var sums = string.Join(", ", columns.Select(k => k.Name == "ChangeSum" ? "1.0 * SUM(x.change_sum) AS ChangeSum" : $"CAST(SUM(x.{k.Column}) AS BIGINT) AS {k.Name}"))
            + (category ? ", CAST(SUM(x.category_calls) AS BIGINT) AS CategoryCalls" : "");
        // 1.0 *: SQLite's SUM of integers only (calls without a change add 0) is an integer, and Dapper maps every row as the first.
        var parts = new List<string>();
        if (whole is not null) parts.Add(whole);
        if (arms.Count > 0) parts.Add($"SELECT {key}, {sums} FROM ({string.Join(" UNION ALL ", arms)}) x GROUP BY {group}");
        if (parts.Count == 0) return [];
        var sql = string.Join(" UNION ALL ", parts);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // PostgreSQL's JIT compiles every arm's expressions (~2,400 functions for a year) once the estimated cost passes
        // jit_above_cost: 15 s of compiling for a 40 ms statement on the benchmark's 1,000,000 calls. Off for this one.
        await using var tx = db.IsPostgres ? await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        if (tx is not null) await c.ExecuteAsync(new CommandDefinition("SET LOCAL jit = off", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = (await c.QueryAsync<AgentKey, AgentSums, AgentWeekSums>(new CommandDefinition(Dialect(sql), p, tx, cancellationToken: cancellationToken),
            (k, s) => new AgentWeekSums(k.AgentId, (int)k.Week, s), splitOn: "Calls").ConfigureAwait(false)).ToList();
        if (tx is not null) await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;

        static string In(DynamicParameters p, string name, List<long> values)
        {
            for (var i = 0; i < values.Count; i++) p.Add(name + i.ToString(CultureInfo.InvariantCulture), values[i]);
            return string.Join(", ", values.Select((_, i) => "@" + name + i.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private sealed class AgentKey
    {
        public long AgentId { get; init; }
        public long Week { get; init; }
    }

    /// <summary>
    /// The period's comparison of every employee with calls in it (see <see cref="AgentComparison"/>): their totals, the
    /// team's weeks, and the weeks of those asked for (<paramref name="weeksOf"/>: none, one employee or all, whole or
    /// as the NPS a sparkline draws).
    /// </summary>
    public async Task<AgentComparison> CompareAsync(ResolvedRange range, TimeZoneInfo zone, IReadOnlyList<AgentRow> agents, int minCalls, AgentCategory? category,
        AgentWeeks weeksOf, CancellationToken cancellationToken)
    {
        var weeks = WeekBuckets.Between(range.FromUtc, range.ToUtc, zone);
        // The statements are independent and each opens its own connection: they run at once (a request waits for the
        // slowest instead of their sum). Task.Run: SQLite's reads complete synchronously, so without it the first statement
        // would run to its end before the second began (measured: the sum of the three).
        var totals = Task.Run(() => SumsAsync(weeks, zone, AgentGrouping.Agent, null, npsOnly: false, category?.Id, cancellationToken), cancellationToken);
        var perAgent = weeksOf.Kind == AgentWeeks.Whose.None ? Task.FromResult<IReadOnlyList<AgentWeekSums>>([])
            : Task.Run(() => SumsAsync(weeks, zone, AgentGrouping.AgentWeek, weeksOf.AgentId, weeksOf.Kind == AgentWeeks.Whose.Nps, category?.Id, cancellationToken),
                cancellationToken);
        // The team's weeks are the sum of everyone's when everyone's were read (the ranking's NPS line, the API); one
        // employee's page reads them on their own.
        var team = weeksOf.AgentId is null ? null
            : Task.Run(() => SumsAsync(weeks, zone, AgentGrouping.Week, null, npsOnly: false, category?.Id, cancellationToken), cancellationToken);
        await Task.WhenAll(team is null ? [totals, perAgent] : [totals, perAgent, team]).ConfigureAwait(false);
        return AgentComparison.Build(range, weeks, agents, await totals.ConfigureAwait(false), team is null ? null : await team.ConfigureAwait(false),
            await perAgent.ConfigureAwait(false), minCalls, category);
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
    /// An employee's calls in the period that drove each of <paramref name="metrics"/> most, worst first (the drill-down):
    /// negative calls, the customer's biggest drops, the agent's highest talk share or most interruptions, the most or
    /// longest silence, the calls tagged with the chosen category (not tagged, for one to encourage; newest first). The period's calls are read once (a
    /// range scan of ix_calls_agent_time: one employee's period is a few thousand calls at most) and ranked here for
    /// every figure, instead of one scan per figure; the category's tags come from ix_call_categories_agent_time.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DriverCall>>> DriversAsync(long agentId, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<AgentMetric> metrics, AgentCategory? category, int take, CancellationToken cancellationToken)
    {
        const string Calls = """
            SELECT c.id AS Id, c.started_at AS StartedAt, c.duration_ms AS DurationMs, c.sentiment AS Sentiment,
                   c.customer_sentiment AS CustomerSentiment, c.sentiment_change AS SentimentChange, c.silence_ms AS SilenceMs,
                   c.longest_silence_ms AS LongestSilenceMs,
                   CAST((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS BIGINT) AS AgentTalkMs,
                   CAST((SELECT SUM(s.talk_ms) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'customer') AS BIGINT) AS CustomerTalkMs,
                   CAST((SELECT SUM(s.interruptions) FROM call_speakers s WHERE s.call_id = c.id AND s.role = 'agent') AS BIGINT) AS AgentInterruptions
            FROM calls c WHERE c.agent_id = @agentId AND c.started_at >= @from AND c.started_at < @to
            """;
        const string Tagged = """
            SELECT call_id FROM call_categories
            WHERE category_id = @categoryId AND agent_id = @agentId AND started_at >= @from AND started_at < @to
            """;
        var args = new { agentId, from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), categoryId = category?.Id };
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var calls = (await c.QueryAsync<DriverCall>(new CommandDefinition(Dialect(Calls), args, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var tagged = category is null || !metrics.Any(m => m.Key == AgentMetric.CategoryKey) ? []
            : (await c.QueryAsync<long>(new CommandDefinition(Tagged, args, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
        var result = new Dictionary<string, IReadOnlyList<DriverCall>>();
        foreach (var m in metrics)
        {
            var (keep, worst) = Ranking(m.Key, tagged, category?.Polarity == CategoryPolarity.Encourage);
            result[m.Key] = calls.Where(keep).OrderByDescending(worst).ThenByDescending(x => x.Id).Take(take).ToList();
        }
        return result;

        // Which calls drove a figure, and how much (the most first; ties: the newest call first).
        // A category to encourage: the calls without it are what kept the share low.
        static (Func<DriverCall, bool> Keep, Func<DriverCall, double> Worst) Ranking(string key, HashSet<long> tagged, bool encourage) => key switch
        {
            "nps" => (x => x.Sentiment == "NEGATIVE", x => x.StartedAt),
            "change" => (x => x.SentimentChange < 0, x => -x.SentimentChange!.Value),
            "talk" => (x => x.AgentTalkMs + x.CustomerTalkMs > 0, x => x.AgentTalkShare!.Value),
            "interruptions" => (x => x.AgentInterruptions > 0, x => x.AgentInterruptions!.Value),
            "silence" => (x => x.SilenceMs > 0 && x.DurationMs > 0, x => (double)x.SilenceMs!.Value / x.DurationMs),
            "longSilences" => (x => x.LongestSilenceMs >= AgentSums.LongSilenceMs, x => x.LongestSilenceMs!.Value),
            AgentMetric.CategoryKey => (x => tagged.Contains(x.Id) != encourage, x => x.StartedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(key), key, "no drill-down for this figure"),
        };
    }

    // MySQL: integer division is DIV, and its BIGINT in a CAST is SIGNED (a type name PostgreSQL does not know).
    private string Dialect(string sql) => db.IsMySql
        ? sql.Replace(" AS BIGINT)", " AS SIGNED)", StringComparison.Ordinal).Replace(" / 604800000", " DIV 604800000", StringComparison.Ordinal)
        : sql;
}
