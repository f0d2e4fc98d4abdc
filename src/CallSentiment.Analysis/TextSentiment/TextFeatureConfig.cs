using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallSentiment.Analysis.TextSentiment;

/// <summary>
/// How text becomes sparse features. Written by export-text-features beside the exported data, copied into
/// text-sentiment.json by the training script, and checked when the model loads: a model only ever sees features made
/// the way it was trained.
/// </summary>
public sealed record TextFeatureConfig
{
    /// <summary>Featuriser algorithm version; bump it whenever tokenisation, hashing or a dense feature changes.</summary>
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Hashed features fall in [0, 2^HashBits); dense lexicon features follow at 2^HashBits + k.</summary>
    public int HashBits { get; init; } = 18;

    public int[] WordNgrams { get; init; } = [1, 2];

    public int[] CharNgrams { get; init; } = [2, 5];

    public string Hash { get; init; } = "fnv1a32-xorfold";

    /// <summary>Lexicon file (token TAB valence on −4..+4), relative to the config file's folder.</summary>
    public string Lexicon { get; init; } = "lexicon.tsv";

    /// <summary>SHA-256 (hex) of the lexicon file, so a changed lexicon is caught instead of silently drifting.</summary>
    public string? LexiconSha256 { get; init; }

    public string[] DenseFeatures { get; init; } = [.. TextFeaturizer.DenseFeatureNames];

    [JsonIgnore]
    public int HashSize => 1 << HashBits;

    /// <summary>Rows of the model's weight matrix: hashed space plus dense features.</summary>
    [JsonIgnore]
    public int Dimension => HashSize + DenseFeatures.Length;

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
    };

    /// <exception cref="InvalidDataException">The config asks for something this featuriser does not do.</exception>
    public void Validate(string source)
    {
        if (Version != CurrentVersion)
            throw new InvalidDataException($"{source}: feature version {Version} is not supported (this build featurises version {CurrentVersion}); retrain the model");
        if (HashBits is < 10 or > 24) throw new InvalidDataException($"{source}: hashBits {HashBits} is outside 10..24");
        if (Hash != "fnv1a32-xorfold") throw new InvalidDataException($"{source}: unknown hash '{Hash}' (expected fnv1a32-xorfold)");
        CheckRange(WordNgrams, "wordNgrams", 1, 4, source);
        CheckRange(CharNgrams, "charNgrams", 1, 8, source);
        if (!DenseFeatures.SequenceEqual(TextFeaturizer.DenseFeatureNames))
            throw new InvalidDataException(
                $"{source}: dense features [{string.Join(",", DenseFeatures)}] differ from this featuriser's [{string.Join(",", TextFeaturizer.DenseFeatureNames)}]");
    }

    private static void CheckRange(int[] range, string name, int min, int max, string source)
    {
        if (range.Length != 2 || range[0] < min || range[1] > max || range[0] > range[1])
            throw new InvalidDataException($"{source}: {name} must be [from, to] within {min}..{max} (got [{string.Join(",", range)}])");
    }

    public static TextFeatureConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Text feature config not found: {path}", path);
        var config = JsonSerializer.Deserialize<TextFeatureConfig>(File.ReadAllText(path), JsonOptions)
            ?? throw new InvalidDataException($"{path} is empty");
        config.Validate(path);
        return config;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
