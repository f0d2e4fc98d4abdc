using System.Buffers.Binary;
using AngleSharp.Html.Parser;
using CallSentiment.Analysis.Audio;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// Recordings over the configured limits, and broken ones, are refused with a reason the status page shows, while the
/// calls queued after them are analysed. Nothing here decodes the oversized files: they are refused from their headers.
/// </summary>
public sealed class RecordingLimitsTests : IAsyncLifetime
{
    // Voice-only: the limits are checked before any stage runs.
    private readonly CallSentimentApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Transcription:Engine"] = "None",
        ["Ingestion:Concurrency"] = "1",
        ["Ingestion:MaxRecordingDuration"] = "02:00:00",
        ["Ingestion:MaxChannels"] = "16",
    });

    public async Task InitializeAsync()
    {
        var day = Path.Combine(_app.Recordings, "dana", "2026-06-01");
        Directory.CreateDirectory(day);
        // The upload, ten hours long: 16 channels of 1 kHz µ-law (576 MB, a sparse file here).
        SparseWav(Path.Combine(day, "080000_huge.wav"), channels: 16, rate: 1000, tag: 7, bytesPerSample: 1, TimeSpan.FromHours(10));
        SparseWav(Path.Combine(day, "081000_wide.wav"), channels: 24, rate: 8000, tag: 1, bytesPerSample: 2, TimeSpan.FromSeconds(20));
        // A WAV cut off in the middle of its samples.
        var whole = TestCalls.Build(CustomerMood.Calm, 2, 7);
        await File.WriteAllBytesAsync(Path.Combine(day, "082000_cut.wav"), whole[..(whole.Length / 2)]);
        foreach (var f in Directory.GetFiles(day)) File.SetLastWriteTimeUtc(f, DateTime.UnixEpoch.AddSeconds(1_700_000_000));
        // Queued after the refused ones (keys are claimed in order), analysed as usual.
        TestCalls.Write(_app.Recordings, "dana", new DateTime(2026, 6, 1, 9, 0, 0), "ok", CustomerMood.Calm);
        _ = _app.Server;
        await _app.WaitForJobsAsync(4, TimeSpan.FromMinutes(2));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Worker_OversizedAndCorruptRecordings_FailedWithReasonsAndTheNextCallIsAnalysed()
    {
        await using var c = await _app.Db.OpenAsync(CancellationToken.None);
        var jobs = (await c.QueryAsync<(string Key, string Status, long Attempts, string? Error)>(
            "SELECT r.source_key, j.status, j.attempts, j.last_error FROM jobs j JOIN recordings r ON r.id = j.recording_id ORDER BY r.source_key"))
            .ToDictionary(j => Path.GetFileName(j.Key));

        Assert.Equal(("failed", 1L, "080000_huge.wav: 10 h 00 min long; recordings longer than 2 h 00 min are not analysed."),
            (jobs["080000_huge.wav"].Status, jobs["080000_huge.wav"].Attempts, jobs["080000_huge.wav"].Error));
        Assert.Equal(("failed", 1L, "081000_wide.wav: 24 channels; recordings with more than 16 channels are not analysed."),
            (jobs["081000_wide.wav"].Status, jobs["081000_wide.wav"].Attempts, jobs["081000_wide.wav"].Error));
        Assert.Equal(("failed", 1L), (jobs["082000_cut.wav"].Status, jobs["082000_cut.wav"].Attempts));
        Assert.Contains("truncated", jobs["082000_cut.wav"].Error, StringComparison.Ordinal);
        Assert.Equal("done", jobs["090000_ok.wav"].Status);
        Assert.Equal("ok", await c.ExecuteScalarAsync<string>("SELECT call_ref FROM calls"));

        using var http = await _app.SignedInClientAsync();
        var doc = await new HtmlParser().ParseDocumentAsync(await http.GetStringAsync("/status"));
        Assert.Contains("recordings longer than 2 h 00 min are not analysed", doc.QuerySelector("#failed")!.TextContent, StringComparison.Ordinal);
    }

    /// <summary>A plain RIFF header declaring <paramref name="duration"/> of samples, which are a hole in a sparse file.</summary>
    private static void SparseWav(string path, int channels, int rate, int tag, int bytesPerSample, TimeSpan duration)
    {
        var dataBytes = (long)(duration.TotalSeconds * rate) * channels * bytesPerSample;
        var header = WavWriter.Container([], rate, channels, tag, bytesPerSample);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), checked((uint)dataBytes));
        using var file = new FileStream(path, FileMode.CreateNew);
        file.Write(header);
        file.SetLength(header.Length + dataBytes);
    }
}
