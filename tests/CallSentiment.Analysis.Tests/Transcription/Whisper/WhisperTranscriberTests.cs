using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Whisper;
using Whisper.net;

namespace CallSentiment.Analysis.Tests.Transcription.Whisper;

/// <summary>A small Whisper model in the real ggml format (random weights), written once for the class.</summary>
public sealed class GeneratedWhisperModel : IDisposable
{
    private readonly TempDir _dir = new();

    public GeneratedWhisperModel()
    {
        Path = System.IO.Path.Combine(_dir.Path, "ggml-test.en.bin");
        GgmlWhisperModelWriter.Write(Path, GgmlWhisperDimensions.Small);
    }

    public string Path { get; }

    public string Folder => _dir.Path;

    /// <summary>whisper.cpp's end and timestamp tokens: suppressed, a random model decodes exactly MaxTokensPerSegment tokens a piece.</summary>
    public const string EndAndTimestamps = @"\[_(EOT_|BEG_|TT_[0-9]+)\]";

    public WhisperSettings Settings => new() { ModelPath = Path, VadModelPath = AsrFixtures.VadModel, Threads = 1, MaxTokensPerSegment = 24 };

    public void Dispose() => _dir.Dispose();
}

public class WhisperTranscriberTests(GeneratedWhisperModel model) : IClassFixture<GeneratedWhisperModel>
{
    private const string First = "ls_1089-134691-0001";
    private const string Second = "lv_sense_and_sensibility_01_austen_64kb-0890";

    [Fact]
    public void Inspect_GeneratedModel_ReadsItsDimensions()
    {
        var info = WhisperModelFile.Inspect(model.Path);

        Assert.Equal(GgmlWhisperDimensions.EnglishVocab, info.Vocab);
        Assert.True(info.EnglishOnly);
        Assert.Equal("tiny", info.Size);
        Assert.Equal(11 + 15 * 4 + 24 * 1, info.Tensors);
    }

    [Fact]
    public async Task TranscribeAsync_StereoCall_EachChannelsWordsLieInsideItsOwnSpeech()
    {
        using var dir = new TempDir();
        var a = AsrFixtures.Utterance(First);
        var b = AsrFixtures.Utterance(Second);
        var bStart = 0.5 + a.Length / 16000.0 + 1.0;
        var length = (int)((bStart + b.Length / 16000.0 + 0.5) * 16000);
        var left = AsrFixtures.Silence(length / 16000.0, 3);
        var right = AsrFixtures.Silence(length / 16000.0, 4);
        a.CopyTo(left, 8000);
        b.CopyTo(right, (int)(bStart * 16000));
        var path = Path.Combine(dir.Path, "call.wav");
        await File.WriteAllBytesAsync(path, TestWav.Build([Resampler.ResampleAll(left, 16000, 8000), Resampler.ResampleAll(right, 16000, 8000)], 8000, SampleEncoding.MuLaw), CancellationToken.None);
        using var transcriber = WhisperTranscriber.Load(model.Settings);

        var t = await transcriber.TranscribeAsync(new TranscriptionRequest(path, "call"), CancellationToken.None);

        Assert.Equal("whisper", t.Engine);
        Assert.Equal(SpeakerSeparation.Channels, t.Separation);
        Assert.Equal([0, 1], t.Speakers.Select(s => s.Channel));
        Assert.Equal(length / 16000.0, t.DurationSeconds, 1);
        Assert.Contains(t.Speech, s => s.Speaker == 0);
        Assert.Contains(t.Speech, s => s.Speaker == 1);
        // Random weights decode arbitrary tokens, but the whole path ran: words exist, come from the generated
        // vocabulary, and are timed inside the VAD speech of their own channel.
        Assert.NotEmpty(t.Words);
        Assert.All(t.Words, w =>
        {
            Assert.Matches(@"^([Wx][0-9]+|[.,])+$", w.Text);
            Assert.Contains(t.Speech, s => s.Speaker == w.Speaker && w.Start >= s.Start - 1e-6 && w.End <= s.End + 1e-6);
            Assert.True(w.End >= w.Start);
            Assert.InRange(w.Confidence, 0, 1);
        });
        Assert.All(t.Words.Where(w => w.Speaker == 0), w => Assert.True(w.End < bStart, $"agent word at {w.Start:0.00} s"));
        Assert.All(t.Words.Where(w => w.Speaker == 1), w => Assert.True(w.Start > bStart - 0.3, $"customer word at {w.Start:0.00} s"));
        Assert.Equal(t.Words.OrderBy(w => w.Start).Select(w => w.Start), t.Words.Select(w => w.Start));
    }

