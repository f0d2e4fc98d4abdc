using System.Buffers;
using System.Globalization;

namespace CallSentiment.Web.Categories;

/// <summary>A rule that does not parse: where (1-based character position) and what was expected there.</summary>
public sealed class RuleException(int position, string message) : Exception($"at character {position}: {message}")
{
    public int Position { get; } = position;

    public string Problem { get; } = message;
}

/// <summary>
/// A category's rule, parsed from its text (the language is described in Categories/README.md):
/// <c>customer says "cancel*" near/5 "contract" and not agent says "sorry"</c>,
/// <c>customer.sentiment = NEGATIVE and (silence &gt; 30s or sentiment_change &lt; -0.5)</c>.
/// Parsing checks everything (fields, operators, units, phrase sizes) so a saved rule never fails on a call.
/// </summary>
public sealed class CategoryRule
{
    public const int MaxLength = 2000;
    public const int MaxWordsPerPhrase = 10;
    public const int MaxNear = 50;
    public const int MaxConditions = 50;

    private readonly RuleNode _root;

    private CategoryRule(string text, RuleNode root, IReadOnlyList<string> speakers)
    {
        Text = text;
        _root = root;
        Speakers = speakers;
    }

    public string Text { get; }

    /// <summary>The rule has a phrase condition: the transcript must be loaded to evaluate it.</summary>
    public bool ReadsTranscript => Speakers.Count > 0;

    /// <summary>Whose words the rule reads (customer, agent, <see cref="CallFacts.Anyone"/> for every chunk); none without a phrase condition.</summary>
    public IReadOnlyList<string> Speakers { get; }

