using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Redaction;

/// <summary>One redacted stretch of a transcript: what it was, who said it, and where it is in the audio (seconds).</summary>
public sealed record PiiSpan(PiiType Type, int Speaker, double Start, double End);

/// <summary>The transcript with placeholders instead of the personal data, and where each was.</summary>
public sealed record RedactionResult(Transcript Transcript, IReadOnlyList<PiiSpan> Spans)
{
    /// <summary>How many of each type were redacted (the only thing the audit log keeps).</summary>
    public IReadOnlyDictionary<PiiType, int> Counts { get; } = Spans.GroupBy(s => s.Type).ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>
/// Finds card numbers, bank details, phone numbers, e-mail addresses, National Insurance and Social Security numbers
/// and dates of birth in a transcript — written with digits (Whisper, Transcribe) or spoken as words ("four one one
/// one", "double oh", "nineteen eighty five": pocketsphinx) — and replaces each stretch of words with one typed
/// placeholder word (<c>[CARD]</c>) that keeps the stretch's timing, so the audio span is known.
/// Formats that speak for themselves (a Luhn-valid card number, an 11-digit UK number starting 0, 123-45-6789, an
/// e-mail address) need no context; numbers whose kind only the conversation tells (an account number, a sort code,
/// a date of birth) need a cue shortly before them from either speaker ("sort code", "date of birth"), and an order
/// or reference number named closer than any cue is left alone.
/// </summary>
public sealed partial class PiiRedactor
{
    /// <summary>How far back (seconds and words, across speakers) a cue such as "sort code" still names a number.</summary>
    public const double CueSeconds = 15;

    public const int CueWords = 14;

    private readonly HashSet<PiiType> _types;

    public PiiRedactor(IEnumerable<PiiType> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        _types = [.. types];
    }

    public IReadOnlySet<PiiType> Types => _types;

    public RedactionResult Redact(Transcript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var words = transcript.Words;
        var found = Find(words);
        if (found.Count == 0) return new RedactionResult(transcript, []);

        var startOf = new Dictionary<int, Detection>();
        var removed = new HashSet<int>();
        var spans = new List<PiiSpan>(found.Count);
        foreach (var d in found)
        {
            startOf[d.Indices[0]] = d;
            foreach (var i in d.Indices.Skip(1)) removed.Add(i);
            spans.Add(new PiiSpan(d.Type, words[d.Indices[0]].Speaker, d.Indices.Min(i => words[i].Start), d.Indices.Max(i => words[i].End)));
        }
        var result = new List<TranscriptWord>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            if (removed.Contains(i)) continue;
            if (!startOf.TryGetValue(i, out var d))
            {
                result.Add(words[i]);
                continue;
            }
            var first = words[d.Indices[0]];
            var last = words[d.Indices[^1]];
            // The sentence's punctuation after the number stays, so the transcript still reads as sentences.
            var tail = TrailingPunctuation(last.Text);
            result.Add(first with
            {
                Text = PiiTypes.Placeholder(d.Type) + tail,
                Start = d.Indices.Min(k => words[k].Start),
                End = d.Indices.Max(k => words[k].End),
                Confidence = d.Indices.Average(k => words[k].Confidence),
            });
        }
        return new RedactionResult(transcript with { Words = result }, spans.OrderBy(s => s.Start).ToList());
    }

    /// <summary>A detection: its type and the indices (into the transcript's words) it covers, in order.</summary>
    internal sealed record Detection(PiiType Type, int[] Indices);

