using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Whisper;

namespace CallSentiment.Analysis.Tests.Transcription.Whisper;

/// <summary>Tests that read the process's live memory run alone, so no other test's data is counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}

[Collection(MemoryMeasurement.Name)]
public sealed class WhisperMemoryTests(GeneratedWhisperModel model) : IClassFixture<GeneratedWhisperModel>
{
    [Fact]
    public async Task TranscribeAsync_TwentyMinuteStereoCall_LiveMemoryDoesNotGrowWithTheCall()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "long.wav");
        WriteQuietCall(path, seconds: 1200);
        using var transcriber = WhisperTranscriber.Load(model.Settings with { SuppressRegex = GeneratedWhisperModel.EndAndTimestamps });
        transcriber.WarmUp();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = baseline;
        var rssBaseline = RssBytes();
        var rssPeak = rssBaseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                rssPeak = Math.Max(rssPeak, RssBytes());
                await Task.Delay(100, CancellationToken.None);
            }
        });

        var t = await transcriber.TranscribeAsync(new TranscriptionRequest(path, "long"), CancellationToken.None);
        await done.CancelAsync();
        await sampler;

        Assert.Equal(1200, t.DurationSeconds, 0);
        Assert.Contains(t.Words, w => w.Speaker == 0 && w.Start > 1100);
        Assert.Contains(t.Words, w => w.Speaker == 1);
        // The call's two channels are 77 MB at 16 kHz as 16-bit samples (154 MB as floats): none of that may be held.
        Assert.True(peak - baseline < 30_000_000, $"live managed memory grew by {(peak - baseline) / 1e6:0} MB while transcribing");
        // The process as a whole, whisper.cpp's heap included: its work buffers for two pieces at a time, not for every piece.
        Assert.True(rssPeak - rssBaseline < 100_000_000, $"RSS grew by {(rssPeak - rssBaseline) / 1e6:0} MB while transcribing");
    }

    private static long RssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>
    /// A stereo 8 kHz µ-law call of faint line noise with the same utterance every 5 minutes, on alternate channels,
    /// and once more on channel 0 near the end.
    /// </summary>
    private static void WriteQuietCall(string path, int seconds)
    {
        const int Rate = 8000;
        var frames = seconds * Rate;
        var data = new byte[frames * 2];
        var rng = new Random(9);
        for (var i = 0; i < data.Length; i++) data[i] = G711.LinearToMuLaw((short)rng.Next(-8, 9));
        var speech = Resampler.ResampleAll(AsrFixtures.Utterance("ls_1089-134691-0001"), 16000, Rate);
        void Say(int at, int channel)
        {
            for (var i = 0; i < speech.Length; i++)
                data[(at + i) * 2 + channel] = G711.LinearToMuLaw((short)Math.Clamp(speech[i] * 32767f, short.MinValue, short.MaxValue));
        }
        for (int at = 10 * Rate, c = 0; at + speech.Length < frames; at += 300 * Rate, c = 1 - c) Say(at, c);
        Say(frames - speech.Length - 20 * Rate, 0);
        File.WriteAllBytes(path, WavWriter.Container(data, Rate, 2, 7, 1));
    }
}
