using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Cli.TextSentiment;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// evaluate-calls: the worker's analysis (<see cref="CallAnalyzer"/>: the same stages and fusion) on labelled recordings,
/// scored per stage (the voice alone, the words alone, the fused verdict) against the labels a person gave the
/// customer and the agent. The manifest is CSV with columns path, customer, agent (negative/neutral/positive; other
/// columns are kept for --where and --by). Each recording may have its sidecar JSON beside it (channel roles).
/// </summary>
internal static class EvaluateCallsCommand
{
    private static readonly string[] AllStages = ["voice", "text", "fused"];

    public static int Run(Args args)
    {
        var manifestPath = args.Required("manifest");
        var data = args.Get("data") ?? Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var stages = ParseStages(args.Get("stages"));
        var where = ParseWhere(args.Get("where"));
        var by = args.Get("by");
        var parallel = args.Int("parallel", 2, 1, 16);
        var cacheDir = args.Get("cache");
        var outPath = args.Get("out");
        var calls = LabelledCall.Read(manifestPath, where, by);
        if (calls.Count == 0) throw new UsageException($"{manifestPath}: no calls{(where.Count > 0 ? " match --where" : "")}");
        var withTranscript = stages.Contains("text") || stages.Contains("fused");
        using var pipeline = CallPipeline.Load(args, withTranscript, parallel, cacheDir);
        args.EnsureAllUsed();

        var ci = CultureInfo.InvariantCulture;
        var wall = Stopwatch.StartNew();
        var (analyses, failures) = CallBatch.Analyse(pipeline, cacheDir, calls, data, parallel,
            (call, a) => $"customer {a.Verdict.Sentiment.ToLabel()} (label {call.Customer.ToString().ToLowerInvariant()})");
        var results = analyses.Select(a => a is null ? null : CallOutcome.From(a)).ToArray();

        var failed = failures.Count(f => f is not null);
        Console.WriteLine(string.Create(ci, $"{calls.Count} labelled call(s) from {manifestPath}, {calls.Count - failed} analysed, {failed} failed, {wall.Elapsed.TotalSeconds:0} s"));
        for (var i = 0; i < calls.Count; i++)
            if (failures[i] is { } f) Console.WriteLine($"  failed: {calls[i].Path}: {f}");
        if (failed == calls.Count) return 1;
        if (!pipeline.HasTranscript) Console.WriteLine("(voice only: the transcript stage was not run, so the fused verdict is the voice's, as with Transcription:Engine=None)");

        var boards = stages.ToDictionary(s => s, _ => new CallScoreboard());
        var groups = new SortedDictionary<string, Dictionary<string, CallScoreboard>>(StringComparer.Ordinal);
        for (var i = 0; i < calls.Count; i++)
        {
            if (results[i] is not { } r) continue;
            foreach (var s in stages)
            {
                var (customer, agent) = r.For(s);
                boards[s].Add(calls[i].Customer, customer, calls[i].Agent, agent);
                if (calls[i].Group is { } g)
                {
                    if (!groups.TryGetValue(g, out var perStage)) groups[g] = perStage = stages.ToDictionary(x => x, _ => new CallScoreboard());
                    perStage[s].Add(calls[i].Customer, customer, calls[i].Agent, agent);
                }
            }
        }

        var queue = new CallScoreboard();
        var confident = new CallScoreboard();
        var low = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            if (results[i] is not { } r) continue;
            queue.Add(calls[i].Customer, r.ForRecovery ? Sentiment.Negative : Sentiment.Neutral, null, null);
            if (r.LowConfidence) low++;
            else confident.Add(calls[i].Customer, r.Fused.Sentiment, null, null);
        }

