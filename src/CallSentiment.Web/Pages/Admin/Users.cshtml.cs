using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Admin;

[Authorize(Policy = Policies.Admin)]
public sealed class UsersModel(UserStore users, AuditLog audit, IOptions<DashboardOptions> dashboard, TimeProvider clock) : PageModel
{
    public IReadOnlyList<AppUser> Users { get; private set; } = [];

    [TempData] public string? Message { get; set; }

    public string? Error { get; private set; }

    /// <summary>What was typed into "Add a user", shown again when it was refused (all but the password).</summary>
    public string? NewUserName { get; private set; }

    public string? NewDisplayName { get; private set; }

    public string? NewRole { get; private set; }

    public long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task OnGetAsync(CancellationToken cancellationToken) => Users = await users.ListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<IActionResult> OnPostCreateAsync(string? newUserName, string? displayName, string? newRole, string? password, CancellationToken cancellationToken)
    {
        try
        {
            var user = await users.CreateAsync(newUserName ?? "", displayName, newRole ?? "", password ?? "", cancellationToken).ConfigureAwait(false);
            await audit.WriteAsync(HttpContext, AuditLog.Actions.UserCreated, $"user:{user.UserName}", $"role {user.Role}").ConfigureAwait(false);
            Message = $"Added {user.UserName} ({user.Role}).";
            return RedirectToPage();
        }
        catch (ArgumentException e)
        {
            Error = e.Message;
            (NewUserName, NewDisplayName, NewRole) = (newUserName, displayName, newRole);
            Users = await users.ListAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostUpdateAsync(string? userName, string? role, bool disabled, string? newPassword, bool unlock, CancellationToken cancellationToken)
    {
        var current = userName is null ? null : await users.FindAsync(userName, cancellationToken).ConfigureAwait(false);
        if (current is null) return NotFound();
        var self = string.Equals(current.UserName, User.Identity?.Name, StringComparison.Ordinal);
        if (self && (disabled || role != AppRoles.Admin))
        {
            Error = "You cannot disable yourself or take away your own Admin role (another administrator can).";
            Users = await users.ListAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }
        var changes = new List<string>();
        if (role is not null && role != current.Role) changes.Add($"role {current.Role} → {role}");
        if (disabled != current.Disabled) changes.Add(disabled ? "disabled" : "enabled");
        if (!string.IsNullOrEmpty(newPassword)) changes.Add("password reset");
        if (unlock) changes.Add("unlocked");
        try
        {
            await users.UpdateAsync(current.UserName, role == current.Role ? null : role, disabled == current.Disabled ? null : disabled,
                string.IsNullOrEmpty(newPassword) ? null : newPassword, unlock, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            Error = e.Message;
            Users = await users.ListAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }
        if (changes.Count > 0)
            await audit.WriteAsync(HttpContext, AuditLog.Actions.UserChanged, $"user:{current.UserName}", string.Join(", ", changes)).ConfigureAwait(false);
        Message = changes.Count == 0 ? "Nothing changed." : $"{current.UserName}: {string.Join(", ", changes)}.";
        return RedirectToPage();
    }

    public string Local(long? ms) => ms is { } t
        ? TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(t), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
        : "never";
}
