using System.Globalization;
using System.Text.Json;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Qa;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Api;

/// <summary>
/// The JSON API under /api/v1: the dashboard's calls, metrics and trends, one call in full, and the service-recovery
/// queue. Same filters, same numbers and same roles as the pages; machine clients send an API key as a bearer token.
/// Changes take JSON bodies only, so a cross-site form cannot post them with a signed-in person's cookie.
/// </summary>
public static class ApiEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;
    private const string Json = "application/json";

    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("CallSentiment");

        api.MapGet("/agents", AgentsAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Employees with analysed calls");
        api.MapGet("/calls", CallsAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Calls matching the dashboard's filter, a page at a time");
        api.MapGet("/calls/{id:long}", CallAsync).RequireAuthorization(Policies.Calls)
            .WithSummary("One call: verdict, speakers, conversation facts and the transcript with chunk sentiment");
        api.MapGet("/categories", CategoriesAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Categories with the number of calls of the range each one tagged and their polarity (avoid or encourage)");
        api.MapGet("/metrics", MetricsAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("Totals for a range: calls, call time, average scores, counts and NPS");
        api.MapGet("/trends", TrendsAsync).RequireAuthorization(Policies.Dashboard)
            .WithSummary("The same figures per ISO week");
        api.MapGet("/qa", QaListAsync).RequireAuthorization(Policies.Qa)
            .WithSummary("The service-recovery queue, newest calls first");
        api.MapGet("/qa/{id:long}", QaItemAsync).RequireAuthorization(Policies.Qa)
            .WithSummary("One queue item with its notes and the negative quotes that put it there");
        api.MapPost("/qa/{id:long}/claim", ClaimAsync).RequireAuthorization(Policies.Qa).Accepts<ClaimRequest>(Json)
            .WithSummary("Claim an open item (or take one over)");
        api.MapPost("/qa/{id:long}/notes", NoteAsync).RequireAuthorization(Policies.Qa).Accepts<NoteRequest>(Json)
            .WithSummary("Add a note to an item");
        api.MapPost("/qa/{id:long}/resolve", ResolveAsync).RequireAuthorization(Policies.Qa).Accepts<ResolveRequest>(Json)
            .WithSummary("Resolve a claimed item with the recovery action taken");
        return app;
    }

    private static async Task<Ok<List<Agent>>> AgentsAsync(CallQueries queries, CancellationToken ct) =>
        TypedResults.Ok((await queries.AgentsAsync(ct).ConfigureAwait(false)).Select(a => new Agent(a.Name, a.DisplayName)).ToList());

    private static async Task<Results<Ok<CallPage>, ValidationProblem>> CallsAsync([AsParameters] CallListParameters p, CallQueries queries,
        CategoryStore categories, IOptions<DashboardOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        var pageSize = DefaultPageSize;
        if (!string.IsNullOrEmpty(p.PageSize))
        {
            if (int.TryParse(p.PageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= MaxPageSize) pageSize = s;
            else errors.Add(("pageSize", $"The page size must be a whole number from 1 to {MaxPageSize}."));
        }
        var query = await ParseAsync(p.Input(p.Negative, p.Sort, p.Dir, p.Page), queries, categories, options.Value, clock, errors, ct).ConfigureAwait(false);
        if (query is null) return Invalid(errors);
        var total = await queries.CountAsync(query.Filter, ct).ConfigureAwait(false);
        var rows = await queries.PageAsync(query.Filter, query.Sort, query.Descending, (int)Math.Min(int.MaxValue, (long)(query.Page - 1) * pageSize), pageSize, ct)
            .ConfigureAwait(false);
        var tags = await categories.NamesForCallsAsync(rows.Select(r => r.Id).ToList(), ct).ConfigureAwait(false);
        return TypedResults.Ok(new CallPage(query.Page, pageSize, total, rows.Select(r => CallSummary.From(r, tags.GetValueOrDefault(r.Id))).ToList()));
    }

    private static async Task<Results<Ok<CallDetailReport>, ProblemHttpResult>> CallAsync(long id, CallDetails calls, CategoryStore categories, CancellationToken ct) =>
        await calls.GetAsync(id, ct).ConfigureAwait(false) is { } view
            ? TypedResults.Ok(CallDetailReport.From(view, await categories.ForCallAsync(id, ct).ConfigureAwait(false)))
            : TypedResults.Problem($"There is no call {id}.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<CategoryReport>, ValidationProblem>> CategoriesAsync([AsParameters] CallQueryParameters p, CallQueries queries,
        CategoryStore categories, IOptions<DashboardOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var o = options.Value;
        var errors = new List<(string Field, string Message)>();
        if (await ParseAsync(p.Input(), queries, categories, o, clock, errors, ct).ConfigureAwait(false) is not { } query) return Invalid(errors);
        var counts = await categories.CountsAsync(query.Range.FromUtc, query.Range.ToUtc, query.Filter.AgentId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new CategoryReport(p.Agent is { Length: > 0 } ? p.Agent : null, query.Range.FromUtc, query.Range.ToUtc, o.TimeZone,
            counts.Select(k => new CategoryCountReport(k.Name, k.Calls, k.Polarity.Key())).ToList()));
    }

    private static async Task<Results<Ok<MetricsReport>, ValidationProblem>> MetricsAsync([AsParameters] CallQueryParameters p, CallQueries queries,
        CategoryStore categories, IOptions<DashboardOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var o = options.Value;
        var errors = new List<(string Field, string Message)>();
        if (await ParseAsync(p.Input(), queries, categories, o, clock, errors, ct).ConfigureAwait(false) is not { } query) return Invalid(errors);
        var weeks = await WeeksAsync(query, queries, o, ct).ConfigureAwait(false);
        var total = weeks.Aggregate(CallAggregate.Empty, (a, w) => a + w.Aggregate);
        return TypedResults.Ok(new MetricsReport(p.Agent is { Length: > 0 } ? p.Agent : null, query.Range.FromUtc, query.Range.ToUtc, o.TimeZone, Metrics.From(total)));
    }

    private static async Task<Results<Ok<TrendReport>, ValidationProblem>> TrendsAsync([AsParameters] CallQueryParameters p, CallQueries queries,
        CategoryStore categories, IOptions<DashboardOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var o = options.Value;
        var errors = new List<(string Field, string Message)>();
        if (await ParseAsync(p.Input(), queries, categories, o, clock, errors, ct).ConfigureAwait(false) is not { } query) return Invalid(errors);
        var weeks = await WeeksAsync(query, queries, o, ct).ConfigureAwait(false);
        return TypedResults.Ok(new TrendReport(p.Agent is { Length: > 0 } ? p.Agent : null, query.Range.FromUtc, query.Range.ToUtc, o.TimeZone,
            weeks.Select(w => new WeekMetrics(w.Week.Label, w.Week.StartUtc, w.Week.EndUtc, Metrics.From(w.Aggregate))).ToList()));
    }

    private static async Task<DashboardQuery?> ParseAsync(DashboardQueryInput input, CallQueries queries, CategoryStore categories, DashboardOptions options,
        TimeProvider clock, List<(string Field, string Message)> errors, CancellationToken ct)
    {
        var agents = await queries.AgentsAsync(ct).ConfigureAwait(false);
        IReadOnlyList<(long Id, string Name)> names = string.IsNullOrEmpty(input.Category) ? [] : await categories.NamesAsync(ct).ConfigureAwait(false);
        return DashboardQuery.Parse(input, agents, options, clock.GetUtcNow(), errors, names);
    }

    private static Task<IReadOnlyList<WeekAggregate>> WeeksAsync(DashboardQuery query, CallQueries queries, DashboardOptions options, CancellationToken ct) =>
        queries.WeeklyAsync(query.Filter.AgentId, WeekBuckets.Between(query.Range.FromUtc, query.Range.ToUtc, options.Zone), ct, query.Filter.Customer, query.Filter.AgentTone,
            query.Filter.CategoryId);

    private static async Task<Results<Ok<QaPage>, ValidationProblem>> QaListAsync([AsParameters] QaQueryParameters p, QaQueue queue,
        IOptions<DashboardOptions> options, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        if (new QaFilterInput(p.Agent, p.Status, p.From, p.To, p.Page).Parse(options.Value.Zone, errors) is not { } filter) return Invalid(errors);
        var (items, total) = await queue.ListAsync(filter, ct).ConfigureAwait(false);
        return TypedResults.Ok(new QaPage(filter.Page, QaQueue.PageSize, total, items.Select(QaItemSummary.From).ToList()));
    }

    private static async Task<Results<Ok<QaItemDetail>, ProblemHttpResult>> QaItemAsync(long id, QaQueue queue, CancellationToken ct)
    {
        if (await queue.GetAsync(id, ct).ConfigureAwait(false) is not { } item) return NoItem(id);
        return TypedResults.Ok(await DetailAsync(item, queue, ct).ConfigureAwait(false));
    }

    private static async Task<QaItemDetail> DetailAsync(QaItem item, QaQueue queue, CancellationToken ct)
    {
        var notes = await queue.NotesAsync(item.Id, ct).ConfigureAwait(false);
        var quotes = item.CallId is { } callId ? await queue.NegativeChunksAsync(callId, ct).ConfigureAwait(false) : [];
        return new QaItemDetail(QaItemSummary.From(item), notes.Select(n => new QaNoteEntry(QaItemSummary.Instant(n.At), n.UserName, n.Text)).ToList(),
            quotes.Select(q => new NegativeQuote(q.StartMs / 1000.0, q.Role, q.Text, q.Negative)).ToList());
    }

    private static async Task<Results<Ok<QaItemDetail>, ProblemHttpResult, ValidationProblem>> ClaimAsync(long id, HttpContext http, QaQueue queue, AuditLog audit,
        CancellationToken ct)
    {
        var (body, unreadable) = await ReadAsync<ClaimRequest>(http.Request, ct).ConfigureAwait(false);
        if (body is null) return unreadable!;
        var result = await queue.ClaimAsync(id, http.User.Identity!.Name!, body.TakeOver, ct).ConfigureAwait(false);
        if (result == QaChange.Done) await audit.WriteAsync(http, AuditLog.Actions.QaClaim, $"qa:{id}", body.TakeOver ? "took over" : null).ConfigureAwait(false);
        return await AfterAsync(id, result, "It is claimed by someone else (send takeOver: true to take it over) or already resolved.", queue, ct).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<QaItemDetail>, ProblemHttpResult, ValidationProblem>> NoteAsync(long id, HttpContext http, QaQueue queue,
        AuditLog audit, CancellationToken ct)
    {
        var (body, unreadable) = await ReadAsync<NoteRequest>(http.Request, ct).ConfigureAwait(false);
        if (body is null) return unreadable!;
        if (QaQueue.NoteProblem(body.Text) is { } problem) return Invalid([("text", problem)]);
        var text = body.Text!.Trim();
        var result = await queue.AddNoteAsync(id, http.User.Identity!.Name!, text, ct).ConfigureAwait(false);
        if (result == QaChange.Done) await audit.WriteAsync(http, AuditLog.Actions.QaNote, $"qa:{id}").ConfigureAwait(false);
        return await AfterAsync(id, result, "The note was not added.", queue, ct).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<QaItemDetail>, ProblemHttpResult, ValidationProblem>> ResolveAsync(long id, HttpContext http,
        QaQueue queue, AuditLog audit, CancellationToken ct)
    {
        var (body, unreadable) = await ReadAsync<ResolveRequest>(http.Request, ct).ConfigureAwait(false);
        if (body is null) return unreadable!;
        if (QaQueue.ActionProblem(body.Action) is { } problem) return Invalid([("action", problem)]);
        var label = string.IsNullOrEmpty(body.CustomerLabel) ? null : body.CustomerLabel;
        if (label is not null && VerdictLabels.LabelProblem(label) is { } labelProblem) return Invalid([("customerLabel", labelProblem)]);
        var action = body.Action!.Trim();
        var result = await queue.ResolveAsync(id, http.User.Identity!.Name!, action, http.User.IsInRole(AppRoles.Admin), label, ct).ConfigureAwait(false);
        if (result == QaChange.Done)
            await audit.WriteAsync(http, AuditLog.Actions.QaResolve, $"qa:{id}", label is null ? action : $"{action} [customer: {label}]").ConfigureAwait(false);
        return await AfterAsync(id, result, "Only whoever claimed it (or an admin) can resolve it, and only once.", queue, ct).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<QaItemDetail>, ProblemHttpResult, ValidationProblem>> AfterAsync(long id, QaChange result, string conflict, QaQueue queue, CancellationToken ct)
    {
        if (result == QaChange.Conflict) return TypedResults.Problem(conflict, statusCode: StatusCodes.Status409Conflict);
        if (result == QaChange.NotFound || await queue.GetAsync(id, ct).ConfigureAwait(false) is not { } item) return NoItem(id);
        return TypedResults.Ok(await DetailAsync(item, queue, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Reads a change's JSON body, or says why not: anything but JSON is refused (415), which a cross-site form or a
    /// "simple" cross-origin request cannot send, so a signed-in person's cookie cannot be used to forge a change.
    /// </summary>
    private static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, TypedResults.Problem("Send the body as JSON (Content-Type: application/json).", statusCode: StatusCodes.Status415UnsupportedMediaType));
        try
        {
            return await request.ReadFromJsonAsync<T>(ct).ConfigureAwait(false) is { } body
                ? (body, null)
                : (null, TypedResults.Problem("The body is empty or null; send a JSON object.", statusCode: StatusCodes.Status400BadRequest));
        }
        catch (JsonException e)
        {
            return (null, TypedResults.Problem($"The body is not the JSON object expected: {e.Message}", statusCode: StatusCodes.Status400BadRequest));
        }
    }

    private static ProblemHttpResult NoItem(long id) => TypedResults.Problem($"There is no queue item {id}.", statusCode: StatusCodes.Status404NotFound);

    private static ValidationProblem Invalid(IEnumerable<(string Field, string Message)> errors) =>
        TypedResults.ValidationProblem(errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal));
}