        foreach (var s in stages)
        {
            var b = boards[s];
            Console.WriteLine();
            Console.WriteLine(string.Create(ci, $"stage {s} ({StageDescription(s)}): customers n={b.Count}"));
            Console.WriteLine(string.Create(ci,
                $"  accuracy {F(b.Accuracy)}  macro-F1 {F(b.MacroF1)}  negative recall {F(b.NegativeRecall)}  negative precision {F(b.NegativePrecision)}  false alarms {F(b.FalseAlarm)}"));
            Console.WriteLine(string.Create(ci, $"  agents judged NEGATIVE {F(b.AgentNegative)} (n={b.AgentsJudged}), agent accuracy {F(b.AgentAccuracy)}"));
            Console.Write(b.ConfusionTable("  "));
            if (s == "fused" && pipeline.HasTranscript)
            {
                Console.WriteLine(string.Create(ci, $"  low-confidence verdicts {low} of {b.Count}; accuracy of the others {F(confident.Accuracy)} (n={confident.Count})"));
                Console.WriteLine(string.Create(ci,
                    $"  QA queue (NEGATIVE, low-confidence only when strongly negative): negative recall {F(queue.NegativeRecall)}, false alarms {F(queue.FalseAlarm)}, precision {F(queue.NegativePrecision)}"));
            }
        }
        if (groups.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"customer accuracy by {by} (negative recall / false alarms):");
            Console.WriteLine("  " + $"{by,-22}{"n",5}" + string.Concat(stages.Select(s => $"{s,22}")));
            foreach (var (g, perStage) in groups)
                Console.WriteLine(string.Create(ci, $"  {g,-22}{perStage[stages[0]].Count,5}") +
                    string.Concat(stages.Select(s => string.Create(ci, $"{$"{F(perStage[s].Accuracy)} ({F(perStage[s].NegativeRecall)}/{F(perStage[s].FalseAlarm)})",22}"))));
        }
        if (outPath is not null) WritePredictions(outPath, calls, results, failures);

        var final = boards[stages.Contains("fused") ? "fused" : stages[^1]];
        Console.WriteLine();
        Console.WriteLine(string.Create(ci,
            $"customerAcc={F(final.Accuracy)} negRecall={F(final.NegativeRecall)} falseAlarm={F(final.FalseAlarm)} agentNeg={F(final.AgentNegative)} n={final.Count}"));
        return 0;
    }

    private static string StageDescription(string stage) => stage switch
    {
        "voice" => "the voice alone",
        "text" => "the words alone",
        _ => "the verdict the product stores",
    };

    // One line per call, so the predictions file is itself a manifest calibrate reads (customer_evidence).
    private static readonly JsonSerializerOptions CompactJson = new(FusionModel.Json) { WriteIndented = false };

    private static void WritePredictions(string path, List<LabelledCall> calls, CallOutcome?[] results, string?[] failures)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("path,customer,agent,voice,text,fused,fusedConfidence,agentVoice,agentText,agentFused,lowConfidence,queued,error,customer_evidence,customer_transcript\n");
        for (var i = 0; i < calls.Count; i++)
        {
            var c = calls[i];
            sb.Append(Csv(c.Path)).Append(',').Append(Lower(c.Customer)).Append(',').Append(c.Agent is { } a ? Lower(a) : "").Append(',');
            if (results[i] is { } r)
                sb.Append(ci, $"{r.Voice.Sentiment.ToLabel()},{r.Text.Sentiment.ToLabel()},{r.Fused.Sentiment.ToLabel()},{r.Fused.Confidence:0.###},")
                  .Append(ci, $"{r.AgentVoice?.Sentiment.ToLabel()},{r.AgentText?.Sentiment.ToLabel()},{r.AgentFused?.Sentiment.ToLabel()},")
                  .Append(r.LowConfidence ? "true," : "false,").Append(r.ForRecovery ? "true," : "false,").Append(',')
                  .Append(r.CustomerEvidence is { } e ? Csv(JsonSerializer.Serialize(e, CompactJson)) : "").Append(',')
                  .Append(Csv(r.CustomerTranscript)).Append('\n');
            else sb.Append(",,,,,,,,,").Append(Csv(failures[i] ?? "")).Append(",,\n");
        }
        File.WriteAllText(path, sb.ToString());
    }

    private static string Lower(CallLabel l) => l.ToString().ToLowerInvariant();

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", CultureInfo.InvariantCulture);

    private static string[] ParseStages(string? value)
    {
        if (value is null) return AllStages;
        var stages = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var s in stages)
            if (!AllStages.Contains(s)) throw new UsageException($"--stages: unknown stage '{s}' (voice, text, fused)");
        return stages.Length == 0 ? throw new UsageException("--stages names no stage") : AllStages.Where(stages.Contains).ToArray();
    }

    public static Dictionary<string, string> ParseWhere(string? value)
    {
        var where = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (value is null) return where;
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--where: '{part}' is not column=value");
            where[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return where;
    }
}

