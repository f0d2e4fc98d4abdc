using System.Diagnostics;
using MySqlConnector;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// A throwaway MariaDB server (mariadbd from Debian's mariadb-server package) on a free loopback port. The system
/// tables are made once per machine by mariadb-install-db (~5 s) into a template folder; each server copies it
/// (~0.3 s), so a test class gets a server of its own and each test a database in it. Root signs in by socket only,
/// so the template also holds a TCP user, <c>cs</c>, that may create databases. No test-framework types here: the
/// benchmarks link this file too (the xunit fixture part is in MariaDbServer.Xunit.cs).
/// </summary>
public sealed partial class MariaDbServer
{
    private const string Server = "/usr/sbin/mariadbd";
    private const string InstallDb = "/usr/bin/mariadb-install-db";
    private const string Client = "/usr/bin/mariadb";
    private const string User = "cs";
    private const string Password = "cs-test";
    // Small redo log and buffer pool: many servers may run at once on a small machine. The socket path stays short
    // (about 107 characters at most), hence /tmp and short names.
    private static readonly string[] CommonOptions =
    [
        "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=2", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
    ];
    private static readonly string TemplateFolder = Path.Combine(Path.GetTempPath(), "cs-mariadb-template-1");
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private Process? _process;

    /// <summary>The server's folder; one that already holds a data folder is started as it is (the benchmarks keep one).</summary>
    public string Folder { get; init; } = Path.Combine(Path.GetTempPath(), "csm-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>On dispose, stop the server cleanly and keep the folder (the benchmarks reuse a generated database).</summary>
    public bool Keep { get; init; }

    /// <summary>Extra server options (the benchmarks give InnoDB a larger buffer pool).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    public int Port { get; } = PostgresCluster.FreePort();

    public string AdminConnectionString => $"Server=127.0.0.1;Port={Port};User ID={User};Password={Password};Pooling=false;DateTimeKind=Utc";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Server) || !File.Exists(InstallDb))
            throw new InvalidOperationException($"MariaDB is not installed ({Server} missing): run scripts/setup --test");
        var data = Path.Combine(Folder, "data");
        if (!Directory.Exists(Path.Combine(data, "mysql")))
        {
            await EnsureTemplateAsync().ConfigureAwait(false);
            CopyFolder(Path.Combine(TemplateFolder, "data"), data);
        }
        _process = StartServer(data, Folder, Port, Options);
        await WaitForServerAsync().ConfigureAwait(false);
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new MySqlConnection(AdminConnectionString))
        {
            await c.OpenAsync().ConfigureAwait(false);
            await using var cmd = new MySqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Server=127.0.0.1;Port={Port};User ID={User};Password={Password};Database={database};DateTimeKind=Utc";

    public async Task DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                if (Keep)
                {
                    // A clean shutdown, so the kept folder starts again without crash recovery.
                    await using (var c = new MySqlConnection(AdminConnectionString))
                    {
                        await c.OpenAsync().ConfigureAwait(false);
                        await using var cmd = new MySqlCommand("SHUTDOWN", c);
                        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
                    }
                    await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token).ConfigureAwait(false);
                }
                else
                {
                    p.Kill();
                    await p.WaitForExitAsync().ConfigureAwait(false);
                }
            }
            _process?.Dispose();
        }
        finally
        {
            if (!Keep) Directory.Delete(Folder, recursive: true);
        }
    }

    private async Task WaitForServerAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var c = new MySqlConnection(AdminConnectionString);
                await c.OpenAsync().ConfigureAwait(false);
                return;
            }
            catch (MySqlException) when (clock.Elapsed < TimeSpan.FromSeconds(90) && !_process!.HasExited)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
            catch (MySqlException e)
            {
                var log = Path.Combine(Folder, "error.log");
                throw new InvalidOperationException($"MariaDB did not start on port {Port}: {e.Message}\n{(File.Exists(log) ? await File.ReadAllTextAsync(log).ConfigureAwait(false) : "")}", e);
            }
        }
    }

    /// <summary>The system tables and the TCP user, made once and copied by every server.</summary>
    private static async Task EnsureTemplateAsync()
    {
        await TemplateLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (File.Exists(Path.Combine(TemplateFolder, "ready"))) return;
            // Built beside the final place and moved there at the end, so another process never sees half a template.
            var building = TemplateFolder + "-" + Guid.NewGuid().ToString("N")[..6];
            var data = Path.Combine(building, "data");
            Directory.CreateDirectory(building);
            await RunAsync(InstallDb, ["--no-defaults", $"--datadir={data}", .. AsRoot, "--auth-root-authentication-method=socket",
                "--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=16M"]).ConfigureAwait(false);
            var port = PostgresCluster.FreePort();
            using var server = StartServer(data, building, port, []);
            var socket = Path.Combine(building, "s.sock");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(socket) && clock.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited) await Task.Delay(100).ConfigureAwait(false);
            // The socket file appears before the server accepts: retry the client for a while.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await RunAsync(Client, ["--no-defaults", $"--socket={socket}", "-uroot", "-e",
                        $"CREATE USER '{User}'@'127.0.0.1' IDENTIFIED BY '{Password}'; GRANT ALL ON *.* TO '{User}'@'127.0.0.1'; SHUTDOWN;"]).ConfigureAwait(false);
                    break;
                }
                catch (InvalidOperationException) when (attempt < 50 && !server.HasExited)
                {
                    await Task.Delay(200).ConfigureAwait(false);
                }
            }
            await server.WaitForExitAsync().ConfigureAwait(false);
            File.Delete(Path.Combine(data, "ibtmp1"));
            try
            {
                Directory.Move(building, TemplateFolder);
            }
            catch (IOException) when (Directory.Exists(TemplateFolder))
            {
                Directory.Delete(building, recursive: true); // another process made it first
            }
            await File.WriteAllTextAsync(Path.Combine(TemplateFolder, "ready"), "").ConfigureAwait(false);
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static string[] AsRoot => Environment.UserName == "root" ? ["--user=root"] : [];

    private static Process StartServer(string data, string folder, int port, IReadOnlyList<string> options)
    {
        var psi = new ProcessStartInfo(Server) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        // --no-defaults must come first: no my.cnf of the machine applies.
        foreach (var a in (string[])["--no-defaults", $"--datadir={data}", .. AsRoot, "--bind-address=127.0.0.1", $"--port={port}",
                     $"--socket={Path.Combine(folder, "s.sock")}", $"--pid-file={Path.Combine(folder, "mysqld.pid")}",
                     $"--log-error={Path.Combine(folder, "error.log")}", .. CommonOptions, .. options])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private static async Task RunAsync(string file, string[] args)
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
}
