using System.Data.Common;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Search;

/// <summary>Who said it: the customer, the agent, or anyone on the call.</summary>
public enum SearchSpeaker { Either, Customer, Agent }

/// <summary>A checked search: the terms, whose words, the dashboard's call filter and the page wanted.</summary>
public sealed record SearchRequest(SearchTerms Terms, SearchSpeaker Speaker, CallFilter Filter, ResolvedRange Range, int Page, int PageSize);

/// <summary>One chunk that matched: the call, where in the call, and the spans of the snippet to highlight.</summary>
public sealed record SearchHit(long CallId, long Seq, string Role, long StartMs, DateTimeOffset CallStartedAt, string Agent, string? AgentName,
    string CallRef, string Sentiment, Snippet Snippet)
{
    /// <summary>The person's name for people to read, else the id.</summary>
    public string Employee => AgentName is { Length: > 0 } n ? n : Agent;

    /// <summary>The call page, opened at the chunk's moment (the player starts there; the chunk is scrolled to).</summary>
    public string Url => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/calls/{CallId}?t={StartMs / 1000.0:0.###}#chunk-{Seq}");
}

/// <summary>
/// <paramref name="Complete"/> is false when only the newest calls could be searched (see <see cref="Note"/>).
/// </summary>
public sealed record SearchResult(IReadOnlyList<SearchHit> Hits, bool HasMore, bool Complete, string? Note);

/// <summary>
/// Full-text search over transcript chunks, newest calls first, within the dashboard's filter. Two ways to the same
/// answer, chosen per request so that common and rare words are both fast on a million calls:
/// <list type="number">
/// <item>Recent scan: the filter's calls are read newest first from the dashboard's time indexes, a batch at a time,
/// and their chunks are matched here. A common word fills a page within the first few hundred calls; a filter with few
/// calls (one employee, a short range) is read to its end. Stops after <see cref="SearchOptions.ScanCalls"/> calls.</item>
/// <item>Index: when that did not fill the page, the engine's full-text index of the speaker asked for (SQLite FTS5, a
/// table per role; PostgreSQL a partial GIN index per role; MySQL a FULLTEXT index per role; both for either speaker)
/// lists the chunks holding the words in the calls older than the scanned ones, a time window at a time, newest window
/// first on SQLite: the first window is sized from the hit rate the scan saw, each next one is four times wider, and
/// FTS5 reads only the entries of the window's calls (its rowid is call_id * 65536 + seq), so a word in tens of
/// thousands of chunks costs what one window holds. PostgreSQL and MySQL read every chunk with the words whatever the
/// bounds, so they ask once for the whole rest of the range (MySQL, for either speaker: each role's index on its own
/// connection, at the same time).</item>
/// </list>
/// Both check each chunk with <see cref="SearchTerms.Match"/>, so a hit means the same on every engine.
/// </summary>
public sealed partial class TranscriptSearch(Db db, IOptions<SearchOptions> options, ILogger<TranscriptSearch> logger)
{
    /// <summary>
    /// The search, or <see cref="SearchUnavailableException"/> (logged here with the engine's error) when the database
    /// refused or timed out on a query: a busy or still-indexing server is said so, never answered with a 500.
    /// </summary>
    public async Task<SearchResult> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, db.Provider.ToString(), request.Terms.ToString(), e);
            throw new SearchUnavailableException(
                "The database did not answer the search (it may be busy or still building its full-text index). Nothing was changed; try again in a moment.", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcript search failed on {Provider} for {Terms}")]
    private static partial void LogFailed(ILogger logger, string provider, string terms, Exception e);

    private async Task<SearchResult> RunAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var wanted = (request.Page - 1) * request.PageSize + request.PageSize + 1; // one more says whether there is a next page
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var scan = new ScanStats();
        var (found, exhausted) = await ScanRecentAsync(c, request, wanted, o.ScanCalls, scan, cancellationToken).ConfigureAwait(false);
        string? note = null;
        var complete = true;
        if (found.Count < wanted && !exhausted)
        {
            if (await FromIndexAsync(c, request, wanted, found, scan, cancellationToken).ConfigureAwait(false) is { } indexed) found = indexed;
            else
            {
                complete = false;
                note = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Only the newest {o.ScanCalls} calls of the filter were searched: MySQL/MariaDB's full-text index leaves out words shorter than {SearchTerms.MySqlMinTokenSize} letters and common words such as 'the' or 'with', and this search has no other word. Add a longer word, or narrow the filter.");
            }
        }
        var page = found.Skip((request.Page - 1) * request.PageSize).Take(request.PageSize).ToList();
        return new SearchResult(await DescribeAsync(c, page, cancellationToken).ConfigureAwait(false), found.Count > request.Page * request.PageSize,
            complete, note);
    }

    private sealed record CallKey(long Id, long StartedAt);

    private sealed record ChunkRow(long CallId, long Seq, string Role, long StartMs, string Text, long StartedAt);

    private sealed record Found(ChunkRow Chunk, List<(int Start, int Length)> Spans);

    /// <summary>
    /// What the recent scan saw: how many chunks, the time from which on every call of the filter was read
    /// (<see cref="Before"/>: the index is asked only for older calls), and how many chunks held each word (for
    /// MySQL's choice of words).
    /// </summary>
    private sealed class ScanStats
    {
        public int Chunks { get; set; }

        public long Before { get; set; }

        /// <summary>When the newest call read started.</summary>
        public long? Newest { get; set; }

        public Dictionary<string, int> WordChunks { get; } = new(StringComparer.Ordinal);

        /// <summary>How many of the chunks read held the word.</summary>
        public int Seen(string word) => WordChunks.GetValueOrDefault(word);
    }

    /// <summary>
    /// The filter's calls newest first, in growing batches, until enough chunks match, the filter has no more calls
    /// (then the answer is complete), or <paramref name="budget"/> calls were read. Batches are cut at a time boundary
    /// (calls that start in the same millisecond are never split), so no call is read twice or skipped.
    /// </summary>
    private async Task<(List<Found> Found, bool Exhausted)> ScanRecentAsync(DbConnection c, SearchRequest r, int wanted, int budget, ScanStats stats,
        CancellationToken ct)
    {
        var words = db.IsMySql ? r.Terms.Terms.SelectMany(t => t).Distinct(StringComparer.Ordinal).ToList() : [];
        var callsSql = $"SELECT c.id AS Id, c.started_at AS StartedAt FROM calls c WHERE {CallWhere(r.Filter)} AND c.started_at < @before ORDER BY c.started_at DESC LIMIT @batch";
        var chunksSql = $"""
            SELECT t.call_id AS CallId, t.seq AS Seq, t.role AS Role, t.start_ms AS StartMs, t.text AS Text, t.start_ms AS StartedAt
            FROM transcript_chunks t WHERE t.call_id {InIds}{RoleWhere(r.Speaker)}
            """;
        // A filter with no more calls than the budget is read to its end (exact, and cheaper than the index for a word
        // that is frequent but not common); otherwise the scan gives up as soon as the hits so far say the budget
        // cannot fill the page, and the index takes over.
        var countSql = $"SELECT COUNT(*) FROM (SELECT 1 FROM calls c WHERE {CallWhere(r.Filter)} LIMIT @cap) x";
        var small = await c.ExecuteScalarAsync<long>(new CommandDefinition(countSql, Parameters(r, new { cap = (long)budget + 1 }), cancellationToken: ct))
            .ConfigureAwait(false) <= budget;
        var found = new List<Found>();
        var before = r.Filter.To.ToUnixTimeMilliseconds();
        stats.Before = before;
        var batch = 100;
        var read = 0;
        var chunksRead = 0;
        while (read < budget)
        {
            batch = Math.Min(batch, budget - read);
            var calls = (await c.QueryAsync<CallKey>(new CommandDefinition(callsSql, Parameters(r, new { before, batch = (long)batch + 1 }), cancellationToken: ct))
                .ConfigureAwait(false)).ToList();
            var more = calls.Count > batch;
            if (more)
            {
                // Keep whole milliseconds: the next batch starts below the last one kept.
                calls.RemoveAt(calls.Count - 1);
                var edge = calls[^1].StartedAt;
                if (calls.Any(k => k.StartedAt != edge)) calls.RemoveAll(k => k.StartedAt == edge);
            }
            if (calls.Count == 0) return (found, !more);
            stats.Newest ??= calls[0].StartedAt;
            var ids = calls.Select(k => k.Id).ToArray();
            var chunks = (await c.QueryAsync<ChunkRow>(new CommandDefinition(chunksSql, Parameters(r, new { ids }), cancellationToken: ct)).ConfigureAwait(false))
                .ToLookup(k => k.CallId);
            foreach (var call in calls)
            {
                foreach (var chunk in chunks[call.Id].OrderBy(k => k.Seq))
                {
                    if (r.Terms.Match(chunk.Text) is { } spans) found.Add(new Found(chunk with { StartedAt = call.StartedAt }, spans));
                    stats.Chunks++;
                    chunksRead++;
                    foreach (var w in words)
                        if (chunk.Text.Contains(w, StringComparison.OrdinalIgnoreCase)) stats.WordChunks[w] = stats.WordChunks.GetValueOrDefault(w) + 1;
                }
                if (found.Count >= wanted) return (found, false);
            }
            read += calls.Count;
            before = calls[^1].StartedAt;
            stats.Before = before;
            if (!more) return (found, true);
            // Expected chunks still to read at the rate seen so far (one hit more than seen, so none is not "never").
            var rate = (found.Count + 1.0) / Math.Max(1, chunksRead);
            if (!small && (wanted - found.Count) / rate > (budget - read) * (chunksRead / (double)read)) return (found, false);
            batch = Math.Min(batch * 2, 1000);
        }
        return (found, false);
    }

    /// <summary>
    /// <paramref name="recent"/> (the scan's hits, all newer than <see cref="ScanStats.Before"/>) followed by the matching
    /// chunks of the older calls in time order, from the speaker's full-text index a time window at a time (null on
    /// MySQL when no word of the search is in its index). Rows the index returns but <see cref="SearchTerms.Match"/>
    /// refuses (a MySQL phrase's order or its short words) are skipped; the limit grows until enough are found or the
    /// window has no more.
    /// </summary>
    private async Task<List<Found>?> FromIndexAsync(DbConnection c, SearchRequest r, int wanted, List<Found> recent, ScanStats scan, CancellationToken ct)
    {
        string query;
        switch (db.Provider)
        {
            case DbProvider.Postgres:
                query = r.Terms.ToTsQuery();
                break;
            case DbProvider.MySql:
                if (r.Terms.ToMySqlBoolean(scan.Seen) is not { } boolean) return null;
                query = boolean;
                break;
            default:
                query = r.Terms.ToFts5();
                break;
        }
        var sql = IndexSql(r, Roles(r.Speaker));
        // MySQL, either speaker: each role's index on a connection of its own, at the same time (see IndexRowsAsync).
        var split = db.IsMySql && r.Speaker == SearchSpeaker.Either;
        string[] roleSql = split ? [IndexSql(r, ["customer"]), IndexSql(r, ["agent"])] : [];
        await using var second = split ? await db.OpenAsync(ct).ConfigureAwait(false) : null;
        // "+ 0": an aggregate over the window's rows, never PostgreSQL's MIN-by-primary-key walk from the oldest call.
        var idsSql = $"SELECT MIN(c.id + 0) AS Low, MAX(c.id + 0) AS High FROM calls c WHERE {CallWhere(r.Filter)}";
        var found = new List<Found>(recent);
        var from = r.Filter.From.ToUnixTimeMilliseconds();
        var upper = scan.Before;
        // Expected hits per millisecond of calls, from the scan (one hit more than seen, so none is not "never"); the
        // first window should hold twice the hits still wanted.
        var scanned = Math.Max(1, (scan.Newest ?? scan.Before) - scan.Before);
        // Only SQLite's index can skip the entries of other calls (by rowid). InnoDB's FULLTEXT lookup and PostgreSQL's
        // bitmap heap scan read every chunk with the words whatever the bounds (EXPLAIN ANALYZE: the call id range is
        // a filter on the fetched rows, not an index condition), so each window would read them all again: they ask
        // once for the whole rest of the range.
        var span = db.Provider == DbProvider.Sqlite ? Math.Max(WindowMinMs, 2.0 * (wanted - found.Count) * scanned / (found.Count + 1)) : double.PositiveInfinity;
        while (found.Count < wanted && upper > from)
        {
            var lower = span >= upper - from ? from : upper - (long)span;
            span *= 4;
            // The last window (the rest of the range) goes unbounded: reading its calls' ids would cost more than the
            // words' entries it could skip, which are few once the earlier windows did not fill the page.
            var (low, high) = db.Provider != DbProvider.Sqlite || lower == from ? (0, MaxCallId)
                : await c.QuerySingleAsync<(long?, long?)>(new CommandDefinition(idsSql, Parameters(r, new { }, lower, upper), cancellationToken: ct)).ConfigureAwait(false);
            if (low is { } lowId && high is { } highId)
            {
                for (var limit = (long)(wanted - found.Count); ; limit *= 4)
                {
                    var p = Parameters(r, new { query, limit, lowId, highId, lowKey = lowId * 65536, highKey = highId * 65536 + 65535 }, lower, upper);
                    List<ChunkRow> rows;
                    if (second is not null) rows = await IndexRowsAsync(c, second, roleSql, () => Parameters(r, new { query, limit }, lower, upper), limit, ct).ConfigureAwait(false);
                    else rows = (await c.QueryAsync<ChunkRow>(new CommandDefinition(sql, p, cancellationToken: ct)).ConfigureAwait(false)).ToList();
                    var more = new List<Found>();
                    foreach (var row in rows)
                        if (r.Terms.Match(row.Text) is { } spans) more.Add(new Found(row, spans));
                    if (found.Count + more.Count >= wanted || rows.Count < limit)
                    {
                        found.AddRange(more);
                        break;
                    }
                }
            }
            upper = lower;
        }
        return found;
    }

    /// <summary>
    /// The newest <paramref name="limit"/> chunks of both roles, the same rows in the same order as the UNION ALL of
    /// <see cref="IndexSql"/>: each role's statement on its own connection, both at once, merged here. InnoDB answers a
    /// FULLTEXT lookup by fetching every row that holds the word (ANALYZE FORMAT=JSON: about one page read per row, a
    /// medium word's few thousand rows mostly not in the buffer pool), one after the other; the two roles' reads
    /// overlap this way (on 1,000,000 calls a medium word for either speaker took 0.6 of the time of the UNION ALL).
    /// </summary>
    private static async Task<List<ChunkRow>> IndexRowsAsync(DbConnection first, DbConnection second, string[] roleSql, Func<DynamicParameters> parameters,
        long limit, CancellationToken ct)
    {
        var customer = first.QueryAsync<ChunkRow>(new CommandDefinition(roleSql[0], parameters(), cancellationToken: ct));
        var agent = second.QueryAsync<ChunkRow>(new CommandDefinition(roleSql[1], parameters(), cancellationToken: ct));
        await Task.WhenAll(customer, agent).ConfigureAwait(false);
        return (await customer.ConfigureAwait(false)).Concat(await agent.ConfigureAwait(false))
            .OrderByDescending(k => k.StartedAt).ThenByDescending(k => k.CallId).ThenBy(k => k.Seq).Take((int)Math.Min(limit, int.MaxValue)).ToList();
    }

    private static string[] Roles(SearchSpeaker speaker) =>
        speaker switch { SearchSpeaker.Customer => ["customer"], SearchSpeaker.Agent => ["agent"], _ => ["customer", "agent"] };

    /// <summary>The largest call id a chunk key (call_id * 65536 + seq) can hold.</summary>
    private const long MaxCallId = long.MaxValue / 65536 - 1;

    /// <summary>The narrowest first window (one hour): below that the extra round trips cost more than they save.</summary>
    private const double WindowMinMs = 3_600_000;

    /// <summary>
    /// One window's matching chunks, newest first, from the index of each role asked for (the role named as a literal,
    /// so that PostgreSQL can choose the role's partial index), within the window's times (and on SQLite its calls' ids).
    /// </summary>
    private string IndexSql(SearchRequest r, string[] roles)
    {
        const string Columns = "t.call_id AS CallId, t.seq AS Seq, t.role AS Role, t.start_ms AS StartMs, t.text AS Text, c.started_at AS StartedAt";
        var where = CallWhere(r.Filter);
        const string Order = " ORDER BY StartedAt DESC, CallId DESC, Seq LIMIT @limit";
        if (db.IsPostgres)
        {
            // The index first, always (MATERIALIZED): the planner estimates a phrase's rows from its words' frequencies
            // over all chunks, whoever said them, and for "thank you for calling" said by the customer (none) chose to
            // walk the calls newest first and test every chunk (2.1 s on 100,000 calls; 0.3 ms this way).
            var hits = string.Join(" UNION ALL ", roles.Select(role => $"""
                SELECT t.call_id, t.seq, t.role, t.start_ms, t.text FROM transcript_chunks t WHERE t.role = '{role}' AND t.search @@ to_tsquery('simple', @query)
                """));
            return $"""
                WITH h AS MATERIALIZED ({hits})
                SELECT h.call_id AS CallId, h.seq AS Seq, h.role AS Role, h.start_ms AS StartMs, h.text AS Text, c.started_at AS StartedAt
                FROM h JOIN calls c ON c.id = h.call_id WHERE {where}{Order}
                """;
        }
        var selects = roles.Select(role => db.Provider switch
        {
            DbProvider.MySql => $"""
                SELECT {Columns} FROM transcript_chunks t JOIN calls c ON c.id = t.call_id
                WHERE MATCH (t.{role}_text) AGAINST (@query IN BOOLEAN MODE) AND {where}
                """,
            // CROSS JOIN keeps the full-text table as the outer loop and reads a chunk only for a call in the window.
            _ => $"""
                SELECT {Columns} FROM transcript_search_{role} s
                CROSS JOIN calls c ON c.id = (s.rowid >> 16)
                CROSS JOIN transcript_chunks t ON t.call_id = c.id AND t.seq = (s.rowid & 65535)
                WHERE transcript_search_{role} MATCH @query AND s.rowid BETWEEN @lowKey AND @highKey AND {where}
                """,
        }).ToList();
        return selects.Count == 1 ? selects[0] + Order
            : db.IsMySql ? string.Join(" UNION ALL ", selects.Select(s => "(" + s + ")")) + Order
            : string.Join(" UNION ALL ", selects) + Order;
    }

    private sealed record CallInfo(long Id, string Agent, string? AgentName, string CallRef, string Sentiment);

    private async Task<IReadOnlyList<SearchHit>> DescribeAsync(DbConnection c, List<Found> page, CancellationToken ct)
    {
        if (page.Count == 0) return [];
        var sql = $"""
            SELECT c.id AS Id, a.name AS Agent, a.display_name AS AgentName, c.call_ref AS CallRef, c.sentiment AS Sentiment
            FROM calls c JOIN agents a ON a.id = c.agent_id WHERE c.id {InIds}
            """;
        var calls = (await c.QueryAsync<CallInfo>(new CommandDefinition(sql, new { ids = page.Select(f => f.Chunk.CallId).Distinct().ToArray() }, cancellationToken: ct))
            .ConfigureAwait(false)).ToDictionary(k => k.Id);
        var hits = new List<SearchHit>(page.Count);
        foreach (var f in page)
        {
            // A call deleted between the two reads is left out rather than shown half.
            if (!calls.TryGetValue(f.Chunk.CallId, out var call)) continue;
            hits.Add(new SearchHit(f.Chunk.CallId, f.Chunk.Seq, f.Chunk.Role, f.Chunk.StartMs, DateTimeOffset.FromUnixTimeMilliseconds(f.Chunk.StartedAt),
                call.Agent, call.AgentName, call.CallRef, call.Sentiment, Snippet.Around(f.Chunk.Text, f.Spans)));
        }
        return hits;
    }

    /// <summary>A list of ids: Dapper expands it into parameters, except for Npgsql, which takes it as one array.</summary>
    private string InIds => db.IsPostgres ? "= ANY(@ids)" : "IN @ids";

    private static string CallWhere(CallFilter f) =>
        "c.started_at >= @from AND c.started_at < @to"
        + (f.AgentId is null ? "" : " AND c.agent_id = @agentId")
        + (f.NegativeOnly ? " AND c.sentiment = 'NEGATIVE'" : "")
        + (f.Customer is null ? "" : " AND c.customer_sentiment = @customer")
        + (f.AgentTone is null ? "" : " AND c.agent_sentiment = @agentTone");

    private static string RoleWhere(SearchSpeaker speaker) => speaker == SearchSpeaker.Either ? "" : " AND t.role = @role";

    private static DynamicParameters Parameters(SearchRequest r, object extra, long? from = null, long? to = null)
    {
        var p = new DynamicParameters(extra);
        var f = r.Filter;
        p.Add("from", from ?? f.From.ToUnixTimeMilliseconds());
        p.Add("to", to ?? f.To.ToUnixTimeMilliseconds());
        if (f.AgentId is { } id) p.Add("agentId", id);
        if (f.Customer is not null) p.Add("customer", f.Customer);
        if (f.AgentTone is not null) p.Add("agentTone", f.AgentTone);
        if (r.Speaker != SearchSpeaker.Either) p.Add("role", r.Speaker == SearchSpeaker.Customer ? "customer" : "agent");
        return p;
    }
}

/// <summary>The database could not answer a search (busy, timed out, still indexing); the message is for people.</summary>
public sealed class SearchUnavailableException(string message, Exception inner) : Exception(message, inner);
