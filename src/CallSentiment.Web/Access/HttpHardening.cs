using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace CallSentiment.Web.Access;

/// <summary>
/// Response hygiene for everything the app sends: security headers (also on the answers the framework gives before
/// the app's own middleware runs, e.g. host filtering's 400), no caching of data, and a 413 with a message for a
/// body over the limit.
/// </summary>
public static class HttpHardening
{
    /// <summary>
    /// Security headers outside everything else, and Kestrel's limits from configuration (Kestrel:Limits:*, e.g.
    /// MaxRequestBodySize in bytes), which Kestrel does not read by itself.
    /// </summary>
    public static IHostApplicationBuilder AddHttpHardening(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSecurityHeadersFirst();
        var limits = builder.Configuration.GetSection("Kestrel:Limits");
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
        {
            limits.Bind(o.Limits);
            // Kestrel refuses a request line over its limit with a bare 414 before any app code runs (no headers, no
            // hook). It takes lines up to 64 KB instead, and the app refuses targets over MaxRequestTarget itself,
            // with the security headers and a message.
            o.Limits.MaxRequestLineSize = Math.Max(o.Limits.MaxRequestLineSize, 64 * 1024);
        });
        return builder;
    }

    /// <summary>
    /// Runs the security-headers middleware outside everything else, host filtering included: registered first, so
    /// this startup filter wraps the framework's own (the first registered filter is the outermost).
    /// </summary>
    private static IServiceCollection AddSecurityHeadersFirst(this IServiceCollection services)
    {
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, SecurityHeadersStartupFilter>());
        return services;
    }

    private sealed class SecurityHeadersStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseSecurityHeaders();
            app.UseRequestTargetLimit();
            next(app);
        };
    }

    /// <summary>The longest request target (path and query) the app takes: Kestrel's own default line limit.</summary>
    public const int MaxRequestTarget = 8 * 1024;

    /// <summary>A request target over <see cref="MaxRequestTarget"/> gets 414 with a message (and the security headers).</summary>
    private static IApplicationBuilder UseRequestTargetLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var length = target?.Length ?? context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length ?? 0;
        if (length > MaxRequestTarget)
        {
            context.Response.StatusCode = StatusCodes.Status414UriTooLong;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $"The address is too long: at most {MaxRequestTarget:N0} characters of path and query."), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    });

    /// <summary>
    /// Security headers on every response: a CSP that runs only the app's own scripts, no framing, no sniffing. Any
    /// response of an endpoint (pages, JSON, CSV, audio, images) that says nothing about caching is not stored:
    /// it is personal data. Static files (no endpoint) stay cacheable.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Set as the response starts, so that what clears the headers on the way (the exception handler, a 413) cannot drop them.
        context.Response.OnStarting(static state =>
        {
            var c = (HttpContext)state;
            var h = c.Response.Headers;
            h.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; " +
                                      "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "same-origin";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            if (c.GetEndpoint() is not null && string.IsNullOrEmpty(h.CacheControl)) h.CacheControl = "no-store";
            return Task.CompletedTask;
        }, context);
        await next(context).ConfigureAwait(false);
    });

    /// <summary>
    /// A request body over the endpoint's limit (Kestrel:Limits:MaxRequestBodySize, or the endpoint's own
    /// [RequestSizeLimit]) gets 413 with a message (problem JSON on the API) instead of a failed form or JSON read that
    /// ends as an empty 400. A Content-Length over the limit is answered at once; a body without one (chunked) is read
    /// ahead into a buffer (memory, then a temporary file) so that running over is noticed here, before any reader
    /// turns it into something else. Goes after UseRouting, which applies the endpoint's limit.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimitAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var request = context.Request;
        if (limit is { } max && request.ContentLength > max)
        {
            await TooLargeAsync(context, max).ConfigureAwait(false);
            return;
        }
        try
        {
            if (limit is not null && request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            {
                request.EnableBuffering();
                await request.Body.DrainAsync(context.RequestAborted).ConfigureAwait(false);
                request.Body.Position = 0;
            }
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await TooLargeAsync(context, limit).ConfigureAwait(false);
        }
    });

    private static async Task TooLargeAsync(HttpContext context, long? max)
    {
        var detail = max is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"The request is too large: at most {m:N0} bytes may be sent here.")
            : "The request is too large.";
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The unread rest of the body is not read (it is over the limit), so this connection cannot carry another
        // request: say so, or the client reuses it and finds it closed (HTTP/1.x only; HTTP/2 ends just the stream).
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
            context.Response.Headers.Connection = "close";
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await Results.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(detail, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The path and query of a redirect the framework made absolute from the request's Host header: a relative
    /// Location keeps the browser on the host it asked for, whatever Host a client sent.
    /// </summary>
    public static string RelativeLocation(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return uri;
        var path = uri.IndexOf('/', scheme + 3);
        return path < 0 ? "/" : uri[path..];
    }
}
