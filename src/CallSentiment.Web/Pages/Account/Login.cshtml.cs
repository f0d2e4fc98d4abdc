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
                var session = await users.StartSessionAsync(user!, cancellationToken).ConfigureAwait(false);
                await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AccessExtensions.PrincipalFor(user!, session),
                    new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
                await audit.WriteAsync(user!.UserName, AuditLog.Actions.SignIn, $"user:{user.UserName}", null, ip, cancellationToken).ConfigureAwait(false);
                return Redirect(SafeReturnUrl(ReturnUrl, user.Role == AppRoles.QA));
            case SignInOutcome.LockedOut:
                await audit.WriteAsync(name, AuditLog.Actions.LockedOut, $"user:{name}", null, ip, cancellationToken).ConfigureAwait(false);
                Error = FailedMessage;
                break;
            default:
                await audit.WriteAsync(name, AuditLog.Actions.SignInFailed, $"user:{name}", outcome == SignInOutcome.Disabled ? "disabled" : null, ip, cancellationToken)
                    .ConfigureAwait(false);
                Error = FailedMessage;
                break;
        }
        Password = null;
        return Page();
    }

    /// <summary>
    /// The same words whether the name, the password or the account was wrong, or the account is locked: unknown names
    /// never lock, so a lockout message of its own would tell which names exist. The audit log keeps the difference.
    /// </summary>
    public const string FailedMessage =
        "The user name or password is not right. After several failed attempts an account is locked for a while; an administrator can unlock it.";

    /// <summary>
    /// Only a path on this site (never "//host", "/\host" or an absolute URL); else the person's home page. Characters a
    /// Location header cannot carry (non-ASCII such as "/café", spaces, controls) are percent-encoded as UTF-8.
    /// </summary>
    public string SafeReturnUrl(string? returnUrl, bool qa) =>
        !string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) && !returnUrl.StartsWith("/login", StringComparison.OrdinalIgnoreCase)
            ? EncodeForLocation(returnUrl)
            : qa ? "/qa" : "/";

    private static string EncodeForLocation(string url)
    {
        if (url.All(c => c is > ' ' and < '\u007f')) return url;
        var sb = new System.Text.StringBuilder(url.Length * 2);
        var bytes = new byte[4];
        for (var i = 0; i < url.Length; i++)
        {
            var c = url[i];
            if (c is > ' ' and < '\u007f')
            {
                sb.Append(c);
                continue;
            }
            // A surrogate pair is one character; a lone surrogate becomes U+FFFD (UTF-8 cannot carry it).
            var length = char.IsHighSurrogate(c) && i + 1 < url.Length && char.IsLowSurrogate(url[i + 1])
                ? System.Text.Encoding.UTF8.GetBytes(url.AsSpan(i++, 2), bytes)
                : System.Text.Encoding.UTF8.GetBytes(char.IsSurrogate(c) ? "\uFFFD" : new string(c, 1), bytes);
            foreach (var b in bytes.AsSpan(0, length)) sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
