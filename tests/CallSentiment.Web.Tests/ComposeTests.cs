using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallSentiment.Web.Tests.Infrastructure;
using System.Data.Common;
using CallSentiment.Web.Storage;
using MySqlConnector;
using Npgsql;
using Dapper;
using YamlDotNet.RepresentationModel;

namespace CallSentiment.Web.Tests;

/// <summary>
/// docker-compose.yml as an operator runs it. There is no Docker engine here, so the file is read (anchors, merge keys
/// and ${VAR:-default} resolved as compose does) and checked for what the deployment needs, and then its app and
/// worker services run as real processes with exactly their environment against a real PostgreSQL server and a real
/// S3-protocol server. Only what Docker would provide differs (host names, the S3 account), and the polling intervals.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ComposeTests(PostgresCluster cluster) : IAsyncLifetime
{
    private readonly S3Server _s3 = new();
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["ADMIN_USER"] = "ops", ["ADMIN_PASSWORD"] = "a long compose passphrase", ["METRICS_TOKEN"] = "a-compose-metrics-token-0123456789abcdef",
    };

    public Task InitializeAsync() => _s3.InitializeAsync();

    public Task DisposeAsync() => _s3.DisposeAsync();

    private static YamlMappingNode Compose(string file = "docker-compose.yml")
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Paths.Root, file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"\$\{(?<name>\w+)(:-(?<default>[^}]*))?\}")]
    private static partial Regex Variable();

    /// <summary>A scalar as compose would pass it on: variables substituted (the test's own or the file's defaults), $$ as $.</summary>
    internal static string Value(YamlNode node) => Variable().Replace(((YamlScalarNode)node).Value ?? "",
        m => Variables.TryGetValue(m.Groups["name"].Value, out var v) ? v : m.Groups["default"].Value).Replace("$$", "$", StringComparison.Ordinal);

    /// <summary>A mapping with its merge keys (&lt;&lt;: *anchor) applied; its own keys win.</summary>
    internal static Dictionary<string, YamlNode> Merged(YamlNode node)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var mapping = (YamlMappingNode)node;
        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merge))
            foreach (var (k, v) in Merged(merge)) result[k] = v;
        foreach (var (k, v) in mapping.Children)
            if (((YamlScalarNode)k).Value != "<<") result[((YamlScalarNode)k).Value!] = v;
        return result;
    }

    private static Dictionary<string, YamlNode> Service(string name) => Merged(Merged(Compose())["services"])[name] is var s ? Merged(s) : throw new InvalidOperationException();

    private static Dictionary<string, string> Environment(string service) =>
        Merged(Service(service)["environment"]).ToDictionary(kv => kv.Key, kv => Value(kv.Value), StringComparer.Ordinal);

    /// <summary>
    /// A service as compose merges docker-compose.yml with <paramref name="overrideFile"/> (-f … -f …): mappings merge
    /// key by key, the override's keys win, and a value tagged !override replaces the base's outright.
    /// </summary>
    internal static Dictionary<string, YamlNode> Service(string name, string overrideFile)
    {
        var service = Merged(Merged(Compose())["services"]).TryGetValue(name, out var b) ? Merged(b) : new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (!Merged(Merged(Compose(overrideFile))["services"]).TryGetValue(name, out var o)) return service;
        foreach (var (k, v) in Merged(o))
        {
            if (v.Tag is not { IsEmpty: false, IsNonSpecific: false, Value: "!override" } && v is YamlMappingNode && service.TryGetValue(k, out var baseValue) && baseValue is YamlMappingNode)
            {
                var combined = new YamlMappingNode();
                foreach (var (ck, cv) in Merged(baseValue).Concat(Merged(v)).GroupBy(kv => kv.Key, StringComparer.Ordinal).Select(g => g.Last()))
                    combined.Add(ck, cv);
                service[k] = combined;
            }
            else
                service[k] = v;
        }
        return service;
    }

    internal static Dictionary<string, string> Environment(string service, string overrideFile) =>
        Merged(Service(service, overrideFile)["environment"]).ToDictionary(kv => kv.Key, kv => Value(kv.Value), StringComparer.Ordinal);

    internal static IReadOnlyCollection<string> Volumes(string file) => Merged(Merged(Compose(file))["volumes"]).Keys;

    [Fact]
    public void ComposeFile_HasTheServicesHealthChecksVolumesAndOrderingADeploymentNeeds()
    {
        var services = Merged(Merged(Compose())["services"]);
        Assert.Equal(["app", "minio", "minio-setup", "postgres", "worker"], services.Keys.Order(StringComparer.Ordinal));
        foreach (var name in new[] { "postgres", "minio", "app", "worker" })
            Assert.True(Service(name).ContainsKey("healthcheck"), $"{name} has no health check");
        Assert.Contains("/health/ready", string.Join(' ', ((YamlSequenceNode)Merged(Service("app")["healthcheck"])["test"]).Select(Value)), StringComparison.Ordinal);

        // Data survives a re-creation: named volumes for the database, the bucket and the app's keys.
        var volumes = Merged(Compose())["volumes"];
        foreach (var (service, mount) in new[] { ("postgres", "pgdata:/var/lib/postgresql/data"), ("minio", "minio:/data"), ("app", "appdata:/data") })
        {
            Assert.Contains(mount, ((YamlSequenceNode)Service(service)["volumes"]).Select(Value));
            Assert.True(((YamlMappingNode)volumes).Children.ContainsKey(new YamlScalarNode(mount.Split(':')[0])), $"volume {mount} is not declared");
        }

        // The app starts once the database is healthy and the bucket exists; the bucket made is the one configured.
        var dependsOn = Merged(Service("app")["depends_on"]);
        Assert.Equal("service_healthy", Value(Merged(dependsOn["postgres"])["condition"]));
        Assert.Equal("service_completed_successfully", Value(Merged(dependsOn["minio-setup"])["condition"]));
        Assert.Contains($"mc mb --ignore-existing local/{Environment("app")["Recordings__S3__Bucket"]}", Value(Service("minio-setup")["entrypoint"]), StringComparison.Ordinal);

        // Workers: the app's image and environment, worker-only, no published port, none unless asked for.
        var worker = Environment("worker");
        Assert.Equal("false", worker["Web__Enabled"]);
        Assert.Equal(Environment("app"), worker.Where(kv => kv.Key != "Web__Enabled").ToDictionary(StringComparer.Ordinal));
        Assert.Empty((YamlSequenceNode)Service("worker")["ports"]);
        Assert.Equal("0", Value(Merged(Service("worker")["deploy"])["replicas"]));
        // SIGTERM gives in-flight jobs back within the host's 30 s shutdown; Docker must not SIGKILL before that.
        foreach (var name in new[] { "app", "worker" })
            Assert.True(int.Parse(Value(Service(name)["stop_grace_period"]).TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture) > 30, $"{name} stop_grace_period");
    }

    [Fact]
    public async Task ComposeServices_AppAndWorker_RunWithTheirEnvironmentOnPostgresAndS3()
    {
        var db = await cluster.CreateDatabaseAsync();
        await RunAppAndWorkerAsync(_s3, Environment("app"), Environment("worker"), "Host=postgres;", db, cs => new NpgsqlConnection(cs));
    }

    /// <summary>
    /// The app and worker services as processes with exactly their environment but the database (<paramref name="db"/>
    /// for the file's host, checked to start with <paramref name="fileDatabase"/>) and the S3 server: three calls put in
    /// the bucket are analysed, both report ready, the first administrator sees the calls, the worker serves no pages.
    /// </summary>
    internal static async Task RunAppAndWorkerAsync(S3Server s3, Dictionary<string, string> appEnvironment, Dictionary<string, string> workerEnvironment,
        string fileDatabase, string db, Func<string, DbConnection> connect)
    {
        Dictionary<string, string> AsRunHere(Dictionary<string, string> env)
        {
            Assert.StartsWith(fileDatabase, env["Storage__ConnectionString"], StringComparison.Ordinal);
            Assert.Equal("http://minio:9000", env["Recordings__S3__ServiceUrl"]);
            env["Storage__ConnectionString"] = db;
            env["Recordings__S3__ServiceUrl"] = s3.ServiceUrl;
            env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "S3RVER"; // s3rver's one account (MinIO's root user in compose)
            env["Ingestion__PollInterval"] = "00:00:01"; // 30 s in the file: a test should not wait that long
            env["Ingestion__SettleTime"] = "00:00:00";
            // s3rver answers the delimiter listings of between-poll discovery incompletely (see S3RecordingSourceTests;
            // MinIO and S3 do not), so new recordings are found by full listings, at the shortest interval allowed.
            env["Ingestion__FullScanInterval"] = "00:00:10";
            return env;
        }

        var bucket = appEnvironment["Recordings__S3__Bucket"];
        await s3.Client.PutBucketAsync(bucket);
        await using var app = await AppProcess.StartAsync(AsRunHere(appEnvironment));
        await using var worker = await AppProcess.StartAsync(AsRunHere(workerEnvironment));
        // Calls of the last hour, as they arrive in production (polls list today's and yesterday's prefixes).
        var zone = TimeZoneInfo.FindSystemTimeZoneById(appEnvironment["Recordings__TimeZone"]);
        var starts = Enumerable.Range(0, 3).Select(i => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime.AddMinutes(-30 - 10 * i)).ToList();
        for (var i = 0; i < 3; i++)
            await s3.PutAsync(bucket, $"carla/{starts[i]:yyyy-MM-dd}/{starts[i]:HHmmss}_c{i}.wav", TestCalls.Build((CustomerMood)i, turns: 3, seed: i));

        await using (var c = connect(db))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'") < 3)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(4))
                {
                    var jobs = string.Join(", ", await c.QueryAsync<string>("SELECT CONCAT(status, ' ', COALESCE(last_error, '')) FROM jobs"));
                    var problems = string.Join(", ", await c.QueryAsync<string>("SELECT CONCAT(source_key, ': ', reason) FROM source_problems"));
                    using var ops = await SignIn.ClientAsync(app.BaseAddress, Variables["ADMIN_USER"], Variables["ADMIN_PASSWORD"]);
                    var status = await ops.GetStringAsync(new Uri("status", UriKind.Relative));
                    Assert.Fail($"not analysed in time; jobs: {jobs}; problems: {problems}\nstatus:\n{status}\napp:\n{app.Output}\nworker:\n{worker.Output}");
                }
                Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'failed'"));
                await Task.Delay(500);
            }
            Assert.Equal(3, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
            // The transcript path ran (the file's default engines are the offline ones).
            Assert.Equal(3, await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT call_id) FROM stage_results WHERE stage = 'text-sentiment'"));
        }

        foreach (var instance in new[] { app, worker })
        {
            using var probe = new HttpClient { BaseAddress = instance.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);
        }
        // METRICS_TOKEN opens the scrape endpoint on both, worker included; the queue gauges are the database's.
        foreach (var instance in new[] { app, worker })
        {
            using var scraper = new HttpClient { BaseAddress = instance.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await scraper.GetAsync(new Uri("metrics", UriKind.Relative))).StatusCode);
            scraper.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Variables["METRICS_TOKEN"]);
            var exposition = await scraper.GetStringAsync(new Uri("metrics", UriKind.Relative));
            Assert.Equal(3, PrometheusText.Value(exposition, "callsentiment_queue_jobs", ("state", "done")));
        }
        // The first administrator came from ADMIN_USER / ADMIN_PASSWORD, and sees the calls, in the file's time zone.
        using var admin = await SignIn.ClientAsync(app.BaseAddress, Variables["ADMIN_USER"], Variables["ADMIN_PASSWORD"]);
        using var report = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"api/v1/metrics?agent=carla&from={starts.Min():yyyy-MM-dd}&to={starts.Max():yyyy-MM-dd}", UriKind.Relative)));
        Assert.Equal(3, report.RootElement.GetProperty("totals").GetProperty("calls").GetInt64());
        Assert.Equal("Europe/London", report.RootElement.GetProperty("timeZone").GetString());
        // The worker serves no pages.
        using var workerProbe = new HttpClient { BaseAddress = worker.BaseAddress };
        Assert.NotEqual(HttpStatusCode.OK, (await workerProbe.GetAsync(new Uri("login", UriKind.Relative))).StatusCode);
    }
}

