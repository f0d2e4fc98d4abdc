using Microsoft.AspNetCore.Authorization;
using CallSentiment.Web.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CallSentiment.Web.Pages.Account;

[AllowAnonymous]
public sealed class LoginModel(UserStore users, AuditLog audit) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    [BindProperty] public string? UserName { get; set; }

    [BindProperty] public string? Password { get; set; }

    public string? Error { get; private set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Redirect(SafeReturnUrl(ReturnUrl, User.IsInRole(AppRoles.QA))) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password) || UserName.Length > 64 || Password.Length > 256)
        {
            Error = "Enter your user name and password.";
            return Page();
        }
        var (outcome, user) = await users.SignInAsync(UserName, Password, cancellationToken).ConfigureAwait(false);
        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();
        var name = UserName.Trim().ToLowerInvariant();
        switch (outcome)
        {
            case SignInOutcome.Success:
                await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AccessExtensions.PrincipalFor(user!),
                    new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
                await audit.WriteAsync(user!.UserName, AuditLog.Actions.SignIn, $"user:{user.UserName}", null, ip, cancellationToken).ConfigureAwait(false);
                return Redirect(SafeReturnUrl(ReturnUrl, user.Role == AppRoles.QA));
            case SignInOutcome.LockedOut:
                await audit.WriteAsync(name, AuditLog.Actions.LockedOut, $"user:{name}", null, ip, cancellationToken).ConfigureAwait(false);
                Error = "Too many failed attempts: this account is locked for a while. Ask an administrator to unlock it.";
                break;
            default:
                await audit.WriteAsync(name, AuditLog.Actions.SignInFailed, $"user:{name}", outcome == SignInOutcome.Disabled ? "disabled" : null, ip, cancellationToken)
                    .ConfigureAwait(false);
                // The same words whether the name, the password or the account was wrong: nothing to enumerate.
                Error = "The user name or password is not right.";
                break;
        }
        Password = null;
        return Page();
    }

    /// <summary>Only a path on this site (never "//host", "/\host" or an absolute URL); else the person's home page.</summary>
    public string SafeReturnUrl(string? returnUrl, bool qa) =>
        !string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) && !returnUrl.StartsWith("/login", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : qa ? "/qa" : "/";
}
