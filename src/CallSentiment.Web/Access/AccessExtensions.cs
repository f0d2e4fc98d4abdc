using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Access;

public static class AccessExtensions
{
    public const string StampClaim = "callsentiment:stamp";
    public const string SessionClaim = "callsentiment:session";
    public const string CookieName = "callsentiment.auth";
    private const string CookieOrKey = "cookie-or-key";

    /// <summary>
    /// Cookie sign-in, role policies and the fallback policy: every endpoint needs a signed-in user unless it says
    /// otherwise (sign-in, error and health only). Each page model and endpoint names the policy it needs ([Authorize(Policy = ...)]).
    /// </summary>
    public static IHostApplicationBuilder AddAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddHostedService<BootstrapAdminService>();
        builder.AddHttpHardening();

        // People sign in with the cookie; machine clients send "Authorization: Bearer <API key>", which counts on the
        // API only (a key opens no page). An API request with neither is challenged the API's way (401 with
        // WWW-Authenticate: Bearer), not sent to the sign-in form.
        builder.Services.AddAuthentication(CookieOrKey)
            .AddCookie()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(CookieOrKey, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                && (ApiKeyAuthenticationHandler.HasBearer(context.Request) || !context.Request.Cookies.ContainsKey(CookieName))
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme);
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccessOptions>>((cookie, access) =>
            {
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = access.Value.SecureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = access.Value.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.Events = new CookieAuthenticationEvents
                {
                    // Browsers asking for a page go to the sign-in form; everything else (images, audio, JSON) gets 401.
                    OnRedirectToLogin = context =>
                    {
                        if (WantsPage(context.Request)) context.Response.Redirect(HttpHardening.RelativeLocation(context.RedirectUri));
                        else context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return Task.CompletedTask;
                    },
                    OnRedirectToAccessDenied = context =>
                    {
                        context.Response.StatusCode = StatusCodes.Status403Forbidden;
                        return Task.CompletedTask;
                    },
                    OnValidatePrincipal = ValidateStampAsync,
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Dashboard, p => p.RequireRole(AppRoles.Supervisor, AppRoles.Admin))
            .AddPolicy(Policies.Calls, p => p.RequireRole(AppRoles.Supervisor, AppRoles.QA, AppRoles.Admin))
            .AddPolicy(Policies.Qa, p => p.RequireRole(AppRoles.QA, AppRoles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(AppRoles.Admin))
            .AddPolicy(Policies.AnyRole, p => p.RequireRole(AppRoles.Supervisor, AppRoles.QA, AppRoles.Admin));

        return builder;
    }

    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A cookie stays valid only while its user exists, is enabled, has the same security stamp and its session is
    /// still in the database: a new password, a role change or disabling signs the user out everywhere, and signing
    /// out ends that session for every copy of the cookie, on every instance, at its next request.
    /// </summary>
    private static async Task ValidateStampAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var stamp = context.Principal?.FindFirstValue(StampClaim);
        var session = context.Principal?.FindFirstValue(SessionClaim);
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var user = name is null || stamp is null || session is null
            ? null
            : await users.ValidateSessionAsync(name, stamp, session, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        }
    }

    public static ClaimsPrincipal PrincipalFor(AppUser user, string sessionId)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, user.UserName),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(StampClaim, user.SecurityStamp),
            new Claim(SessionClaim, sessionId),
            new Claim("display_name", user.DisplayName ?? user.UserName),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        return new ClaimsPrincipal(identity);
    }
}

/// <summary>Creates the first administrator from Access:BootstrapAdmin when there is no user at all (after the migrations).</summary>
internal sealed partial class BootstrapAdminService(UserStore users, AuditLog audit, IOptions<AccessOptions> options, ILogger<BootstrapAdminService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var b = options.Value.BootstrapAdmin;
        if (await users.CountAsync(cancellationToken).ConfigureAwait(false) > 0) return;
        if (string.IsNullOrWhiteSpace(b.UserName) || string.IsNullOrEmpty(b.Password))
        {
            LogNoUsers(logger);
            return;
        }
        var user = await users.CreateAsync(b.UserName, null, AppRoles.Admin, b.Password, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync("(configuration)", AuditLog.Actions.UserCreated, $"user:{user.UserName}", "role Admin (Access:BootstrapAdmin)", null, cancellationToken).ConfigureAwait(false);
        LogCreated(logger, user.UserName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user can sign in yet: set Access:BootstrapAdmin:UserName and Password, or run 'CallSentiment.Web users add --role Admin'")]
    private static partial void LogNoUsers(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first administrator {UserName} from Access:BootstrapAdmin")]
    private static partial void LogCreated(ILogger logger, string userName);
}
