using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CallSentiment.Web.Pages;

/// <summary>
/// The app's own page for an unknown address or id (and any other error status sent without a body), with the
/// navigation, instead of the browser's bare error. The status code stays what it was.
/// </summary>
[AllowAnonymous]
public sealed class NotFoundModel : PageModel
{
    public int Code { get; private set; } = StatusCodes.Status404NotFound;

    public string OriginalPath { get; private set; } = "";

    public void OnGet(int? code)
    {
        var feature = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        Code = feature?.OriginalStatusCode ?? code ?? StatusCodes.Status404NotFound;
        OriginalPath = feature is null ? Request.Path.Value ?? "" : feature.OriginalPathBase + feature.OriginalPath;
        // Opened directly it is a page like any other, but still says "not found".
        if (feature is null) Response.StatusCode = StatusCodes.Status404NotFound;
    }
}

/// <summary>Wires <see cref="NotFoundModel"/> in for people's pages; machine endpoints (API, health, metrics) keep their own bodies.</summary>
public static class NotFoundPageExtensions
{
    public static IApplicationBuilder UseNotFoundPage(this IApplicationBuilder app) =>
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api") && !c.Request.Path.StartsWithSegments("/health")
                && !c.Request.Path.StartsWithSegments("/metrics") && HttpMethods.IsGet(c.Request.Method),
            b => b.UseStatusCodePagesWithReExecute("/not-found", "?code={0}"));
}
