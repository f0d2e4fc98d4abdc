using CallSentiment.Web;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Health;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Storage;
using CallSentiment.Web.Transcription;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Find() });

builder.AddStorage();
builder.AddRecordingSource();
builder.AddIngestion();
builder.AddTranscription();
builder.AddDashboard();
builder.AddHealth();
builder.AddDataProtectionKeys();
builder.Services.AddRazorPages();

var app = builder.Build();

if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/Error");
app.UseServerTiming();
app.UseStaticFiles();
app.UseRouting();
app.UseAntiforgery();
app.MapRazorPages();
app.MapCallEndpoints();
app.MapHealth();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
