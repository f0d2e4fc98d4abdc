using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Cli.TextSentiment;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public sealed class OfflineTextSentimentScorerTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(Paths.Root, "models", "text-sentiment");
    private readonly OfflineTextSentimentScorer _scorer = OfflineTextSentimentScorer.Load(ModelDir);

    public void Dispose() => _scorer.Dispose();

    [Theory]
    [InlineData("en-US", true)]
    [InlineData("EN_gb", true)]
    [InlineData("en", true)]
    [InlineData("de", false)]
    [InlineData("und", false)]
    [InlineData("", false)]
    public void Reads_Language_EnglishOnly(string tag, bool expected) => Assert.Equal(expected, _scorer.Reads(tag));

    [Theory]
    [InlineData("Thank you so much, you were really helpful and the problem is solved!", Sentiment.Positive)]
    [InlineData("This is the worst service ever, I am furious and I want to cancel.", Sentiment.Negative)]
    [InlineData("My account number is four five six and I live in Leeds.", Sentiment.Neutral)]
    public void Score_ObviousSentence_GetsTheRightLabel(string text, Sentiment expected)
    {
        var v = _scorer.Score(text);
        Assert.Equal(expected, v.Sentiment);
        Assert.Equal(1.0, v.Scores.Positive + v.Scores.Negative + v.Scores.Neutral + v.Scores.Mixed, 5);
    }

    [Fact]
    public async Task ScoreAsync_Batch_OneResultPerTextAndEmptyTextIsAnItemError()
    {
        var results = await _scorer.ScoreAsync(["great job", "  ", "terrible"], "en", TextSpeaker.Unknown, CancellationToken.None);
        Assert.Equal(3, results.Count);
        Assert.Equal(Sentiment.Positive, results[0].Verdict!.Sentiment);
        Assert.Null(results[1].Verdict);
        Assert.Equal("text is empty", results[1].Error);
        Assert.Equal(Sentiment.Negative, results[2].Verdict!.Sentiment);
    }

    [Fact]
    public void Score_ManyThreads_SameAnswersAsSequential()
    {
        var texts = Enumerable.Range(0, 400).Select(i => (i % 4) switch
        {
            0 => $"flight {i} was delayed again, awful",
            1 => $"thanks for the upgrade on flight {i}!",
            2 => $"what time does flight {i} board?",
            _ => $"love the crew but hate the delays {i}",
        }).ToArray();
        var sequential = texts.Select(t => _scorer.Score(t)).ToArray();
        var parallel = new Verdict[texts.Length];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = _scorer.Score(texts[i]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void ToVerdict_BothPolesAboveThreshold_IsMixedAndSumsToOne()
    {
        var v = OfflineTextSentimentScorer.ToVerdict([0.45f, 0.1f, 0.45f], 0.3);
        Assert.Equal(Sentiment.Mixed, v.Sentiment);
        Assert.Equal(0.9 / 1.9, v.Scores.Mixed, 6);
        Assert.Equal(1.0, v.Scores.Positive + v.Scores.Negative + v.Scores.Neutral + v.Scores.Mixed, 9);
        Assert.True(v.Scores.Mixed > v.Scores.Positive && v.Scores.Mixed > v.Scores.Neutral);

        var one = OfflineTextSentimentScorer.ToVerdict([0.2f, 0.1f, 0.7f], 0.3);
        Assert.Equal(Sentiment.Positive, one.Sentiment);
        Assert.Equal(0, one.Scores.Mixed);
    }

    [Fact]
    public void Load_MissingModelFolder_SaysWhichFileIsMissing()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("text-sentiment.json", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The held-out 20 % of the airline tweets (per label, ordered by FNV-1a of the tweet id; the same rule as
    /// models/training/text_datasets.py): the model was never trained or tuned on them and must keep its macro-F1 floor:
    /// the figure measured when it was trained (models/text-sentiment/metrics.json, 0.7809) less 0.02.
    /// </summary>
    [Fact]
    public void Score_AirlineHeldOutSplit_ReachesTheMacroF1Floor()
    {
        var table = TextTable.Read(Paths.Dataset("text/airline/train.csv"));
        int id = table.Column("tweet_id"), label = table.Column("airline_sentiment"), text = table.Column("text");
        var confusion = new int[3, 3];
        var n = 0;
        foreach (var group in table.Rows.GroupBy(r => GoldLabel.Parse(r[label])))
        {
            var ordered = group.OrderBy(r => TextFeaturizer.Fnv1a(System.Text.Encoding.UTF8.GetBytes(r[id])))
                .ThenBy(r => r[id], StringComparer.Ordinal).ToList();
            foreach (var row in ordered.Take(ordered.Count * 20 / 100))
            {
                confusion[group.Key, EvaluateTextCommand.ToClass(_scorer.Score(row[text]))]++;
                n++;
            }
        }
        EvaluateTextCommand.Report(confusion, out var macroF1, out _);
        Assert.Equal(2307, n);
        Assert.True(macroF1 >= 0.7609, $"macro-F1 {macroF1:0.0000} on the airline held-out split is below the 0.7609 floor");
    }

    /// <summary>
    /// Training and serving agree end to end (tokenizer, vocabulary, hashed features, graph, temperature): train_text.py
    /// stores, for a few validation tweets, the SHA-256 of the text and the probabilities the trained members give;
    /// the tweets are found by that hash in the dataset and scored through the product's path.
    /// </summary>
    [Fact]
    public void Probabilities_TrainingChecks_AreReproducedByTheServingPath()
    {
        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, OfflineTextSentimentScorer.CardFile)));
        var checks = card.RootElement.GetProperty("training").GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("source").GetString() == "airline").ToList();
        Assert.True(checks.Count >= 3, "the card holds fewer than 3 airline checks");
        var table = TextTable.Read(Paths.Dataset("text/airline/train.csv"));
        var text = table.Column("text");
        var byHash = table.Rows.Select(r => r[text]).Distinct()
            .ToDictionary(t => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(t))));
        foreach (var check in checks)
        {
            var tweet = byHash[check.GetProperty("textSha256").GetString()!];
            var expected = check.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            var actual = _scorer.Probabilities(tweet);
            for (var k = 0; k < 3; k++)
                Assert.True(Math.Abs(expected[k] - actual[k]) < 1e-3,
                    $"class {k}: served {actual[k]:0.00000}, trained {expected[k]:0.00000} for \"{tweet}\"");
        }
    }

    /// <summary>The graphs are cut where the heads read: each lexical branch's mean probabilities and the unit sentence
    /// embedding (after the encoder's L2 normalisation), the inputs a retrain of the heads is trained on.</summary>
    [Fact]
    public void Branches_AreTheBranchProbabilitiesAndTheUnitEmbedding()
    {
        var branches = _scorer.Branches("I am sorry to hear that. Let me look at your account.");
        Assert.Equal([.. _scorer.Card.Lexical.Outputs, _scorer.Card.Encoder!.Output], branches.Select(b => b.Name));
        foreach (var lexical in branches.SkipLast(1))
        {
            Assert.Equal(3, lexical.Floats.Length);
            Assert.Equal(1.0, lexical.Floats.Sum(), 5);
        }
        var embedding = branches[^1].Floats;
        Assert.Equal(512, embedding.Length);
        Assert.Equal(1.0, Math.Sqrt(embedding.Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void Load_VocabularyChangedAfterTraining_IsRefused()
    {
        using var dir = CopyOfModel();
        File.AppendAllText(Path.Combine(dir.Path, "vocabulary.txt"), "extra\n");
        var e = Assert.Throws<InvalidDataException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("vocabulary.txt", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The heads were trained on the frozen encoder's embeddings: another or a damaged encoder file would load
    /// and score, wrongly, so its SHA-256 (in the card) is checked first.</summary>
    [Fact]
    public void Load_EncoderFileChanged_IsRefusedNamingTheFile()
    {
        using var dir = CopyOfModel();
        var encoder = Path.Combine(dir.Path, _scorer.Card.Encoder!.Model);
        var bytes = File.ReadAllBytes(encoder);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(encoder, bytes);
        var e = Assert.Throws<InvalidDataException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("text-encoder.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HeadsFileMissing_SaysWhichFileIsMissing()
    {
        using var dir = CopyOfModel();
        File.Delete(Path.Combine(dir.Path, _scorer.Card.Heads.Model));
        var e = Assert.Throws<FileNotFoundException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("text-heads.onnx", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The heads read the lexical graph's and the encoder's outputs by name and shape; graphs that do not fit
    /// together (here the lexical graph where the heads belong) are refused at load, not on the first call.</summary>
    [Fact]
    public void Load_GraphsThatDoNotFitTogether_AreRefused()
    {
        using var dir = CopyOfModel(withoutAgentReading: true);
        File.Copy(Path.Combine(dir.Path, _scorer.Card.Lexical.Model), Path.Combine(dir.Path, _scorer.Card.Heads.Model), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("do not fit together", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The agent reading on the agent lines of the nine call scenarios it was never fitted on
    /// (models/training/conversational/lines.csv, split "test"), through the product's path: polite lines (apologies,
    /// refunds, empathy, labelled neutral or positive) are rarely NEGATIVE (the bound: 5 %), and rude ones still
    /// are, which a constant shift of the agent's log-odds could not do (0 of 10). The same lines read as anyone's words
    /// show what it fixes: a third of the polite ones read as complaints.
    /// </summary>
    [Fact]
    public void Score_AgentLinesOfUnseenScenarios_PoliteRarelyNegativeAndRudeStillCaught()
    {
        var table = TextTable.Read(Path.Combine(Paths.Root, "models", "training", "conversational", "lines.csv"));
        int text = table.Column("text"), label = table.Column("label"), role = table.Column("role"), split = table.Column("split");
        var lines = table.Rows.Where(r => r[role] == "agent" && r[split] == "test").ToList();
        var polite = lines.Where(r => r[label] != "negative").Select(r => r[text]).ToList();
        var rude = lines.Where(r => r[label] == "negative").Select(r => r[text]).ToList();
        Assert.Equal((135, 10), (polite.Count, rude.Count));
        static bool Negative(Verdict v) => EvaluateTextCommand.ToClass(v) == 0;
        var politeNegative = polite.Count(t => Negative(_scorer.Score(t, TextSpeaker.Agent)));
        var rudeNegative = rude.Count(t => Negative(_scorer.Score(t, TextSpeaker.Agent)));
        var politeNegativeAsAnyone = polite.Count(t => Negative(_scorer.Score(t)));
        Assert.True(politeNegative <= 6, $"{politeNegative} of 135 polite agent lines judged NEGATIVE (bound 5 %: 6)");
        Assert.True(rudeNegative >= 5, $"only {rudeNegative} of 10 rude agent lines judged NEGATIVE");
        Assert.True(politeNegativeAsAnyone >= 34, $"read as anyone's words, {politeNegativeAsAnyone} of 135 polite lines are NEGATIVE");
    }

    [Theory]
    [InlineData("I am sorry to hear that. Let me look at your account.")]
    [InlineData("This is the worst service ever, I am furious and I want to cancel.")]
    public void Score_CustomerWords_NotTouchedByTheAgentReading(string text)
    {
        Assert.Equal(_scorer.Probabilities(text), _scorer.Probabilities(text, TextSpeaker.Customer));
        Assert.NotEqual(_scorer.Probabilities(text), _scorer.Probabilities(text, TextSpeaker.Agent));
    }

    [Fact]
    public async Task ScoreAsync_AgentApology_ReadAsServiceNotComplaint()
    {
        const string apology = "I am sorry to hear that. Let me look at your account.";
        var asAgent = await _scorer.ScoreAsync([apology], "en", TextSpeaker.Agent, CancellationToken.None);
        var asCustomer = await _scorer.ScoreAsync([apology], "en", TextSpeaker.Customer, CancellationToken.None);
        Assert.Equal(Sentiment.Negative, asCustomer[0].Verdict!.Sentiment);
        Assert.NotEqual(Sentiment.Negative, asAgent[0].Verdict!.Sentiment);
    }

    /// <summary>The agent reading corrects the probabilities of the heads it was fitted on; after a retrain of the heads
    /// it would correct the wrong numbers, so the heads' SHA-256 in its record is checked.</summary>
    [Fact]
    public void Load_AgentReadingFittedOnOtherHeads_IsRefused()
    {
        using var dir = CopyOfModel();
        var card = Path.Combine(dir.Path, OfflineTextSentimentScorer.CardFile);
        File.WriteAllText(card, File.ReadAllText(card).Replace(_scorer.Card.Agent!.HeadsSha256, new string('0', 64), StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("text-heads.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AgentGraphThatDoesNotFit_IsRefusedAtLoad()
    {
        using var dir = CopyOfModel();
        File.Copy(Path.Combine(dir.Path, _scorer.Card.Lexical.Model), Path.Combine(dir.Path, _scorer.Card.Agent!.Model), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => OfflineTextSentimentScorer.Load(dir.Path));
        Assert.Contains("do not fit together", e.Message, StringComparison.Ordinal);
        Assert.Contains("text-agent.onnx", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A card may name a reading per role; a customer's words go through the customer reading (here the agent
    /// graph named a second time, so the two roles must read alike) and nobody else's do.</summary>
    [Fact]
    public void Load_CardWithCustomerReading_ReadsCustomerWordsThroughIt()
    {
        using var dir = CopyOfModel();
        var card = Path.Combine(dir.Path, OfflineTextSentimentScorer.CardFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(card))!.AsObject();
        json["customer"] = json["agent"]!.DeepClone();
        File.WriteAllText(card, json.ToJsonString());
        using var scorer = OfflineTextSentimentScorer.Load(dir.Path);
        const string text = "I have been on hold for forty minutes.";
        Assert.Equal(scorer.Probabilities(text, TextSpeaker.Agent), scorer.Probabilities(text, TextSpeaker.Customer));
        Assert.NotEqual(scorer.Probabilities(text), scorer.Probabilities(text, TextSpeaker.Customer));
        Assert.Equal(_scorer.Probabilities(text), scorer.Probabilities(text));
    }

    private static TempDir CopyOfModel(bool withoutAgentReading = false)
    {
        var dir = new TempDir();
        foreach (var file in Directory.GetFiles(ModelDir))
            File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
        if (withoutAgentReading)
        {
            var card = Path.Combine(dir.Path, OfflineTextSentimentScorer.CardFile);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(card))!.AsObject();
            json.Remove("agent");
            File.WriteAllText(card, json.ToJsonString());
        }
        return dir;
    }
}