/// <summary>
/// The MySQL option, docker-compose.mysql.yml over docker-compose.yml, as compose merges them: MariaDB replaces
/// PostgreSQL, and the app and worker services run with exactly their merged environment against a real MariaDB server.
/// </summary>
public sealed class MySqlComposeTests(MariaDbServer server) : IClassFixture<MariaDbServer>, IAsyncLifetime
{
    private const string Override = "docker-compose.mysql.yml";
    private readonly S3Server _s3 = new();

    public Task InitializeAsync() => _s3.InitializeAsync();

    public Task DisposeAsync() => _s3.DisposeAsync();

    [Fact]
    public void MySqlOverride_ReplacesPostgresWithAHealthyMariaDb()
    {
        // PostgreSQL no longer starts by default; MariaDB does, with a health check and a declared volume for its data.
        Assert.Equal("postgres", ((YamlSequenceNode)ComposeTests.Service("postgres", Override)["profiles"]).Select(ComposeTests.Value).Single());
        var mariadb = ComposeTests.Service("mariadb", Override);
        Assert.StartsWith("mariadb:", ComposeTests.Value(mariadb["image"]), StringComparison.Ordinal);
        Assert.Contains("healthcheck.sh", string.Join(' ', ((YamlSequenceNode)ComposeTests.Merged(mariadb["healthcheck"])["test"]).Select(ComposeTests.Value)), StringComparison.Ordinal);
        Assert.Contains("mariadbdata:/var/lib/mysql", ((YamlSequenceNode)mariadb["volumes"]).Select(ComposeTests.Value));
        Assert.Contains("mariadbdata", ComposeTests.Volumes(Override));
        var database = ComposeTests.Environment("mariadb", Override);

        foreach (var name in new[] { "app", "worker" })
        {
            // Each waits for a healthy MariaDB (and no longer for PostgreSQL), and uses it with a connection string the app accepts.
            var dependsOn = ComposeTests.Merged(ComposeTests.Service(name, Override)["depends_on"]);
            Assert.Equal(["mariadb", "minio-setup"], dependsOn.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("service_healthy", ComposeTests.Value(ComposeTests.Merged(dependsOn["mariadb"])["condition"]));
            var env = ComposeTests.Environment(name, Override);
            Assert.Equal("MySql", env["Storage__Provider"]);
            var cs = env["Storage__ConnectionString"];
            Assert.Null(MySqlDb.CheckConnectionString(cs));
            var b = new MySqlConnectionStringBuilder(cs);
            Assert.Equal(("mariadb", database["MARIADB_USER"], database["MARIADB_PASSWORD"], database["MARIADB_DATABASE"]), (b.Server, b.UserID, b.Password, b.Database));
            Assert.Equal("S3", env["Recordings__Kind"]);
        }
        var worker = ComposeTests.Environment("worker", Override);
        Assert.Equal("false", worker["Web__Enabled"]);
        Assert.Equal(ComposeTests.Environment("app", Override), worker.Where(kv => kv.Key != "Web__Enabled").ToDictionary(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ComposeServices_AppAndWorker_RunWithTheirMySqlEnvironmentOnMariaDbAndS3()
    {
        var db = await server.CreateDatabaseAsync();
        await ComposeTests.RunAppAndWorkerAsync(_s3, ComposeTests.Environment("app", Override), ComposeTests.Environment("worker", Override),
            "Server=mariadb;", db, cs => new MySqlConnection(cs));
    }
}
