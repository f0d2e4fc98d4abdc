using CallSentiment.Web.Metrics;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Calls;

public sealed record AgentRow(long Id, string Name, string? DisplayName)
{
    public string Label => DisplayName is { Length: > 0 } d ? $"{d} ({Name})" : Name;

    /// <summary>The name people read: the display name, else the id.</summary>
    public string Employee => DisplayName is { Length: > 0 } d ? d : Name;
}

/// <summary>
/// <paramref name="Customer"/> / <paramref name="AgentTone"/>: only calls where the customer felt, or the agent came across,
/// this way (a label, from each side's fused words and voice); null for any. <paramref name="CategoryId"/>: only calls tagged with
/// this category (call_categories, by its (category, time) index); null for any.
/// </summary>
public sealed record CallFilter(long? AgentId, DateTimeOffset From, DateTimeOffset To, bool NegativeOnly, string? Customer = null, string? AgentTone = null,
    long? CategoryId = null);

public enum CallSort { Time, Agent, Duration, Verdict, Confidence, Emotion }

public sealed record CallRow(long Id, long StartedAt, string Agent, long DurationMs, string Sentiment, double Confidence,
    string? DominantEmotion, string CallRef, string? CustomerRef, double Positive, double Negative, double Neutral, double Mixed,
    string? CustomerSentiment, string? AgentSentiment, long LowConfidence, string? AgentName = null)
{
    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedAt);

    /// <summary>The person's name for people to read (the sidecar's agentName), else their id.</summary>
    public string Employee => AgentName is { Length: > 0 } n ? n : Agent;
}

public sealed record WeekAggregate(WeekBucket Week, CallAggregate Aggregate);

/// <summary>The dashboard's reads. Every query is a range scan on a covering index or on the hourly totals (see the migrations).</summary>
public sealed class CallQueries(Db db)
{
    public async Task<IReadOnlyList<AgentRow>> AgentsAsync(CancellationToken cancellationToken)
    {
        const string Sql = "SELECT id AS Id, name AS Name, display_name AS DisplayName FROM agents ORDER BY name";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<AgentRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <summary>
    /// Sums per week; the totals are their sum, so each call in the range is counted once. One agent's weeks are read
    /// from the calls (a range scan on ix_calls_agent_time); all agents' whole UTC hours from the hourly totals that
    /// triggers keep in call_hours (a year is ~3,000 rows there, ~500,000 calls here), plus the calls in any part of a
    /// week that is not a whole hour.
    /// </summary>
    public async Task<IReadOnlyList<WeekAggregate>> WeeklyAsync(long? agentId, IReadOnlyList<WeekBucket> weeks, CancellationToken cancellationToken,
        string? customer = null, string? agentTone = null, long? categoryId = null)
    {
        const string Sums = """
            SELECT COUNT(*) AS Count, CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS DurationMs,
                   COALESCE(SUM(positive), 0) AS SumPositive, COALESCE(SUM(negative), 0) AS SumNegative,
                   COALESCE(SUM(neutral), 0) AS SumNeutral, COALESCE(SUM(mixed), 0) AS SumMixed,
                   COUNT(CASE WHEN sentiment = 'POSITIVE' THEN 1 END) AS Positives,
                   COUNT(CASE WHEN sentiment = 'NEGATIVE' THEN 1 END) AS Negatives,
                   COUNT(CASE WHEN sentiment = 'NEUTRAL' THEN 1 END) AS Neutrals,
                   COUNT(CASE WHEN sentiment = 'MIXED' THEN 1 END) AS Mixeds
            FROM calls
            """;
        const string AllAgentsWhere = " WHERE started_at >= @from AND started_at < @to";
        const string OneAgentWhere = " WHERE agent_id = @agentId AND started_at >= @from AND started_at < @to";
        // By what each side felt: there are no hourly totals for these, so calls are summed (ix_calls_customer_time and
        // ix_calls_agent_sentiment_time narrow the scan).
        const string BySideWhere = """
             WHERE started_at >= @from AND started_at < @to AND (@agentId IS NULL OR agent_id = @agentId)
               AND (@customer IS NULL OR customer_sentiment = @customer) AND (@agentTone IS NULL OR agent_sentiment = @agentTone)
            """;
        const string Hours = """
            SELECT CAST(COALESCE(SUM(call_count), 0) AS BIGINT) AS Count, CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS DurationMs,
                   COALESCE(SUM(positive), 0) AS SumPositive, COALESCE(SUM(negative), 0) AS SumNegative,
                   COALESCE(SUM(neutral), 0) AS SumNeutral, COALESCE(SUM(mixed), 0) AS SumMixed,
                   CAST(COALESCE(SUM(positives), 0) AS BIGINT) AS Positives, CAST(COALESCE(SUM(negatives), 0) AS BIGINT) AS Negatives,
                   CAST(COALESCE(SUM(neutrals), 0) AS BIGINT) AS Neutrals, CAST(COALESCE(SUM(mixeds), 0) AS BIGINT) AS Mixeds
            FROM call_hours WHERE hour_start >= @from AND hour_start < @to
            """;
        // MySQL sums integers as DECIMAL and casts to SIGNED (its BIGINT), a type name PostgreSQL does not know.
        var (sums, hours) = db.IsMySql ? (Signed(Sums), Signed(Hours)) : (Sums, Hours);
        // By category: the tagged calls of the range come from ix_call_categories_time; their sums from the calls' rows.
        const string CategoryWhere = " AND id IN (SELECT call_id FROM call_categories WHERE category_id = @categoryId AND started_at >= @from AND started_at < @to)";
        string allAgents = sums + AllAgentsWhere, oneAgent = sums + OneAgentWhere, bySide = sums + BySideWhere + (categoryId is null ? "" : CategoryWhere);
        const long HourMs = 3_600_000;
        var result = new List<WeekAggregate>(weeks.Count);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var w in weeks)
        {
            long from = w.StartUtc.ToUnixTimeMilliseconds(), to = w.EndUtc.ToUnixTimeMilliseconds();
            CallAggregate a;
            if (customer is not null || agentTone is not null || categoryId is not null)
                a = await SumAsync(bySide, from, to).ConfigureAwait(false);
            else if (agentId is not null)
                a = await SumAsync(oneAgent, from, to).ConfigureAwait(false);
            else
            {
                // Unix time is UTC with no leap seconds, so whole hours are multiples of an hour's milliseconds.
                var firstHour = (from + HourMs - 1) / HourMs * HourMs;
                var endHour = to / HourMs * HourMs;
                if (firstHour >= endHour)
                    a = await SumAsync(allAgents, from, to).ConfigureAwait(false);
                else
                {
                    a = await SumAsync(hours, firstHour, endHour).ConfigureAwait(false);
                    if (from < firstHour) a += await SumAsync(allAgents, from, firstHour).ConfigureAwait(false);
                    if (endHour < to) a += await SumAsync(allAgents, endHour, to).ConfigureAwait(false);
                }
            }
            result.Add(new WeekAggregate(w, a));
        }
        return result;

        Task<CallAggregate> SumAsync(string sql, long from, long to) =>
            c.QuerySingleAsync<CallAggregate>(new CommandDefinition(sql, new { agentId, from, to, customer, agentTone, categoryId }, cancellationToken: cancellationToken));
    }

