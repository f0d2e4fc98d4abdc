using System.Text.Json;
using CallSentiment.Analysis.Onnx;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>How MIXED is decided (text-sentiment.json "mixed"): see <see cref="OfflineTextSentimentScorer.ToVerdict"/>.</summary>
public sealed record MixedRule
{
    /// <summary>Both the positive and the negative probability at least this → MIXED. Chosen on validation data.</summary>
    public required double Threshold { get; init; }
}

/// <summary>text-sentiment.json "lexical": the graph of the branches that read the text's own words (sparse hashed
/// n-grams, token CNNs); each output is one branch's mean probabilities.</summary>
public sealed record LexicalGraph
{
    public string Model { get; init; } = "text-lexical.onnx";

    public required string[] Outputs { get; init; }
}

/// <summary>text-sentiment.json "heads": the graph that reads the lexical outputs and the sentence embedding (inputs
/// by those names) and mixes them into the calibrated probabilities. The only file a retrain of the heads rewrites.</summary>
public sealed record HeadsGraph
{
    public string Model { get; init; } = "text-heads.onnx";

    public string Output { get; init; } = "probabilities";
}

/// <summary>
/// text-sentiment.json "agent" / "customer": how one role's words in a call are read. The training data (tweets,
/// reviews) wrote "sorry", "refund" and "I understand" as complaints, so an agent's apologies read as NEGATIVE, and
/// barely wrote a plain statement without an opinion, so a customer's "my card was declined" (or a misheard fragment)
/// reads as one; this small graph corrects the heads' probabilities from the sentence embedding, fitted on labelled
/// call lines of that role (models/training/fit_reading.py). It corrects those heads only: the card names their SHA-256.
/// </summary>
public sealed record SpeakerReading
{
    public required string Model { get; init; }

    public string ProbabilitiesInput { get; init; } = "probabilities";

    public string EmbeddingInput { get; init; } = "embedding";

    public required string Output { get; init; }

    /// <summary>SHA-256 of the heads file the reading was fitted on.</summary>
    public required string HeadsSha256 { get; init; }
}

/// <summary>text-sentiment.json, written by models/training/train_text.py (and split_text_model.py) beside the three
/// ONNX files it names.</summary>
public sealed record TextSentimentModelCard
{
    /// <summary>The model's output classes in order; must be NEGATIVE, NEUTRAL, POSITIVE.</summary>
    public required string[] Labels { get; init; }

    public required TextFeatureConfig Features { get; init; }

    public required MixedRule Mixed { get; init; }

    /// <summary>Softmax temperature fitted on validation data; already divided into the exported weights.</summary>
    public double Temperature { get; init; } = 1;

    public string IndicesInput { get; init; } = "indices";

    public string ValuesInput { get; init; } = "values";

    public required LexicalGraph Lexical { get; init; }

    public required HeadsGraph Heads { get; init; }

    /// <summary>The word-embedding branch's input and vocabulary; absent for a model made of sparse features only.</summary>
    public TokenBranch? Tokens { get; init; }

    /// <summary>The sentence-encoder branch's input and SentencePiece vocabulary; absent when the model has none.</summary>
    public EncoderBranch? Encoder { get; init; }

    /// <summary>The agent reading; absent when agents' words are read as anyone's.</summary>
    public SpeakerReading? Agent { get; init; }

    /// <summary>The customer reading; absent when customers' words are read as anyone's.</summary>
    public SpeakerReading? Customer { get; init; }

    /// <summary>The readings the card has, by the role they read.</summary>
    public IEnumerable<(TextSpeaker Speaker, SpeakerReading Reading)> Readings()
    {
        if (Agent is { } agent) yield return (TextSpeaker.Agent, agent);
        if (Customer is { } customer) yield return (TextSpeaker.Customer, customer);
    }
}

/// <summary>
/// The offline text-sentiment engine: <see cref="TextFeaturizer"/> (sparse features, and token rows for the
/// word-embedding branch when the card has one) and <see cref="SentencePieceTokenizer"/> (piece ids for the
/// sentence-encoder branch when the card has one) → three graphs in ONNX Runtime: the lexical branches and the frozen
/// sentence encoder, then the heads that mix them → NEGATIVE/NEUTRAL/POSITIVE probabilities → the MIXED rule → a
/// <see cref="Verdict"/> whose four scores sum to 1.
/// One instance serves the whole process: scoring is thread-safe.
/// </summary>
public sealed class OfflineTextSentimentScorer : ITextSentimentScorer, IDisposable
{
    public const string CardFile = "text-sentiment.json";
    private static readonly string[] ExpectedLabels = ["NEGATIVE", "NEUTRAL", "POSITIVE"];

