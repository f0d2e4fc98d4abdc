using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.TextSentiment;

/// <summary>
/// export-text-branches: for models/training/retrain_text_heads.py, what the heads graph reads for every row of a
/// CSV/TSV, computed by the product's own tokenizers and graphs (<see cref="OfflineTextSentimentScorer.Branches"/>):
/// per row, in input order, the heads' inputs one after the other as little-endian float32 (for the current model
/// sparse [3], cnn [3], embedding [512]). The layout is printed.
/// </summary>
internal static class ExportTextBranchesCommand
{
    public static int Run(Args args)
    {
        var input = args.Required("input");
        var output = args.Required("out");
        var textColumn = args.Get("text-column") ?? "text";
        var dir = ModelLocator.TextSentimentFolder(args.Get("model"));
        args.EnsureAllUsed();

        using var scorer = OfflineTextSentimentScorer.Load(dir);
        var table = TextTable.Read(input);
        var t = table.Column(textColumn);
        var rows = new float[table.Rows.Count][];
        string[] layout = [];
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var row = table.Rows[i];
            var branches = scorer.Branches(t < row.Length ? row[t] : "");
            rows[i] = [.. branches.SelectMany(b => b.Floats)];
            if (i == 0) layout = [.. branches.Select(b => $"{b.Name} [{string.Join(",", b.Shape)}]")];
        });
        using (var w = new BinaryWriter(File.Create(output)))
        {
            foreach (var r in rows)
            {
                if (r.Length != rows[0].Length) throw new InvalidDataException("the branches changed size between rows");
                foreach (var v in r) w.Write(v);
            }
        }
        Console.WriteLine($"{rows.Length} rows x ({string.Join(" + ", layout)}) float32 -> {output}");
        return rows.Length == 0 ? 1 : 0;
    }
}
