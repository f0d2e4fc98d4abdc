using System.Security.Cryptography;
using System.Text.Json;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// Keeps the recogniser's transcripts on disk by recording content, request and recogniser fingerprint, so a new text
/// model re-scores transcripts without decoding the audio again (recognition is almost all of the work).
/// </summary>
internal sealed class CachingTranscriber(ITranscriber inner, string folder, string fingerprint) : ITranscriber
{
    private static readonly JsonSerializerOptions Options = new(Json.Options) { WriteIndented = false };

    public string Name => inner.Name;

    public async Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken)
    {
        string audio;
        using (var stream = File.OpenRead(request.AudioPath)) audio = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        var key = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{audio}|{fingerprint}|{request.LanguageCode}|{request.MaxSpeakers}")));
        var file = Path.Combine(folder, "transcripts", key + ".json");
        if (File.Exists(file))
        {
            try
            {
                if (JsonSerializer.Deserialize<Transcript>(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false), Options) is { } hit)
                    return hit;
            }
            catch (JsonException)
            {
                // an entry of an older shape: transcribe again
            }
        }
        var transcript = await inner.TranscribeAsync(request, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var tmp = file + "." + Environment.ProcessId + "." + Environment.CurrentManagedThreadId + ".tmp";
        await File.WriteAllBytesAsync(tmp, JsonSerializer.SerializeToUtf8Bytes(transcript, Options), cancellationToken).ConfigureAwait(false);
        File.Move(tmp, file, overwrite: true);
        return transcript;
    }
}
