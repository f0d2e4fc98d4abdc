using System.Globalization;
using System.Text;

namespace CallSentiment.Analysis.TextSentiment;

internal enum TokenKind
{
    Word,
    Number,
    Url,
    User,
    Emoticon,
    Emoji,
    Punctuation,
}

/// <summary>
/// A normalised token. <see cref="Text"/> is lower case with elongations cut to two letters ("soooo" → "soo");
/// <see cref="Negated"/> marks words inside a negation scope.
/// </summary>
internal readonly record struct TextToken(string Text, TokenKind Kind, bool Caps, bool Elongated, bool Negated, int Repeat = 1);

/// <summary>
/// The tokenizer shared by feature export (training) and serving: URLs, @mentions and numbers become placeholders,
/// emoticons from the lexicon and emoji stay whole, runs of "!" or "?" become one token with a repeat count, and words
/// after a negator are marked until the next punctuation.
/// </summary>
internal static class TextTokenizer
{
    private static readonly HashSet<string> Negators =
    [
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "cannot", "without",
        "dont", "cant", "wont", "isnt", "arent", "wasnt", "werent", "didnt", "doesnt", "couldnt", "shouldnt", "wouldnt",
        "aint", "havent", "hasnt", "hadnt", "mustnt", "neednt",
    ];

    public static bool IsNegator(string lowerWord) => Negators.Contains(lowerWord) || lowerWord.EndsWith("n't", StringComparison.Ordinal);

    public static List<TextToken> Tokenize(string text, SentimentLexicon? lexicon)
    {
        var tokens = new List<TextToken>();
        var i = 0;
        var negated = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (StartsUrl(text, i))
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
                tokens.Add(new TextToken("<url>", TokenKind.Url, false, false, false));
                continue;
            }
            if (c == '@' && i + 1 < text.Length && IsWordChar(text[i + 1]))
            {
                i++;
                while (i < text.Length && IsWordChar(text[i])) i++;
                tokens.Add(new TextToken("<user>", TokenKind.User, false, false, false));
                continue;
            }
            if (c == '#' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
            {
                i++;
                continue; // the tag is read as an ordinary word next
            }
            if (char.IsLetterOrDigit(c))
            {
                var start = i;
                while (i < text.Length && (IsWordChar(text[i]) || (IsApostrophe(text[i]) && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
                    i++;
                // "3.5", "1,000", "10:30" stay one number
                while (i + 1 < text.Length && text[i] is '.' or ',' or ':' && char.IsDigit(text[i + 1]) && char.IsDigit(text[i - 1]))
                {
                    i++;
                    while (i < text.Length && char.IsDigit(text[i])) i++;
                }
                var word = text[start..i];
                if (IsNumber(word))
                {
                    tokens.Add(new TextToken("<num>", TokenKind.Number, false, false, negated));
                    continue;
                }
                var caps = word.Length >= 2 && word.Any(char.IsLetter) && !word.Any(char.IsLower);
                var lower = word.Replace('\u2019', '\'').ToLowerInvariant();
                var squeezed = Squeeze(lower, out var elongated);
                tokens.Add(new TextToken(squeezed, TokenKind.Word, caps, elongated, negated));
                if (IsNegator(squeezed)) negated = true;
                continue;
            }
            if (lexicon is not null && TryEmoticon(text, i, lexicon, out var emoticon))
            {
                tokens.Add(new TextToken(emoticon, TokenKind.Emoticon, false, false, false));
                i += emoticon.Length;
                continue;
            }
            if (c is '!' or '?' or '.' or ',' or ';' or ':')
            {
                var start = i;
                while (i < text.Length && text[i] == c) i++;
                tokens.Add(new TextToken(c.ToString(), TokenKind.Punctuation, false, false, false, i - start));
                negated = false;
                continue;
            }
            var rune = Rune.GetRuneAt(text, i);
            if (IsEmoji(rune))
                tokens.Add(new TextToken(rune.ToString(), TokenKind.Emoji, false, false, false));
            i += rune.Utf16SequenceLength;
        }
        return tokens;
    }

    private static bool StartsUrl(string text, int i) =>
        string.CompareOrdinal(text, i, "http://", 0, 7) == 0 || string.CompareOrdinal(text, i, "https://", 0, 8) == 0
        || string.CompareOrdinal(text, i, "www.", 0, 4) == 0;

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || char.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark;

    private static bool IsApostrophe(char c) => c is '\'' or '\u2019';

    private static bool IsNumber(string word)
    {
        foreach (var ch in word)
            if (!char.IsDigit(ch) && ch is not ('.' or ',' or ':')) return false;
        return true;
    }

    private static bool IsEmoji(Rune r)
    {
        if (r.Value is 0xFE0F or 0x200D) return false;
        var cat = Rune.GetUnicodeCategory(r);
        return cat == UnicodeCategory.OtherSymbol || (r.Value >= 0x1F000 && cat != UnicodeCategory.Surrogate);
    }

    /// <summary>Cuts runs of three or more equal letters to two ("soooo" → "soo", "!!!" is handled as punctuation).</summary>
    internal static string Squeeze(string word, out bool elongated)
    {
        elongated = false;
        StringBuilder? sb = null;
        var run = 0;
        for (var k = 0; k < word.Length; k++)
        {
            run = k > 0 && word[k] == word[k - 1] ? run + 1 : 1;
            if (run >= 3 && char.IsLetter(word[k]))
            {
                if (sb is null) sb = new StringBuilder(word, 0, k, word.Length);
                elongated = true;
                continue;
            }
            sb?.Append(word[k]);
        }
        return sb?.ToString() ?? word;
    }

    private static bool TryEmoticon(string text, int i, SentimentLexicon lexicon, out string emoticon)
    {
        for (var len = Math.Min(lexicon.LongestEmoticon, text.Length - i); len >= 2; len--)
        {
            var end = i + len;
            // an emoticon ending in a letter (":p", ":d") must not be the start of a word (":data")
            if (end < text.Length && char.IsLetterOrDigit(text[end]) && char.IsLetterOrDigit(text[end - 1])) continue;
            var candidate = text.Substring(i, len).ToLowerInvariant();
            if (lexicon.Emoticons.Contains(candidate))
            {
                emoticon = candidate;
                return true;
            }
        }
        emoticon = "";
        return false;
    }
}
