using System.Text.RegularExpressions;
using CallSentiment.Cli.TextSentiment;

namespace CallSentiment.Analysis.Tests;

/// <summary>evaluate-text and export-text-features as a user runs them (a separate process, real files).</summary>
public partial class CliTests
{
    private const string SmallCsv = """
        id,review,gold
        1,"I love this airline, the crew were wonderful!",positive
        2,"Worst flight ever.
        Lost my bag and nobody cared",negative
        3,"The flight leaves at 6pm from gate 12",neutral
        4,"Thank you so much, ""great"" service",2
        5,terrible delays and rude staff,0
        6,what time does boarding start?,1
        7,no label here,maybe
        """;

    [Fact]
    public void EvaluateText_SmallCsv_PrintsReportAndExactLastLine()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "small.csv");
        File.WriteAllText(csv, SmallCsv);

        foreach (var engine in new[] { "offline", "vader" })
        {
            var (code, stdout, stderr) = Cli(null, "evaluate-text", "--input", csv, "--text-column", "review", "--label-column", "gold", "--engine", engine);

            Assert.True(code == 0, stderr);
            var lines = stdout.TrimEnd().Split('\n');
            Assert.Matches(TextSummaryLine(), lines[^1]);
            Assert.EndsWith(" n=6", lines[^1], StringComparison.Ordinal);
            Assert.Contains("excluded: 1 rows with unknown labels ('maybe' x1)", stdout, StringComparison.Ordinal);
            Assert.Contains("confusion matrix", stdout, StringComparison.Ordinal);
        }
        var offline = Cli(null, "evaluate-text", "--input", csv, "--text-column", "review", "--label-column", "gold").Stdout.TrimEnd().Split('\n')[^1];
        Assert.Equal("macroF1=1.0000 accuracy=1.0000 n=6", offline);
    }

    [Fact]
    public void EvaluateText_WithPredictions_WritesEachScoredRowWithItsInputRowAndScores()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "small.csv");
        File.WriteAllText(csv, SmallCsv);
        var predictions = Path.Combine(dir.Path, "predictions.csv");

        var (code, _, stderr) = Cli(null, "evaluate-text", "--input", csv, "--text-column", "review", "--label-column", "gold", "--predictions", predictions);

        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(predictions);
        Assert.Equal("row,label,sentiment,positive,negative,neutral,mixed", lines[0]);
        // Row 2 spans two physical lines of the input and row 7 has no known label: rows are the input's, not the file's lines.
        Assert.Equal(["1", "2", "3", "4", "5", "6"], lines[1..].Select(l => l.Split(',')[0]));
        Assert.Equal(["positive", "negative", "neutral", "positive", "negative", "neutral"], lines[1..].Select(l => l.Split(',')[1]));
        Assert.Equal(["POSITIVE", "NEGATIVE", "NEUTRAL", "POSITIVE", "NEGATIVE", "NEUTRAL"], lines[1..].Select(l => l.Split(',')[2]));
        Assert.All(lines[1..], l => Assert.Equal(1, l.Split(',')[3..].Sum(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)), 6));
    }

    [GeneratedRegex(@"^macroF1=(0|1)\.\d{4} accuracy=(0|1)\.\d{4} n=\d+$")]
    private static partial Regex TextSummaryLine();

    // A separate process: ONNX Runtime is loaded once per process, so in the test host (where other tests have loaded
    // it already) a missing native library could never fail.
    [Fact]
    public void EvaluateText_OnnxRuntimeNativeLibraryNotInOutput_SaysWhatToDo()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "small.csv");
        File.WriteAllText(csv, SmallCsv);

        var (code, _, stderr) = CliProcess.RunWithoutOnnxRuntimeNatives(
            "evaluate-text", "--input", csv, "--text-column", "review", "--label-column", "gold");

        Assert.Equal(4, code);
        Assert.Contains("ONNX Runtime native library (libonnxruntime.so from the Microsoft.ML.OnnxRuntime package) could not be loaded", stderr, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeRid=", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateText_MissingColumn_ListsTheColumnsFound()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "small.csv");
        File.WriteAllText(csv, SmallCsv);

        var (code, _, stderr) = Cli(null, "evaluate-text", "--input", csv, "--text-column", "text", "--label-column", "gold");

        Assert.Equal(2, code);
        Assert.Contains("no column 'text'", stderr, StringComparison.Ordinal);
        Assert.Contains("'id', 'review', 'gold'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportTextFeatures_Tsv_WritesBinaryTermsAndConfig()
    {
        using var dir = new TempDir();
        var tsv = Path.Combine(dir.Path, "set.tsv");
        File.WriteAllText(tsv, "sentence\tlabel\nnice work, @bob\t1\nnot awful\t0\n");
        var outDir = Path.Combine(dir.Path, "feat");

        var (code, stdout, stderr) = Cli(null, "export-text-features", "--input", tsv, "--text-column", "sentence", "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("2 examples", stdout, StringComparison.Ordinal);
        var bin = File.ReadAllBytes(Path.Combine(outDir, "set.bin"));
        Assert.Equal("CSTF"u8.ToArray(), bin[..4]);
        Assert.Equal(2, BitConverter.ToInt32(bin, 12));
        Assert.Equal(1, BitConverter.ToInt32(bin, 16)); // "1" in a numeric column is neutral
        var config = Analysis.TextSentiment.TextFeatureConfig.Read(Path.Combine(outDir, "features.json"));
        Assert.NotNull(config.LexiconSha256);
        // the token stream for the word-embedding branch: one line per example, in the same order
        Assert.Equal(["nice work , <user>", "not NEG_awful"], File.ReadAllLines(Path.Combine(outDir, "set.terms.txt")));
    }

    [Fact]
    public void ExportTextFeatures_WithPieces_WritesThePieceIdsOfEachExample()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "set.csv");
        File.WriteAllText(csv, "text,label\nnice work,positive\n\"not  awful\",negative\n");
        var pieces = Path.Combine(dir.Path, "pieces.tsv");
        // ids 6.. after the 6 control pieces: ▁nice ▁work ▁not ▁aw ful ▁awful
        File.WriteAllText(pieces, "<unk>\t0\n<s>\t0\n</s>\t0\na\t0\nb\t0\nc\t0\n▁nice\t-2\n▁work\t-2\n▁not\t-2\n▁aw\t-3\nful\t-3\n▁awful\t-5\n");
        var outDir = Path.Combine(dir.Path, "feat");

        var (code, _, stderr) = Cli(null, "export-text-features", "--input", csv, "--out", outDir, "--pieces", pieces, "--max-pieces", "2");

        Assert.True(code == 0, stderr);
        // "not  awful": ▁awful (-5) beats ▁aw + ful (-6); --max-pieces keeps the first two of a longer text
        Assert.Equal(["6 7", "8 11"], File.ReadAllLines(Path.Combine(outDir, "set.pieces.txt")));
    }

    [Fact]
    public void ParseCsv_QuotedFields_KeepCommasQuotesAndNewlines()
    {
        var rows = TextTable.ParseCsv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",\n", "t.csv");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["x, y", "say \"hi\""], rows[1]);
        Assert.Equal(["multi\nline", ""], rows[2]);
        Assert.Throws<InvalidDataException>(() => TextTable.ParseCsv("a\n\"open", "t.csv"));
    }
}
