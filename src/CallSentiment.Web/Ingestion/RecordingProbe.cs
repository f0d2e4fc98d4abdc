using CallSentiment.Analysis.Audio;
using CallSentiment.Web.Recordings;

namespace CallSentiment.Web.Ingestion;

/// <summary>What a recording's header says, read with the analysis engine's own decoders before the recording is queued.</summary>
public static class RecordingProbe
{
    // A WAV header (with any chunks before the data) fits well in this; compressed formats are opened by ffmpeg.
    private const int WavHeadBytes = 256 * 1024;

    /// <summary>
    /// The number of channels, or null when the file cannot be decoded (analysis then fails it with the decoder's reason).
    /// A WAV is read from its first bytes only; other formats need the whole file (a download from S3).
    /// </summary>
    public static async Task<int?> ChannelCountAsync(IRecordingSource source, string key, CancellationToken cancellationToken)
    {
        try
        {
            await using (var head = await source.OpenReadAsync(key, 0, WavHeadBytes, cancellationToken).ConfigureAwait(false))
            {
                using var wav = AudioReader.OpenWav(new HeadStream(head), leaveOpen: true, name: key);
                return wav.Info.Channels;
            }
        }
        catch (AudioFormatException)
        {
            // Not a WAV (or not one the own decoder reads): ask the decoder that knows every format.
        }
        try
        {
            using var local = await source.GetLocalFileAsync(key, cancellationToken).ConfigureAwait(false);
            using var reader = AudioReader.Open(local.Path);
            return reader.Info.Channels;
        }
        catch (AudioFormatException)
        {
            return null;
        }
    }

    /// <summary>Why these channel roles do not fit a file of <paramref name="channels"/> channels, or null when they do.</summary>
    public static string? ChannelProblem(int agentChannel, int customerChannel, int channels)
    {
        // A mono call's roles come from diarization, so only the default pair 0/1 makes sense there.
        var available = Math.Max(channels, 2);
        if (agentChannel < available && customerChannel < available) return null;
        return $"names agent channel {agentChannel} and customer channel {customerChannel}, but the recording has " +
            (channels == 1 ? "1 channel" : $"{channels} channels (0-{channels - 1})");
    }

    /// <summary>Hides seeking, so the WAV decoder reads the header without checking the data against the length of a partial read.</summary>
    private sealed class HeadStream(Stream inner) : ForwardOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }
}
