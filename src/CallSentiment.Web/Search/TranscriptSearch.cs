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
/// <item>Index: when that did not fill the page, the engine's full-text index (SQLite FTS5, PostgreSQL GIN over a
/// tsvector, MySQL FULLTEXT) lists the chunks holding the words — few, since they were rare among the newest calls —
/// joined to the filter and sorted by time.</item>
/// </list>
/// Both check each chunk with <see cref="SearchTerms.Match"/>, so a hit means the same on every engine.
/// </summary>
public sealed class TranscriptSearch(Db db, IOptions<SearchOptions> options)
{
    public async Task<SearchResult> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
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
            if (await FromIndexAsync(c, request, wanted, scan, cancellationToken).ConfigureAwait(false) is { } indexed) found = indexed;
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

    /// <summary>What the recent scan saw: how many chunks, and how many held each word (for MySQL's choice of words).</summary>
    private sealed class ScanStats
    {
        public int Chunks { get; set; }

        public Dictionary<string, int> WordChunks { get; } = new(StringComparer.Ordinal);

        /// <summary>In more than 2 % of a fair sample of chunks.</summary>
        public bool IsCommon(string word) => Chunks >= 500 && WordChunks.GetValueOrDefault(word) > Chunks / 50;
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
            if (!more) return (found, true);
            // Expected chunks still to read at the rate seen so far (one hit more than seen, so none is not "never").
            var rate = (found.Count + 1.0) / Math.Max(1, chunksRead);
            if (!small && (wanted - found.Count) / rate > (budget - read) * (chunksRead / (double)read)) return (found, false);
            batch = Math.Min(batch * 2, 1000);
        }
        return (found, false);
    }

    /// <summary>
    /// The matching chunks in time order by the engine's full-text index (null on MySQL when no word of the search is in
    /// its index). Rows the index returns but <see cref="SearchTerms.Match"/> refuses (a MySQL phrase's order or its
    /// short words) are skipped; the limit grows until enough are found or the index has no more.
    /// </summary>
    private async Task<List<Found>?> FromIndexAsync(DbConnection c, SearchRequest r, int wanted, ScanStats scan, CancellationToken ct)
    {
        const string Columns = "t.call_id AS CallId, t.seq AS Seq, t.role AS Role, t.start_ms AS StartMs, t.text AS Text, c.started_at AS StartedAt";
        const string Order = " ORDER BY c.started_at DESC, c.id DESC, t.seq LIMIT @limit";
        var where = CallWhere(r.Filter) + RoleWhere(r.Speaker);
        // SQLite: CROSS JOIN keeps the full-text table as the outer loop (its rowid is the chunk's key, call_id * 65536 + seq).
        string sql;
        string query;
        switch (db.Provider)
        {
            case DbProvider.Postgres:
                query = r.Terms.ToTsQuery();
                sql = $"SELECT {Columns} FROM transcript_chunks t JOIN calls c ON c.id = t.call_id WHERE t.search @@ to_tsquery('simple', @query) AND {where}{Order}";
                break;
            case DbProvider.MySql:
                if (r.Terms.ToMySqlBoolean(scan.IsCommon) is not { } boolean) return null;
                query = boolean;
                sql = $"SELECT {Columns} FROM transcript_chunks t JOIN calls c ON c.id = t.call_id WHERE MATCH (t.text) AGAINST (@query IN BOOLEAN MODE) AND {where}{Order}";
                break;
            default:
                query = r.Terms.ToFts5();
                sql = $"""
                    SELECT {Columns} FROM transcript_search s
                    CROSS JOIN transcript_chunks t ON t.call_id = (s.rowid >> 16) AND t.seq = (s.rowid & 65535)
                    CROSS JOIN calls c ON c.id = t.call_id
                    WHERE transcript_search MATCH @query AND {where}{Order}
                    """;
                break;
        }
        for (var limit = (long)wanted; ; limit *= 4)
        {
            var rows = (await c.QueryAsync<ChunkRow>(new CommandDefinition(sql, Parameters(r, new { query, limit }), cancellationToken: ct)).ConfigureAwait(false)).ToList();
            var found = new List<Found>();
            foreach (var row in rows)
            {
                if (r.Terms.Match(row.Text) is { } spans) found.Add(new Found(row, spans));
                if (found.Count >= wanted) return found;
            }
            if (rows.Count < limit) return found;
        }
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

    private static DynamicParameters Parameters(SearchRequest r, object extra)
    {
        var p = new DynamicParameters(extra);
        var f = r.Filter;
        p.Add("from", f.From.ToUnixTimeMilliseconds());
        p.Add("to", f.To.ToUnixTimeMilliseconds());
        if (f.AgentId is { } id) p.Add("agentId", id);
        if (f.Customer is not null) p.Add("customer", f.Customer);
        if (f.AgentTone is not null) p.Add("agentTone", f.AgentTone);
        if (r.Speaker != SearchSpeaker.Either) p.Add("role", r.Speaker == SearchSpeaker.Customer ? "customer" : "agent");
        return p;
    }
}