    private static string Where(CallFilter f) =>
        "c.started_at >= @from AND c.started_at < @to"
        + (f.AgentId is null ? "" : " AND c.agent_id = @agentId")
        + (f.NegativeOnly ? " AND c.sentiment = 'NEGATIVE'" : "")
        + (f.Customer is null ? "" : " AND c.customer_sentiment = @customer")
        + (f.AgentTone is null ? "" : " AND c.agent_sentiment = @agentTone")
        + (f.CategoryId is null ? "" : " AND c.id IN (SELECT cc.call_id FROM call_categories cc WHERE cc.category_id = @categoryId AND cc.started_at >= @from AND cc.started_at < @to)");

    private static string SortColumn(CallSort sort) => sort switch
    {
        CallSort.Agent => "a.name",
        CallSort.Duration => "c.duration_ms",
        CallSort.Verdict => "c.sentiment",
        CallSort.Confidence => "c.confidence",
        CallSort.Emotion => "c.dominant_emotion",
        _ => "c.started_at",
    };

    private static string OrderBy(CallSort sort, bool descending)
    {
        var dir = descending ? "DESC" : "ASC";
        return $"{SortColumn(sort)} {dir}, c.id {dir}";
    }

    private const string Columns = """
        SELECT c.id AS Id, c.started_at AS StartedAt, a.name AS Agent, c.duration_ms AS DurationMs, c.sentiment AS Sentiment,
               c.confidence AS Confidence, c.dominant_emotion AS DominantEmotion, c.call_ref AS CallRef, c.customer_ref AS CustomerRef,
               c.positive AS Positive, c.negative AS Negative, c.neutral AS Neutral, c.mixed AS Mixed,
               c.customer_sentiment AS CustomerSentiment, c.agent_sentiment AS AgentSentiment, c.low_confidence AS LowConfidence,
               a.display_name AS AgentName
        FROM calls c JOIN agents a ON a.id = c.agent_id
        """;

