using System.Security.Cryptography;
using System.Text.Json;
using CallSentiment.Analysis.Calls;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// Each stage's output kept on disk by recording content, channel roles, stage and that stage's fingerprint (models and
/// settings). Analysis is repeatable (the same recording, models and settings give the same outputs), so a rerun after a
/// change to one model re-runs only that model's stage, and a change to the fusion alone re-runs no stage.
/// </summary>
internal sealed class StageCache(string? folder, IReadOnlyDictionary<string, string> fingerprints)
{
    private static readonly JsonSerializerOptions Options = new(Json.Options) { IncludeFields = true, WriteIndented = false };

    /// <summary>The stages' outputs in the analyzer's order (and as it runs them): from the cache where it has them, else run now (and kept).</summary>
    public Task<StageOutput[]> RunAsync(CallAnalyzer analyzer, AnalysisContext context, CancellationToken cancellationToken)
    {
        if (folder is null) return analyzer.RunStagesAsync(context, cancellationToken);
        var audio = AudioHash(context.AudioPath);
        return analyzer.RunStagesAsync(context, cancellationToken, async (stage, c, token) =>
        {
            var file = Path.Combine(folder, Key(audio, c, stage.Name) + ".json");
            if (TryRead(file) is { } cached) return cached;
            var output = await stage.RunAsync(c, token).ConfigureAwait(false);
            Write(file, output);
            return output;
        });
    }

    private static string AudioHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // A mono call's voice is cut at the transcript's speaker changes, so they are part of what its output depends on.
    private string Key(string audio, AnalysisContext context, string stage) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        $"{audio}|{stage}|{fingerprints.GetValueOrDefault(stage)}|{context.AgentChannel}|{context.CustomerChannel}|{context.RolesSwapped}"
        + (context.SpeakerChanges is { Count: > 0 } changes ? "|" + string.Join(',', changes.Select(t => t.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) : ""))));

    private static StageOutput? TryRead(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<StageOutput>(File.ReadAllBytes(file), Options);
        }
        catch (JsonException)
        {
            return null; // an entry from an older shape of the results: analyse again
        }
    }

    private static void Write(string file, StageOutput output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var tmp = file + "." + Environment.ProcessId + "." + Environment.CurrentManagedThreadId + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(output, Options));
        File.Move(tmp, file, overwrite: true);
    }
}
