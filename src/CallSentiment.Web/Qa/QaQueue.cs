using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Qa;

public sealed record QaItem(long Id, string SourceKey, long? CallId, string Agent, long CallStartedAt, long CreatedAt, string Status,
    string? ClaimedBy, long? ClaimedAt, string? ResolvedBy, long? ResolvedAt, string? RecoveryAction, string Reason, string? AgentName = null)
{
    /// <summary>The person's name for people to read (the sidecar's agentName), else their id.</summary>
    public string Employee => AgentName is { Length: > 0 } n ? n : Agent;
}

public sealed record QaNote(long Id, long At, string UserName, string Text);

public sealed record QaSummary(long Open, long Claimed, long ResolvedLastWeek, long? OldestOpenAt, double? MedianHoursToResolve);

public sealed record QaFilter(string? Agent, string? Status, long? FromMs, long? ToMs, int Page);

public enum QaChange { Done, NotFound, Conflict }

/// <summary>The service-recovery queue: items are created with the analysis (JobQueue); QA claims, notes and resolves them.</summary>
public sealed class QaQueue(Db db, TimeProvider clock, FusionModel fusion)
{
    public const int PageSize = 50;
    public static readonly string[] Statuses = ["open", "claimed", "resolved"];

    private const string Columns = """
        q.id AS Id, q.source_key AS SourceKey, q.call_id AS CallId, a.name AS Agent, q.call_started_at AS CallStartedAt, q.created_at AS CreatedAt,
        q.status AS Status, q.claimed_by AS ClaimedBy, q.claimed_at AS ClaimedAt, q.resolved_by AS ResolvedBy, q.resolved_at AS ResolvedAt,
        q.recovery_action AS RecoveryAction, q.reason AS Reason, a.display_name AS AgentName
        """;

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Why a note cannot be added as it is (null when it can): the QA page and the API say the same.</summary>
    public static string? NoteProblem(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Length > 4000 ? "A note needs some text (at most 4,000 characters)." : null;

    /// <summary>Why an item cannot be resolved with this recovery action (null when it can).</summary>
    public static string? ActionProblem(string? action) =>
        string.IsNullOrWhiteSpace(action) || action.Trim().Length > 2000 ? "Say what was done to recover the customer (at most 2,000 characters)." : null;

    /// <summary>Newest calls first. Status "unresolved" means open or claimed.</summary>
    public async Task<(IReadOnlyList<QaItem> Items, long Total)> ListAsync(QaFilter f, CancellationToken cancellationToken)
    {
        const string Where = """
            FROM qa_items q JOIN agents a ON a.id = q.agent_id
            WHERE (@agent IS NULL OR a.name = @agent)
              AND (@status IS NULL OR q.status = @status OR (@status = 'unresolved' AND q.status <> 'resolved'))
              AND (@fromMs IS NULL OR q.call_started_at >= @fromMs)
              AND (@toMs IS NULL OR q.call_started_at < @toMs)
            """;
        var p = new { agent = f.Agent, status = f.Status, fromMs = f.FromMs, toMs = f.ToMs, limit = PageSize, offset = (long)(f.Page - 1) * PageSize };
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) {Where}", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var items = await c.QueryAsync<QaItem>(new CommandDefinition(
            $"SELECT {Columns} {Where} ORDER BY q.call_started_at DESC, q.id DESC LIMIT @limit OFFSET @offset", p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (items.AsList(), total);
    }

