using CallSentiment.Analysis.Tests.Transcription.Whisper;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>
/// The app on a small multilingual Whisper model (random weights, written in the real ggml format) with
/// Transcription:WhisperLanguage set, after it analysed one spoken stereo call (<see cref="SpokenCalls.HappyCustomer"/>).
/// </summary>
public sealed class MultilingualWhisperApp : IAsyncDisposable
{
    private readonly string _modelFolder;

    private MultilingualWhisperApp(string modelFolder, CallSentimentApp app)
    {
        _modelFolder = modelFolder;
        App = app;
    }

    public CallSentimentApp App { get; }

    public static async Task<MultilingualWhisperApp> StartAsync(string whisperLanguage, string agent, string callRef, DateTime start)
    {
        var folder = Directory.CreateTempSubdirectory("whisper-multilingual-").FullName;
        var model = Path.Combine(folder, "ggml-tiny.bin");
        GgmlWhisperModelWriter.Write(model, GgmlWhisperDimensions.Small with { Vocab = GgmlWhisperDimensions.MultilingualVocab });
        var app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:WhisperModel"] = model, ["Transcription:WhisperLanguage"] = whisperLanguage,
        });
        SpokenCalls.Write(app.Recordings, agent, start, callRef, SpokenCalls.HappyCustomer);
        using (await app.SignedInClientAsync()) { }
        await app.WaitForJobsAsync(1, TimeSpan.FromMinutes(4));
        return new MultilingualWhisperApp(folder, app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(_modelFolder, recursive: true);
    }
}
