using System.Globalization;
using System.Text.RegularExpressions;

namespace CallSentiment.Analysis.Tests.Transcription;

public partial class EvaluateAsrCliTests
{
    [Fact]
    public void EvaluateAsr_TwoUtterances_PrintsScliteSummaryAndExactLastLine()
    {
        using var dir = new TempDir();
        string[] ids = ["ls_1089-134691-0000", "lv_sense_and_sensibility_01_austen_64kb-0930"];
        var lines = File.ReadAllLines(Paths.Dataset("asr/speech/transcripts.tsv")).Where(l => ids.Contains(l.Split('\t')[0])).ToArray();
        File.WriteAllLines(Path.Combine(dir.Path, "transcripts.tsv"), lines);
        foreach (var id in ids) File.Copy(Paths.Dataset($"asr/speech/{id}.wav"), Path.Combine(dir.Path, id + ".wav"));

        var (code, stdout, stderr) = Cli("evaluate-asr", "--data", dir.Path, "--vad-model", AsrFixtures.VadModel);

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Sum/Avg", stdout, StringComparison.Ordinal);
        var last = stdout.TrimEnd().Split('\n')[^1];
        var m = LastLine().Match(last);
        Assert.True(m.Success, last);
        Assert.Equal(13, int.Parse(m.Groups["words"].Value, CultureInfo.InvariantCulture));
        var wer = double.Parse(m.Groups["wer"].Value, CultureInfo.InvariantCulture);
        // Measured 1 error in 13 words (0.077) with the tuned decoder defaults; 3 errors (0.23) would be a regression.
        Assert.InRange(wer, 0, 0.2);
        Assert.Equal(int.Parse(m.Groups["errors"].Value, CultureInfo.InvariantCulture) / 13.0, wer, 3);
    }

    [Fact]
    public void EvaluateAsr_WhisperEngine_ScoresWhisperWordsWithSclite()
    {
        using var dir = new TempDir();
        const string Id = "ls_1089-134691-0000";
        File.WriteAllLines(Path.Combine(dir.Path, "transcripts.tsv"),
            File.ReadAllLines(Paths.Dataset("asr/speech/transcripts.tsv")).Where(l => l.Split('\t')[0] == Id));
        File.Copy(Paths.Dataset($"asr/speech/{Id}.wav"), Path.Combine(dir.Path, Id + ".wav"));
        var model = Path.Combine(dir.Path, "ggml-test.en.bin");
        Whisper.GgmlWhisperModelWriter.Write(model, Whisper.GgmlWhisperDimensions.Small);

        var (code, stdout, stderr) = Cli("evaluate-asr", "--data", dir.Path, "--vad-model", AsrFixtures.VadModel, "--engine", "whisper", "--whisper-model", model);

        // Random weights: the WER is meaningless, but the Whisper words went through sclite and the own alignment alike.
        Assert.True(code == 0, stderr + stdout);
        Assert.Matches(LastLine(), stdout.TrimEnd().Split('\n')[^1]);
        Assert.Matches(@"HYP: [wx0-9]", stdout);
    }

    [Fact]
    public void Normalise_WhisperCasingAndPunctuation_BareLowerCaseWordsKeepingApostrophes() =>
        Assert.Equal("thanks for calling i don't know really", CallSentiment.Cli.Transcription.EvaluateAsrCommand.Normalise("Thanks for calling. I don't know, 'really'?"));

    [Fact]
    public void EvaluateAsr_MissingSclite_FailsNamingIt()
    {
        var (code, _, stderr) = Cli("evaluate-asr", "--data", Paths.Dataset("asr/speech"), "--sclite", "/nonexistent/sclite");
        Assert.NotEqual(0, code);
        Assert.Contains("/nonexistent/sclite", stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^WER=(?<wer>[01]\.\d{4}) words=(?<words>\d+) errors=(?<errors>\d+) rtf=\d+\.\d{3}$")]
    private static partial Regex LastLine();

    private static (int ExitCode, string Stdout, string Stderr) Cli(params string[] args)
        => CliProcess.Run(null, args);
}