    public async Task<QaItem?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<QaItem>(new CommandDefinition(
            $"SELECT {Columns} FROM qa_items q JOIN agents a ON a.id = q.agent_id WHERE q.id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<QaNote>> NotesAsync(long id, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT id AS Id, at AS At, user_name AS UserName, text AS Text FROM qa_notes WHERE item_id = @id ORDER BY at, id";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<QaNote>(new CommandDefinition(Sql, new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Claims an open item (or takes over one claimed by someone else when <paramref name="takeOver"/>).</summary>
    public async Task<QaChange> ClaimAsync(long id, string user, bool takeOver, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE qa_items SET status = 'claimed', claimed_by = @user, claimed_at = @now
            WHERE id = @id AND (status = 'open' OR (@takeOver = 1 AND status = 'claimed'))
            """;
        return await ChangeAsync(id, Sql, new { id, user, now = Now, takeOver = takeOver ? 1 : 0 }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QaChange> AddNoteAsync(long id, string user, string text, CancellationToken cancellationToken)
    {
        const string Sql = "INSERT INTO qa_notes (item_id, at, user_name, text) SELECT id, @now, @user, @text FROM qa_items WHERE id = @id";
        return await ChangeAsync(id, Sql, new { id, user, text, now = Now }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Resolves an item with the recovery action taken (only the person who claimed it, or an admin) and, when given,
    /// what the customer really felt (<see cref="VerdictLabels"/>), in one transaction.
    /// </summary>
    public async Task<QaChange> ResolveAsync(long id, string user, string action, bool admin, string? customerLabel, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE qa_items SET status = 'resolved', resolved_by = @user, resolved_at = @now, recovery_action = @action
            WHERE id = @id AND status = 'claimed' AND (claimed_by = @user OR @admin = 1)
            """;
        const string CallOf = "SELECT call_id FROM qa_items WHERE id = @id";
        var now = Now;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(Sql, new { id, user, action, now, admin = admin ? 1 : 0 }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return await NotDoneAsync(c, id, cancellationToken).ConfigureAwait(false);
        }
        if (customerLabel is not null
            && await c.ExecuteScalarAsync<long?>(new CommandDefinition(CallOf, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) is { } callId)
            await c.ExecuteAsync(new CommandDefinition(VerdictLabels.Upsert(db), new { callId, label = customerLabel, qaItemId = (long?)id, user, now },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return QaChange.Done;
    }

    private async Task<QaChange> ChangeAsync(long id, string sql, object p, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(sql, p, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1) return QaChange.Done;
        return await NotDoneAsync(c, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a change touched no row: the item is gone, or it was not in the state the change needs.</summary>
    private static async Task<QaChange> NotDoneAsync(System.Data.Common.DbConnection c, long id, CancellationToken cancellationToken)
    {
        var exists = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM qa_items WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return exists == 0 ? QaChange.NotFound : QaChange.Conflict;
    }

    public sealed record NegativeChunk(long StartMs, string Role, string Text, double Negative);

    /// <summary>
    /// The most negative things the customer said (or anyone, on an unseparated call), strongest first: only chunks whose
    /// words the recogniser was sure of (<see cref="FusionModel.ConfidentWords"/>; chunks analysed before confidences
    /// were kept are shown).
    /// </summary>
    public async Task<IReadOnlyList<NegativeChunk>> NegativeChunksAsync(long callId, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT start_ms AS StartMs, role AS Role, text AS Text, negative AS Negative FROM transcript_chunks
            WHERE call_id = @callId AND sentiment = 'NEGATIVE' AND role <> 'agent' AND (confidence IS NULL OR confidence >= @confidentFrom)
            ORDER BY negative DESC, start_ms LIMIT 5
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<NegativeChunk>(new CommandDefinition(Sql, new { callId, confidentFrom = fusion.ConfidentFrom },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// Counts and ageing for the dashboard (one agent or all). Waiting counts from when the call happened, as the
    /// customer experiences it, not from when the analysis queued it (a backlog or a late upload would hide the wait).
    /// </summary>
    public async Task<QaSummary> SummaryAsync(string? agent, CancellationToken cancellationToken)
    {
        const string Counts = """
            SELECT COUNT(CASE WHEN q.status = 'open' THEN 1 END) AS Open,
                   COUNT(CASE WHEN q.status = 'claimed' THEN 1 END) AS Claimed,
                   COUNT(CASE WHEN q.status = 'resolved' AND q.resolved_at >= @weekAgo THEN 1 END) AS ResolvedLastWeek,
                   MIN(CASE WHEN q.status = 'open' THEN q.call_started_at END) AS OldestOpenAt
            FROM qa_items q JOIN agents a ON a.id = q.agent_id
            WHERE (@agent IS NULL OR a.name = @agent)
            """;
        const string Durations = """
            SELECT q.resolved_at - q.call_started_at FROM qa_items q JOIN agents a ON a.id = q.agent_id
            WHERE q.status = 'resolved' AND q.resolved_at >= @weekAgo AND (@agent IS NULL OR a.name = @agent)
            """;
        var p = new { agent, weekAgo = Now - 7L * 24 * 3600 * 1000 };
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleAsync<(long Open, long Claimed, long ResolvedLastWeek, long? OldestOpenAt)>(
            new CommandDefinition(Counts, p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var durations = (await c.QueryAsync<long>(new CommandDefinition(Durations, p, cancellationToken: cancellationToken)).ConfigureAwait(false)).Order().ToList();
        double? median = durations.Count == 0 ? null : durations[durations.Count / 2] / 3_600_000.0;
        return new QaSummary(row.Open, row.Claimed, row.ResolvedLastWeek, row.OldestOpenAt, median);
    }
}
