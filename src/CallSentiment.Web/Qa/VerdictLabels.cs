using System.Globalization;
using System.Text;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Qa;

public sealed record VerdictLabel(string CustomerLabel, string? Verdict, string? FusionVersion, long? QaItemId, string LabelledBy, long LabelledAt)
{
    /// <summary>Whether the product's customer verdict at the time matched the label (null when there was none).</summary>
    public bool? Right => Verdict is null ? null : string.Equals(Verdict, CustomerLabel, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Corrections from people who listened: what the customer really felt, per recording. They measure the product on a
/// centre's own calls and, exported as an evaluate-calls manifest, refit the fusion combiner (callsentiment calibrate).
/// </summary>
public sealed class VerdictLabels(Db db, TimeProvider clock)
{
    public static readonly string[] Labels = ["negative", "neutral", "positive"];

    /// <summary>Why this is not a label (null when it is): the page and the API say the same.</summary>
    public static string? LabelProblem(string? label) =>
        label is null || !Labels.Contains(label, StringComparer.Ordinal) ? "The customer's label must be negative, neutral or positive." : null;

    /// <summary>Records (or replaces) the label of a call's recording, with the verdict the product gave it. False when the call is gone.</summary>
    public async Task<bool> SetAsync(long callId, string label, string user, long? qaItemId, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // MySQL counts an upsert that changed an existing row as 2.
        return await c.ExecuteAsync(new CommandDefinition(Upsert(db), new { callId, label, qaItemId, user, now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>The upsert in the database's dialect; parameters as <see cref="UpsertSql"/>.</summary>
    internal static string Upsert(Db db) => db.IsMySql ? MySqlUpsertSql : UpsertSql;

    /// <summary>Parameters: callId, label, qaItemId, user, now. Also run by <see cref="QaQueue.ResolveAsync"/> with the resolution.</summary>
    internal const string UpsertSql = """
            INSERT INTO verdict_labels (source_key, customer_label, verdict, fusion_version, qa_item_id, labelled_by, labelled_at)
            SELECT c.source_key, @label, LOWER(COALESCE(c.customer_sentiment, c.sentiment)), c.fusion_version, @qaItemId, @user, @now
            FROM calls c WHERE c.id = @callId
            ON CONFLICT (source_key) DO UPDATE SET customer_label = excluded.customer_label, verdict = excluded.verdict,
                fusion_version = excluded.fusion_version, qa_item_id = COALESCE(excluded.qa_item_id, verdict_labels.qa_item_id),
                labelled_by = excluded.labelled_by, labelled_at = excluded.labelled_at
            """;

    /// <summary>
    /// MySQL: VALUES(column) is the value the insert would have written (the one form MySQL 8.0 and MariaDB both know;
    /// MySQL 8.0.20 deprecates it in favour of a row alias MariaDB lacks).
    /// </summary>
    private const string MySqlUpsertSql = """
            INSERT INTO verdict_labels (source_key, customer_label, verdict, fusion_version, qa_item_id, labelled_by, labelled_at)
            SELECT c.source_key, @label, LOWER(COALESCE(c.customer_sentiment, c.sentiment)), c.fusion_version, @qaItemId, @user, @now
            FROM calls c WHERE c.id = @callId
            ON DUPLICATE KEY UPDATE customer_label = @label, verdict = VALUES(verdict), fusion_version = VALUES(fusion_version),
                qa_item_id = COALESCE(@qaItemId, qa_item_id), labelled_by = @user, labelled_at = @now
            """;

    public async Task<VerdictLabel?> ForCallAsync(long callId, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT l.customer_label AS CustomerLabel, l.verdict AS Verdict, l.fusion_version AS FusionVersion, l.qa_item_id AS QaItemId,
                   l.labelled_by AS LabelledBy, l.labelled_at AS LabelledAt
            FROM verdict_labels l JOIN calls c ON c.source_key = l.source_key WHERE c.id = @callId
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<VerdictLabel>(new CommandDefinition(Sql, new { callId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed record ExportRow(string SourceKey, string CustomerLabel, string? Verdict, string? FusionVersion, string? CustomerSentiment, string Sentiment, long CallId,
        string Agent, long StartedAt, string LabelledBy, long LabelledAt, string? Evidence);

    /// <summary>
    /// Every label on a call that still exists, as an evaluate-calls manifest: path (the recording's key, relative to
    /// the recordings folder), customer, agent (the agent's label: not recorded, empty), then what helps to read and
    /// refit it, including the customer's stored evidence (customer_evidence) so calibrate needs no audio.
    /// </summary>
    public async Task<string> ExportCsvAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT l.source_key AS SourceKey, l.customer_label AS CustomerLabel, l.verdict AS Verdict, l.fusion_version AS FusionVersion,
                   c.customer_sentiment AS CustomerSentiment, c.sentiment AS Sentiment, c.id AS CallId, a.name AS Agent, c.started_at AS StartedAt,
                   l.labelled_by AS LabelledBy, l.labelled_at AS LabelledAt,
                   (SELECT s.evidence FROM call_speakers s WHERE s.call_id = c.id AND s.role <> 'agent' ORDER BY s.speaker LIMIT 1) AS Evidence
            FROM verdict_labels l JOIN calls c ON c.source_key = l.source_key JOIN agents a ON a.id = c.agent_id
            ORDER BY l.labelled_at, l.id
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<ExportRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("path,customer,agent,call_id,employee,started_at,verdict_then,verdict_right,verdict_now,fusion_version,labelled_by,labelled_at,customer_evidence\n");
        foreach (var r in rows)
        {
            var right = r.Verdict is null ? "" : string.Equals(r.Verdict, r.CustomerLabel, StringComparison.Ordinal) ? "yes" : "no";
            sb.Append(CsvField.Quoted(r.SourceKey)).Append(',').Append(r.CustomerLabel).Append(",,")
              .Append(ci, $"{r.CallId},{CsvField.Safe(r.Agent)},{Instant(r.StartedAt)},{r.Verdict},{right},{(r.CustomerSentiment ?? r.Sentiment).ToLowerInvariant()},{CsvField.Safe(r.FusionVersion ?? "")},")
              .Append(CsvField.Safe(r.LabelledBy)).Append(',').Append(Instant(r.LabelledAt)).Append(',').Append(CsvField.Quoted(r.Evidence ?? "")).Append('\n');
        }
        return sb.ToString();
    }

    private static string Instant(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
