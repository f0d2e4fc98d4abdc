using CallSentiment.Web.Access;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// The real app in-process (WebApplicationFactory) on a real database — a SQLite file, or a database on a throwaway
/// PostgreSQL or MariaDB server — and a temporary recordings folder, with ingestion polling quickly.
/// </summary>
public sealed class CallSentimentApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    static CallSentimentApp() => FileWatching.UsePolling();

    public CallSentimentApp(string? postgresConnectionString = null, IDictionary<string, string?>? settings = null)
        : this(postgresConnectionString is null ? "Sqlite" : "Postgres", postgresConnectionString, settings)
    {
    }

    /// <summary>The app on <paramref name="provider"/> (Sqlite, Postgres or MySql); SQLite's file is made when no connection string is given.</summary>
    public CallSentimentApp(string provider, string? connectionString, IDictionary<string, string?>? settings = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "callsentiment-test-" + Guid.NewGuid().ToString("N")[..10]);
        Recordings = Path.Combine(Root, "recordings");
        Directory.CreateDirectory(Recordings);
        _settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = connectionString ?? $"Data Source={Path.Combine(Root, "test.db")}",
            ["Recordings:Folder"] = Recordings,
            ["Recordings:TimeZone"] = "UTC",
            ["Dashboard:TimeZone"] = "UTC",
            ["Ingestion:PollInterval"] = "00:00:01",
            ["Ingestion:SettleTime"] = "00:00:00",
            ["Ingestion:RetryDelay"] = "00:00:01",
            ["Ingestion:Concurrency"] = "2",
            ["DataProtection:KeysFolder"] = Path.Combine(Root, "keys"),
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
    }

    public string Root { get; }

    public string Recordings { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // Host settings reach Program.cs as command-line arguments, so they are visible to the registrations that read
        // configuration before the app is built (which engines, which background services); app configuration is not.
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    /// <summary>
    /// Starts the app expecting it to refuse, and returns why: the exception and what the host logged. The host
    /// logs its start failure before it disposes itself, but what reaches the caller is now and then an
    /// ObjectDisposedException from WebApplicationFactory racing that disposal instead of the failure itself.
    /// </summary>
    public string StartFailure()
    {
        var e = Assert.ThrowsAny<Exception>(() => CreateClient());
        return e + Environment.NewLine + string.Join(Environment.NewLine, Logs.Messages);
    }

    /// <summary>What the app has logged.</summary>
    public LogCapture Logs { get; } = new();

    public Db Db => Services.GetRequiredService<Db>();

    /// <summary>A client signed in as a user of <paramref name="role"/> (created on first use, named "test-role").</summary>
    public async Task<HttpClient> SignedInClientAsync(string role = AppRoles.Admin, bool allowAutoRedirect = true)
    {
        var name = $"test-{role.ToLowerInvariant()}";
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = allowAutoRedirect });
        await EnsureUserAsync(name, role);
        await SignIn.AsAsync(http, name);
        return http;
    }

    public async Task EnsureUserAsync(string name, string role, string password = SignIn.Password)
    {
        var users = Services.GetRequiredService<UserStore>();
        if (await users.FindAsync(name, CancellationToken.None) is null) await users.CreateAsync(name, null, role, password, CancellationToken.None);
    }

    /// <summary>Waits until <paramref name="count"/> jobs have finished (done or failed) and none is pending.</summary>
    public async Task WaitForJobsAsync(int count, TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        while (true)
        {
            await using var c = await Db.OpenAsync(CancellationToken.None);
            var finished = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status IN ('done', 'failed', 'dismissed')");
            var pending = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status NOT IN ('done', 'failed', 'dismissed')");
            if (finished >= count && pending == 0) return;
            if (clock.Elapsed > limit) throw new TimeoutException($"{finished} of {count} jobs finished, {pending} pending");
            await Task.Delay(200);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