    private readonly OnnxSession _lexical;
    private readonly OnnxSession? _encoder;
    private readonly OnnxSession _heads;
    private readonly Dictionary<TextSpeaker, (SpeakerReading Reading, OnnxSession Graph)> _readings;
    private readonly TextFeaturizer _featurizer;
    private readonly TokenVocabulary? _vocabulary;
    private readonly SentencePieceTokenizer? _pieces;

    private OfflineTextSentimentScorer(OnnxSession lexical, OnnxSession? encoder, OnnxSession heads, Dictionary<TextSpeaker, (SpeakerReading, OnnxSession)> readings,
        TextFeaturizer featurizer, TokenVocabulary? vocabulary, SentencePieceTokenizer? pieces, TextSentimentModelCard card)
    {
        _lexical = lexical;
        _encoder = encoder;
        _heads = heads;
        _readings = readings;
        _featurizer = featurizer;
        _vocabulary = vocabulary;
        _pieces = pieces;
        Card = card;
    }

    public string Name => "offline";

    /// <summary>English only: the model was trained on English text.</summary>
    public bool Reads(string languageCode) => TextLanguages.IsEnglish(languageCode);

    public TextSentimentModelCard Card { get; }

    public TextFeaturizer Featurizer => _featurizer;

    /// <summary>
    /// Loads text-sentiment.json and the files it names (lexicon, vocabularies, the lexical, encoder and heads graphs)
    /// from a folder (e.g. models/text-sentiment).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder lacks the card or a file it names.</exception>
    /// <exception cref="InvalidDataException">The card does not fit this featuriser or the ONNX graphs, or the encoder is not
    /// the one the heads were trained on.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime is missing or cannot load the model.</exception>
    public static OfflineTextSentimentScorer Load(string modelDirectory, OnnxSessionOptions? options = null)
    {
        var cardPath = Path.Combine(modelDirectory, CardFile);
        if (!File.Exists(cardPath)) throw new FileNotFoundException($"Text-sentiment model card not found: {cardPath}", cardPath);
        var card = JsonSerializer.Deserialize<TextSentimentModelCard>(File.ReadAllText(cardPath), TextFeatureConfig.JsonOptions)
            ?? throw new InvalidDataException($"{cardPath} is empty");
        if (!card.Labels.SequenceEqual(ExpectedLabels))
            throw new InvalidDataException($"{cardPath}: labels [{string.Join(",", card.Labels)}] must be [{string.Join(",", ExpectedLabels)}]");
        if (card.Mixed.Threshold is <= 0.25 or > 0.5)
            throw new InvalidDataException($"{cardPath}: mixed.threshold {card.Mixed.Threshold} must be in (0.25, 0.5]");
        card.Features.Validate(cardPath);
        var lexicon = SentimentLexicon.Load(Path.Combine(modelDirectory, card.Features.Lexicon));
        var featurizer = new TextFeaturizer(card.Features, lexicon);
        var vocabulary = card.Tokens is { } tokens
            ? TokenVocabulary.Load(Path.Combine(modelDirectory, tokens.Vocabulary), tokens.VocabularySha256)
            : null;
        if (card.Encoder is { MaxPieces: < 1 or > 4096 } e)
            throw new InvalidDataException($"{cardPath}: encoder.maxPieces {e.MaxPieces} must be in [1, 4096]");
        SentencePieceTokenizer? pieces = null;
        if (card.Encoder is { } encoder)
        {
            pieces = SentencePieceTokenizer.Load(Path.Combine(modelDirectory, encoder.Pieces), encoder.PiecesSha256);
            // the heads were trained on this encoder's embeddings: a different encoder file must not load silently
            VerifiedFile.Verify(Path.Combine(modelDirectory, encoder.Model), encoder.ModelSha256, "Sentence encoder");
        }
        foreach (var (speaker, reading) in card.Readings())
        {
            var role = speaker.ToString().ToLowerInvariant();
            if (card.Encoder is null)
                throw new InvalidDataException($"{cardPath}: {role} reads the sentence embedding, but the card has no encoder");
            VerifiedFile.Verify(Path.Combine(modelDirectory, card.Heads.Model), reading.HeadsSha256, $"Text heads the {role} reading was fitted on");
        }
        List<OnnxSession> sessions = [];
        try
        {
            var lexicalGraph = LoadGraph(modelDirectory, card.Lexical.Model, options, sessions);
            var encoderGraph = card.Encoder is null ? null : LoadGraph(modelDirectory, card.Encoder.Model, options, sessions);
            var headsGraph = LoadGraph(modelDirectory, card.Heads.Model, options, sessions);
            var readings = card.Readings().ToDictionary(r => r.Speaker, r => (r.Reading, LoadGraph(modelDirectory, r.Reading.Model, options, sessions)));
            var scorer = new OfflineTextSentimentScorer(lexicalGraph, encoderGraph, headsGraph, readings, featurizer, vocabulary, pieces, card);
            scorer.CheckDimension(modelDirectory);
            return scorer;
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }
    }

