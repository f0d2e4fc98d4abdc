using System.Text;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public class TextFeaturizerTests
{
    private static readonly TextFeaturizer Featurizer = new(new TextFeatureConfig(),
        SentimentLexicon.Load(Path.Combine(Paths.Root, "models", "text-sentiment", "lexicon.tsv")));

    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void Fnv1a_KnownVectors_MatchTheReferenceValues(string input, uint expected)
    {
        Assert.Equal(expected, TextFeaturizer.Fnv1a(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void Featurize_FixedText_GivesFixedIndices()
    {
        // Pinned output: if tokenisation or hashing changes, this fails and the model must be retrained.
        var f = Featurizer.Featurize("Not good :(");
        Assert.Equal(string.Join(",", ExpectedIndices), string.Join(",", f.Indices));
        Assert.Equal(Featurizer.Config.HashSize, f.Indices[^8]);
    }

    private static readonly long[] ExpectedIndices =
    [
        19758, 33167, 38862, 45436, 49362, 53899, 54882, 88872, 102697, 107739, 112756, 121198, 122757, 123605, 127672, 138957,
        141204, 143677, 150738, 151560, 164514, 188701, 208323, 212485, 212892, 232354, 237239, 238794, 258780,
        262144, 262145, 262146, 262147, 262148, 262149, 262150, 262151,
    ];

    [Theory]
    [InlineData("Not good :( @united http://x.co/a")]
    [InlineData("")]
    [InlineData("SOOO happy!!! 👍 thanks")]
    public void FeaturizeWithTerms_SameAsFeaturizeAndTerms(string text)
    {
        var (features, terms) = Featurizer.FeaturizeWithTerms(text);
        var alone = Featurizer.Featurize(text);
        Assert.Equal(alone.Indices, features.Indices);
        Assert.Equal(alone.Values, features.Values);
        Assert.Equal(Featurizer.Terms(text), terms);
    }

    [Fact]
    public void Featurize_SameTextTwice_IsIdenticalAndSorted()
    {
        const string text = "@united my flight was Cancelled Flightled 😡 never again!!! http://t.co/x 5 hours";
        var a = Featurizer.Featurize(text);
        var b = Featurizer.Featurize(text);
        Assert.Equal(a.Indices, b.Indices);
        Assert.Equal(a.Values, b.Values);
        Assert.True(a.Indices.Zip(a.Indices.Skip(1)).All(p => p.First < p.Second), "indices must be ascending and unique");
        Assert.True(a.Indices.All(i => i >= 0 && i < Featurizer.Config.Dimension));
    }

    [Fact]
    public void Terms_Negation_MarksWordsUntilPunctuation()
    {
        var terms = Featurizer.Terms("I don't like this service, but the staff were nice");
        Assert.Equal(["i", "don't", "NEG_like", "NEG_this", "NEG_service", ",", "but", "the", "staff", "were", "nice"], terms);
        Assert.Equal(["never", "NEG_helpful", "NEG_again", "."], Featurizer.Terms("never helpful again."));
    }

    [Fact]
    public void Terms_Normalisation_ReplacesUrlsMentionsNumbersAndCutsElongations()
    {
        var terms = Featurizer.Terms("@Delta sooooo GOOD :) see https://t.co/abc at 10:30 #happy 😀");
        Assert.Equal(["<user>", "soo", "good", ":)", "see", "<url>", "at", "<num>", "happy", "😀"], terms);
    }

    [Fact]
    public void Featurize_Lexicon_PositiveAndNegatedTextsDifferInDenseFeatures()
    {
        var good = Featurizer.Featurize("this is good");
        var notGood = Featurizer.Featurize("this is not good");
        var compound = Featurizer.Config.HashSize + 2;
        float Dense(TextFeatures f) => f.Values[Array.IndexOf(f.Indices, compound)];
        Assert.True(Dense(good) > 0.3f);
        Assert.True(Dense(notGood) < -0.2f);
    }

    [Fact]
    public void Constructor_LexiconChecksumDiffers_Throws()
    {
        var lexicon = SentimentLexicon.Load(Path.Combine(Paths.Root, "models", "text-sentiment", "lexicon.tsv"));
        var e = Assert.Throws<InvalidDataException>(() => new TextFeaturizer(new TextFeatureConfig { LexiconSha256 = new string('0', 64) }, lexicon));
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnsupportedVersion_NamesIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => new TextFeatureConfig { Version = 99 }.Validate("x.json"));
        Assert.Contains("feature version 99", e.Message, StringComparison.Ordinal);
    }
}
