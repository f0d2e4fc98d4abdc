using CallSentiment.Web.Storage;

namespace CallSentiment.Web.Access;

/// <summary>
/// <c>CallSentiment.Web users add|list|unlock|reset-password</c>: user administration from a shell, on the configured
/// database (the same settings as the app). The password is read from standard input (one line), never from arguments.
/// </summary>
public static class UsersCommand
{
    public const string Usage = """
        CallSentiment.Web users add --name NAME --role Supervisor|QA|Admin [--display-name TEXT]   (password on stdin)
        CallSentiment.Web users reset-password --name NAME                                       (password on stdin)
        CallSentiment.Web users unlock --name NAME
        CallSentiment.Web users list
        """;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter error)
    {
        string? Option(string name) => CommandLine.Option(args, name);

        var users = services.GetRequiredService<UserStore>();
        var audit = services.GetRequiredService<AuditLog>();
        await services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None).ConfigureAwait(false);
        var verb = args.Count > 0 ? args[0] : "";
        var name = Option("--name");
        return await CommandLine.RunAsync(error, async () =>
        {
            switch (verb)
            {
                case "list":
                    foreach (var u in await users.ListAsync(CancellationToken.None).ConfigureAwait(false))
                        await output.WriteLineAsync($"{u.UserName}\t{u.Role}\t{(u.Disabled ? "disabled" : "active")}\t{u.DisplayName}").ConfigureAwait(false);
                    return 0;
                case "add" when name is not null && Option("--role") is { } role:
                    {
                        var password = await input.ReadLineAsync().ConfigureAwait(false) ?? "";
                        var user = await users.CreateAsync(name, Option("--display-name"), role, password, CancellationToken.None).ConfigureAwait(false);
                        await audit.WriteAsync("(command line)", AuditLog.Actions.UserCreated, $"user:{user.UserName}", $"role {user.Role}", null, CancellationToken.None).ConfigureAwait(false);
                        await output.WriteLineAsync($"added {user.UserName} ({user.Role})").ConfigureAwait(false);
                        return 0;
                    }
                case "reset-password" when name is not null:
                    {
                        var password = await input.ReadLineAsync().ConfigureAwait(false) ?? "";
                        if (!await users.UpdateAsync(name, null, null, password, unlock: true, CancellationToken.None).ConfigureAwait(false))
                            throw new ArgumentException($"no user '{name}'");
                        await audit.WriteAsync("(command line)", AuditLog.Actions.UserChanged, $"user:{name.ToLowerInvariant()}", "password reset, unlocked", null, CancellationToken.None).ConfigureAwait(false);
                        await output.WriteLineAsync($"password of {name} reset").ConfigureAwait(false);
                        return 0;
                    }
                case "unlock" when name is not null:
                    if (!await users.UpdateAsync(name, null, null, null, unlock: true, CancellationToken.None).ConfigureAwait(false))
                        throw new ArgumentException($"no user '{name}'");
                    await audit.WriteAsync("(command line)", AuditLog.Actions.UserChanged, $"user:{name.ToLowerInvariant()}", "unlocked", null, CancellationToken.None).ConfigureAwait(false);
                    await output.WriteLineAsync($"{name} unlocked").ConfigureAwait(false);
                    return 0;
                default:
                    await error.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 2;
            }
        }).ConfigureAwait(false);
    }
}
