using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Access;

/// <summary>
/// <c>Authorization: Bearer csk_…</c>: a machine client signs in with an API key and gets the key's role, so the API's
/// policies treat it exactly like a person with that role. Checked against the database on every request, so a revoked
/// key stops working at once.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string Bearer = "Bearer ";

    public static bool HasBearer(HttpRequest request) => request.Headers.Authorization.ToString().StartsWith(Bearer, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasBearer(Request)) return AuthenticateResult.NoResult();
        var presented = Request.Headers.Authorization.ToString()[Bearer.Length..].Trim();
        var key = await keys.ValidateAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (key is null) return AuthenticateResult.Fail("The API key is unknown, revoked or expired.");
        // The name is the key's public prefix: unique, shown on the admin page beside the key's name, and what the
        // audit log and the QA queue record as "who".
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, "key:" + key.KeyPrefix),
            new Claim(ClaimTypes.Role, key.Role),
            new Claim("display_name", key.Name),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = HasBearer(Request)
            ? "Bearer realm=\"CallSentiment\", error=\"invalid_token\", error_description=\"unknown, revoked or expired API key\""
            : "Bearer realm=\"CallSentiment\"";
        return Task.CompletedTask;
    }
}
