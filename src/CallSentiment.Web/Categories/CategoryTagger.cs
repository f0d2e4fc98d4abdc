using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using CallSentiment.Web.Qa;
using CallSentiment.Web.Recordings;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Categories;

/// <summary>
/// Tags a call with the categories whose rules it matches, inside the transaction that stores its analysis (so no call
/// is ever visible untagged), and puts a signed-webhook event in the outbox for each alerting category the call newly
/// matches (a re-analysis that matches the same category again does not alert twice).
/// </summary>
public sealed class CategoryTagger(IOptions<WebhookOptions> webhook)
{
    public const string AlertEvent = "category-match";

    // Saved rules always parse; parsing once per distinct text keeps tagging to the evaluation itself.
    private readonly ConcurrentDictionary<string, CategoryRule?> _rules = new(StringComparer.Ordinal);

    private sealed record Definition(long Id, string Name, string Rule, long Alert, string Polarity);

    public async Task TagAsync(DbConnection c, DbTransaction tx, long callId, CallAnalysis a, CallMetadata meta, long now, CancellationToken cancellationToken)
    {
        const string Definitions = "SELECT id AS Id, name AS Name, rule_text AS Rule, alert AS Alert, polarity AS Polarity FROM categories";
        const string Before = "SELECT category_id FROM call_categories WHERE call_id = @callId";
        const string Clear = "DELETE FROM call_categories WHERE call_id = @callId";
        // The call's time and employee come from its row just written, so the copies here always agree with it.
        const string Insert = """
            INSERT INTO call_categories (call_id, category_id, started_at, agent_id, spans)
            SELECT id, @categoryId, started_at, agent_id, @spans FROM calls WHERE id = @callId
            """;
        const string Event = """
            INSERT INTO webhook_deliveries (call_id, event, payload, status, attempts, next_attempt_at, created_at)
            VALUES (@callId, 'category-match', @payload, 'pending', 0, @now, @now)
            """;
        var definitions = (await c.QueryAsync<Definition>(new CommandDefinition(Definitions, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var before = (await c.QueryAsync<long>(new CommandDefinition(Before, new { callId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
        if (before.Count > 0) await c.ExecuteAsync(new CommandDefinition(Clear, new { callId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (definitions.Count == 0) return;
        var facts = CallFacts.From(callId, a);
        foreach (var d in definitions)
        {
            if (_rules.GetOrAdd(d.Rule, Compile) is not { } rule) continue;
            var spans = new List<MatchSpan>();
            if (!rule.Matches(facts, spans)) continue;
            await c.ExecuteAsync(new CommandDefinition(Insert, new { callId, categoryId = d.Id, spans = CategoryStore.SpansJson(spans) }, tx,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (d.Alert != 0 && webhook.Value.Enabled && !before.Contains(d.Id))
                await c.ExecuteAsync(new CommandDefinition(Event, new { callId, payload = EventJson(d, callId, meta, a, facts, spans, now, webhook.Value.PublicBaseUrl), now },
                    tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    private static CategoryRule? Compile(string text)
    {
        try
        {
            return CategoryRule.Parse(text);
        }
        catch (RuleException)
        {
            return null;
        }
    }

    /// <summary>
    /// The alert's body: the category and its polarity (so a receiver can route "to avoid" to whoever follows problems up
    /// and "to encourage" elsewhere, e.g. a kudos channel), the call (as the negative-call event names it) and what was said that matched.
    /// </summary>
    private static string EventJson(Definition d, long callId, CallMetadata meta, CallAnalysis a, CallFacts facts, List<MatchSpan> spans, long now, string? publicBaseUrl)
    {
        var baseUrl = publicBaseUrl?.TrimEnd('/');
        return JsonSerializer.Serialize(new
        {
            @event = AlertEvent,
            category = d.Name,
            categoryId = d.Id,
            polarity = CategoryPolarities.FromKey(d.Polarity).Key(),
            rule = d.Rule,
            callId,
            agent = meta.Agent,
            agentName = meta.AgentName,
            callRef = meta.CallId,
            customerRef = meta.CustomerId,
            startedAt = meta.StartedAt.ToUniversalTime(),
            analysedAt = DateTimeOffset.FromUnixTimeMilliseconds(now),
            durationSeconds = a.DurationMs / 1000.0,
            customerSentiment = facts.CustomerSentiment,
            matches = spans.Select(s => new { role = facts.RoleOf(s.Seq), atSeconds = s.Ms / 1000.0, text = facts.Quote(s) }),
            callUrl = baseUrl is null ? null : $"{baseUrl}/calls/{callId}",
        });
    }
}