    [Fact]
    public async Task TranscribeSamplesAsync_SilenceOnly_WhisperNeverRuns()
    {
        using var transcriber = WhisperTranscriber.Load(model.Settings);
        var silence = ToPcm(AsrFixtures.Silence(20, 5));

        var (t, recognition, speech) = await transcriber.TranscribeSamplesAsync([silence, silence], CancellationToken.None);

        Assert.Empty(t.Words);
        Assert.Empty(t.Speech);
        Assert.Equal(0, speech);
        Assert.True(recognition < TimeSpan.FromSeconds(1), $"{recognition} spent recognising silence");
    }

    [Fact]
    public async Task TranscribeSamplesAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var transcriber = WhisperTranscriber.Load(model.Settings);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            transcriber.TranscribeSamplesAsync([ToPcm(AsrFixtures.Utterance(First))], cts.Token));
    }

    [Fact]
    public async Task TranscribeSamplesAsync_CancelledWhileDecoding_StopsWithinASecond()
    {
        // 200 tokens a piece: decoding the call takes seconds, so the cancellation lands in the middle of it.
        using var transcriber = WhisperTranscriber.Load(model.Settings with { MaxTokensPerSegment = 200, SuppressRegex = GeneratedWhisperModel.EndAndTimestamps });
        var utterance = AsrFixtures.Utterance(First);
        var channel = AsrFixtures.Silence(120, 8);
        for (var at = 16000; at + utterance.Length < channel.Length; at += utterance.Length + 16000) utterance.CopyTo(channel, at);
        var pcm = ToPcm(channel);
        using var cts = new CancellationTokenSource();
        var (before, _) = transcriber.Decoded;

        var run = transcriber.TranscribeSamplesAsync([pcm, pcm], cts.Token);
        while (transcriber.Decoded.Windows == before && !run.IsCompleted) await Task.Delay(10);
        var cancelledAt = System.Diagnostics.Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(1), $"stopped {cancelledAt.Elapsed.TotalSeconds:0.0} s after the cancellation");
        // No piece is started once the call has stopped (the one under way may finish, unseen, before its processor is reused).
        var (stopped, _) = transcriber.Decoded;
        await Task.Delay(500);
        Assert.Equal(stopped, transcriber.Decoded.Windows);
    }

    [Fact]
    public async Task TranscribeSamplesAsync_NextCallOnTheProcessorOfACancelledOne_SameWordsAsOnAFreshTranscriberAndDisposes()
    {
        // One processor: the next call gets the one a cancelled call was decoding on (200 tokens a piece: seconds of work).
        var settings = model.Settings with { MaxDecoders = 1, MaxTokensPerSegment = 200, SuppressRegex = GeneratedWhisperModel.EndAndTimestamps };
        var transcriber = WhisperTranscriber.Load(settings);
        var utterance = AsrFixtures.Utterance(First);
        var channel = AsrFixtures.Silence(60, 12);
        for (var at = 16000; at + utterance.Length < channel.Length; at += utterance.Length + 16000) utterance.CopyTo(channel, at);
        var next = AsrFixtures.Silence(6, 13);
        AsrFixtures.Utterance(Second).AsSpan(0, 48000).CopyTo(next.AsSpan(16000));
        using var cts = new CancellationTokenSource();
        var (before, _) = transcriber.Decoded;
        var run = transcriber.TranscribeSamplesAsync([ToPcm(channel)], cts.Token);
        while (transcriber.Decoded.Windows == before && !run.IsCompleted) await Task.Delay(10);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var (after, _, _) = await transcriber.TranscribeSamplesAsync([ToPcm(next)], CancellationToken.None);
        // Disposed right after a cancelled call: waits for the piece under way instead of throwing or freeing it mid-run.
        using var again = new CancellationTokenSource();
        (before, _) = transcriber.Decoded;
        var second = transcriber.TranscribeSamplesAsync([ToPcm(channel)], again.Token);
        while (transcriber.Decoded.Windows == before && !second.IsCompleted) await Task.Delay(10);
        await again.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        transcriber.Dispose();

        using var fresh = WhisperTranscriber.Load(settings);
        var (expected, _, _) = await fresh.TranscribeSamplesAsync([ToPcm(next)], CancellationToken.None);
        Assert.NotEmpty(expected.Words);
        Assert.Equal(expected.Words.Select(w => (w.Text, w.Start, w.End)), after.Words.Select(w => (w.Text, w.Start, w.End)));
    }

    [Fact]
    public async Task TranscribeSamplesAsync_MoreChannelsAtOnceThanDecoders_ShareOneProcessor()
    {
        using var transcriber = WhisperTranscriber.Load(model.Settings with { MaxDecoders = 1, SuppressRegex = GeneratedWhisperModel.EndAndTimestamps });
        var signal = AsrFixtures.Silence(6, 9);
        AsrFixtures.Utterance(First).AsSpan(0, 48000).CopyTo(signal.AsSpan(16000));
        var pcm = ToPcm(signal);

        var calls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => transcriber.TranscribeSamplesAsync([pcm, pcm], CancellationToken.None)));

        // Three stereo calls at once, six channels, one processor built: each waited its turn, none failed or built another.
        Assert.Equal(1, transcriber.ProcessorsBuilt);
        var words = calls[0].Transcript.Words.Select(w => (w.Speaker, w.Text, w.Start)).ToList();
        Assert.NotEmpty(words);
        Assert.All(calls, c => Assert.Equal(words, c.Transcript.Words.Select(w => (w.Speaker, w.Text, w.Start))));
    }

    [Fact]
    public async Task TranscribeSamplesAsync_LanguageAuto_RecordsTheLanguageWhisperDetectedNotAuto()
    {
        using var dir = new TempDir();
        var multilingual = Path.Combine(dir.Path, "ggml-test.bin");
        GgmlWhisperModelWriter.Write(multilingual, GgmlWhisperDimensions.Small with { Vocab = GgmlWhisperDimensions.MultilingualVocab });
        using var transcriber = WhisperTranscriber.Load(model.Settings with
        {
            ModelPath = multilingual, Language = "auto", SuppressRegex = GeneratedWhisperModel.EndAndTimestamps,
        });
        var signal = AsrFixtures.Silence(8, 10);
        AsrFixtures.Utterance(Second).AsSpan(0, 5 * 16000).CopyTo(signal.AsSpan(16000));
        var pcm = ToPcm(signal);

        var (t, _, _) = await transcriber.TranscribeSamplesAsync([pcm], CancellationToken.None);

        // What whisper.cpp detects in each piece the transcriber decoded, asked directly; the most speech decides.
        using var factory = WhisperFactory.FromPath(multilingual);
        using var processor = factory.CreateBuilder().WithThreads(1).WithLanguageDetection().Build();
        var detected = t.Speech.Select(s => (Language: processor.DetectLanguage(
                [.. pcm[(int)Math.Round(s.Start * 16000)..(int)Math.Round(s.End * 16000)].Select(x => x / 32768f)]), Seconds: s.Duration))
            .GroupBy(x => x.Language).OrderByDescending(g => g.Sum(x => x.Seconds)).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        Assert.NotEmpty(t.Words);
        Assert.NotNull(detected);
        Assert.Equal(WhisperLanguages.Code(detected, null), t.LanguageCode);
        Assert.Equal(t.LanguageCode, Assert.Single(t.Speakers).Language);
        Assert.NotEqual("auto", t.LanguageCode);
    }

    [Fact]
    public async Task TranscribeSamplesAsync_LanguageAutoOnSilence_LanguageIsUndetermined()
    {
        using var dir = new TempDir();
        var multilingual = Path.Combine(dir.Path, "ggml-test.bin");
        GgmlWhisperModelWriter.Write(multilingual, GgmlWhisperDimensions.Small with { Vocab = GgmlWhisperDimensions.MultilingualVocab });
        using var transcriber = WhisperTranscriber.Load(model.Settings with { ModelPath = multilingual, Language = "auto" });

        var (t, _, _) = await transcriber.TranscribeSamplesAsync([ToPcm(AsrFixtures.Silence(5, 11))], CancellationToken.None);

        Assert.Equal(WhisperTranscriber.UndeterminedLanguage, t.LanguageCode);
        Assert.Null(Assert.Single(t.Speakers).Language);
    }

    [Fact]
    public void Reported_SegmentsOfAPiece_WhispersLanguageNeverTheAutoSetting()
    {
        static SegmentData Segment(string language) => new(" W1", TimeSpan.Zero, TimeSpan.FromSeconds(1), 0.5f, 0.9f, 0.7f, 0f, language, []);

        Assert.Equal("de", WhisperLanguages.Reported([Segment("de"), Segment("de")]));
        Assert.Null(WhisperLanguages.Reported([Segment("auto")]));
        Assert.Null(WhisperLanguages.Reported([]));
    }

    [Fact]
    public void Choose_ChannelsInDifferentLanguages_MostSpeechWinsAndTheConfiguredRegionStays()
    {
        var agent = new Dictionary<string, double> { ["en"] = 40, ["de"] = 3 };
        var customer = new Dictionary<string, double> { ["de"] = 30 };

        Assert.Equal("en-GB", WhisperLanguages.Choose([agent, customer], "en-GB"));
        Assert.Equal("de", WhisperLanguages.Choose([customer], "en-GB"));
        Assert.Equal("en-US", WhisperLanguages.Choose([agent], null));
        Assert.Equal("de", WhisperLanguages.Choose([new Dictionary<string, double> { ["fr"] = 5, ["de"] = 5 }, customer], "en-US"));
        Assert.Null(WhisperLanguages.Choose([new Dictionary<string, double>()], "en-US"));
    }

    [Fact]
    public void Load_GgmlFileOfAnotherModel_SaysItIsNotAWhisperModel()
    {
        using var dir = new TempDir();
        var gpt2 = Path.Combine(dir.Path, "ggml-base.en.bin");
        using (var w = new BinaryWriter(File.Create(gpt2)))
        {
            w.Write(0x67676d6c);
            // GPT-2 small's ggml header: vocabulary, context, width, heads, layers, file type; then its weights.
            foreach (var v in new[] { 50257, 1024, 768, 12, 12, 1 }) w.Write(v);
            w.Write(new byte[4096]);
        }

        var e = Assert.Throws<InvalidDataException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = gpt2 }));

        Assert.Contains("not a Whisper model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyModelFile_SaysSo()
    {
        using var dir = new TempDir();
        var empty = Path.Combine(dir.Path, "ggml-base.en.bin");
        File.WriteAllBytes(empty, []);

        var e = Assert.Throws<InvalidDataException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = empty }));

        Assert.Contains("is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedModel_SaysTheFileIsCutShort()
    {
        using var dir = new TempDir();
        var cut = Path.Combine(dir.Path, "ggml-base.en.bin");
        var bytes = File.ReadAllBytes(model.Path);
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);

        var e = Assert.Throws<InvalidDataException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = cut }));

        Assert.Contains("cut short", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ModelWithoutItsLastTensors_SaysTheFileIsIncomplete()
    {
        using var dir = new TempDir();
        var partial = Path.Combine(dir.Path, "ggml-tiny.en.bin");
        GgmlWhisperModelWriter.Write(partial, GgmlWhisperDimensions.Small, omitLastTensors: 3);

        var e = Assert.Throws<InvalidDataException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = partial }));

        Assert.Contains("incomplete", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GGUF\u0003\0\0\0", "GGUF")]
    [InlineData("<!DOCTYPE html><html>rate limited</html>", "HTML error page")]
    [InlineData("PK\u0003\u0004zipzipzip", "PyTorch checkpoint")]
    public void Load_WrongKindOfFile_NamesWhatItIs(string content, string expected)
    {
        using var dir = new TempDir();
        var wrong = Path.Combine(dir.Path, "ggml-base.en.bin");
        File.WriteAllText(wrong, content);

        var e = Assert.Throws<InvalidDataException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = wrong }));

        Assert.Contains("not a ggml Whisper model", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingModel_SaysHowToGetOne()
    {
        var e = Assert.Throws<FileNotFoundException>(() => WhisperTranscriber.Load(model.Settings with { ModelPath = "/nowhere/ggml-base.en.bin" }));

        Assert.Contains("scripts/setup --whisper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnglishOnlyModelWithAnotherLanguage_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => WhisperTranscriber.Load(model.Settings with { Language = "de" }));

        Assert.Contains("English-only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_TokensWithPiecesAndPunctuation_JoinsThemIntoTimedWords()
    {
        WhisperToken Token(string text, long start, long end, float p) => new() { Text = text, Start = start, End = end, Probability = p };
        var segment = new SegmentData(" Thanks for calling.", TimeSpan.Zero, TimeSpan.FromSeconds(2), 0.5f, 0.9f, 0.7f, 0f, "en",
            [Token("[_BEG_]", 0, 0, 1), Token(" Thanks", 10, 40, 0.9f), Token(" for", 40, 60, 0.8f), Token(" call", 60, 90, 0.6f),
             Token("ing", 90, 120, 0.4f), Token(".", 120, 125, 1f), Token("[_TT_60]", 125, 125, 1)]);

        var words = WhisperWords.From([segment], speaker: 1, pieceStart: 10, pieceEnd: 11.2).ToList();

        Assert.Equal(["Thanks", "for", "calling."], words.Select(w => w.Text));
        Assert.All(words, w => Assert.Equal(1, w.Speaker));
        Assert.Equal(10.1, words[0].Start, 6);
        Assert.Equal(10.6, words[2].Start, 6);
        Assert.Equal(11.2, words[2].End, 6); // 12.5 s clamped to the end of the piece
        Assert.Equal((0.6 + 0.4 + 1.0) / 3, words[2].Confidence, 5);
    }

    [Fact]
    public async Task Dispose_WhileAPieceIsBeingDecoded_ThePieceCompletesAndTheModelIsFreedAfterIt()
    {
        using var inSegment = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        // whisper.cpp calls the segment handlers from inside the run: the first one holds the run there, at a known point.
        var pool = new WhisperProcessorPool(WhisperFactory.FromPath(model.Path), factory => factory.CreateBuilder()
            .WithThreads(1).WithNoContext().WithTemperatureInc(0).WithLanguage("en").WithMaxTokensPerSegment(24)
            .WithSuppressRegex(GeneratedWhisperModel.EndAndTimestamps)
            .WithSegmentEventHandler(_ =>
            {
                inSegment.Set();
                resume.Wait();
            }), capacity: 1);
        var lease = await pool.RentAsync(CancellationToken.None);
        var piece = AsrFixtures.Utterance(First)[..48000];
        var decoding = lease.DecodeAsync(piece, CancellationToken.None);
        Assert.True(inSegment.Wait(TimeSpan.FromSeconds(60)), "whisper.cpp never reported a segment");

        // The host gave up waiting for the job and disposes the engine while whisper.cpp is inside the piece.
        var error = Record.Exception(pool.Dispose);
        Assert.Null(error);
        Assert.False(pool.IsReleased, "the model was freed under a running piece");
        resume.Set();

        Assert.NotEmpty(await decoding.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(pool.IsReleased, "the model was freed while its processor was still leased");
        lease.Dispose();
        Assert.True(pool.IsReleased, "the model was not freed when the last lease ended");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.RentAsync(CancellationToken.None));
    }

    private static short[] ToPcm(float[] samples) => [.. samples.Select(s => (short)Math.Clamp(s * 32767f, short.MinValue, short.MaxValue))];
}
