using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.PocketSphinx;

namespace CallSentiment.Analysis.Tests.Transcription;

public class PocketSphinxDecoderTests
{
    private const string Utterance = "ls_1089-134691-0001"; // "for a full hour he had paced up and down waiting but ..."

    [Fact]
    public void Decode_RealUtterance_WordsMatchTheReferenceWithinTheFloor()
    {
        using var decoder = new PocketSphinxDecoder(new PocketSphinxSettings());
        var samples = AsrFixtures.Utterance(Utterance);

        var words = decoder.Decode(samples);

        var spoken = words.Select(w => OfflineTranscriber.CleanWord(w.Word)).OfType<string>().ToList();
        var errors = WordErrors.Align(WordErrors.Words(AsrFixtures.Reference(Utterance)), spoken);
        Assert.True(errors.Rate <= 0.4, $"WER {errors.Rate:P0}: {string.Join(' ', spoken)}");
        // The segmentation is the best path ps_get_hyp reports.
        Assert.Equal(decoder.LastHypothesis(), string.Join(' ', spoken));
        var frames = samples.Length / 160;
        for (var i = 0; i < words.Count; i++)
        {
            Assert.InRange(words[i].StartFrame, 0, words[i].EndFrame);
            Assert.InRange(words[i].EndFrame, 0, frames);
            if (i > 0) Assert.True(words[i].StartFrame > words[i - 1].EndFrame, "segments overlap");
            Assert.InRange(words[i].Posterior, 0, 1);
        }
        // Posteriors come from the lattice: not every word can be certain.
        Assert.Contains(words, w => w.Posterior < 0.999);
    }

    [Fact]
    public void Decode_TwoUtterancesInARow_DecoderIsReusable()
    {
        using var decoder = new PocketSphinxDecoder(new PocketSphinxSettings());
        var first = decoder.Decode(AsrFixtures.Utterance("ls_1089-134691-0000"));
        var second = decoder.Decode(AsrFixtures.Utterance("ls_1089-134691-0000"));
        Assert.Equal(first.Select(w => w.Word), second.Select(w => w.Word));
    }

    [Fact]
    public void Constructor_BesideOtherDecoders_LeavesTheProcessWideLogStreamAsItWas()
    {
        // sphinxbase writes every decoder's log to one stream per process; a decoder that replaced it (ps_init with
        // -logfn) closed the old stream while decoders on other threads wrote to it, which crashed the process now and then.
        var library = PocketSphinxLibrary.Load();
        var stream = library.LogStream;
        using var busy = new PocketSphinxDecoder(new PocketSphinxSettings());
        busy.Decode(AsrFixtures.Utterance(Utterance));

        using var another = new PocketSphinxDecoder(new PocketSphinxSettings());
        another.Decode(AsrFixtures.Utterance(Utterance));

        Assert.NotEqual(IntPtr.Zero, stream);
        Assert.Equal(stream, library.LogStream);
    }

    [Fact]
    public void Constructor_LogFileArgument_RefusedBecauseTheLogIsProcessWide()
    {
        var settings = new PocketSphinxSettings { Arguments = new Dictionary<string, string?> { ["-logfn"] = "/tmp/ps.log" } };

        var e = Assert.Throws<PocketSphinxException>(() => new PocketSphinxDecoder(settings));
        var parse = Assert.Throws<ArgumentException>(() => PocketSphinxSettings.ParseArguments("-beam 1e-60 -logfn /tmp/ps.log"));

        Assert.Contains("-logfn cannot be given", e.Message, StringComparison.Ordinal);
        Assert.Contains("-logfn cannot be given", parse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MissingModelFolder_ThrowsNamingTheFolderAndTheFix()
    {
        var settings = new PocketSphinxSettings { AcousticModel = "/nonexistent/en-us" };
        var e = Assert.Throws<PocketSphinxException>(() => new PocketSphinxDecoder(settings));
        Assert.Contains("/nonexistent/en-us", e.Message, StringComparison.Ordinal);
        Assert.Contains("install libpocketsphinx3 and pocketsphinx-en-us (scripts/setup)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MissingLanguageModel_ThrowsNamingTheFile()
    {
        var settings = new PocketSphinxSettings { LanguageModel = "/nonexistent/call-centre.lm.bin" };
        var e = Assert.Throws<PocketSphinxException>(() => new PocketSphinxDecoder(settings));
        Assert.Contains("/nonexistent/call-centre.lm.bin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MissingLibrary_ThrowsWithInstallHint()
    {
        var settings = new PocketSphinxSettings { LibraryPath = "/nonexistent/lib/libpocketsphinx.so.3" };
        var e = Assert.Throws<PocketSphinxException>(() => new PocketSphinxDecoder(settings));
        Assert.Contains("/nonexistent/lib/libpocketsphinx.so.3", e.Message, StringComparison.Ordinal);
        Assert.Contains(PocketSphinxException.InstallHint, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnknownDecoderOption_ThrowsNamingTheArguments()
    {
        var settings = new PocketSphinxSettings { Arguments = new Dictionary<string, string?> { ["-no_such_option"] = "1" } };
        var e = Assert.Throws<PocketSphinxException>(() => new PocketSphinxDecoder(settings));
        Assert.Contains("-no_such_option", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<sil>", null)]
    [InlineData("<s>", null)]
    [InlineData("</s>", null)]
    [InlineData("[NOISE]", null)]
    [InlineData("++BREATH++", null)]
    [InlineData("read(2)", "read")]
    [InlineData("hello", "hello")]
    public void CleanWord_EngineTokens_FillersDroppedAndVariantsStripped(string token, string? expected) =>
        Assert.Equal(expected, OfflineTranscriber.CleanWord(token));

    [Fact]
    public void Align_KnownEdits_CountsSubstitutionsDeletionsInsertions()
    {
        var e = WordErrors.Align(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]);
        Assert.Equal(new WordErrors(4, 1, 0, 1), e);
        var d = WordErrors.Align(["a", "b", "c"], ["a"]);
        Assert.Equal(new WordErrors(3, 0, 2, 0), d);
    }

    [Fact]
    public async Task Dispose_WhileADecoderIsLeased_TheLeaseDecodesToTheEndAndItsDecoderIsFreedWhenReturned()
    {
        var pool = new PocketSphinxDecoderPool(new PocketSphinxSettings(), capacity: 1);
        var lease = await pool.RentAsync(CancellationToken.None);
        var decoder = lease.Decoder;
        var samples = AsrFixtures.Utterance(Utterance);
        decoder.Reset();
        var expected = decoder.Decode(samples).Select(w => w.Word).ToList();

        // The host gave up waiting for the job and disposes the engine while the job still recognises a channel.
        pool.Dispose();
        decoder.Reset();
        Assert.Equal(expected, decoder.Decode(samples).Select(w => w.Word));
        Assert.False(decoder.IsDisposed, "the leased decoder was freed under its job");

        var error = Record.Exception(lease.Dispose);
        Assert.Null(error);
        Assert.True(decoder.IsDisposed, "the decoder was not freed when its lease ended");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.RentAsync(CancellationToken.None));
    }
}