/// <summary>
/// One row of a call manifest. <paramref name="Evidence"/>: the stored <see cref="FusionEvidence"/> of the customer
/// (column <c>customer_evidence</c> of a manifest exported from QA corrections), which calibrate can use without the audio.
/// </summary>
internal sealed record LabelledCall(string Path, CallLabel Customer, CallLabel? Agent, string? Group, string? Evidence = null)
{
    public static List<LabelledCall> Read(string manifest, IReadOnlyDictionary<string, string> where, string? groupColumn)
    {
        var table = TextTable.Read(manifest);
        int path = table.Column("path"), customer = table.Column("customer");
        var agent = Array.FindIndex(table.Header, h => string.Equals(h.Trim(), "agent", StringComparison.OrdinalIgnoreCase));
        var filters = where.Select(w => (Column: table.Column(w.Key), w.Value)).ToList();
        var group = groupColumn is null ? -1 : table.Column(groupColumn);
        var evidence = Array.FindIndex(table.Header, h => string.Equals(h.Trim(), "customer_evidence", StringComparison.OrdinalIgnoreCase));
        var calls = new List<LabelledCall>();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            string Cell(int i) => i >= 0 && i < row.Length ? row[i].Trim() : "";
            if (row.All(string.IsNullOrWhiteSpace)) continue;
            if (filters.Any(f => !string.Equals(Cell(f.Column), f.Value, StringComparison.OrdinalIgnoreCase))) continue;
            var line = r + 2;
            calls.Add(new LabelledCall(Cell(path), Label(Cell(customer), manifest, line, "customer") ?? throw new UsageException(
                $"{manifest}:{line}: the customer label is empty (negative, neutral or positive)"),
                Label(Cell(agent), manifest, line, "agent"), group >= 0 ? Cell(group) : null, Cell(evidence) is { Length: > 0 } e ? e : null));
        }
        return calls;
    }

    private static CallLabel? Label(string value, string file, int line, string column) => value.ToLowerInvariant() switch
    {
        "" => null,
        "negative" => CallLabel.Negative,
        "neutral" => CallLabel.Neutral,
        "positive" => CallLabel.Positive,
        _ => throw new UsageException($"{file}:{line}: {column} label '{value}' is not negative, neutral or positive"),
    };
}

/// <summary>
/// What each stage said about the customer and the agent of one call (no evidence: NEUTRAL, as the product shows it),
/// whether the fused verdict is low-confidence and whether the call would enter the QA queue.
/// </summary>
internal sealed record CallOutcome(Verdict Voice, Verdict Text, Verdict Fused, Verdict? AgentVoice, Verdict? AgentText, Verdict? AgentFused,
    bool LowConfidence = false, bool ForRecovery = false, FusionEvidence? CustomerEvidence = null, string CustomerTranscript = "")
{
    private static readonly Verdict Nothing = new(Sentiment.Neutral, new SentimentScores(0, 0, 1, 0));

    public static CallOutcome From(CallAnalysis a)
    {
        var customer = a.Conversation?.Customer;
        var agent = a.Conversation?.Agent;
        var customerVoice = customer?.Mood?.Voice
            ?? a.Stages.FirstOrDefault(s => s.Stage == VoiceEmotionStage.StageName)?.Verdict;
        var agentChannel = a.Channels.FirstOrDefault(c => c.Role == Roles.Agent);
        var agentVoice = agent?.Mood?.Voice ?? (agentChannel is null ? null : VoiceVerdict.FromTimeline(agentChannel.Windows));
        var hasAgent = agent is not null || agentChannel is not null;
        return new CallOutcome(customerVoice ?? Nothing, customer?.Mood?.Text ?? Nothing, a.Verdict,
            hasAgent ? agentVoice ?? Nothing : null,
            hasAgent ? agent?.Mood?.Text ?? Nothing : null,
            hasAgent ? agent?.Mood?.Fused ?? agentVoice ?? Nothing : null, a.LowConfidence, a.ForRecovery, customer?.Mood?.Evidence,
            Transcript(a.Conversation, customer));
    }

    // What the recogniser heard from the customer, chunk by chunk with its mean word confidence and the words' reading,
    // so a misread verdict can be traced to the words behind it: "[0.41 NEGATIVE] text | [0.80 NEUTRAL] text".
    private static string Transcript(ConversationResult? conversation, SpeakerResult? customer) => conversation is null || customer is null ? ""
        : string.Join(" | ", conversation.Chunks.Where(c => c.Speaker == customer.Speaker).Select(c => string.Create(CultureInfo.InvariantCulture,
            $"[{c.Confidence:0.00} {c.Verdict?.Sentiment.ToLabel() ?? "not scored"}] {c.Text}")));

    public (Sentiment Customer, Sentiment? Agent) For(string stage) => stage switch
    {
        "voice" => (Voice.Sentiment, AgentVoice?.Sentiment),
        "text" => (Text.Sentiment, AgentText?.Sentiment),
        _ => (Fused.Sentiment, AgentFused?.Sentiment),
    };
}
