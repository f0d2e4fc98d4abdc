using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

public sealed class SpeechEnhancementTests
{
    [Fact]
    public async Task ModeAll_CallsAreDenoisedBeforeTheVoiceModelAndTheStageSaysSo()
    {
        // The test calls are 8 kHz: MinSampleRate 8000 lets enhancement reach them.
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:Engine"] = "None",
            ["SpeechEnhancement:Mode"] = "All",
            ["SpeechEnhancement:MinSampleRate"] = "8000",
        });
        TestCalls.Write(app.Recordings, "alice", new DateTime(2026, 3, 2, 9, 0, 0), "e1", CustomerMood.Angry);
        _ = app.Server;
        await app.WaitForJobsAsync(1);

        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        var detail = await c.ExecuteScalarAsync<string>("SELECT detail FROM stage_results WHERE stage = 'voice-emotion'");
        Assert.Contains("\"enhanced\":true", detail, StringComparison.Ordinal);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
        // The call keeps its own sample rate, not the 16 kHz the enhancer works at.
        Assert.Equal(8000, await c.ExecuteScalarAsync<long>("SELECT sample_rate FROM calls"));
    }

    [Fact]
    public async Task ModeAll_TelephoneCallsBelowMinSampleRate_AreAnalysedAsTheyAre()
    {
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:Engine"] = "None",
            ["SpeechEnhancement:Mode"] = "All",
        });
        TestCalls.Write(app.Recordings, "alice", new DateTime(2026, 3, 2, 9, 0, 0), "e2", CustomerMood.Angry);
        _ = app.Server;
        await app.WaitForJobsAsync(1);

        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        var detail = await c.ExecuteScalarAsync<string>("SELECT detail FROM stage_results WHERE stage = 'voice-emotion'");
        Assert.Contains("\"enhanced\":false", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_WrongModelFile_StopsTheAppAtStartWithTheReason()
    {
        var notAModel = Path.GetTempFileName();
        await File.WriteAllTextAsync(notAModel, "not an onnx model");
        try
        {
            await using var app = new CallSentimentApp(settings: new Dictionary<string, string?>
            {
                ["Transcription:Engine"] = "None",
                ["SpeechEnhancement:Mode"] = "Transcript",
                ["SpeechEnhancement:ModelPath"] = notAModel,
            });

            var failure = app.StartFailure();

            Assert.Contains(Path.GetFileName(notAModel), failure, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(notAModel);
        }
    }
}