    /// <summary>Parses <paramref name="text"/>; <see cref="RuleException"/> says where and what is wrong.</summary>
    public static CategoryRule Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new RuleException(1, "the rule is empty; write a condition such as customer says \"cancel*\" or silence > 30s");
        if (text.Length > MaxLength) throw new RuleException(MaxLength + 1, $"the rule is longer than {MaxLength} characters");
        var parser = new Parser(Lexer.Tokens(text));
        var root = parser.ParseRule();
        return new CategoryRule(text, root, parser.Speakers);
    }

    /// <summary>Null when <paramref name="text"/> parses, else the problem in words (position included).</summary>
    public static string? Problem(string? text)
    {
        try
        {
            Parse(text);
            return null;
        }
        catch (RuleException e)
        {
            return e.Message;
        }
    }

    /// <summary>True when the call matches; the words that made it match are added to <paramref name="spans"/>.</summary>
    public bool Matches(CallFacts call, List<MatchSpan> spans) => _root.Evaluate(call, spans);

    // ---- syntax tree ----

    private abstract class RuleNode
    {
        public abstract bool Evaluate(CallFacts call, List<MatchSpan> spans);
    }

    private sealed class And(RuleNode left, RuleNode right) : RuleNode
    {
        public override bool Evaluate(CallFacts call, List<MatchSpan> spans)
        {
            var mark = spans.Count;
            if (left.Evaluate(call, spans) && right.Evaluate(call, spans)) return true;
            spans.RemoveRange(mark, spans.Count - mark);
            return false;
        }
    }

    private sealed class Or(RuleNode left, RuleNode right) : RuleNode
    {
        // Both sides are evaluated, so every alternative that matched is highlighted.
        public override bool Evaluate(CallFacts call, List<MatchSpan> spans) => left.Evaluate(call, spans) | right.Evaluate(call, spans);
    }

    private sealed class Not(RuleNode inner) : RuleNode
    {
        public override bool Evaluate(CallFacts call, List<MatchSpan> spans)
        {
            var mark = spans.Count;
            var matched = inner.Evaluate(call, spans);
            spans.RemoveRange(mark, spans.Count - mark); // what did not happen has nothing to highlight
            return !matched;
        }
    }

    private enum Window { Whole, First, Last }

    private sealed class Says(string who, WordPattern[] phrase, int? near, WordPattern[]? other, Window window, long windowMs) : RuleNode
    {
        // A piece of each phrase that every match contains (its longest run without a wildcard): a call whose
        // transcript has none of it is passed over without reading its words. SearchValues: a vectorised search ignoring
        // case, over ten times faster here than IndexOf with OrdinalIgnoreCase.
        private readonly SearchValues<string>[] _required = [.. new[] { Longest(phrase), other is null ? null : Longest(other) }.OfType<string>()
            .Select(piece => SearchValues.Create([piece], StringComparison.OrdinalIgnoreCase))];

        private static string? Longest(WordPattern[] words) => words.Select(w => w.Literal).MaxBy(x => x.Length) is { Length: > 0 } longest ? longest : null;

        public override bool Evaluate(CallFacts call, List<MatchSpan> spans)
        {
            foreach (var literal in _required)
                if (!call.MayContain(who, literal)) return false;
            var words = call.WordsOf(who);
            if (words.Count == 0) return false;
            var (from, to) = Range(call, words);
            var first = Occurrences(words, phrase, from, to);
            if (first.Count == 0) return false;
            if (other is null)
            {
                foreach (var (s, e) in first) Add(words, s, e, spans);
                return true;
            }
            var second = Occurrences(words, other, from, to);
            var matched = false;
            foreach (var (s1, e1) in first)
            {
                foreach (var (s2, e2) in second)
                {
                    // near/N: at most N words between the two phrases, in either order.
                    var gap = s2 > e1 ? s2 - e1 - 1 : s1 > e2 ? s1 - e2 - 1 : -1;
                    if (gap < 0 || gap > near) continue;
                    Add(words, s1, e1, spans);
                    Add(words, s2, e2, spans);
                    matched = true;
                }
            }
            return matched;
        }

        private (int From, int To) Range(CallFacts call, IReadOnlyList<SpokenWord> words)
        {
            if (window == Window.Whole) return (0, words.Count);
            int from = 0, to = words.Count;
            if (window == Window.First)
                while (to > 0 && words[to - 1].StartMs >= windowMs) to--;
            else
                while (from < to && words[from].StartMs < call.DurationMs - windowMs) from++;
            return (from, to);
        }

        private static List<(int Start, int End)> Occurrences(IReadOnlyList<SpokenWord> words, WordPattern[] phrase, int from, int to)
        {
            var found = new List<(int, int)>();
            for (var i = from; i + phrase.Length <= to; i++)
            {
                var j = 0;
                while (j < phrase.Length && phrase[j].Matches(words[i + j].Text)) j++;
                if (j == phrase.Length) found.Add((i, i + phrase.Length - 1));
            }
            return found;
        }

        private static void Add(IReadOnlyList<SpokenWord> words, int start, int end, List<MatchSpan> spans)
        {
            // One span per chunk the words fall in (a phrase may run over two of a speaker's turns).
            var i = start;
            while (i <= end)
            {
                var w = words[i];
                var j = i;
                while (j < end && words[j + 1].Seq == w.Seq) j++;
                var span = new MatchSpan(w.Seq, w.Index, words[j].Index, w.StartMs);
                if (!spans.Contains(span)) spans.Add(span);
                i = j + 1;
            }
        }
    }

    private enum Op { Eq, Ne, Lt, Le, Gt, Ge }

    private enum Kind { Label, Duration, Count, Percent, Number }

    private sealed record Field(string Name, Kind Kind, Func<CallFacts, string?>? Label = null, Func<CallFacts, double?>? Number = null);

    private static readonly Field[] Fields =
    [
        new("sentiment", Kind.Label, Label: c => c.Sentiment),
        new("customer.sentiment", Kind.Label, Label: c => c.CustomerSentiment),
        new("agent.sentiment", Kind.Label, Label: c => c.AgentSentiment),
        new("sentiment_change", Kind.Number, Number: c => c.SentimentChange),
        new("duration", Kind.Duration, Number: c => c.DurationMs),
        new("silence", Kind.Duration, Number: c => c.SilenceMs),
        new("longest_silence", Kind.Duration, Number: c => c.LongestSilenceMs),
        new("overlap", Kind.Duration, Number: c => c.OverlapMs),
        new("interruptions", Kind.Count, Number: c => c.Interruptions),
        new("customer.interruptions", Kind.Count, Number: c => c.InterruptionsBy(Roles.Customer)),
        new("agent.interruptions", Kind.Count, Number: c => c.InterruptionsBy(Roles.Agent)),
        new("customer.talk_ratio", Kind.Percent, Number: c => c.TalkPercent(Roles.Customer)),
        new("agent.talk_ratio", Kind.Percent, Number: c => c.TalkPercent(Roles.Agent)),
    ];

    public static IEnumerable<string> FieldNames => Fields.Select(f => f.Name);

    private static readonly string[] Labels = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"];

    private sealed class Compare(Field field, Op op, double number, string? label) : RuleNode
    {
        public override bool Evaluate(CallFacts call, List<MatchSpan> spans)
        {
            if (field.Kind == Kind.Label)
            {
                // A side with no verdict (no transcript) is neither equal nor unequal to a label: the condition is false.
                var value = field.Label!(call);
                if (value is null) return false;
                var equal = string.Equals(value, label, StringComparison.Ordinal);
                return op == Op.Eq ? equal : !equal;
            }
            if (field.Number!(call) is not { } v) return false;
            return op switch
            {
                Op.Eq => v == number,
                Op.Ne => v != number,
                Op.Lt => v < number,
                Op.Le => v <= number,
                Op.Gt => v > number,
                _ => v >= number,
            };
        }
    }

    // ---- words ----

    /// <summary>One word of a phrase: lower-case text, <c>*</c> any letters (none included), <c>?</c> exactly one.</summary>
    private sealed class WordPattern(string pattern)
    {
        private readonly bool _wild = pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal);

        /// <summary>The longest part of the pattern without wildcards: a word it matches contains it.</summary>
        public string Literal { get; } = pattern.Split(['*', '?']).MaxBy(part => part.Length) ?? "";

        public bool Matches(string word) => _wild ? Glob(pattern, 0, word, 0) : string.Equals(pattern, word, StringComparison.Ordinal);

        private static bool Glob(string p, int pi, string w, int wi)
        {
            while (pi < p.Length)
            {
                var ch = p[pi];
                if (ch == '*')
                {
                    while (pi < p.Length && p[pi] == '*') pi++;
                    if (pi == p.Length) return true;
                    for (var k = wi; k <= w.Length; k++)
                        if (Glob(p, pi, w, k)) return true;
                    return false;
                }
                if (wi >= w.Length || (ch != '?' && ch != w[wi])) return false;
                pi++;
                wi++;
            }
            return wi == w.Length;
        }
    }

    // ---- lexer ----

    private enum T { Word, String, Number, Op, Open, Close, Slash, End }

    private readonly record struct Token(T Type, string Text, int Position, string Unit = "");

    private static class Lexer
    {
        public static List<Token> Tokens(string s)
        {
            var list = new List<Token>();
            var i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length)
                {
                    list.Add(new Token(T.End, "", s.Length + 1));
                    return list;
                }
                var start = i;
                var ch = s[i];
                if (ch == '"' || ch == '\u201C' || ch == '\u201D')
                {
                    i++;
                    var close = -1;
                    for (var k = i; k < s.Length; k++)
                        if (s[k] is '"' or '\u201C' or '\u201D') { close = k; break; }
                    if (close < 0) throw new RuleException(start + 1, "this phrase has no closing quote (\")");
                    list.Add(new Token(T.String, s[i..close], start + 1));
                    i = close + 1;
                }
                else if (ch == '(') { list.Add(new Token(T.Open, "(", start + 1)); i++; }
                else if (ch == ')') { list.Add(new Token(T.Close, ")", start + 1)); i++; }
                else if (ch == '/') { list.Add(new Token(T.Slash, "/", start + 1)); i++; }
                else if (ch is '=' or '<' or '>' or '!')
                {
                    i++;
                    if (i < s.Length && s[i] == '=') i++;
                    var op = s[start..i];
                    if (op == "!") throw new RuleException(start + 1, "'!' must be followed by '=' (write != for 'is not')");
                    if (op == "==") op = "=";
                    list.Add(new Token(T.Op, op, start + 1));
                }
                else if (char.IsDigit(ch) || (ch is '-' or '.' && i + 1 < s.Length && (char.IsDigit(s[i + 1]) || s[i + 1] == '.')))
                {
                    i++;
                    while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
                    var number = s[start..i];
                    var unitStart = i;
                    while (i < s.Length && (char.IsLetter(s[i]) || s[i] == '%')) i++;
                    list.Add(new Token(T.Number, number, start + 1, s[unitStart..i].ToLowerInvariant()));
                }
                else if (char.IsLetter(ch) || ch == '_')
                {
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.')) i++;
                    list.Add(new Token(T.Word, s[start..i], start + 1));
                }
                else
                {
                    throw new RuleException(start + 1, $"unexpected '{ch}'; conditions are made of words, \"quoted phrases\", numbers, comparisons (= != < <= > >=) and parentheses");
                }
            }
        }
    }

    // ---- parser ----

    private sealed class Parser(List<Token> tokens)
    {
        private int _at;
        private int _conditions;

        private readonly SortedSet<string> _speakers = new(StringComparer.Ordinal);

        public IReadOnlyList<string> Speakers => [.. _speakers];

        private Token Peek => tokens[_at];

        private Token Next() => tokens[_at++];

        private bool IsWord(string keyword) => Peek.Type == T.Word && string.Equals(Peek.Text, keyword, StringComparison.OrdinalIgnoreCase);

        public RuleNode ParseRule()
        {
            var node = ParseOr();
            if (Peek.Type == T.Close) throw new RuleException(Peek.Position, "this ')' closes no '('");
            if (Peek.Type != T.End) throw Expected("'and', 'or' or the end of the rule");
            return node;
        }

        private RuleNode ParseOr()
        {
            var left = ParseAnd();
            while (IsWord("or"))
            {
                Next();
                left = new Or(left, ParseAnd());
            }
            return left;
        }

        private RuleNode ParseAnd()
        {
            var left = ParseNot();
            while (IsWord("and"))
            {
                Next();
                left = new And(left, ParseNot());
            }
            return left;
        }

        private RuleNode ParseNot()
        {
            if (!IsWord("not")) return ParsePrimary();
            Next();
            return new Not(ParseNot());
        }

        private RuleNode ParsePrimary()
        {
            var t = Peek;
            if (t.Type == T.Open)
            {
                Next();
                var inner = ParseOr();
                if (Peek.Type != T.Close) throw Expected($"')' to close the '(' at character {t.Position}");
                Next();
                return inner;
            }
            if (t.Type != T.Word) throw Expected("a condition: customer says \"…\", agent says \"…\", anyone says \"…\", or a field such as silence > 30s");
            if (++_conditions > MaxConditions) throw new RuleException(t.Position, $"a rule may have at most {MaxConditions} conditions");
            var name = t.Text.ToLowerInvariant();
            if (name is "customer" or "agent" or "anyone")
            {
                var after = tokens[_at + 1];
                if (after.Type == T.Word && after.Text.ToLowerInvariant() is "says" or "said") return ParseSays();
            }
            return ParseCompare();
        }

        private Says ParseSays()
        {
            var who = Next().Text.ToLowerInvariant();
            Next(); // says
            _speakers.Add(who == "anyone" ? CallFacts.Anyone : who);
            var phrase = ParsePhrase();
            int? near = null;
            WordPattern[]? other = null;
            if (IsWord("near"))
            {
                var nearToken = Next();
                if (Peek.Type != T.Slash) throw Expected("'/' and a number of words after 'near' (near/5)");
                Next();
                var n = Peek;
                if (n.Type != T.Number || n.Unit.Length > 0 || !int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var words))
                    throw Expected("a whole number of words after 'near/' (near/5)");
                if (words > MaxNear) throw new RuleException(n.Position, $"near/{words} is too far: at most near/{MaxNear}");
                Next();
                near = words;
                if (Peek.Type != T.String) throw Expected($"a quoted phrase after near/{words} (started at character {nearToken.Position})");
                other = ParsePhrase();
            }
            var window = Window.Whole;
            long windowMs = 0;
            if (IsWord("in"))
            {
                Next();
                if (IsWord("first")) window = Window.First;
                else if (IsWord("last")) window = Window.Last;
                else throw Expected("'first' or 'last' after 'in' (in first 30s)");
                Next();
                windowMs = (long)Duration(Next());
            }
            return new Says(who == "anyone" ? CallFacts.Anyone : who, phrase, near, other, window, windowMs);
        }

        private WordPattern[] ParsePhrase()
        {
            var t = Peek;
            if (t.Type != T.String) throw Expected("a quoted phrase after 'says' (customer says \"cancel my contract\")");
            Next();
            var words = CallFacts.Normalise(t.Text);
            if (words.Count == 0) throw new RuleException(t.Position, "the phrase has no words");
            if (words.Count > MaxWordsPerPhrase) throw new RuleException(t.Position, $"a phrase may have at most {MaxWordsPerPhrase} words");
            foreach (var w in words)
                if (w.All(ch => ch == '*')) throw new RuleException(t.Position, "a word of only '*' would match any word; give at least one letter");
            return words.Select(w => new WordPattern(w)).ToArray();
        }

        private Compare ParseCompare()
        {
            var t = Next();
            var field = Fields.FirstOrDefault(f => string.Equals(f.Name, t.Text, StringComparison.OrdinalIgnoreCase))
                ?? throw new RuleException(t.Position, $"unknown field '{t.Text}'; known: customer/agent/anyone says, {string.Join(", ", FieldNames)}");
            var opToken = Peek;
            if (opToken.Type != T.Op) throw Expected($"a comparison (= != < <= > >=) after '{field.Name}'");
            Next();
            var op = opToken.Text switch
            {
                "=" => Op.Eq,
                "!=" => Op.Ne,
                "<" => Op.Lt,
                "<=" => Op.Le,
                ">" => Op.Gt,
                _ => Op.Ge,
            };
            var v = Peek;
            if (field.Kind == Kind.Label)
            {
                if (op is not (Op.Eq or Op.Ne)) throw new RuleException(opToken.Position, $"{field.Name} is a label: compare it with = or !=");
                if (v.Type != T.Word || !Labels.Contains(v.Text.ToUpperInvariant(), StringComparer.Ordinal))
                    throw Expected($"POSITIVE, NEGATIVE, NEUTRAL or MIXED after '{field.Name} {opToken.Text}'");
                Next();
                return new Compare(field, op, 0, v.Text.ToUpperInvariant());
            }
            Next();
            var number = field.Kind switch
            {
                Kind.Duration => Duration(v),
                Kind.Percent => Percent(v),
                Kind.Count => Count(v, field.Name),
                _ => Plain(v, field.Name),
            };
            return new Compare(field, op, number, null);
        }

        private static double Value(Token t, string expected)
        {
            if (t.Type != T.Number || !double.TryParse(t.Text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw new RuleException(t.Position, $"expected {expected}, found {Describe(t)}");
            return v;
        }

        /// <summary>A length of time in milliseconds: 30s, 1.5m, 500ms, 1h (a unit is required: 30 alone is ambiguous).</summary>
        private static double Duration(Token t)
        {
            var v = Value(t, "a length of time such as 30s, 2m or 500ms");
            if (v < 0) throw new RuleException(t.Position, "a length of time cannot be negative");
            return t.Unit switch
            {
                "ms" => v,
                "s" or "sec" => v * 1000,
                "m" or "min" => v * 60_000,
                "h" => v * 3_600_000,
                "" => throw new RuleException(t.Position, $"'{t.Text}' needs a unit: {t.Text}s, {t.Text}m or {t.Text}ms"),
                _ => throw new RuleException(t.Position, $"unknown unit '{t.Unit}'; use ms, s, m or h"),
            };
        }

        private static double Percent(Token t)
        {
            var v = Value(t, "a percentage such as 70%");
            if (t.Unit != "%") throw new RuleException(t.Position, $"a talk ratio is a percentage of the call's talk time: write {t.Text}%");
            if (v is < 0 or > 100) throw new RuleException(t.Position, "a percentage is from 0% to 100%");
            return v;
        }

        private static double Count(Token t, string field)
        {
            var v = Value(t, $"a whole number for {field}");
            if (t.Unit.Length > 0 || v < 0 || v != Math.Floor(v)) throw new RuleException(t.Position, $"{field} is a count: write a whole number such as 3");
            return v;
        }

        private static double Plain(Token t, string field)
        {
            var v = Value(t, $"a number for {field} (from -2 to 2)");
            if (t.Unit.Length > 0) throw new RuleException(t.Position, $"{field} has no unit: write a number such as -0.5");
            return v;
        }

        private RuleException Expected(string what) => new(Peek.Position, $"expected {what}, found {Describe(Peek)}");

        private static string Describe(Token t) => t.Type switch
        {
            T.End => "the end of the rule",
            T.String => $"\"{t.Text}\"",
            T.Number => $"'{t.Text}{t.Unit}'",
            _ => $"'{t.Text}'",
        };
    }
}

/// <summary>Words of one transcript chunk that matched: chunk <see cref="Seq"/>, word indexes From..To (inclusive), start time.</summary>
public sealed record MatchSpan(long Seq, int From, int To, long Ms);
