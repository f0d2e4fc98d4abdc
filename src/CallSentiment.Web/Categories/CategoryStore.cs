using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Categories;

/// <summary>A category as stored, with its re-tagging job's state (queued, running, done or failed) and progress.</summary>
public sealed class Category
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public string Rule { get; set; } = "";

    public long Alert { get; set; }

    /// <summary>The stored polarity ("avoid" or "encourage"); see <see cref="Polarity"/>.</summary>
    public string PolarityKey { get; set; } = CategoryPolarities.AvoidKey;

    public long Version { get; set; }

    public string UpdatedBy { get; set; } = "";

    public long UpdatedAt { get; set; }

    public string RetagStatus { get; set; } = "";

    public long RetagTotal { get; set; }

    public long RetagDone { get; set; }

    public long RetagMatched { get; set; }

    public long? RetagStartedAt { get; set; }

    public long? RetagFinishedAt { get; set; }

    public string? RetagError { get; set; }

    /// <summary>Calls tagged with it now.</summary>
    public long Calls { get; set; }

    public bool Alerts => Alert != 0;

    public CategoryPolarity Polarity => CategoryPolarities.FromKey(PolarityKey);

    /// <summary>Re-tagging progress 0..1 (1 when done).</summary>
    public double Progress => RetagStatus == "done" ? 1 : RetagTotal <= 0 ? 0 : Math.Min(1, (double)RetagDone / RetagTotal);
}

/// <summary>A category a call is tagged with, and the matching words (chunk seq and word indexes).</summary>
public sealed record CallCategory(long Id, string Name, IReadOnlyList<MatchSpan> Spans, CategoryPolarity Polarity = CategoryPolarity.Avoid);

/// <summary>Calls in a range tagged with a category.</summary>
public sealed record CategoryCount(long Id, string Name, long Calls, CategoryPolarity Polarity = CategoryPolarity.Avoid);

/// <summary>A category to choose (filters, the agent comparison) and which way it counts.</summary>
public sealed record CategoryChoice(long Id, string Name, CategoryPolarity Polarity);

/// <summary>A call a tried rule matched: what the admin needs to judge it (and the first words it matched on).</summary>
public sealed record TriedMatch(long CallId, long StartedAt, string Agent, string CallRef, string? CustomerSentiment, string? Quote);

/// <summary>What trying a rule on the latest calls gave, and what evaluating it cost per call.</summary>
public sealed record TryResult(int Tried, int Matched, IReadOnlyList<TriedMatch> Matches, double MicrosecondsPerCall, double LoadMilliseconds);

/// <summary>Saving did not happen: which field and why.</summary>
public sealed record SaveProblem(string Field, string Message);

/// <summary>
/// Categories and the calls tagged with them: the admin's definitions (validated on save, a changed rule queues the
/// re-tagging job), the tags a call page, the dashboard and the API read, and the call facts a rule is evaluated on.
/// </summary>
public sealed class CategoryStore(Db db, TimeProvider clock, IOptions<CategoryOptions> options)
{
    public const int MaxNameLength = 100;
    public const int MaxTriedMatchesShown = 100;

