using System.ComponentModel.DataAnnotations;
using CallSentiment.Web.Transcription;

namespace CallSentiment.Web.Tests;

public sealed class TranscriptionOptionsTests
{
    private static List<string> Problems(TranscriptionOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Theory]
    [InlineData("ckb-IQ")] // a three-letter language code of Transcribe's enum, which a two-letter pattern refused
    [InlineData("en-AB")]
    [InlineData("de-DE")]
    public void LanguageCode_InTranscribesEnum_AcceptedForAmazonTranscribe(string code) =>
        Assert.Empty(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.Aws, LanguageCode = code }));

    [Theory]
    [InlineData("en-UK")]
    [InlineData("english")]
    [InlineData("de_DE")]
    public void LanguageCode_OutsideTranscribesEnum_RefusedNamingTheSetting(string code)
    {
        var problem = Assert.Single(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.Aws, LanguageCode = code }));

        Assert.StartsWith($"Transcription:LanguageCode '{code}' is not one of Amazon Transcribe's language codes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void LanguageCode_ComprehendCannotScoreIt_RefusedAtStart()
    {
        var problem = Assert.Single(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.Aws, TextEngine = TextSentimentEngine.Comprehend, LanguageCode = "sv-SE" }));

        Assert.Contains("Transcription:LanguageCode sv-SE", problem, StringComparison.Ordinal);
        Assert.Contains("not one Comprehend scores for sentiment", problem, StringComparison.Ordinal);
        Assert.Empty(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.Aws, TextEngine = TextSentimentEngine.Comprehend, LanguageCode = "zh-TW" }));
    }

    [Fact]
    public void LanguageCode_OfflineEngine_StaysEnglish()
    {
        var problem = Assert.Single(Problems(new TranscriptionOptions { LanguageCode = "fr-FR" }));

        Assert.Contains("the offline engine has a US English model only", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void WhisperModel_WithPocketSphinxForced_RefusedAsUnused()
    {
        var problem = Assert.Single(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.PocketSphinx, WhisperModel = "/models/ggml-base.en.bin" }));

        Assert.Contains("Transcription:WhisperModel is set but Transcription:Engine=PocketSphinx does not use it", problem, StringComparison.Ordinal);
        Assert.Empty(Problems(new TranscriptionOptions { Engine = TranscriptionEngine.PocketSphinx, WhisperModel = "" })); // docker compose's empty default
        Assert.Empty(Problems(new TranscriptionOptions { WhisperModel = "/models/ggml-base.en.bin", VadModel = "/models/silero_vad.onnx" }));
    }
}