    /// <summary>Every detection of an enabled type, overlaps resolved (the longer wins), in word order.</summary>
    internal List<Detection> Find(IReadOnlyList<TranscriptWord> words)
    {
        var bare = words.Select(w => Bare(w.Text)).ToArray();
        var candidates = new List<Detection>();
        foreach (var group in words.Select((w, i) => (w.Speaker, Index: i)).GroupBy(x => x.Speaker))
        {
            var toks = group.Select(x => new Tok(x.Index, words[x.Index].Text, bare[x.Index], words[x.Index].Start, words[x.Index].End)).ToArray();
            FindPlaceholders(toks, candidates);
            FindEmails(toks, candidates);
            FindNiNumbers(toks, candidates);
            FindDates(toks, words, bare, candidates);
            FindNumbers(toks, words, bare, candidates);
        }
        var chosen = new List<Detection>();
        var taken = new HashSet<int>();
        foreach (var c in candidates.Where(c => _types.Contains(c.Type)).OrderByDescending(c => c.Indices.Length).ThenBy(c => c.Indices[0]))
        {
            if (c.Indices.Any(taken.Contains)) continue;
            chosen.Add(c);
            foreach (var i in c.Indices) taken.Add(i);
        }
        chosen.Sort((a, b) => a.Indices[0].CompareTo(b.Indices[0]));
        return chosen;
    }

    private readonly record struct Tok(int Index, string Raw, string Bare, double Start, double End);

    /// <summary>A number never runs on over a pause this long (or the other speaker's turn): the next digits are another number.</summary>
    public const double MaxPauseSeconds = 3;

    /// <summary>Token <paramref name="k"/> ends a number: sentence punctuation after it, or a long pause.</summary>
    private static bool EndsNumber(Tok[] toks, int k) => EndsClause(toks[k].Raw) || (k + 1 < toks.Length && toks[k + 1].Start - toks[k].End > MaxPauseSeconds);

    private static Detection Span(PiiType type, Tok[] toks, int from, int to) =>
        new(type, toks[from..(to + 1)].Select(t => t.Index).ToArray());

    private static void FindPlaceholders(Tok[] toks, List<Detection> found)
    {
        for (var i = 0; i < toks.Length; i++)
            if (PiiTypes.TryParsePlaceholder(toks[i].Raw.Trim(), out var type))
                found.Add(Span(type, toks, i, i));
    }

    // ---- e-mail ----------------------------------------------------------------------------------------------

    private static readonly HashSet<string> Tlds = new(StringComparer.Ordinal)
    {
        "com", "net", "org", "co", "uk", "io", "gov", "edu", "info", "biz", "me", "us", "ie", "de", "fr", "eu", "ac", "ca", "au", "nz", "in",
    };

    private static readonly HashSet<string> NotLocalPart = new(StringComparer.Ordinal)
    {
        "me", "us", "him", "her", "them", "it", "is", "was", "email", "e-mail", "mail", "address", "and", "or", "the", "a", "you", "i",
        "my", "your", "at", "on", "it's", "that's", "its", "be", "reach", "contact", "write", "emails",
    };

    private static void FindEmails(Tok[] toks, List<Detection> found)
    {
        for (var i = 0; i < toks.Length; i++)
        {
            if (WrittenEmail().IsMatch(toks[i].Bare))
            {
                found.Add(Span(PiiType.Email, toks, i, i));
                continue;
            }
            if (toks[i].Bare is not ("at" or "@")) continue;
            var end = DomainEnd(toks, i + 1);
            if (end < 0) continue;
            var start = LocalPartStart(toks, i - 1);
            if (start < 0) continue;
            found.Add(Span(PiiType.Email, toks, start, end));
        }
    }

    /// <summary>"example dot co dot uk", "example.com": the last token of a domain ending in a known TLD, or -1.</summary>
    private static int DomainEnd(Tok[] toks, int i)
    {
        if (i >= toks.Length || !IsLabel(toks[i].Bare)) return -1;
        if (toks[i].Bare.Contains('.', StringComparison.Ordinal))
            return Tlds.Contains(toks[i].Bare[(toks[i].Bare.LastIndexOf('.') + 1)..]) ? i : -1;
        var end = -1;
        var j = i;
        while (j + 2 < toks.Length && toks[j + 1].Bare is "dot" or "." && IsLabel(toks[j + 2].Bare))
        {
            j += 2;
            if (Tlds.Contains(toks[j].Bare)) end = j;
        }
        return end;
    }

