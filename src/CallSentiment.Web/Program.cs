using CallSentiment.Web;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Health;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Qa;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Retention;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Transcription;

// "users ..." administers sign-ins from a shell (the first admin, a forgotten password); anything else runs the app.
var usersCommand = args.Length > 0 && args[0] == "users";
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = usersCommand ? args[1..].Where(a => a.Contains('=', StringComparison.Ordinal)).ToArray() : args, WebRootPath = WebRoot.Find() });

builder.AddStorage();
builder.AddRecordingSource();
builder.AddIngestion();
builder.AddTranscription();
builder.AddDashboard();
builder.AddHealth();
builder.AddDataProtectionKeys();
builder.AddAccess();
builder.AddQa();
builder.AddRetention();
builder.Services.AddRazorPages();

var app = builder.Build();
if (usersCommand)
    return await UsersCommand.RunAsync(app.Services, args[1..].Where(a => !a.Contains('=', StringComparison.Ordinal)).ToList(), Console.In, Console.Out, Console.Error);

if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/Error");
app.UseSecurityHeaders();
app.UseServerTiming();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
// Web:Enabled=false is a worker-only instance (analysis, webhook, retention; health checks only): scale analysis out on
// more machines sharing the database. Ingestion:Enabled=false is the opposite, a dashboard-only instance.
if (app.Configuration.GetValue("Web:Enabled", true))
{
    app.MapRazorPages();
    app.MapCallEndpoints();
}
app.MapHealth();

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
