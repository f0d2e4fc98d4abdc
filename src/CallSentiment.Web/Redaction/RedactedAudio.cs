using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Web.Recordings;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Redaction;

/// <summary>
/// The redacted copy of a recording: a WAV with a 1 kHz tone over the redacted spans, kept in the recording source
/// under <see cref="Prefix"/> (a hidden folder discovery never queues), played and drawn instead of the original when
/// it exists, and analysed when the original was deleted (Redaction:KeepOriginal=false).
/// </summary>
public sealed partial class RedactedAudio(IRecordingSource source, IOptions<RedactionOptions> options, ILogger<RedactedAudio> logger)
{
    public const string Prefix = ".redacted/";

    public static string KeyOf(string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        var dot = sourceKey.LastIndexOf('.');
        var stem = dot > sourceKey.LastIndexOf('/') ? sourceKey[..dot] : sourceKey;
        return $"{Prefix}{stem}.wav";
    }

    public static bool IsCopy(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Deletes a recording's redacted copy when there is one (a folder source refuses to delete in a folder that does not exist).</summary>
    public static async Task DeleteCopyAsync(IRecordingSource source, string sourceKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var key = KeyOf(sourceKey);
        if (await source.StatAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            await source.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recording to analyse: the original, or the redacted copy once the original is gone (<c>FromCopy</c>).</summary>
    public async Task<(LocalRecording Local, bool FromCopy)> OpenAsync(string sourceKey, CancellationToken cancellationToken)
    {
        try
        {
            return (await source.GetLocalFileAsync(sourceKey, cancellationToken).ConfigureAwait(false), false);
        }
        catch (FileNotFoundException)
        {
            var copy = KeyOf(sourceKey);
            if (await source.StatAsync(copy, cancellationToken).ConfigureAwait(false) is null) throw;
            return (await source.GetLocalFileAsync(copy, cancellationToken).ConfigureAwait(false), true);
        }
    }

    /// <summary>The key to play or draw for a call: its redacted copy when there is one, else the recording itself.</summary>
    public async Task<string> PlayableKeyAsync(string sourceKey, CancellationToken cancellationToken) =>
        await source.StatAsync(KeyOf(sourceKey), cancellationToken).ConfigureAwait(false) is not null ? KeyOf(sourceKey) : sourceKey;

    /// <summary>
    /// After an analysis of the original, before it is stored: writes the toned copy when Redaction:Audio is on and
    /// something was redacted, and removes a copy left from an earlier analysis when nothing was.
    /// </summary>
    public async Task SaveAsync(string sourceKey, string localPath, CallAnalysis analysis, bool fromCopy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (!options.Value.Audio || fromCopy) return;
        var spans = analysis.Conversation?.Redactions ?? [];
        var key = KeyOf(sourceKey);
        if (spans.Count == 0)
        {
            await DeleteCopyAsync(source, sourceKey, cancellationToken).ConfigureAwait(false);
            return;
        }
        var temp = Path.Combine(Path.GetTempPath(), $"callsentiment-redacted-{Guid.NewGuid():N}.wav");
        try
        {
            await Task.Run(() =>
            {
                using var reader = AudioReader.Open(localPath);
                using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                ToneRedaction.Write(reader, spans.Select(s => (s.Start, s.End)).ToList(), file, cancellationToken);
            }, cancellationToken).ConfigureAwait(false);
            var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
                await source.WriteAsync(key, stream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temp);
        }
        LogCopyWritten(logger, sourceKey, spans.Count);
    }

    /// <summary>After the analysis is stored: deletes the original when Redaction:KeepOriginal is false and a redacted copy replaced it.</summary>
    public async Task AfterStoredAsync(string sourceKey, CallAnalysis analysis, bool fromCopy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var o = options.Value;
        if (o.KeepOriginal || !o.Audio || fromCopy || (analysis.Conversation?.Redactions.Count ?? 0) == 0) return;
        try
        {
            await source.DeleteAsync(sourceKey, cancellationToken).ConfigureAwait(false);
            LogOriginalDeleted(logger, sourceKey);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The analysis is stored; the original stays until the call is analysed again or deleted.
            LogDeleteFailed(logger, e, sourceKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote the redacted copy of {Key} ({Spans} spans under a tone)")]
    private static partial void LogCopyWritten(ILogger logger, string key, int spans);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting the original of {Key} after its redacted copy failed; it stays")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the original of {Key}: its redacted copy is kept instead (Redaction:KeepOriginal=false)")]
    private static partial void LogOriginalDeleted(ILogger logger, string key);
}