    /// <summary>"john dot smith", "j underscore smith", "jsmith85": the first token of the part before "at", or -1.</summary>
    private static int LocalPartStart(Tok[] toks, int i)
    {
        if (i < 0 || !IsLabel(toks[i].Bare) || NotLocalPart.Contains(toks[i].Bare)) return -1;
        var start = i;
        while (start - 2 >= 0 && toks[start - 1].Bare is "dot" or "underscore" or "dash" or "hyphen" or "." or "_" or "-"
               && IsLabel(toks[start - 2].Bare) && !NotLocalPart.Contains(toks[start - 2].Bare))
            start -= 2;
        return start;
    }

    private static bool IsLabel(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && char.IsAsciiLetterOrDigit(s[0]);

    [GeneratedRegex(@"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")]
    private static partial Regex WrittenEmail();

    // ---- National Insurance numbers --------------------------------------------------------------------------

    private static readonly Dictionary<string, char> LetterNames = new(StringComparer.Ordinal)
    {
        ["bee"] = 'b', ["see"] = 'c', ["sea"] = 'c', ["dee"] = 'd', ["jay"] = 'j', ["kay"] = 'k', ["pee"] = 'p', ["tee"] = 't',
        ["ess"] = 's', ["eff"] = 'f', ["gee"] = 'g', ["aitch"] = 'h', ["em"] = 'm', ["en"] = 'n', ["ar"] = 'r', ["ex"] = 'x',
        ["zed"] = 'z', ["zee"] = 'z', ["vee"] = 'v', ["el"] = 'l',
    };

    private static void FindNiNumbers(Tok[] toks, List<Detection> found)
    {
        var numeric = Numeric(toks);
        for (var i = 0; i < toks.Length; i++)
        {
            if (NiNumber().IsMatch(toks[i].Bare))
            {
                if (ValidNiPrefix(toks[i].Bare[0], toks[i].Bare[1])) found.Add(Span(PiiType.NiNumber, toks, i, i));
                continue;
            }
            // Two letters, six digits (one by one, in pairs or as groups), one letter: "q q twelve thirty four fifty six c".
            var letters = "";
            var j = i;
            while (j < toks.Length && letters.Length < 2 && LetterOf(toks[j].Bare) is { } l && letters.Length + l.Length <= 2)
            {
                letters += l;
                j++;
            }
            if (letters.Length != 2 || !ValidNiPrefix(letters[0], letters[1]) || j >= toks.Length || !numeric[j]) continue;
            var k = j;
            while (k + 1 < toks.Length && numeric[k + 1] && !EndsNumber(toks, k)) k++;
            if (k + 1 >= toks.Length || Digits(toks, j, k).Length != 6) continue;
            if (LetterOf(toks[k + 1].Bare) is ['a' or 'b' or 'c' or 'd'])
                found.Add(Span(PiiType.NiNumber, toks, i, k + 1));
        }
    }

    /// <summary>A spelled letter ("q", "see") or a pair ("QQ"), lower case; null for anything else.</summary>
    private static string? LetterOf(string b) =>
        b.Length is 1 or 2 && b.All(char.IsAsciiLetterLower) ? b : LetterNames.TryGetValue(b, out var c) ? new string(c, 1) : null;

    // HMRC: the first letter is not D, F, I, Q, U or V; the second not those or O; some pairs are never issued.
    private static bool ValidNiPrefix(char a, char b) =>
        !"dfiquv".Contains(a, StringComparison.Ordinal) && !"dfiquvo".Contains(b, StringComparison.Ordinal)
        && $"{a}{b}" is not ("bg" or "gb" or "nk" or "kn" or "tn" or "nt" or "zz");

    [GeneratedRegex("^[a-z]{2}[0-9]{6}[a-d]$")]
    private static partial Regex NiNumber();

    // ---- cues ------------------------------------------------------------------------------------------------

    private enum Cue
    {
        None,
        Card,
        Account,
        SortCode,
        Phone,
        Ssn,
        Dob,

        /// <summary>An identifier that is not personal data (order, reference, ticket, …).</summary>
        NotPersonal,
    }

    private static Cue CueOf(string[] bare, int k) => bare[k] switch
    {
        "card" or "visa" or "mastercard" or "amex" or "debit" or "credit" or "cvv" => Cue.Card,
        "account" or "acct" => Cue.Account,
        "sort" or "routing" => Cue.SortCode,
        "phone" or "mobile" or "telephone" or "landline" or "cell" or "call" or "reach" or "contact" or "ring" or "text" or "whatsapp" => Cue.Phone,
        "ssn" => Cue.Ssn,
        "security" when k > 0 && bare[k - 1] == "social" => Cue.Ssn,
        "birth" or "born" or "birthday" or "dob" or "birthdate" => Cue.Dob,
        "b" when k > 1 && bare[k - 1] == "o" && bare[k - 2] == "d" => Cue.Dob,
        "order" or "reference" or "ref" or "invoice" or "ticket" or "case" or "tracking" or "policy" or "booking" or "confirmation"
            or "claim" or "parcel" or "membership" or "serial" or "model" or "extension" or "flight" or "room" or "transaction"
            or "receipt" or "voucher" or "promo" or "item" or "product" or "sku" or "batch" or "version" => Cue.NotPersonal,
        _ => Cue.None,
    };

    /// <summary>
    /// The nearest cue before word <paramref name="first"/> (an index into the transcript), looking back across both
    /// speakers: the agent's "and the sort code?" names the customer's answer.
    /// </summary>
    private static Cue NearestCue(IReadOnlyList<TranscriptWord> words, string[] bare, int first)
    {
        var from = words[first].Start - CueSeconds;
        for (int k = first - 1, n = 0; k >= 0 && n < CueWords && words[k].Start >= from; k--, n++)
        {
            if (CueOf(bare, k) is not (var cue and not Cue.None)) continue;
            // "Date of birth" names the date said right after it, not every date of the next sentences.
            return cue == Cue.Dob && n >= DobCueWords ? Cue.None : cue;
        }
        return Cue.None;
    }

    /// <summary>A date of birth is said within this many words of its cue ("can you confirm your date of birth for me? yes, it's the ...").</summary>
    public const int DobCueWords = 8;

    /// <summary>Words after a number that say it is an amount, a time or a duration.</summary>
    private static readonly HashSet<string> AmountWords = new(StringComparer.Ordinal)
    {
        "pounds", "pound", "quid", "pence", "p", "dollars", "dollar", "bucks", "cents", "euros", "euro", "percent", "per", "o'clock", "am", "pm",
        "a.m", "p.m", "minutes", "minute", "hours", "hour", "seconds", "days", "day", "weeks", "months", "years", "times", "gigs", "gb", "mb",
        "items", "miles", "kilos", "kg",
    };

    // ---- numbers ---------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, int> UnitWords = new(StringComparer.Ordinal)
    {
        ["zero"] = 0, ["nought"] = 0, ["nil"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6,
        ["seven"] = 7, ["eight"] = 8, ["nine"] = 9,
    };

    /// <summary>Words a recogniser writes for a digit in a run of digits ("for" one one one): digits only between digits.</summary>
    private static readonly Dictionary<string, int> WeakUnits = new(StringComparer.Ordinal)
    {
        ["oh"] = 0, ["o"] = 0, ["for"] = 4, ["to"] = 2, ["too"] = 2, ["won"] = 1, ["ate"] = 8,
    };

    private static readonly Dictionary<string, int> Teens = new(StringComparer.Ordinal)
    {
        ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16,
        ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19,
    };

    private static readonly Dictionary<string, int> Tens = new(StringComparer.Ordinal)
    {
        ["twenty"] = 2, ["thirty"] = 3, ["forty"] = 4, ["fifty"] = 5, ["sixty"] = 6, ["seventy"] = 7, ["eighty"] = 8, ["ninety"] = 9,
    };

    private static bool IsDigitToken(string raw) => DigitToken().IsMatch(raw);

    [GeneratedRegex(@"^\+?\(?[0-9][0-9\-/()]*[0-9)]?$|^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}$")]
    private static partial Regex DigitToken();

    private static bool Strong(string b) =>
        IsDigitToken(b) || UnitWords.ContainsKey(b) || Teens.ContainsKey(b) || Tens.ContainsKey(b) || b is "hundred" or "thousand";

    private static bool NumberLike(string b) => Strong(b) || WeakUnits.ContainsKey(b) || b is "double" or "triple";

    /// <summary>Which tokens of a speaker's words are parts of numbers (a weak word like "oh" or "for" only between digits).</summary>
    private static bool[] Numeric(Tok[] toks)
    {
        var numeric = new bool[toks.Length];
        for (var i = 0; i < toks.Length; i++)
        {
            var b = toks[i].Bare;
            bool Next(int k) => i + k < toks.Length && NumberLike(toks[i + k].Bare);
            bool NextStrong(int k) => i + k < toks.Length && Strong(toks[i + k].Bare);
            if (Strong(b)) numeric[i] = true;
            else if (b is "double" or "triple") numeric[i] = i + 1 < toks.Length && (UnitWords.ContainsKey(toks[i + 1].Bare) || WeakUnits.ContainsKey(toks[i + 1].Bare));
            else if (b == "plus") numeric[i] = NextStrong(1) && NextStrong(2);
            else if (WeakUnits.ContainsKey(b))
                numeric[i] = (i > 0 && numeric[i - 1] && Next(1)) || (Next(1) && Next(2) && (NextStrong(1) || NextStrong(2)))
                             || (i > 0 && numeric[i - 1] && toks[i - 1].Bare is "double" or "triple")
                             // the last digit of a long run: "... one one one for"
                             || (i > 2 && numeric[i - 1] && numeric[i - 2] && numeric[i - 3] && !EndsClause(toks[i - 1].Raw));
        }
        return numeric;
    }

    private static void FindNumbers(Tok[] toks, IReadOnlyList<TranscriptWord> words, string[] bare, List<Detection> found)
    {
        var numeric = Numeric(toks);
        var i = 0;
        while (i < toks.Length)
        {
            if (!numeric[i])
            {
                i++;
                continue;
            }
            var start = i;
            var end = i;
            // A run of number words; "and" joins "two thousand and one"; sentence punctuation ends it.
            while (true)
            {
                if (EndsNumber(toks, end)) break;
                if (end + 1 < toks.Length && numeric[end + 1]) end++;
                else if (end + 2 < toks.Length && toks[end + 1].Bare == "and" && toks[end].Bare is "hundred" or "thousand" && numeric[end + 2]) end += 2;
                else if (end + 2 < toks.Length && toks[end + 1].Bare is "dash" or "hyphen" or "-" or "uh" or "um" or "er" or "erm" && numeric[end + 2]) end += 2;
                else break;
            }
            i = end + 1;
            var digits = Digits(toks, start, end);
            if (digits.Length < 6) continue;
            var after = end + 1 < toks.Length ? toks[end + 1].Bare : null;
            if (Classify(digits, toks, start, end, NearestCue(words, bare, toks[start].Index), after) is { } type)
                found.Add(Span(type, toks, start, end));
        }
    }

    private static PiiType? Classify(string digits, Tok[] toks, int start, int end, Cue cue, string? after)
    {
        var n = digits.Length;
        if (n is >= 13 and <= 19 && Luhn(digits)) return PiiType.Card;
        if (n > 19 && (Luhn(digits[..16]) || Luhn(digits[..15]) || Luhn(digits[^16..]) || Luhn(digits[^15..]))) return PiiType.Card;
        if (after is not null && AmountWords.Contains(after)) return null;
        if (cue == Cue.NotPersonal) return null;
        var shape = string.Join(' ', Enumerable.Range(start, end - start + 1).Select(k => toks[k].Bare));
        var plus = toks[start].Bare.StartsWith('+') || toks[start].Bare == "plus";
        if (cue == Cue.Dob && n is 6 or 8) return PiiType.DateOfBirth;
        // Freephone and company numbers (UK 03, 08; US toll-free) are nobody's personal data.
        if ((n == 11 && digits[0] == '0' && digits[1] is '3' or '8') || (n == 10 && TollFree().IsMatch(digits))) return null;
        // Formats that speak for themselves win over a cue further back ("my card number is …, and my number is 07…").
        if (plus && n is >= 10 and <= 13) return PiiType.Phone;
        // Personal lines start 01, 02 or 07.
        if (n == 11 && digits[0] == '0' && digits[1] is '1' or '2' or '7') return PiiType.Phone;
        if (n == 12 && digits.StartsWith("44", StringComparison.Ordinal) && digits[2] is '1' or '2' or '7') return PiiType.Phone;
        if (n == 10 && UsPhone().IsMatch(shape)) return PiiType.Phone;
        if (n == 9 && SsnShape().IsMatch(shape) && digits[..3] is not ("000" or "666") && digits[0] != '9') return PiiType.Ssn;
        if (n == 6 && SortCodeShape().IsMatch(shape)) return PiiType.SortCode;
        switch (cue)
        {
            // A card number the recogniser misheard by a digit fails Luhn, but the conversation still says it is one;
            // read in two halves with the agent's "yes" between them, each half is still part of a card number.
            case Cue.Card when n is >= 8 and <= 19:
                return PiiType.Card;
            case Cue.Account when n is >= 6 and <= 17:
                return PiiType.Account;
            case Cue.SortCode when n is 6 or 9:
                return PiiType.SortCode;
            case Cue.SortCode when n == 14:
                return PiiType.Account; // sort code and account number in one breath
            case Cue.Phone when n is >= 7 and <= 13:
                return PiiType.Phone;
            case Cue.Ssn when n == 9:
                return PiiType.Ssn;
        }
        return null;
    }

    [GeneratedRegex("^8(00|33|44|55|66|77|88)")]
    private static partial Regex TollFree();

    [GeneratedRegex(@"^\(?[2-9][0-9]{2}\)?[ \-.]?[0-9]{3}-[0-9]{4}$")]
    private static partial Regex UsPhone();

    [GeneratedRegex("^[0-9]{3}-[0-9]{2}-[0-9]{4}$")]
    private static partial Regex SsnShape();

    [GeneratedRegex("^[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
    private static partial Regex SortCodeShape();

    /// <summary>The digits a run of number words and digit groups spells: "double oh" 00, "nineteen eighty five" 1985, "two thousand and one" 2001.</summary>
    private static string Digits(Tok[] toks, int start, int end)
    {
        var sb = new StringBuilder();
        var repeat = 1;
        int? tens = null;
        // After "hundred"/"thousand": the zeros the next number fills from the right ("two thousand and twelve").
        var fillFrom = -1;

        void Emit(string value)
        {
            if (fillFrom >= 0 && value.Length <= sb.Length - fillFrom)
            {
                var at = sb.Length - value.Length;
                sb.Remove(at, value.Length).Insert(at, value);
                fillFrom = -1;
                return;
            }
            fillFrom = -1;
            sb.Append(value);
        }

        void FlushTens()
        {
            if (tens is { } t) Emit(string.Create(CultureInfo.InvariantCulture, $"{t}0"));
            tens = null;
        }

        for (var k = start; k <= end; k++)
        {
            var b = toks[k].Bare;
            if (IsDigitToken(b))
            {
                FlushTens();
                Emit(new string(b.Where(char.IsAsciiDigit).ToArray()));
            }
            else if (UnitWords.TryGetValue(b, out var u) || WeakUnits.TryGetValue(b, out u))
            {
                if (repeat > 1)
                {
                    FlushTens();
                    Emit(new string((char)('0' + u), repeat));
                    repeat = 1;
                }
                else if (tens is { } t && u != 0)
                {
                    tens = null;
                    Emit(string.Create(CultureInfo.InvariantCulture, $"{t}{u}"));
                }
                else
                {
                    FlushTens();
                    Emit(u.ToString(CultureInfo.InvariantCulture));
                }
            }
            else if (Teens.TryGetValue(b, out var teen))
            {
                FlushTens();
                Emit(teen.ToString(CultureInfo.InvariantCulture));
            }
            else if (Tens.TryGetValue(b, out var t))
            {
                FlushTens();
                tens = t;
            }
            else if (b is "double" or "triple")
            {
                FlushTens();
                repeat = b == "double" ? 2 : 3;
            }
            else if (b is "hundred" or "thousand")
            {
                FlushTens();
                if (sb.Length == 0) sb.Append('1');
                fillFrom = sb.Length;
                sb.Append(b == "hundred" ? "00" : "000");
            }
        }
        FlushTens();
        return sb.ToString();
    }

    /// <summary>The Luhn check every payment card number passes.</summary>
    public static bool Luhn(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var sum = 0;
        var twice = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) return false;
            if (twice)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            twice = !twice;
        }
        return digits.Length > 0 && sum % 10 == 0;
    }

    // ---- dates of birth --------------------------------------------------------------------------------------

    private static readonly Dictionary<string, int> Months = new(StringComparer.Ordinal)
    {
        ["january"] = 1, ["jan"] = 1, ["february"] = 2, ["feb"] = 2, ["march"] = 3, ["april"] = 4, ["may"] = 5, ["june"] = 6, ["july"] = 7,
        ["august"] = 8, ["aug"] = 8, ["september"] = 9, ["sept"] = 9, ["october"] = 10, ["oct"] = 10, ["november"] = 11, ["nov"] = 11,
        ["december"] = 12, ["dec"] = 12,
    };

    private static readonly Dictionary<string, int> Ordinals = new(StringComparer.Ordinal)
    {
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5, ["sixth"] = 6, ["seventh"] = 7, ["eighth"] = 8,
        ["ninth"] = 9, ["tenth"] = 10, ["eleventh"] = 11, ["twelfth"] = 12, ["thirteenth"] = 13, ["fourteenth"] = 14, ["fifteenth"] = 15,
        ["sixteenth"] = 16, ["seventeenth"] = 17, ["eighteenth"] = 18, ["nineteenth"] = 19, ["twentieth"] = 20, ["thirtieth"] = 30,
    };

    /// <summary>A spoken or written date ("the twelfth of March nineteen eighty five", "March 12th, 1985", "12/03/1985") after a date-of-birth cue.</summary>
    private static void FindDates(Tok[] toks, IReadOnlyList<TranscriptWord> words, string[] bare, List<Detection> found)
    {
        for (var i = 0; i < toks.Length; i++)
        {
            var end = DateEnd(toks, i);
            if (end < 0 || NearestCue(words, bare, toks[i].Index) != Cue.Dob) continue;
            found.Add(Span(PiiType.DateOfBirth, toks, i, end));
            i = end;
        }
    }

    private static int DateEnd(Tok[] toks, int i)
    {
        var b = toks[i].Bare;
        if (WrittenDate().IsMatch(b)) return i;
        // Day [of] Month [Year]
        if (DayEnd(toks, i) is var dayEnd and >= 0)
        {
            var m = dayEnd + 1;
            if (m < toks.Length && toks[m].Bare == "of") m++;
            if (m < toks.Length && Months.ContainsKey(toks[m].Bare) && !EndsSentence(toks[dayEnd].Raw))
                return EndsSentence(toks[m].Raw) ? m : Math.Max(m, YearEnd(toks, m + 1));
        }
        // Month [the] Day[,] [Year] ("may" only before "the" or a written day: it is a verb too)
        if (Months.ContainsKey(b) && (b != "may" || (i + 1 < toks.Length && (toks[i + 1].Bare == "the" || DayDigits().IsMatch(toks[i + 1].Bare)))))
        {
            var d = i + 1;
            if (d < toks.Length && toks[d].Bare == "the") d++;
            if (d < toks.Length && !EndsSentence(toks[i].Raw) && DayEnd(toks, d) is var end2 and >= 0)
                return EndsSentence(toks[end2].Raw) ? end2 : Math.Max(end2, YearEnd(toks, end2 + 1));
        }
        return -1;
    }

    [GeneratedRegex(@"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-]([0-9]{2}|[0-9]{4})$")]
    private static partial Regex WrittenDate();

    /// <summary>A day of the month: 12, 12th, twelfth, twenty first, twenty-first, twelve; the last token, or -1.</summary>
    private static int DayEnd(Tok[] toks, int i)
    {
        if (i >= toks.Length) return -1;
        var b = toks[i].Bare;
        if (DayDigits().IsMatch(b)) return int.Parse(DayDigits().Match(b).Groups[1].ValueSpan, CultureInfo.InvariantCulture) is >= 1 and <= 31 ? i : -1;
        if (Ordinals.ContainsKey(b) || Teens.ContainsKey(b) || (UnitWords.TryGetValue(b, out var u) && u > 0)) return i;
        if (b.Contains('-', StringComparison.Ordinal) && b.Split('-') is [var t, var o] && Tens.TryGetValue(t, out var tv) && tv <= 3
            && (Ordinals.TryGetValue(o, out var ov) || UnitWords.TryGetValue(o, out ov)) && ov < 10) return i;
        if (Tens.TryGetValue(b, out var tens) && tens <= 3)
        {
            if (i + 1 < toks.Length && (Ordinals.TryGetValue(toks[i + 1].Bare, out var o2) || UnitWords.TryGetValue(toks[i + 1].Bare, out o2)) && o2 is > 0 and < 10
                && !EndsClause(toks[i].Raw)) return i + 1;
            return i;
        }
        return b is "twentieth" or "thirtieth" ? i : -1;
    }

    [GeneratedRegex("^([0-9]{1,2})(st|nd|rd|th)?$")]
    private static partial Regex DayDigits();

    /// <summary>A year after a day and month ("1985", "nineteen eighty five", "two thousand and one", "eighty five"), else the index before <paramref name="i"/>.</summary>
    private static int YearEnd(Tok[] toks, int i)
    {
        if (i < toks.Length && toks[i].Bare == ",") i++;
        if (i >= toks.Length) return i - 1;
        var b = toks[i].Bare;
        if (Year().IsMatch(b) || (b.Length == 2 && b.All(char.IsAsciiDigit))) return i;
        var end = i - 1;
        var k = i;
        while (k < toks.Length && k < i + 5 && (NumberLike(toks[k].Bare) || (toks[k].Bare == "and" && k > i && toks[k - 1].Bare == "thousand")) && !IsDigitToken(toks[k].Bare))
        {
            end = k;
            if (EndsSentence(toks[k].Raw) || EndsNumber(toks, k)) break;
            k++;
        }
        return end;
    }

    [GeneratedRegex("^(19|20)[0-9]{2}$")]
    private static partial Regex Year();

    // ---- text ------------------------------------------------------------------------------------------------

    private static bool EndsSentence(string raw) => raw.Length > 0 && raw[^1] is '.' or '?' or '!' && !WrittenEmail().IsMatch(Bare(raw));

    private static bool EndsClause(string raw) => raw.Length > 0 && raw[^1] is ',' or '.' or '?' or '!' or ';' or ':'
        && !WrittenEmail().IsMatch(Bare(raw));

    private static string TrailingPunctuation(string raw)
    {
        var k = raw.Length;
        while (k > 0 && raw[k - 1] is ',' or '.' or '?' or '!' or ';' or ':') k--;
        return raw[k..];
    }

    /// <summary>Lower case, without the punctuation around the word (inside it stays: e-mail addresses, 12-34-56, 12/03/1985).</summary>
    internal static string Bare(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        var a = 0;
        var b = s.Length;
        while (a < b && s[a] is '"' or '\'' or '(' or '[' or '{' or '“' or '‘' or '¿' or '¡') a++;
        while (b > a && s[b - 1] is ',' or '.' or '?' or '!' or ';' or ':' or '"' or '\'' or ')' or ']' or '}' or '”' or '’') b--;
        // A phone number's parentheses belong to it: "(555)".
        if (a > 0 && s[a - 1] == '(' && b < s.Length && s[b] == ')') { a--; b++; }
        return s[a..b];
    }
}
