using System.Globalization;
using System.Text;

namespace CallSentiment.Web.Search;

/// <summary>
/// What a person typed, as terms that must all occur in one transcript chunk: single words and "quoted phrases"
/// (words in that order, next to each other). A word is a run of letters and digits, compared case-insensitively;
/// everything else (punctuation, quotes inside words, operators of any engine's query language) only separates words,
/// so no input can change the meaning of a full-text query built from the terms.
/// </summary>
public sealed class SearchTerms
{
    public const int MaxLength = 200;
    public const int MaxTerms = 8;
    public const int MaxWordLength = 64;

    private SearchTerms(IReadOnlyList<string[]> terms) => Terms = terms;

    /// <summary>Each term is one word, or the words of a phrase in order (lower case).</summary>
    public IReadOnlyList<string[]> Terms { get; }

    /// <summary>The terms as people read them: words plain, phrases in quotes.</summary>
    public override string ToString() =>
        string.Join(' ', Terms.Select(t => t.Length == 1 ? t[0] : "\"" + string.Join(' ', t) + "\""));

    /// <summary>The terms, or null with a message for the form when the text cannot be searched.</summary>
    public static SearchTerms? Parse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "Type one or more words to search for; put a phrase in quotes.";
            return null;
        }
        if (text.Length > MaxLength)
        {
            problem = $"The search may be at most {MaxLength} characters long.";
            return null;
        }
        var terms = new List<string[]>();
        var quoted = text.Split('"');
        // Even pieces are outside quotes, odd ones inside; an unclosed quote runs to the end.
        for (var i = 0; i < quoted.Length; i++)
        {
            var words = Words(quoted[i]).Select(w => w.Value).ToArray();
            if (words.Length == 0) continue;
            if (i % 2 == 1 && words.Length > 1) terms.Add(words);
            else terms.AddRange(words.Select(w => new[] { w }));
        }
        terms = terms.DistinctBy(t => string.Join(' ', t), StringComparer.Ordinal).ToList();
        if (terms.Count == 0)
            problem = "The search has no words (only letters and digits are searched).";
        else if (terms.Count > MaxTerms)
            problem = $"Search for at most {MaxTerms} words or phrases at once.";
        else if (terms.SelectMany(t => t).FirstOrDefault(w => w.Length > MaxWordLength) is { } tooLong)
            problem = $"'{tooLong[..20]}…' is longer than {MaxWordLength} characters; no spoken word is.";
        return problem is null ? new SearchTerms(terms) : null;
    }

    /// <summary>The words of a text with where they are (runs of letters and digits), lower case.</summary>
    public static IEnumerable<TextWord> Words(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWordChar(text, i))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && IsWordChar(text, i)) i += char.IsSurrogatePair(text, i) ? 2 : 1;
            yield return new TextWord(start, i - start, text.Substring(start, i - start).ToLowerInvariant());
        }
    }

    private static bool IsWordChar(string text, int i)
    {
        var category = CharUnicodeInfo.GetUnicodeCategory(text, i);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    /// <summary>
    /// Where the terms occur in <paramref name="text"/>: the spans to highlight, or null unless every term occurs
    /// (the app's own check, the same on every engine).
    /// </summary>
    public List<(int Start, int Length)>? Match(string text)
    {
        // Most chunks hold none of the words: a plain substring test turns them away before the text is split (ASCII
        // words only, where ignoring case means the same as lower-casing).
        foreach (var term in Terms)
        {
            if (Ascii.IsValid(term[0]) && !text.Contains(term[0], StringComparison.OrdinalIgnoreCase)) return null;
        }
        var words = Words(text).ToList();
        var spans = new List<(int Start, int Length)>();
        foreach (var term in Terms)
        {
            var found = false;
            for (var i = 0; i + term.Length <= words.Count; i++)
            {
                var all = true;
                for (var k = 0; k < term.Length && all; k++) all = string.Equals(words[i + k].Value, term[k], StringComparison.Ordinal);
                if (!all) continue;
                found = true;
                var last = words[i + term.Length - 1];
                spans.Add((words[i].Start, last.Start + last.Length - words[i].Start));
            }
            if (!found) return null;
        }
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        return spans;
    }

    /// <summary>SQLite FTS5: each term a quoted string (a phrase when it has several words), all required.</summary>
    public string ToFts5() => string.Join(" AND ", Terms.Select(t => "\"" + string.Join(' ', t) + "\""));

    /// <summary>PostgreSQL to_tsquery: each word a quoted lexeme, phrases with the followed-by operator, all required.</summary>
    public string ToTsQuery() => string.Join(" & ", Terms.Select(t => "(" + string.Join(" <-> ", t.Select(w => "'" + w + "'")) + ")"));

    /// <summary>
    /// MySQL/MariaDB boolean mode: the words InnoDB indexes are required (+word); shorter words and stopwords are not
    /// in the index, so they (and the order of a phrase) are checked by <see cref="Match"/> on the rows returned. Null
    /// when no word of the search is in the index.
    /// </summary>
    /// <param name="seen">How many chunks of a sample held each word (the recent scan): only the words seen least are
    /// asked for (all of them when tied), the others left to <see cref="Match"/>, since InnoDB reads the whole list of
    /// every word it is asked for (a common word's is millions long) and a rarer word alone already bounds the rows.</param>
    public string? ToMySqlBoolean(Func<string, int>? seen = null)
    {
        var words = Terms.SelectMany(t => t).Where(w => w.Length >= MySqlMinTokenSize && !MySqlStopwords.Contains(w)).Distinct(StringComparer.Ordinal).ToList();
        if (words.Count == 0) return null;
        if (seen is not null)
        {
            var least = words.Min(seen);
            words = words.Where(w => seen(w) == least).ToList();
        }
        var b = new StringBuilder();
        foreach (var w in words) b.Append(b.Length > 0 ? " +" : "+").Append(w);
        return b.ToString();
    }

    /// <summary>innodb_ft_min_token_size's default.</summary>
    public const int MySqlMinTokenSize = 3;

    /// <summary>InnoDB's default stopword list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD), the same in MariaDB.</summary>
    public static readonly HashSet<string> MySqlStopwords = new(StringComparer.Ordinal)
    {
        "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is", "it", "la", "of", "on", "or",
        "that", "the", "this", "to", "was", "what", "when", "where", "who", "will", "with", "und", "www",
    };
}

/// <summary>A word of a text: where it starts, how long it is, and its lower-case form.</summary>
public readonly record struct TextWord(int Start, int Length, string Value);
