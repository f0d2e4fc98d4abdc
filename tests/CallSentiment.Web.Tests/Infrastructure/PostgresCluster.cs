using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 cluster (initdb + pg_ctl from Debian's postgresql package) on a free loopback port,
/// shared by the tests of one run; each test gets a database of its own. As root, the server runs as the
/// postgres user, since PostgreSQL refuses to run as root. No test-framework types here: the benchmarks link this
/// file too (the xunit fixture part is in PostgresCluster.Xunit.cs).
/// </summary>
public sealed partial class PostgresCluster
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private readonly bool _asRoot = Environment.UserName == "root";

    /// <summary>The cluster's folder; one that already holds a cluster is started as it is, not initialised again.</summary>
    public string Folder { get; init; } = Path.Combine(Path.GetTempPath(), "callsentiment-pg-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>On dispose, stop the server cleanly and keep the folder (the benchmarks reuse a generated database).</summary>
    public bool Keep { get; init; }

    public int Port { get; } = FreePort();

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")))
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDir}/initdb missing): run scripts/setup --test");
        Directory.CreateDirectory(Folder);
        if (_asRoot) await RunAsync("chown", "postgres", Folder).ConfigureAwait(false);
        var data = Path.Combine(Folder, "data");
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
            await PgAsync("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync").ConfigureAwait(false);
        else if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            // A kept cluster whose owner was killed may still be running: stop it before starting on a new port.
            try { await PgAsync("pg_ctl", "-D", data, "-m", "fast", "-w", "stop").ConfigureAwait(false); }
            catch (InvalidOperationException) { }
        }
        await PgAsync("pg_ctl", "-D", data, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={Folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start").ConfigureAwait(false);
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(AdminConnectionString))
        {
            await c.OpenAsync().ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public async Task DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", "-D", Path.Combine(Folder, "data"), "-m", Keep ? "fast" : "immediate", "-w", "stop").ConfigureAwait(false);
        }
        finally
        {
            if (!Keep) Directory.Delete(Folder, recursive: true);
        }
    }

    private Task PgAsync(string tool, params string[] args) =>
        _asRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, tool), .. args]) : RunAsync(Path.Combine(BinDir, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().ConfigureAwait(false);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
