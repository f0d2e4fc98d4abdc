using System.Globalization;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.TextSentiment;

/// <summary>
/// export-text-features: featurises labelled text with the product's own <see cref="TextFeaturizer"/> for
/// models/training/train_text.py. Per input NAME.csv it writes NAME.bin: "CSTF", int32 version 1, int32 dimension,
/// int32 count, then per example int32 label (0 neg, 1 neu, 2 pos), int32 n, n × int32 index, n × float32 value
/// (little-endian), and NAME.terms.txt: per example one line, the featuriser's token stream (<see cref="TextFeaturizer.Terms"/>)
/// separated by single spaces, for the word-embedding branch. With --pieces (a pieces.tsv) also NAME.pieces.txt: per
/// example one line, the <see cref="SentencePieceTokenizer"/> ids (at most --max-pieces) separated by single spaces, for
/// the sentence-encoder branch. features.json beside them is the feature config the model must be served with.
/// </summary>
internal static class ExportTextFeaturesCommand
{
    public static int Run(Args args)
    {
        var inputs = args.Required("input").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var textColumn = args.Get("text-column") ?? "text";
        var labelColumn = args.Get("label-column") ?? "label";
        var outDir = args.Required("out");
        var lexiconPath = args.Get("lexicon") ?? Path.Combine(ModelLocator.TextSentimentFolder(null, requireModel: false), "lexicon.tsv");
        var hashBits = args.Int("hash-bits", new TextFeatureConfig().HashBits, 10, 24);
        var piecesPath = args.Get("pieces");
        var maxPieces = args.Int("max-pieces", EncoderBranch.DefaultMaxPieces, 1, 4096);
        args.EnsureAllUsed();

        var pieceTokenizer = piecesPath is null ? null : SentencePieceTokenizer.Load(piecesPath, expectedSha256: null);
        var lexicon = SentimentLexicon.Load(lexiconPath);
        var config = new TextFeatureConfig { HashBits = hashBits, LexiconSha256 = lexicon.Sha256 };
        var featurizer = new TextFeaturizer(config, lexicon);
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "features.json"), config.ToJson());
        var ci = CultureInfo.InvariantCulture;
        foreach (var input in inputs)
        {
            var table = TextTable.Read(input);
            var t = table.Column(textColumn);
            var l = table.Column(labelColumn);
            var examples = table.Rows.Where(r => r.Length > Math.Max(t, l)).Select(r => (Text: r[t], Label: GoldLabel.Parse(r[l])))
                .Where(e => e.Label >= 0).ToList();
            var skipped = table.Rows.Count - examples.Count;
            var features = new TextFeatures[examples.Count];
            var terms = new string[examples.Count];
            for (var i = 0; i < examples.Count; i++)
            {
                var (f, termList) = featurizer.FeaturizeWithTerms(examples[i].Text);
                features[i] = f;
                terms[i] = string.Join(' ', termList);
            }
            var outPath = Path.Combine(outDir, Path.GetFileNameWithoutExtension(input) + ".bin");
            using (var w = new BinaryWriter(File.Create(outPath)))
            {
                w.Write("CSTF"u8);
                w.Write(1);
                w.Write(config.Dimension);
                w.Write(examples.Count);
                for (var i = 0; i < examples.Count; i++)
                {
                    w.Write(examples[i].Label);
                    w.Write(features[i].Indices.Length);
                    foreach (var x in features[i].Indices) w.Write((int)x);
                    foreach (var v in features[i].Values) w.Write(v);
                }
            }
            File.WriteAllLines(Path.Combine(outDir, Path.GetFileNameWithoutExtension(input) + ".terms.txt"), terms);
            if (pieceTokenizer is not null)
                File.WriteAllLines(Path.Combine(outDir, Path.GetFileNameWithoutExtension(input) + ".pieces.txt"),
                    examples.Select(e => string.Join(' ', pieceTokenizer.Encode(e.Text, maxPieces))));
            Console.WriteLine(string.Create(ci, $"{input}: {examples.Count} examples -> {outPath}{(skipped > 0 ? $" ({skipped} rows without a known label skipped)" : "")}"));
        }
        return 0;
    }
}
