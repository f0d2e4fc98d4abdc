using System.Security.Claims;
using CallSentiment.Web.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CallSentiment.Web.Pages.Account;

public sealed class LogoutModel(UserStore users, AuditLog audit) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await audit.WriteAsync(HttpContext, AuditLog.Actions.SignOut, $"user:{User.Identity?.Name}").ConfigureAwait(false);
        // Deleting the cookie in this browser is not enough: a copy of it must stop working too.
        if (User.FindFirstValue(AccessExtensions.SessionClaim) is { } session)
            await users.EndSessionAsync(session, HttpContext.RequestAborted).ConfigureAwait(false);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return Redirect("/login");
    }
}
