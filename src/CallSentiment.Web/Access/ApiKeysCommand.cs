using System.Globalization;
using CallSentiment.Web.Storage;

namespace CallSentiment.Web.Access;

/// <summary>
/// <c>CallSentiment.Web api-keys add|list|revoke</c>: API keys for machine clients from a shell, on the configured
/// database. <c>add</c> prints the key once on standard output (nothing else), so a script can capture it.
/// </summary>
public static class ApiKeysCommand
{
    public const string Usage = """
        CallSentiment.Web api-keys add --name NAME --role Supervisor|QA|Admin [--days N]   (prints the key, once)
        CallSentiment.Web api-keys list
        CallSentiment.Web api-keys revoke --prefix csk_XXXXXXXXXX
        """;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? Option(string name) => CommandLine.Option(args, name);

        var keys = services.GetRequiredService<ApiKeyStore>();
        var audit = services.GetRequiredService<AuditLog>();
        var clock = services.GetRequiredService<TimeProvider>();
        await services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None).ConfigureAwait(false);
        return await CommandLine.RunAsync(error, async () =>
        {
            switch (args.Count > 0 ? args[0] : "")
            {
                case "list":
                    var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
                    foreach (var k in await keys.ListAsync(CancellationToken.None).ConfigureAwait(false))
                        await output.WriteLineAsync(string.Join('\t', k.KeyPrefix, k.Name, k.Role, k.IsActiveAt(now) ? "active" : k.RevokedAt is null ? "expired" : "revoked",
                            $"last used {(k.LastUsedAt is { } u ? DateTimeOffset.FromUnixTimeMilliseconds(u).ToString("u", CultureInfo.InvariantCulture) : "never")}")).ConfigureAwait(false);
                    return 0;
                case "add" when Option("--name") is { } name && Option("--role") is { } role:
                    {
                        int? days = null;
                        if (Option("--days") is { } d)
                            days = int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--days '{d}' is not a number of days");
                        var (key, row) = await keys.CreateAsync(name, role, days, "(command line)", CancellationToken.None).ConfigureAwait(false);
                        await audit.WriteAsync("(command line)", AuditLog.Actions.ApiKeyCreated, $"api-key:{row.KeyPrefix}", $"{row.Name}, role {row.Role}", null, CancellationToken.None).ConfigureAwait(false);
                        await output.WriteLineAsync(key).ConfigureAwait(false);
                        return 0;
                    }
                case "revoke" when Option("--prefix") is { } prefix:
                    if (!await keys.RevokeAsync(prefix, CancellationToken.None).ConfigureAwait(false)) throw new ArgumentException($"no active key '{prefix}'");
                    await audit.WriteAsync("(command line)", AuditLog.Actions.ApiKeyRevoked, $"api-key:{prefix}", null, null, CancellationToken.None).ConfigureAwait(false);
                    await error.WriteLineAsync($"{prefix} revoked").ConfigureAwait(false);
                    return 0;
                default:
                    await error.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 2;
            }
        }).ConfigureAwait(false);
    }
}
