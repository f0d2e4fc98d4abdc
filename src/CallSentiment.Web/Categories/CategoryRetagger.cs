using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Categories;

/// <summary>
/// Re-runs a new or changed rule over every stored call, in batches of call ids, as a job kept on the category's row
/// (see the 0012 migration): it survives a restart (it resumes after the last batch written), shows its progress, and
/// runs on one instance at a time (a lease, renewed by every batch). Each batch replaces the category's tags for its
/// range of calls in one transaction, and only while the lease is still this instance's and the rule still the
/// version it read; a rule changed meanwhile starts the job over. Re-tagging raises no alerts: they are for calls as
/// they are analysed, not a flood about the past.
/// </summary>
public sealed partial class CategoryRetagger(Db db, TimeProvider clock, IOptions<CategoryOptions> options, IOptions<IngestionOptions> ingestion,
    ILogger<CategoryRetagger> logger) : BackgroundService
{
    private sealed class Claim
    {
        public long Id { get; set; }

        public long Version { get; set; }

        public string Rule { get; set; } = "";

        public long RetagAfter { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var instance = ingestion.Value.Instance;
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                worked = await RunOneAsync(instance, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A lost race with an analysis writing the same call's tags, or the database away: the lease is kept (or
                // runs out) and the batch is tried again.
                LogFailed(logger, e);
            }
            if (worked) continue;
            try
            {
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs every queued re-tagging to its end (the benchmark and tests); returns how many runs finished.</summary>
    public async Task<int> RunAllAsync(string instance, CancellationToken cancellationToken)
    {
        var runs = 0;
        while (await RunOneAsync(instance, cancellationToken).ConfigureAwait(false)) runs++;
        return runs;
    }

    /// <summary>Claims one due re-tagging and runs it until it is done or taken away; false when none was due.</summary>
    private async Task<bool> RunOneAsync(string instance, CancellationToken cancellationToken)
    {
        const string Due = """
            SELECT id AS Id, version AS Version, rule_text AS Rule, retag_after AS RetagAfter FROM categories
            WHERE retag_status = 'queued' OR (retag_status = 'running' AND retag_lease_until < @now)
            ORDER BY updated_at, id LIMIT 1
            """;
        // Taking it is a conditional update: of several instances that saw it due, exactly one changes the row.
        const string Take = """
            UPDATE categories SET retag_status = 'running', retag_owner = @instance, retag_lease_until = @until,
                retag_started_at = COALESCE(retag_started_at, @now)
            WHERE id = @Id AND version = @Version AND (retag_status = 'queued' OR (retag_status = 'running' AND retag_lease_until < @now))
            """;
        var o = options.Value;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Claim? job;
        await using (var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            job = await c.QuerySingleOrDefaultAsync<Claim>(new CommandDefinition(Due, new { now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (job is null) return false;
            var until = now + (long)o.LeaseDuration.TotalMilliseconds;
            if (await c.ExecuteAsync(new CommandDefinition(Take, new { job.Id, job.Version, instance, now, until }, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
                return true; // another instance took it first
        }
        CategoryRule rule;
        try
        {
            rule = CategoryRule.Parse(job.Rule);
        }
        catch (RuleException e)
        {
            await FinishAsync(job, instance, "failed", e.Message, cancellationToken).ConfigureAwait(false);
            return true;
        }
        LogStarted(logger, job.Id, job.Version, job.RetagAfter);
        var after = job.RetagAfter;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = await BatchAsync(job, rule, instance, after, o.RetagBatchSize, cancellationToken).ConfigureAwait(false);
                if (next is null) return true; // lost the lease or the rule changed: whoever holds it now carries on
                if (next == after)
                {
                    await FinishAsync(job, instance, "done", null, cancellationToken).ConfigureAwait(false);
                    LogDone(logger, job.Id, job.Version);
                    return true;
                }
                after = next.Value;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the run goes back to the queue at once (resuming after its last batch) instead of waiting out the lease.
            await ReleaseAsync(job, instance).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReleaseAsync(Claim job, string instance)
    {
        const string Sql = """
            UPDATE categories SET retag_status = 'queued', retag_owner = NULL, retag_lease_until = NULL
            WHERE id = @Id AND version = @Version AND retag_owner = @instance AND retag_status = 'running'
            """;
        await using var c = await db.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Sql, new { job.Id, job.Version, instance }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>
    /// One batch: evaluate the calls after <paramref name="after"/> and replace the category's tags on them. Returns the
    /// last call id done (= <paramref name="after"/> when there were no more calls), or null when the job is no longer ours.
    /// </summary>
    private async Task<long?> BatchAsync(Claim job, CategoryRule rule, string instance, long after, int take, CancellationToken cancellationToken)
    {
        // MySQL applies SET left to right with the new values: retag_total is computed before retag_done changes.
        const string Progress = """
            UPDATE categories SET retag_total = CASE WHEN retag_total < retag_done + @done THEN retag_done + @done ELSE retag_total END,
                retag_after = @last, retag_done = retag_done + @done, retag_matched = retag_matched + @matched, retag_lease_until = @until
            WHERE id = @Id AND version = @Version AND retag_owner = @instance AND retag_status = 'running'
            """;
        const string Clear = "DELETE FROM call_categories WHERE category_id = @Id AND call_id > @after AND call_id <= @last";
        const string Insert = """
            INSERT INTO call_categories (call_id, category_id, started_at, agent_id, spans) VALUES (@callId, @categoryId, @startedAt, @agentId, @spans)
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var (calls, keys) = await CategoryStore.LoadBatchAsync(c, after, take, rule.Speakers, cancellationToken).ConfigureAwait(false);
        if (calls.Count == 0) return after;
        var tags = new List<object>();
        for (var i = 0; i < calls.Count; i++)
        {
            var spans = new List<MatchSpan>();
            if (rule.Matches(calls[i], spans))
                tags.Add(new { callId = calls[i].CallId, categoryId = job.Id, startedAt = keys[i].StartedAt, agentId = keys[i].AgentId, spans = CategoryStore.SpansJson(spans) });
        }
        var last = calls[^1].CallId;
        var until = clock.GetUtcNow().ToUnixTimeMilliseconds() + (long)options.Value.LeaseDuration.TotalMilliseconds;
        await using var tx = await Migrator.BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (await c.ExecuteAsync(new CommandDefinition(Progress, new { job.Id, job.Version, instance, last, done = (long)calls.Count, matched = (long)tags.Count, until },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false) != 1)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            LogLost(logger, job.Id, job.Version);
            return null;
        }
        await c.ExecuteAsync(new CommandDefinition(Clear, new { job.Id, after, last }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (tags.Count > 0) await c.ExecuteAsync(new CommandDefinition(Insert, tags, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return last;
    }

    private async Task FinishAsync(Claim job, string instance, string status, string? error, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE categories SET retag_status = @status, retag_error = @error, retag_owner = NULL, retag_lease_until = NULL, retag_finished_at = @now,
                retag_total = CASE WHEN @status = 'done' THEN retag_done ELSE retag_total END
            WHERE id = @Id AND version = @Version AND retag_owner = @instance
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Sql, new { job.Id, job.Version, instance, status, error, now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-tagging category {Id} (rule version {Version}) from call id {After}")]
    private static partial void LogStarted(ILogger logger, long id, long version, long after);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-tagging category {Id} (rule version {Version}) done")]
    private static partial void LogDone(ILogger logger, long id, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-tagging category {Id} (rule version {Version}) stopped: the rule changed or another instance holds it")]
    private static partial void LogLost(ILogger logger, long id, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-tagging failed; the batch is tried again")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