    /// <summary>
    /// One page of the filter's calls. On MySQL/MariaDB, sorted by a column of the calls that is never NULL (time, the
    /// default; duration; confidence), the page's bound is looked up first: the (skip + take)-th call's value of that
    /// column, read from a covering index (ix_calls_time, ix_calls_agent_time, ix_calls_sentiment_time …) and sorting only
    /// that one column. Every call of the page lies at or beyond that bound, so the page query then sorts only the calls
    /// between it and the end. Without it MariaDB joins from agents and sorts the whole range's rows (a year of everyone:
    /// ~500,000 calls, seconds) for 50 of them, because no index is in (column, id) order; an uncorrelated subquery in the
    /// same statement is not used as a range bound. The bound is inclusive, so ties across it stay on the page.
    /// </summary>
    public async Task<IReadOnlyList<CallRow>> PageAsync(CallFilter f, CallSort sort, bool descending, int skip, int take, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var where = Where(f);
        object? bound = null;
        if (db.IsMySql && take > 0 && sort is CallSort.Time or CallSort.Duration or CallSort.Confidence)
        {
            var column = SortColumn(sort);
            var dir = descending ? "DESC" : "ASC";
            var boundSql = $"SELECT {column} FROM calls c WHERE {where} ORDER BY {column} {dir} LIMIT 1 OFFSET @last";
            bound = await c.ExecuteScalarAsync<object?>(new CommandDefinition(boundSql, Parameters(f, new { last = (long)skip + take - 1 }),
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            // No bound: the filter has fewer calls than skip + take, so there is little to sort anyway.
            if (bound is not null and not DBNull) where += descending ? $" AND {column} >= @bound" : $" AND {column} <= @bound";
        }
        var sql = $"{Columns} WHERE {where} ORDER BY {OrderBy(sort, descending)} LIMIT @take OFFSET @skip";
        return (await c.QueryAsync<CallRow>(new CommandDefinition(sql, Parameters(f, new { take = (long)take, skip = (long)skip, bound }),
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <summary>
    /// The number of calls the filter selects. For all agents (optionally negative calls only) the whole UTC hours come
    /// from the hourly totals in call_hours and only the calls in the range's partial hours are counted, as the weekly
    /// sums do: a year of everyone is ~9,000 hourly rows instead of ~500,000 calls.
    /// </summary>
    public async Task<long> CountAsync(CallFilter f, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        long from = f.From.ToUnixTimeMilliseconds(), to = f.To.ToUnixTimeMilliseconds();
        const long HourMs = 3_600_000;
        var firstHour = (from + HourMs - 1) / HourMs * HourMs;
        var endHour = to / HourMs * HourMs;
        if (f.AgentId is not null || f.Customer is not null || f.AgentTone is not null || f.CategoryId is not null || firstHour >= endHour)
            return await CountCallsAsync(f.From, f.To).ConfigureAwait(false);

        var hours = db.IsMySql
            ? $"SELECT CAST(COALESCE(SUM({(f.NegativeOnly ? "negatives" : "call_count")}), 0) AS SIGNED) FROM call_hours WHERE hour_start >= @firstHour AND hour_start < @endHour"
            : $"SELECT CAST(COALESCE(SUM({(f.NegativeOnly ? "negatives" : "call_count")}), 0) AS BIGINT) FROM call_hours WHERE hour_start >= @firstHour AND hour_start < @endHour";
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(hours, new { firstHour, endHour }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (from < firstHour) total += await CountCallsAsync(f.From, DateTimeOffset.FromUnixTimeMilliseconds(firstHour)).ConfigureAwait(false);
        if (endHour < to) total += await CountCallsAsync(DateTimeOffset.FromUnixTimeMilliseconds(endHour), f.To).ConfigureAwait(false);
        return total;

        Task<long> CountCallsAsync(DateTimeOffset start, DateTimeOffset end)
        {
            var part = f with { From = start, To = end };
            return c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM calls c WHERE {Where(part)}", Parameters(part, null), cancellationToken: cancellationToken));
        }
    }

    /// <summary>Every row of the filter, streamed (CSV export); the connection lives as long as the enumeration.</summary>
    public async IAsyncEnumerable<CallRow> AllAsync(CallFilter f, CallSort sort, bool descending,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = $"{Columns} WHERE {Where(f)} ORDER BY {OrderBy(sort, descending)}";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var row in c.QueryUnbufferedAsync<CallRow>(sql, Parameters(f, null)).WithCancellation(cancellationToken).ConfigureAwait(false))
            yield return row;
    }

    private static DynamicParameters Parameters(CallFilter f, object? extra)
    {
        var p = new DynamicParameters(extra);
        p.Add("from", f.From.ToUnixTimeMilliseconds());
        p.Add("to", f.To.ToUnixTimeMilliseconds());
        if (f.AgentId is { } id) p.Add("agentId", id);
        if (f.Customer is not null) p.Add("customer", f.Customer);
        if (f.AgentTone is not null) p.Add("agentTone", f.AgentTone);
        if (f.CategoryId is { } categoryId) p.Add("categoryId", categoryId);
        return p;
    }

    private static string Signed(string sql) => sql.Replace(" AS BIGINT)", " AS SIGNED)", StringComparison.Ordinal);
}
