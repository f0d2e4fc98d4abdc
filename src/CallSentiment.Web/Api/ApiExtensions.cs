using CallSentiment.Web.Access;
using Microsoft.OpenApi;

namespace CallSentiment.Web.Api;

public static class ApiExtensions
{
    public const string DocumentPath = "/api/v1/openapi.json";

    /// <summary>The OpenAPI 3.1 description of /api/v1, with the API-key bearer scheme every operation needs.</summary>
    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        // The API's empty error responses (401, 403, 404 of an unknown route) get a problem body (UseApiProblems).
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "CallSentiment API",
                    Version = "v1",
                    Description = "Calls, metrics, weekly trends and the service-recovery queue: the dashboard's data for machine clients. "
                                  + "Send an API key (made by an admin on /admin/api-keys or with 'CallSentiment.Web api-keys add') as "
                                  + "'Authorization: Bearer <key>'; the key's role (Supervisor, QA or Admin) decides what it may do, as for a person. "
                                  + "Dates and times in query values are in the dashboard's time zone; responses carry UTC instants.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "API key (csk_…)",
                    Description = "An API key; it acts with the role it was made for.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [] }];
                return Task.CompletedTask;
            });
            // Every operation can answer 401 (no or bad key) and 403 (a role that may not do this).
            o.AddOperationTransformer((operation, _, _) =>
            {
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key or sign-in, or the key is unknown, revoked or expired." });
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The key's role may not do this." });
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>Problem JSON for API responses that would otherwise be an empty error (the pages keep their own).</summary>
    public static IApplicationBuilder UseApiProblems(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase), api => api.UseStatusCodePages());

    public static IEndpointRouteBuilder MapApiWithDescription(this IEndpointRouteBuilder app)
    {
        app.MapApi();
        app.MapOpenApi(DocumentPath).RequireAuthorization(Policies.AnyRole);
        return app;
    }
}