    private static OnnxSession LoadGraph(string modelDirectory, string file, OnnxSessionOptions? options, List<OnnxSession> loaded)
    {
        var path = Path.Combine(modelDirectory, file);
        if (!File.Exists(path)) throw new FileNotFoundException($"Text-sentiment model file not found: {path}", path);
        var session = OnnxSession.Load(path, options);
        loaded.Add(session);
        return session;
    }

    // The graphs gather weight rows by index: a weight matrix smaller than the feature space (or an embedding table
    // smaller than the vocabulary) would fail only on the first text that hits a high row, so probe the last rows now.
    // The same run checks that the three graphs fit together (names and shapes of what one hands the next).
    private void CheckDimension(string modelDirectory)
    {
        try
        {
            foreach (var speaker in _readings.Keys.Prepend(TextSpeaker.Unknown))
            {
                var p = Run([Card.Features.Dimension - 1], [0f], _vocabulary is null ? null : [_vocabulary.Count - 1],
                    _pieces is null ? null : [_pieces.Count - 1], speaker);
                if (p.Length != 3)
                    throw new InvalidDataException($"{(_readings.TryGetValue(speaker, out var r) ? r.Reading.Model : Card.Heads.Model)}: output has {p.Length} values, expected 3");
            }
        }
        catch (OnnxRuntimeException e)
        {
            var files = string.Join(", ", new[] { Card.Lexical.Model, Card.Encoder?.Model, Card.Heads.Model }.OfType<string>()
                .Concat(Card.Readings().Select(r => r.Reading.Model)));
            throw new InvalidDataException(
                $"{modelDirectory}: the graphs ({files}) do not accept the {Card.Features.Dimension} features{(_vocabulary is null ? "" : $", {_vocabulary.Count} tokens")}{(_pieces is null ? "" : $", {_pieces.Count} pieces")} text-sentiment.json describes, or do not fit together: {e.Message}", e);
        }
    }

    private float[] Run(long[] indices, float[] values, long[]? tokens, long[]? pieces, TextSpeaker speaker)
    {
        var branches = Branches(indices, values, tokens, pieces);
        var p = _heads.Run(branches, [Card.Heads.Output])[Card.Heads.Output].Floats;
        if (!_readings.TryGetValue(speaker, out var r)) return p;
        var (reading, graph) = r;
        var embedding = branches.Single(b => b.Name == Card.Encoder!.Output);
        return graph.Run([NamedTensor.Float(reading.ProbabilitiesInput, p, p.Length), embedding with { Name = reading.EmbeddingInput }],
            [reading.Output])[reading.Output].Floats;
    }

    // lexical branches and encoder, whose outputs the heads read by name
    private List<NamedTensor> Branches(long[] indices, float[] values, long[]? tokens, long[]? pieces)
    {
        List<NamedTensor> inputs = [NamedTensor.Int64(Card.IndicesInput, indices, indices.Length), NamedTensor.Float(Card.ValuesInput, values, values.Length)];
        if (tokens is not null) inputs.Add(NamedTensor.Int64(Card.Tokens!.Input, tokens, tokens.Length));
        List<NamedTensor> branches = [.. _lexical.Run(inputs, Card.Lexical.Outputs).Values];
        if (pieces is not null)
        {
            var encoder = Card.Encoder!;
            branches.Add(_encoder!.Run([NamedTensor.Int64(encoder.Input, pieces, pieces.Length)], [encoder.Output])[encoder.Output]);
        }
        return branches;
    }

