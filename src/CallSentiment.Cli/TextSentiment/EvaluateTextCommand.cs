using System.Globalization;
using System.Text;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Cli.TextSentiment;

/// <summary>
/// evaluate-text: scores a labelled CSV/TSV with the offline model or the VADER baseline and prints a confusion
/// matrix, per-class precision/recall/F1 and, as the last line, "macroF1=… accuracy=… n=…". A MIXED verdict counts
/// as whichever of its positive and negative scores is larger. With --predictions it also writes each scored row's
/// scores (row = the row's number in the input, header excluded), for fitting scripts that need more than the totals.
/// With --role-column, rows whose role is "agent" or "customer" are read as that role's words (the model's reading of
/// that role), as the analysis reads that speaker's chunks.
/// </summary>
internal static class EvaluateTextCommand
{
    public static int Run(Args args)
    {
        var input = args.Required("input");
        var textColumn = args.Required("text-column");
        var labelColumn = args.Required("label-column");
        var engine = args.Get("engine") ?? "offline";
        var modelOption = args.Get("model");
        var lexiconOption = args.Get("lexicon");
        var predictionsPath = args.Get("predictions");
        var roleColumn = args.Get("role-column");
        args.EnsureAllUsed();
        if (engine is not ("offline" or "vader")) throw new UsageException($"--engine must be offline or vader (got '{engine}')");

        var table = TextTable.Read(input);
        var t = table.Column(textColumn);
        var l = table.Column(labelColumn);
        var roleAt = roleColumn is null ? -1 : table.Column(roleColumn);
        var unknown = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<(string Text, int Gold, int Row, TextSpeaker Speaker)>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            var raw = l < row.Length ? row[l] : "";
            var gold = GoldLabel.Parse(raw);
            if (gold < 0 || t >= row.Length)
            {
                unknown[raw] = unknown.GetValueOrDefault(raw) + 1;
                continue;
            }
            var role = roleAt >= 0 && roleAt < row.Length ? row[roleAt].Trim().ToLowerInvariant() : "";
            examples.Add((row[t], gold, r + 1, role switch { "agent" => TextSpeaker.Agent, "customer" => TextSpeaker.Customer, _ => TextSpeaker.Unknown }));
        }

        Func<string, TextSpeaker, Verdict> score;
        IDisposable? owned = null;
        string description;
        if (engine == "offline")
        {
            var dir = ModelLocator.TextSentimentFolder(modelOption);
            var scorer = OfflineTextSentimentScorer.Load(dir);
            owned = scorer;
            score = scorer.Score;
            description = $"offline model {dir} (ONNX Runtime {Analysis.Onnx.OnnxSession.RuntimeVersion})";
        }
        else
        {
            var lexicon = ModelLocator.VaderLexicon(lexiconOption);
            var vader = VaderSentimentScorer.Load(lexicon);
            score = (text, _) => vader.Score(text);
            description = $"VADER baseline ({lexicon})";
        }

        var confusion = new int[3, 3];
        var verdicts = new Verdict[examples.Count];
        using (owned)
        {
            Parallel.For(0, examples.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => verdicts[i] = score(examples[i].Text, examples[i].Speaker));
            for (var i = 0; i < examples.Count; i++) confusion[examples[i].Gold, ToClass(verdicts[i])]++;
        }

        var ci = CultureInfo.InvariantCulture;
        if (predictionsPath is not null)
        {
            var csv = new StringBuilder("row,label,sentiment,positive,negative,neutral,mixed\n");
            for (var i = 0; i < examples.Count; i++)
            {
                var s = verdicts[i].Scores;
                csv.Append(ci, $"{examples[i].Row},{GoldLabel.Names[examples[i].Gold]},{verdicts[i].Sentiment.ToLabel()},")
                   .Append(ci, $"{s.Positive:R},{s.Negative:R},{s.Neutral:R},{s.Mixed:R}\n");
            }
            File.WriteAllText(predictionsPath, csv.ToString());
        }
        Console.WriteLine($"engine: {description}");
        Console.WriteLine($"input: {input} (text '{textColumn}', label '{labelColumn}')");
        var unknownCount = unknown.Values.Sum();
        if (unknownCount > 0)
            Console.WriteLine(string.Create(ci,
                $"excluded: {unknownCount} rows with unknown labels ({string.Join(", ", unknown.OrderByDescending(p => p.Value).Take(5).Select(p => $"'{p.Key}' x{p.Value}"))})"));
        Console.Write(Report(confusion, out var macroF1, out var accuracy));
        Console.WriteLine(string.Create(ci, $"macroF1={macroF1:0.0000} accuracy={accuracy:0.0000} n={examples.Count}"));
        return examples.Count == 0 ? 1 : 0;
    }

    internal static int ToClass(Verdict v) => v.Sentiment switch
    {
        Sentiment.Negative => 0,
        Sentiment.Neutral => 1,
        Sentiment.Positive => 2,
        _ => v.Scores.Positive > v.Scores.Negative ? 2 : 0,
    };

    internal static string Report(int[,] confusion, out double macroF1, out double accuracy)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("confusion matrix (rows = gold, columns = predicted):");
        sb.AppendLine(string.Create(ci, $"{"",-10}{GoldLabel.Names[0],10}{GoldLabel.Names[1],10}{GoldLabel.Names[2],10}"));
        var total = 0;
        var correct = 0;
        for (var g = 0; g < 3; g++)
        {
            sb.Append(string.Create(ci, $"{GoldLabel.Names[g],-10}"));
            for (var p = 0; p < 3; p++)
            {
                sb.Append(string.Create(ci, $"{confusion[g, p],10}"));
                total += confusion[g, p];
                if (g == p) correct += confusion[g, p];
            }
            sb.AppendLine();
        }
        sb.AppendLine(string.Create(ci, $"{"class",-10}{"precision",10}{"recall",10}{"f1",10}{"support",10}"));
        macroF1 = 0;
        for (var c = 0; c < 3; c++)
        {
            int tp = confusion[c, c], predicted = 0, gold = 0;
            for (var k = 0; k < 3; k++)
            {
                predicted += confusion[k, c];
                gold += confusion[c, k];
            }
            var precision = predicted == 0 ? 0 : (double)tp / predicted;
            var recall = gold == 0 ? 0 : (double)tp / gold;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            macroF1 += f1 / 3;
            sb.AppendLine(string.Create(ci, $"{GoldLabel.Names[c],-10}{precision,10:0.0000}{recall,10:0.0000}{f1,10:0.0000}{gold,10}"));
        }
        accuracy = total == 0 ? 0 : (double)correct / total;
        return sb.ToString();
    }
}
