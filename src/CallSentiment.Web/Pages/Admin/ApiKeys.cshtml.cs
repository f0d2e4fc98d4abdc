using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Admin;

[Authorize(Policy = Policies.Admin)]
public sealed class ApiKeysModel(ApiKeyStore keys, AuditLog audit, IOptions<DashboardOptions> dashboard, TimeProvider clock) : PageModel
{
    public IReadOnlyList<ApiKey> Keys { get; private set; } = [];

    [TempData] public string? Message { get; set; }

    public string? Error { get; private set; }

    /// <summary>A key just made: shown on this response only, never stored in clear.</summary>
    public string? NewKey { get; private set; }

    public long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await keys.ListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? role, string? days, CancellationToken cancellationToken)
    {
        try
        {
            int? lifetime = null;
            if (!string.IsNullOrWhiteSpace(days))
                lifetime = int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : throw new ArgumentException($"'{days}' is not a number of days.");
            var (key, row) = await keys.CreateAsync(name ?? "", role ?? "", lifetime, User.Identity!.Name!, cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(HttpContext, AuditLog.Actions.ApiKeyCreated, $"api-key:{row.KeyPrefix}", $"{row.Name}, role {row.Role}").ConfigureAwait(false);
            NewKey = key;
            // Not a redirect: the key is shown once, on this response, and must not travel in TempData.
            Response.Headers.CacheControl = "no-store";
        }
        catch (ArgumentException e)
        {
            Error = e.Message;
        }
        Keys = await keys.ListAsync(cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? prefix, CancellationToken cancellationToken)
    {
        if (prefix is null || !await keys.RevokeAsync(prefix, cancellationToken).ConfigureAwait(false)) return NotFound();
        await audit.WriteAsync(HttpContext, AuditLog.Actions.ApiKeyRevoked, $"api-key:{prefix}").ConfigureAwait(false);
        Message = $"{prefix} revoked: it no longer works.";
        return RedirectToPage();
    }

    public string State(ApiKey k) => k.RevokedAt is not null ? "revoked" : k.IsActiveAt(Now) ? "active" : "expired";

    public string Local(long? ms) => ms is { } t
        ? TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(t), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
        : "never";
}
