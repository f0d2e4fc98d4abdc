namespace CallSentiment.Web.Access;

/// <summary>What the administration commands (<c>users</c>, <c>api-keys</c>) share: "--name value" options and their error convention.</summary>
internal static class CommandLine
{
    /// <summary>The value after <paramref name="name"/>, looked for after the verb (args[0]).</summary>
    public static string? Option(IReadOnlyList<string> args, string name)
    {
        for (var i = 1; i < args.Count - 1; i++)
            if (args[i] == name) return args[i + 1];
        return null;
    }

    /// <summary>Runs a command; a rejected value (<see cref="ArgumentException"/>) is an "error: ..." line and exit code 2.</summary>
    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
    }
}