    /// <summary>Calibrated probabilities in label order (NEGATIVE, NEUTRAL, POSITIVE); an agent's or a customer's words
    /// through that role's reading when the card has one.</summary>
    public float[] Probabilities(string text, TextSpeaker speaker = TextSpeaker.Unknown)
    {
        var (indices, values, tokens, pieces) = Inputs(text);
        return Run(indices, values, tokens, pieces, speaker);
    }

    /// <summary>
    /// What the heads graph reads for a text: each lexical branch's mean probabilities, then the sentence embedding
    /// (card order). export-text-branches writes them, so the heads can be retrained on exactly what serving computes.
    /// </summary>
    public IReadOnlyList<NamedTensor> Branches(string text)
    {
        var (indices, values, tokens, pieces) = Inputs(text);
        return Branches(indices, values, tokens, pieces);
    }

    private (long[] Indices, float[] Values, long[]? Tokens, long[]? Pieces) Inputs(string text)
    {
        var pieces = _pieces is null ? null : PieceIds(text);
        if (_vocabulary is null)
        {
            var f = _featurizer.Featurize(text);
            return (f.Indices, f.Values, null, pieces);
        }
        var (features, terms) = _featurizer.FeaturizeWithTerms(text);
        return (features.Indices, features.Values, _vocabulary.Ids(terms), pieces);
    }

    // the encoder reads the first MaxPieces pieces; a text without any is the unknown piece, so there is always one
    private long[] PieceIds(string text)
    {
        var ids = _pieces!.Encode(text, Card.Encoder!.MaxPieces);
        return ids.Length == 0 ? [SentencePieceTokenizer.UnknownId] : Array.ConvertAll(ids, i => (long)i);
    }

    public Verdict Score(string text, TextSpeaker speaker = TextSpeaker.Unknown) => ToVerdict(Probabilities(text, speaker), Card.Mixed.Threshold);

    /// <summary>
    /// The MIXED rule: when both the positive and the negative probability reach <paramref name="mixedThreshold"/>,
    /// MIXED gets their sum as its raw score and the four raw scores are renormalised to sum to 1 (MIXED is then the
    /// largest, since the threshold is above 0.25). Otherwise MIXED is 0 and the largest of the three wins.
    /// </summary>
    public static Verdict ToVerdict(ReadOnlySpan<float> p, double mixedThreshold)
    {
        double neg = p[0], neu = p[1], pos = p[2];
        var total = neg + neu + pos;
        (neg, neu, pos) = (neg / total, neu / total, pos / total);
        if (pos >= mixedThreshold && neg >= mixedThreshold)
        {
            var mixed = pos + neg;
            var sum = 1 + mixed;
            return new Verdict(Sentiment.Mixed, new SentimentScores(pos / sum, neg / sum, neu / sum, mixed / sum));
        }
        var label = pos >= neg && pos >= neu ? Sentiment.Positive : neg >= neu ? Sentiment.Negative : Sentiment.Neutral;
        return new Verdict(label, new SentimentScores(pos, neg, neu, 0));
    }

    /// <summary>Empty or blank texts are per-item errors (Comprehend rejects them too); language is not checked: the
    /// model is English-only.</summary>
    public Task<IReadOnlyList<TextSentimentResult>> ScoreAsync(IReadOnlyList<string> texts, string languageCode, TextSpeaker speaker, CancellationToken cancellationToken)
    {
        var results = new TextSentimentResult[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = string.IsNullOrWhiteSpace(texts[i])
                ? TextSentimentResult.Failed("text is empty")
                : new TextSentimentResult(Score(texts[i], speaker));
        }
        return Task.FromResult<IReadOnlyList<TextSentimentResult>>(results);
    }

    public void Dispose()
    {
        foreach (var (_, graph) in _readings.Values) graph.Dispose();
        _heads.Dispose();
        _encoder?.Dispose();
        _lexical.Dispose();
    }
}