    private static readonly JsonSerializerOptions SpanJson = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<Category>> ListAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT k.id AS Id, k.name AS Name, k.rule_text AS Rule, k.alert AS Alert, k.polarity AS PolarityKey, k.version AS Version, k.updated_by AS UpdatedBy,
                   k.updated_at AS UpdatedAt, k.retag_status AS RetagStatus, k.retag_total AS RetagTotal, k.retag_done AS RetagDone,
                   k.retag_matched AS RetagMatched, k.retag_started_at AS RetagStartedAt, k.retag_finished_at AS RetagFinishedAt,
                   k.retag_error AS RetagError,
                   (SELECT COUNT(*) FROM call_categories cc WHERE cc.category_id = k.id) AS Calls
            FROM categories k ORDER BY k.name
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<Category>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <summary>Id and name of every category (the dashboard's filter choices).</summary>
    public async Task<IReadOnlyList<(long Id, string Name)>> NamesAsync(CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<(long, string)>(new CommandDefinition("SELECT id, name FROM categories ORDER BY name",
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
    }

    /// <summary>Every category with its polarity, by name (the agent comparison's chooser; the dashboard's badges).</summary>
    public async Task<IReadOnlyList<CategoryChoice>> ChoicesAsync(CancellationToken cancellationToken)
    {
        const string Sql = "SELECT id, name, polarity FROM categories ORDER BY name";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<(long Id, string Name, string Polarity)>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new CategoryChoice(r.Id, r.Name, CategoryPolarities.FromKey(r.Polarity))).ToList();
    }

    /// <summary>
    /// Creates (<paramref name="id"/> null) or changes a category. Nothing is saved unless the name, the rule and the
    /// polarity (<see cref="CategoryPolarities.Parse"/>: none is to avoid) are all good; the problems come back by field.
    /// A new rule, or a changed one, queues re-tagging of every stored call; a changed polarity needs none (the tags stay,
    /// only which way they count changes).
    /// </summary>
    public async Task<(long? Id, IReadOnlyList<SaveProblem> Problems)> SaveAsync(long? id, string? name, string? rule, bool alert, string? polarity, string user,
        CancellationToken cancellationToken)
    {
        const string Existing = "SELECT rule_text FROM categories WHERE id = @id";
        const string NameTaken = "SELECT COUNT(*) FROM categories WHERE name = @name AND id <> @id";
        const string Total = "SELECT COUNT(*) FROM calls";
        const string InsertRow = """
            INSERT INTO categories (name, rule_text, alert, polarity, version, created_by, created_at, updated_by, updated_at, retag_status, retag_total)
            VALUES (@name, @rule, @alert, @polarity, 1, @user, @now, @user, @now, 'queued', @total)
            """;
        const string Insert = InsertRow + " RETURNING id";
        const string LastId = "SELECT CAST(LAST_INSERT_ID() AS SIGNED)";
        const string Update = "UPDATE categories SET name = @name, alert = @alert, polarity = @polarity, updated_by = @user, updated_at = @now WHERE id = @id";
        var problems = new List<SaveProblem>();
        name = name?.Trim() ?? "";
        rule = rule?.Trim() ?? "";
        if (name.Length == 0) problems.Add(new("name", "Give the category a name."));
        else if (name.Length > MaxNameLength) problems.Add(new("name", $"The name is longer than {MaxNameLength} characters."));
        else if (name.Any(char.IsControl)) problems.Add(new("name", "The name may not contain control characters."));
        if (CategoryRule.Problem(rule) is { } ruleProblem) problems.Add(new("rule", $"The rule is not valid {ruleProblem}."));
        var goal = CategoryPolarities.Parse(polarity);
        if (goal is null) problems.Add(new("polarity", $"Choose whether the category is to avoid or to encourage ('{polarity}' is neither)."));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        string? before = null;
        if (id is { } existing)
        {
            before = await c.ExecuteScalarAsync<string?>(new CommandDefinition(Existing, new { id = existing }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (before is null) problems.Add(new("id", $"There is no category {existing} (deleted meanwhile?)."));
        }
        if (name.Length > 0 && await c.ExecuteScalarAsync<long>(new CommandDefinition(NameTaken, new { name, id = id ?? 0 }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false) > 0)
            problems.Add(new("name", $"There is already a category named '{name}'."));
        if (problems.Count > 0) return (null, problems);
        var alertValue = alert ? 1L : 0L;
        var polarityKey = goal!.Value.Key();
        if (id is null)
        {
            var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(Total, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var row = new { name, rule, alert = alertValue, polarity = polarityKey, user, now, total };
            if (db.IsMySql)
            {
                await c.ExecuteAsync(new CommandDefinition(InsertRow, row, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                id = await c.ExecuteScalarAsync<long>(new CommandDefinition(LastId, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            else
                id = await c.ExecuteScalarAsync<long>(new CommandDefinition(Insert, row, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            await c.ExecuteAsync(new CommandDefinition(Update, new { id, name, alert = alertValue, polarity = polarityKey, user, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (!string.Equals(before, rule, StringComparison.Ordinal)) await QueueRetagAsync(c, tx, id.Value, rule, cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (id, []);
    }

    /// <summary>Runs the category's rule over every stored call again (e.g. after a failed run). False when there is no such category.</summary>
    public async Task<bool> RetagAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var rule = await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT rule_text FROM categories WHERE id = @id", new { id }, tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (rule is null) return false;
        await QueueRetagAsync(c, tx, id, rule, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A new version of the rule: the job starts over from the first call, and a run of the old version (on any
    /// instance) stops at its next batch, because it writes only while the version is the one it read.
    /// </summary>
    private static async Task QueueRetagAsync(DbConnection c, DbTransaction tx, long id, string rule, CancellationToken cancellationToken)
    {
        const string Total = "SELECT COUNT(*) FROM calls";
        const string Queue = """
            UPDATE categories SET rule_text = @rule, version = version + 1, retag_status = 'queued', retag_after = 0, retag_total = @total,
                retag_done = 0, retag_matched = 0, retag_owner = NULL, retag_lease_until = NULL, retag_started_at = NULL,
                retag_finished_at = NULL, retag_error = NULL
            WHERE id = @id
            """;
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(Total, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Queue, new { id, rule, total }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes a category and its tags; its name, or null when there was none.</summary>
    public async Task<string?> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var name = await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT name FROM categories WHERE id = @id", new { id }, tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (name is null) return null;
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM call_categories WHERE category_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM categories WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>The categories of one call with the words that matched, by name.</summary>
    public async Task<IReadOnlyList<CallCategory>> ForCallAsync(long callId, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT k.id AS Id, k.name AS Name, cc.spans AS Spans, k.polarity AS Polarity FROM call_categories cc JOIN categories k ON k.id = cc.category_id
            WHERE cc.call_id = @callId ORDER BY k.name
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<(long Id, string Name, string? Spans, string Polarity)>(new CommandDefinition(Sql, new { callId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new CallCategory(r.Id, r.Name, ParseSpans(r.Spans), CategoryPolarities.FromKey(r.Polarity))).ToList();
    }

    /// <summary>Category names per call, for a page of calls or a batch of CSV rows (one index lookup per call).</summary>
    public async Task<Dictionary<long, List<string>>> NamesForCallsAsync(IReadOnlyCollection<long> callIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<long, List<string>>();
        if (callIds.Count == 0) return result;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var sql = $"""
            SELECT cc.call_id, k.name FROM call_categories cc JOIN categories k ON k.id = cc.category_id
            WHERE {InIds(c, "cc.call_id")} ORDER BY cc.call_id, k.name
            """;
        foreach (var (callId, name) in await c.QueryAsync<(long, string)>(new CommandDefinition(sql, new { ids = callIds.ToList() }, cancellationToken: cancellationToken)).ConfigureAwait(false))
        {
            if (!result.TryGetValue(callId, out var names)) result[callId] = names = [];
            names.Add(name);
        }
        return result;
    }

    /// <summary>
    /// Calls per category in [from, to), for one employee or all: one range count per category on
    /// ix_call_categories_time / ix_call_categories_agent_time (categories are few; calls are many).
    /// </summary>
    public async Task<IReadOnlyList<CategoryCount>> CountsAsync(DateTimeOffset from, DateTimeOffset to, long? agentId, CancellationToken cancellationToken)
    {
        const string All = """
            SELECT k.id AS Id, k.name AS Name,
                   (SELECT COUNT(*) FROM call_categories cc WHERE cc.category_id = k.id AND cc.started_at >= @from AND cc.started_at < @to) AS Calls,
                   k.polarity AS Polarity
            FROM categories k ORDER BY k.name
            """;
        const string OneAgent = """
            SELECT k.id AS Id, k.name AS Name,
                   (SELECT COUNT(*) FROM call_categories cc
                    WHERE cc.category_id = k.id AND cc.agent_id = @agentId AND cc.started_at >= @from AND cc.started_at < @to) AS Calls,
                   k.polarity AS Polarity
            FROM categories k ORDER BY k.name
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<(long Id, string Name, long Calls, string Polarity)>(new CommandDefinition(agentId is null ? All : OneAgent,
                new { from = from.ToUnixTimeMilliseconds(), to = to.ToUnixTimeMilliseconds(), agentId }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new CategoryCount(r.Id, r.Name, r.Calls, CategoryPolarities.FromKey(r.Polarity))).ToList();
    }

    /// <summary>
    /// Evaluates <paramref name="rule"/> on the <paramref name="last"/> most recent calls without saving anything: how many
    /// it matches, which (the first <see cref="MaxTriedMatchesShown"/>), and what the evaluation cost per call.
    /// </summary>
    public async Task<TryResult> TryAsync(CategoryRule rule, int last, CancellationToken cancellationToken)
    {
        const string Latest = "SELECT id FROM calls ORDER BY started_at DESC, id DESC LIMIT @last";
        const string Shown = """
            SELECT c.id AS CallId, c.started_at AS StartedAt, COALESCE(a.display_name, a.name) AS Agent, c.call_ref AS CallRef,
                   c.customer_sentiment AS CustomerSentiment
            FROM calls c JOIN agents a ON a.id = c.agent_id WHERE
            """;
        last = Math.Clamp(last, 1, options.Value.MaxTryCalls);
        var loading = Stopwatch.StartNew();
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = (await c.QueryAsync<long>(new CommandDefinition(Latest, new { last = (long)last }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var facts = await LoadFactsAsync(c, null, ids, rule.ReadsTranscript, cancellationToken).ConfigureAwait(false);
        loading.Stop();
        var evaluating = Stopwatch.StartNew();
        var matched = new List<(CallFacts Call, List<MatchSpan> Spans)>();
        foreach (var f in facts)
        {
            var spans = new List<MatchSpan>();
            if (rule.Matches(f, spans)) matched.Add((f, spans));
        }
        evaluating.Stop();
        var shownIds = matched.Take(MaxTriedMatchesShown).Select(m => m.Call.CallId).ToList();
        var rows = new Dictionary<long, (long CallId, long StartedAt, string Agent, string CallRef, string? CustomerSentiment)>();
        if (shownIds.Count > 0)
            foreach (var r in await c.QueryAsync<(long CallId, long StartedAt, string Agent, string CallRef, string? CustomerSentiment)>(
                         new CommandDefinition($"{Shown} {InIds(c, "c.id")}", new { ids = shownIds }, cancellationToken: cancellationToken)).ConfigureAwait(false))
                rows[r.CallId] = r;
        var shown = new List<TriedMatch>();
        foreach (var m in matched.Take(MaxTriedMatchesShown))
            if (rows.TryGetValue(m.Call.CallId, out var r))
                shown.Add(new TriedMatch(r.CallId, r.StartedAt, r.Agent, r.CallRef, r.CustomerSentiment, m.Spans.Count > 0 ? m.Call.Quote(m.Spans[0]) : null));
        shown.Sort((x, y) => y.StartedAt.CompareTo(x.StartedAt));
        return new TryResult(facts.Count, matched.Count, shown, facts.Count == 0 ? 0 : evaluating.Elapsed.TotalMicroseconds / facts.Count,
            loading.Elapsed.TotalMilliseconds);
    }

    public static string SpansJson(IReadOnlyList<MatchSpan> spans) => JsonSerializer.Serialize(spans, SpanJson);

    public static IReadOnlyList<MatchSpan> ParseSpans(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        try
        {
            return JsonSerializer.Deserialize<List<MatchSpan>>(json, SpanJson) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private sealed class FactRow
    {
        public long CallId { get; set; }

        public long StartedAt { get; set; }

        public long AgentId { get; set; }

        public long DurationMs { get; set; }

        public string? Sentiment { get; set; }

        public string? CustomerSentiment { get; set; }

        public string? AgentSentiment { get; set; }

        public double? SentimentChange { get; set; }

        public long? SilenceMs { get; set; }

        public long? LongestSilenceMs { get; set; }

        public long? OverlapMs { get; set; }

        public long? Interruptions { get; set; }
    }

    private sealed class SpeakerRow
    {
        public long CallId { get; set; }

        public string Role { get; set; } = "";

        public long TalkMs { get; set; }

        public long Interruptions { get; set; }
    }

    private sealed class ChunkRow
    {
        public long CallId { get; set; }

        public long Seq { get; set; }

        public string Role { get; set; } = "";

        public string Words { get; set; } = "";
    }

    private const string FactColumns = """
        SELECT id AS CallId, started_at AS StartedAt, agent_id AS AgentId, duration_ms AS DurationMs, sentiment AS Sentiment,
               customer_sentiment AS CustomerSentiment, agent_sentiment AS AgentSentiment, sentiment_change AS SentimentChange,
               silence_ms AS SilenceMs, longest_silence_ms AS LongestSilenceMs, overlap_ms AS OverlapMs, interruptions AS Interruptions
        FROM calls
        """;

    /// <summary>The facts of the calls with the given ids (the transcript only when the rule reads it).</summary>
    public static Task<List<CallFacts>> LoadFactsAsync(DbConnection c, DbTransaction? tx, IReadOnlyList<long> ids, bool transcript,
        CancellationToken cancellationToken)
    {
        var calls = $"{FactColumns} WHERE {InIds(c, "id")}";
        var speakers = $"SELECT call_id AS CallId, role AS Role, talk_ms AS TalkMs, interruptions AS Interruptions FROM call_speakers WHERE {InIds(c, "call_id")}";
        var chunks = $"SELECT call_id AS CallId, seq AS Seq, role AS Role, words AS Words FROM transcript_chunks WHERE {InIds(c, "call_id")} ORDER BY call_id, seq";
        return ids.Count == 0 ? Task.FromResult(new List<CallFacts>()) : LoadAsync(c, tx, calls, speakers, chunks, new { ids = ids.ToList() }, transcript, cancellationToken);
    }

    /// <summary>
    /// <c>column</c> is one of the list @ids (or another list parameter): Dapper expands <c>IN @ids</c> into one parameter per id on SQLite and
    /// MySQL, but hands Npgsql the list as one array parameter, which PostgreSQL compares with <c>= ANY</c>.
    /// </summary>
    private static string InIds(DbConnection c, string column) => In(c, column, "ids");

    private static string In(DbConnection c, string column, string list) => c is Npgsql.NpgsqlConnection ? $"{column} = ANY(@{list})" : $"{column} IN @{list}";

    /// <summary>
    /// The facts of up to <paramref name="take"/> calls with ids above <paramref name="after"/>, in id order (a re-tagging
    /// batch), with the transcript chunks of <paramref name="speakers"/> (a rule's <see cref="CategoryRule.Speakers"/>:
    /// a rule on what the customer says never reads the agent's words; none for a rule on facts alone).
    /// </summary>
    internal static async Task<(List<CallFacts> Calls, List<(long StartedAt, long AgentId)> Keys)> LoadBatchAsync(DbConnection c, long after, int take,
        IReadOnlyList<string> speakers, CancellationToken cancellationToken)
    {
        const string Calls = FactColumns + " WHERE id > @after ORDER BY id LIMIT @take";
        const string Speakers = """
            SELECT call_id AS CallId, role AS Role, talk_ms AS TalkMs, interruptions AS Interruptions FROM call_speakers
            WHERE call_id > @after AND call_id <= @last
            """;
        const string Chunks = """
            SELECT call_id AS CallId, seq AS Seq, role AS Role, words AS Words FROM transcript_chunks
            WHERE call_id > @after AND call_id <= @last
            """;
        var rows = (await c.QueryAsync<FactRow>(new CommandDefinition(Calls, new { after, take = (long)take }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0) return ([], []);
        var every = speakers.Contains(CallFacts.Anyone, StringComparer.Ordinal);
        var chunks = every ? $"{Chunks} ORDER BY call_id, seq" : $"{Chunks} AND {In(c, "role", "roles")} ORDER BY call_id, seq";
        var facts = await BuildAsync(c, null, rows, Speakers, chunks, new { after, last = rows[^1].CallId, roles = speakers.ToList() }, speakers.Count > 0,
            cancellationToken).ConfigureAwait(false);
        return (facts, rows.Select(r => (r.StartedAt, r.AgentId)).ToList());
    }

    private static async Task<List<CallFacts>> LoadAsync(DbConnection c, DbTransaction? tx, string calls, string speakers, string chunks, object args, bool transcript,
        CancellationToken cancellationToken)
    {
        var rows = (await c.QueryAsync<FactRow>(new CommandDefinition(calls, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        return await BuildAsync(c, tx, rows, speakers, chunks, args, transcript, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<CallFacts>> BuildAsync(DbConnection c, DbTransaction? tx, List<FactRow> rows, string speakersSql, string chunksSql, object args,
        bool transcript, CancellationToken cancellationToken)
    {
        var speakers = (await c.QueryAsync<SpeakerRow>(new CommandDefinition(speakersSql, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(s => s.CallId);
        var chunks = transcript
            ? (await c.QueryAsync<ChunkRow>(new CommandDefinition(chunksSql, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(k => k.CallId)
            : null;
        return rows.Select(r => new CallFacts(r.CallId, r.DurationMs, r.Sentiment, r.CustomerSentiment, r.AgentSentiment, r.SentimentChange, r.SilenceMs,
            r.LongestSilenceMs, r.OverlapMs, r.Interruptions,
            speakers[r.CallId].Select(s => new SpeakerFact(s.Role, s.TalkMs, s.Interruptions)).ToList(),
            chunks is null ? [] : chunks[r.CallId].Select(k => new ChunkFact(k.Seq, k.Role, k.Words)).ToList())).ToList();
    }
}
