using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Admin;

/// <summary>Categories: list with re-tagging progress, create and edit (the rule is checked on save), try a rule on the latest calls, delete.</summary>
[Authorize(Policy = Policies.Admin)]
public sealed class CategoriesModel(CategoryStore store, AuditLog audit, IOptions<DashboardOptions> dashboard, IOptions<CategoryOptions> options) : PageModel
{
    public const int DefaultTryCalls = 200;

    public IReadOnlyList<Category> Categories { get; private set; } = [];

    [BindProperty] public long? Id { get; set; }

    [BindProperty] public string? Name { get; set; }

    [BindProperty] public string? Rule { get; set; }

    [BindProperty] public bool Alert { get; set; }

    /// <summary>"avoid" or "encourage" as posted (kept as typed, so a bad value is named in the message).</summary>
    [BindProperty] public string? Polarity { get; set; }

    /// <summary>Which way the form's radio buttons point: what was posted when it is a polarity, else to avoid.</summary>
    public CategoryPolarity FormPolarity => CategoryPolarities.Parse(Polarity) ?? CategoryPolarity.Avoid;

    [BindProperty] public string? Last { get; set; }

    [TempData] public string? Message { get; set; }

    /// <summary>Why the form was not saved or tried, by field.</summary>
    public List<SaveProblem> Problems { get; } = [];

    /// <summary>Where in the rule the problem is (1-based), to point at it under the rule.</summary>
    public int? RuleErrorAt { get; private set; }

    public TryResult? Tried { get; private set; }

    public int MaxTryCalls => options.Value.MaxTryCalls;

    public async Task<IActionResult> OnGetAsync(long? edit, CancellationToken cancellationToken)
    {
        Categories = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        if (edit is { } id)
        {
            var c = Categories.FirstOrDefault(k => k.Id == id);
            if (c is null) return NotFound();
            (Id, Name, Rule, Alert, Polarity) = (c.Id, c.Name, c.Rule, c.Alerts, c.Polarity.Key());
        }
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        var (id, problems) = await store.SaveAsync(Id, Name, Rule, Alert, Polarity, User.Identity!.Name!, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            Problems.AddRange(problems);
            PointAtRuleError();
            Categories = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }
        await audit.WriteAsync(HttpContext, Id is null ? AuditLog.Actions.CategoryCreated : AuditLog.Actions.CategoryChanged, $"category:{id}",
            $"{Name?.Trim()} ({FormPolarity.Label()}): {Rule?.Trim()}{(Alert ? " [alert]" : "")}").ConfigureAwait(false);
        Message = $"Saved '{Name?.Trim()}'. New calls are tagged as they are analysed; stored calls are being re-tagged (progress below).";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostTryAsync(CancellationToken cancellationToken)
    {
        Categories = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var last = DefaultTryCalls;
        if (!string.IsNullOrWhiteSpace(Last) && (!int.TryParse(Last.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < 1 || last > MaxTryCalls))
            Problems.Add(new("last", $"Try it on 1 to {MaxTryCalls} calls ('{Last}' is not such a number)."));
        CategoryRule? rule = null;
        try
        {
            rule = CategoryRule.Parse(Rule?.Trim());
        }
        catch (RuleException e)
        {
            Problems.Add(new("rule", $"The rule is not valid {e.Message}."));
            PointAtRuleError();
        }
        if (Problems.Count == 0 && rule is not null) Tried = await store.TryAsync(rule, last, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostRetagAsync(long id, CancellationToken cancellationToken)
    {
        if (!await store.RetagAsync(id, cancellationToken).ConfigureAwait(false)) return NotFound();
        await audit.WriteAsync(HttpContext, AuditLog.Actions.CategoryRetag, $"category:{id}").ConfigureAwait(false);
        Message = "Re-tagging every stored call with the rule again (progress below).";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken cancellationToken)
    {
        if (await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false) is not { } name) return NotFound();
        await audit.WriteAsync(HttpContext, AuditLog.Actions.CategoryDeleted, $"category:{id}", name).ConfigureAwait(false);
        Message = $"Deleted '{name}' and its tags.";
        return RedirectToPage();
    }

    private void PointAtRuleError()
    {
        try
        {
            CategoryRule.Parse(Rule?.Trim());
        }
        catch (RuleException e)
        {
            RuleErrorAt = e.Position;
        }
    }

    public string? ProblemOf(string field) => Problems.FirstOrDefault(p => p.Field == field)?.Message;

    public string Local(long? ms) => ms is { } t
        ? TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(t), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
        : "–";

    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Percent(double p) => p.ToString("0%", CultureInfo.InvariantCulture);
}
