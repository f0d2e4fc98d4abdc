using CallSentiment.Web;
using CallSentiment.Web.Access;
using CallSentiment.Web.Agents;
using CallSentiment.Web.Api;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Health;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Observability;
using CallSentiment.Web.Pages;
using CallSentiment.Web.Qa;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Redaction;
using CallSentiment.Web.Retention;
using CallSentiment.Web.Search;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Transcription;

// "users ..." administers sign-ins from a shell (the first admin, a forgotten password), "api-keys ..." the keys of
// machine clients; anything else runs the app.
var adminCommand = args.Length > 0 && args[0] is "users" or "api-keys";
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = adminCommand ? args[1..].Where(a => a.Contains('=', StringComparison.Ordinal)).ToArray() : args, WebRootPath = WebRoot.Find() });

// A command's output is its result (an API key, a user list); its logs go to standard error.
if (adminCommand) builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.AddStorage();
builder.AddRecordingSource();
builder.AddIngestion();
builder.AddTranscription();
builder.AddRedaction();
builder.AddDashboard();
builder.AddAgentComparison();
builder.AddHealth();
builder.AddDataProtectionKeys();
builder.AddAccess();
builder.AddQa();
builder.AddCategories();
builder.AddRetention();
builder.AddSearch();
builder.AddApi();
builder.AddObservability();
builder.Services.AddRazorPages();

var app = builder.Build();
if (adminCommand)
{
    var commandArgs = args[1..].Where(a => !a.Contains('=', StringComparison.Ordinal)).ToList();
    return args[0] == "users"
        ? await UsersCommand.RunAsync(app.Services, commandArgs, Console.In, Console.Out, Console.Error)
        : await ApiKeysCommand.RunAsync(app.Services, commandArgs, Console.Out, Console.Error);
}

if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/Error");
app.UseNotFoundPage();
app.UseServerTiming();
app.UseApiProblems();
app.UseStaticFiles();
app.UseRouting();
app.UseRequestBodyLimitAnswers();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
// Web:Enabled=false is a worker-only instance (analysis, webhook, retention; health checks only): scale analysis out on
// more machines sharing the database. Ingestion:Enabled=false is the opposite, a dashboard-only instance.
if (app.Configuration.GetValue("Web:Enabled", true))
{
    app.MapRazorPages();
    app.MapCallEndpoints();
    app.MapQaEndpoints();
    app.MapApiWithDescription();
    app.MapSearchApi();
    app.MapAgentApi();
}
app.MapHealth();
app.MapMetricsScrape();

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
