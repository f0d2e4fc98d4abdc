using System.Text.Json;
using System.Text.Json.Serialization;
using CallSentiment.Analysis.Features;
using CallSentiment.Analysis.Onnx;

namespace CallSentiment.Analysis.SpeechEmotion;

public enum Valence
{
    Negative,
    Neutral,
    Positive,
}

/// <summary>The model's description (model.json beside the .onnx file), written by models/training/train_ser.py.</summary>
public sealed record SpeechEmotionModelCard
{
    public required string[] Labels { get; init; }
    public required int WindowFrames { get; init; }
    public required int HopFrames { get; init; }
    public required FeatureConfig Features { get; init; }
    public string Input { get; init; } = "features";
    public string Output { get; init; } = "probabilities";
    public required Dictionary<string, string[]> Valence { get; init; }

    /// <summary>
    /// Dataset labels the model folds into one of its own (e.g. calm → neutral), so a manifest with the corpus's
    /// original labels can be scored as the model was trained.
    /// </summary>
    public Dictionary<string, string> Aliases { get; init; } = new();
}

/// <summary>
/// The speech-emotion CNN with its feature configuration and label/valence mapping. Thread-safe: one instance
/// serves every analysis in the process.
/// </summary>
public sealed class SpeechEmotionModel : IDisposable
{
    public const string OnnxFile = "speech-emotion.onnx";
    public const string CardFile = "model.json";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly OnnxSession _session;
    private readonly Valence[] _valence;

    private SpeechEmotionModel(OnnxSession session, SpeechEmotionModelCard card)
    {
        _session = session;
        Card = card;
        _valence = new Valence[card.Labels.Length];
        for (var i = 0; i < card.Labels.Length; i++)
        {
            var label = card.Labels[i];
            _valence[i] = card.Valence.TryGetValue("negative", out var neg) && neg.Contains(label) ? Valence.Negative
                : card.Valence.TryGetValue("positive", out var pos) && pos.Contains(label) ? Valence.Positive
                : Valence.Neutral;
        }
    }

    public SpeechEmotionModelCard Card { get; }

    public IReadOnlyList<string> Labels => Card.Labels;

    public FeatureConfig Features => Card.Features;

    public Valence ValenceOf(int labelIndex) => _valence[labelIndex];

    /// <summary>The index of a dataset label among the model's labels, through <see cref="SpeechEmotionModelCard.Aliases"/>; -1 when the model has no such label.</summary>
    public int IndexOfLabel(string label) =>
        Array.IndexOf(Card.Labels, Card.Aliases.TryGetValue(label, out var target) ? target : label);

    /// <summary>Loads model.json and speech-emotion.onnx from a folder (e.g. models/speech-emotion).</summary>
    public static SpeechEmotionModel Load(string folder, OnnxSessionOptions? options = null)
    {
        var cardPath = Path.Combine(folder, CardFile);
        if (!File.Exists(cardPath)) throw new FileNotFoundException($"Speech-emotion model card not found: {cardPath}", cardPath);
        var card = JsonSerializer.Deserialize<SpeechEmotionModelCard>(File.ReadAllText(cardPath), JsonOptions)
            ?? throw new InvalidDataException($"{cardPath} is empty");
        card.Features.Validate();
        if (card.WindowFrames < 8 || card.HopFrames < 1 || card.HopFrames > card.WindowFrames)
            throw new InvalidDataException($"{cardPath}: windowFrames/hopFrames {card.WindowFrames}/{card.HopFrames} are inconsistent");
        var session = OnnxSession.Load(Path.Combine(folder, OnnxFile), options);
        try
        {
            var input = session.Inputs.SingleOrDefault(i => i.Name == card.Input)
                ?? throw new InvalidDataException($"{OnnxFile} has no input '{card.Input}'");
            if (input.Shape.Length != 3 || input.Shape[1] != card.WindowFrames || input.Shape[2] != card.Features.Dim)
                throw new InvalidDataException(
                    $"{OnnxFile} input shape [{string.Join(",", input.Shape)}] does not match model.json (window {card.WindowFrames} x dim {card.Features.Dim})");
            return new SpeechEmotionModel(session, card);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Probabilities for a batch of windows. <paramref name="windows"/> holds <paramref name="count"/> windows of
    /// WindowFrames × Dim raw features; they are normalised here, in place, as model.json says.
    /// </summary>
    public float[] Predict(float[] windows, int count)
    {
        var frames = Card.WindowFrames;
        var dim = Features.Dim;
        if (windows.Length != count * frames * dim)
            throw new ArgumentException($"expected {count} x {frames} x {dim} values, got {windows.Length}", nameof(windows));
        for (var w = 0; w < count; w++) Normalize(windows.AsSpan(w * frames * dim, frames * dim), frames, dim, Features);
        var output = _session.Run([NamedTensor.Float(Card.Input, windows, count, frames, dim)], [Card.Output]);
        return output[Card.Output].Floats;
    }

    // Hot loop: compile fully optimised at once instead of starting in tier 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void Normalize(Span<float> window, int frames, int dim, FeatureConfig config)
    {
        if (config.Normalization == FeatureNormalization.None) return;
        Span<double> mean = stackalloc double[dim];
        Span<double> sq = stackalloc double[dim];
        for (var t = 0; t < frames; t++)
        {
            var row = window.Slice(t * dim, dim);
            for (var d = 0; d < dim; d++)
            {
                mean[d] += row[d];
                sq[d] += (double)row[d] * row[d];
            }
        }
        Span<float> sub = stackalloc float[dim];
        Span<float> mul = stackalloc float[dim];
        for (var d = 0; d < dim; d++)
        {
            var m = mean[d] / frames;
            sub[d] = (float)m;
            if (config.Normalization == FeatureNormalization.WindowMeanVariance)
            {
                var variance = Math.Max(sq[d] / frames - m * m, 1e-10);
                mul[d] = (float)(1 / Math.Sqrt(variance));
            }
            else
            {
                mul[d] = (float)config.Scale;
            }
        }
        for (var t = 0; t < frames; t++)
        {
            var row = window.Slice(t * dim, dim);
            for (var d = 0; d < dim; d++) row[d] = (row[d] - sub[d]) * mul[d];
        }
    }

    public void Dispose() => _session.Dispose();
}
