using System.Globalization;
using System.Text;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Tests.Redaction;

/// <summary>How a recogniser writes what it heard.</summary>
public enum CorpusStyle
{
    /// <summary>pocketsphinx: lower case, numbers as words ("four one one one", "double oh"), no punctuation.</summary>
    Spoken,

    /// <summary>pocketsphinx mishearing some digits as their homophones ("for", "to", "won", "ate").</summary>
    SpokenMisheard,

    /// <summary>Whisper and Transcribe: cased, digits and punctuation ("4111 1111 1111 1111.").</summary>
    Written,
}

/// <summary>A planted piece of personal data: its type and the indices of its words in the conversation's transcript.</summary>
public sealed record PlantedPii(PiiType Type, int[] Words, string Form);

public sealed record CorpusConversation(Transcript Transcript, IReadOnlyList<PlantedPii> Planted, CorpusStyle Style);

/// <summary>
/// A deterministic corpus of spoken-style call transcripts with planted personal data of every type in many forms
/// (digits one by one, in pairs, with "double"/"oh", written groups, spelled e-mail addresses, dates of birth said
/// every usual way), asked for by the agent or volunteered by the customer, and hard negatives that look like them:
/// order and reference numbers, amounts, times, durations, Luhn-failing 16-digit strings, dates that are not birthdays.
/// Exchanges are 30 s apart so one exchange's cue never names the next one's number.
/// </summary>
public static class PiiCorpus
{
    private const double WordSeconds = 0.35;
    private const double ExchangeGap = 30;

    public static IReadOnlyList<CorpusConversation> Generate(int seed = 17, int conversationsPerStyle = 60, int exchangesPerConversation = 6)
    {
        var r = new Random(seed);
        var result = new List<CorpusConversation>();
        foreach (var style in Enum.GetValues<CorpusStyle>())
        {
            for (var c = 0; c < conversationsPerStyle; c++)
            {
                var b = new Builder(style, r);
                b.Line(agent: true, "thank you for calling how can I help you today");
                for (var e = 0; e < exchangesPerConversation; e++)
                {
                    b.Gap();
                    // Two in three exchanges plant personal data; the rest are hard negatives.
                    if (r.Next(3) < 2) Plant(b, PiiTypes.All[r.Next(PiiTypes.All.Count)]);
                    else Negative(b);
                }
                result.Add(b.Build());
            }
        }
        return result;
    }

    private sealed class Builder(CorpusStyle style, Random r)
    {
        private readonly List<TranscriptWord> _words = [];
        private readonly List<PlantedPii> _planted = [];
        private double _t;

        public CorpusStyle Style => style;

        public Random R => r;

        public bool Written => style == CorpusStyle.Written;

        public void Gap() => _t += ExchangeGap;

        /// <summary>A line of plain words (no personal data).</summary>
        public void Line(bool agent, string text) => Line(agent, (text, null));

        /// <summary>A line of pieces, some of them personal data of a type (the <c>Form</c> says how it was said).</summary>
        public void Line(bool agent, params (string Text, (PiiType Type, string Form)? Pii)[] pieces)
        {
            var speaker = agent ? 0 : 1;
            foreach (var (text, pii) in pieces)
            {
                var indices = new List<int>();
                foreach (var w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var word = style == CorpusStyle.Written ? w : w.ToLowerInvariant();
                    indices.Add(_words.Count);
                    _words.Add(new TranscriptWord(speaker, _t, _t + WordSeconds - 0.05, word, 0.9));
                    _t += WordSeconds;
                }
                if (pii is { } p) _planted.Add(new PlantedPii(p.Type, [.. indices], p.Form));
            }
            _t += 0.6;
        }

        public CorpusConversation Build()
        {
            // Written style: sentences start with a capital and end with a full stop, as Whisper writes them.
            var words = _words.ToList();
            if (style == CorpusStyle.Written)
            {
                for (var i = 0; i < words.Count; i++)
                {
                    var lineEnd = i + 1 == words.Count || words[i + 1].Speaker != words[i].Speaker || words[i + 1].Start - words[i].End > 0.5;
                    var lineStart = i == 0 || words[i - 1].Speaker != words[i].Speaker || words[i].Start - words[i - 1].End > 0.5;
                    var text = words[i].Text;
                    if (lineStart && text.Length > 0 && char.IsAsciiLetterLower(text[0])) text = char.ToUpperInvariant(text[0]) + text[1..];
                    if (lineEnd && !text.EndsWith('.')) text += ".";
                    words[i] = words[i] with { Text = text };
                }
            }
            var speakers = new[] { new TranscriptSpeaker(0, 0, "ch_0"), new TranscriptSpeaker(1, 1, "ch_1") };
            var transcript = new Transcript("corpus", "en-GB", SpeakerSeparation.Channels, speakers, words,
                words.Select(w => new SpeechSegment(w.Speaker, w.Start, w.End)).ToList(), _t);
            return new CorpusConversation(transcript, _planted, style);
        }

        public T Pick<T>(params T[] options) => options[r.Next(options.Length)];

        public string Digits(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)('0' + r.Next(10))));

        /// <summary>Digits as a recogniser writes them in this style: one by one, "double"/"oh", pairs, or written groups.</summary>
        public (string Text, string Form) Say(string digits, int[]? groups = null)
        {
            if (Written)
            {
                var form = r.Next(3);
                if (form == 0 || groups is null) return (digits, "written");
                var parts = Groups(digits, groups);
                return form == 1 ? (string.Join(' ', parts), "written groups") : (string.Join('-', parts), "written dashes");
            }
            var spoken = r.Next(3) switch
            {
                0 => (OneByOne(digits, doubles: false), "digit by digit"),
                1 => (OneByOne(digits, doubles: true), "double/oh"),
                _ => digits.Length % 2 == 0 ? (Pairs(digits), "pairs") : (OneByOne(digits, doubles: true), "double/oh"),
            };
            if (Style == CorpusStyle.SpokenMisheard) spoken = (Mishear(spoken.Item1), spoken.Item2 + ", misheard");
            // People pause inside long numbers, and the recogniser writes the pause: "four one one one uh one one ...".
            if (digits.Length >= 8 && r.Next(5) == 0)
            {
                var words = spoken.Item1.Split(' ').ToList();
                var at = words.Count / 2;
                if (words[at - 1] is not ("double" or "triple")) words.Insert(at, Pick("uh", "um"));
                spoken = (string.Join(' ', words), spoken.Item2 + ", with a filler");
            }
            return spoken;
        }

        private static IEnumerable<string> Groups(string digits, int[] groups)
        {
            var at = 0;
            foreach (var g in groups)
            {
                yield return digits.Substring(at, g);
                at += g;
            }
        }

        private string OneByOne(string digits, bool doubles)
        {
            var words = new List<string>();
            for (var i = 0; i < digits.Length; i++)
            {
                var run = 1;
                while (doubles && i + run < digits.Length && digits[i + run] == digits[i] && run < 3) run++;
                var unit = Unit(digits[i], oh: doubles || r.Next(2) == 0);
                if (run == 1) words.Add(unit);
                else words.Add((run == 2 ? "double " : "triple ") + unit);
                i += run - 1;
            }
            return string.Join(' ', words);
        }

        private static string Pairs(string digits)
        {
            var words = new List<string>();
            for (var i = 0; i + 1 < digits.Length; i += 2) words.Add(Pair(digits.Substring(i, 2)));
            return string.Join(' ', words);
        }

        /// <summary>Some digits heard as their homophones, as pocketsphinx sometimes writes them.</summary>
        private string Mishear(string text) => string.Join(' ', text.Split(' ').Select(w => r.Next(4) == 0
            ? w switch { "four" => "for", "two" => "to", "one" => "won", "eight" => "ate", _ => w }
            : w));
    }

    private static readonly string[] UnitNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    private static readonly string[] TeenNames = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    private static readonly string[] TensNames = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    private static readonly string[] MonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] OrdinalNames =
    [
        "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
        "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second",
        "twenty third", "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh", "twenty eighth",
    ];

    private static string Unit(char d, bool oh) => d == '0' && oh ? "oh" : UnitNames[d - '0'];

    private static string Pair(string p) =>
        p[0] == '0' ? $"oh {UnitNames[p[1] - '0']}"
        : p[0] == '1' ? TeenNames[p[1] - '0']
        : p[1] == '0' ? TensNames[p[0] - '0']
        : $"{TensNames[p[0] - '0']} {UnitNames[p[1] - '0']}";

    /// <summary>A number as it is said in words ("forty two", "a hundred and twenty"): for amounts and years.</summary>
    private static string Words(int n) => n switch
    {
        < 10 => UnitNames[n],
        < 20 => TeenNames[n - 10],
        < 100 => n % 10 == 0 ? TensNames[n / 10] : $"{TensNames[n / 10]} {UnitNames[n % 10]}",
        < 1000 => n % 100 == 0 ? $"{UnitNames[n / 100]} hundred" : $"{UnitNames[n / 100]} hundred and {Words(n % 100)}",
        _ => n % 1000 == 0 ? $"{Words(n / 1000)} thousand" : $"{Words(n / 1000)} thousand {Words(n % 1000)}",
    };

    private static string Year(int y, Random r) => y >= 2000 && y < 2010 || r.Next(3) == 0 && y >= 2000
        ? (y % 100 == 0 ? "two thousand" : $"two thousand and {Words(y % 100)}")
        : $"{Words(y / 100)} {(y % 100 < 10 ? $"oh {UnitNames[y % 100]}" : Words(y % 100))}";

    public static string LuhnComplete(string partial)
    {
        for (var d = 0; d < 10; d++)
        {
            var candidate = partial + (char)('0' + d);
            if (PiiRedactor.Luhn(candidate)) return candidate;
        }
        throw new InvalidOperationException("no Luhn check digit");
    }

    private static void Plant(Builder b, PiiType type)
    {
        var r = b.R;
        switch (type)
        {
            case PiiType.Card:
            {
                var amex = r.Next(4) == 0;
                var digits = LuhnComplete((amex ? b.Pick("34", "37") : b.Pick("4", "5")) + b.Digits(amex ? 12 : 14));
                var (text, form) = b.Say(digits, amex ? new[] { 4, 6, 5 } : new[] { 4, 4, 4, 4 });
                switch (r.Next(4))
                {
                    case 3 when !amex:
                    {
                        // Read in two halves, the agent confirming between them.
                        var (first, f1) = b.Say(digits[..8], [4, 4]);
                        var (second, _) = b.Say(digits[8..], [4, 4]);
                        b.Line(agent: true, "can I take the long number on the card please");
                        b.Line(agent: false, (first, (type, f1 + ", in two halves")));
                        b.Line(agent: true, "yes");
                        b.Line(agent: false, (second, (type, f1 + ", in two halves")));
                        break;
                    }
                    case 0:
                        b.Line(agent: true, "can I take the long number on the card please");
                        b.Line(agent: false, ("yes it's", null), (text, (type, form + ", asked")));
                        break;
                    case 1:
                        b.Line(agent: false, ("my card number is", null), (text, (type, form)), ("thanks", null));
                        break;
                    default:
                        b.Line(agent: true, "how would you like to pay");
                        b.Line(agent: false, ("it's", null), (text, (type, form + ", no cue")));
                        break;
                }
                break;
            }
            case PiiType.Account:
            {
                var (text, form) = b.Say(b.Digits(8), [4, 4]);
                if (r.Next(2) == 0)
                {
                    b.Line(agent: true, "and what's the account number");
                    b.Line(agent: false, ("it's", null), (text, (type, form + ", asked")));
                }
                else b.Line(agent: false, ("my account number is", null), (text, (type, form)));
                break;
            }
            case PiiType.SortCode:
            {
                var (text, form) = b.Say(b.Digits(6), [2, 2, 2]);
                if (r.Next(2) == 0)
                {
                    b.Line(agent: true, "can you give me the sort code");
                    b.Line(agent: false, ("sure", null), (text, (type, form + ", asked")));
                }
                else b.Line(agent: false, ("the sort code is", null), (text, (type, form)));
                break;
            }
            case PiiType.Phone:
            {
                var kind = r.Next(4);
                var digits = kind switch
                {
                    0 => "07" + b.Digits(9),
                    1 => "020" + b.Digits(8),
                    2 => "2345679"[r.Next(7)] + b.Digits(9), // not 8: 800, 888, … are toll-free company numbers
                    _ => "447" + b.Digits(9),
                };
                string text;
                string form;
                if (kind == 2 && b.Written && r.Next(2) == 0)
                    (text, form) = ($"({digits[..3]}) {digits[3..6]}-{digits[6..]}", "written (555) 123-4567");
                else if (kind == 3 && b.Written)
                    (text, form) = ($"+44 {digits[2..6]} {digits[6..]}", "written +44");
                else if (kind == 3)
                {
                    var (rest, f) = b.Say(digits[2..]);
                    (text, form) = ("plus four four " + rest, f + ", plus four four");
                }
                else (text, form) = b.Say(digits, kind == 0 ? new[] { 5, 6 } : kind == 1 ? new[] { 3, 4, 4 } : new[] { 3, 3, 4 });
                // US numbers carry no format of their own when spoken: the question names them.
                if (r.Next(2) == 0 || kind == 2)
                {
                    b.Line(agent: true, "what's the best number to reach you on");
                    b.Line(agent: false, ("it's", null), (text, (type, form + ", asked")));
                }
                else b.Line(agent: false, ("you can get me on", null), (text, (type, form)), ("any time", null));
                break;
            }
            case PiiType.Email:
            {
                var first = b.Pick("john", "sarah", "priya", "tom", "li", "marek", "fatima", "j", "k");
                var last = b.Pick("smith", "jones", "patel", "nowak", "obrien", "chen", "smith85", "w");
                var domain = b.Pick("gmail", "outlook", "example", "yahoo", "btinternet");
                var tld = b.Pick("com", "co.uk", "org", "net");
                var sep = b.Pick(".", "_", "");
                string text;
                string form;
                if (b.Written && r.Next(3) != 0)
                    (text, form) = ($"{first}{sep}{last}@{domain}.{tld}", "written");
                else
                {
                    var sepWord = sep switch { "." => " dot ", "_" => " underscore ", _ => "" };
                    text = $"{first}{sepWord}{last} at {domain} dot {tld.Replace(".", " dot ", StringComparison.Ordinal)}";
                    form = "spelled out";
                }
                if (r.Next(2) == 0)
                {
                    b.Line(agent: true, "and can I take an email address");
                    b.Line(agent: false, ("yes it's", null), (text, (type, form + ", asked")));
                }
                else b.Line(agent: false, ("send it to", null), (text, (type, form)), ("please", null));
                break;
            }
            case PiiType.NiNumber:
            {
                const string firsts = "abceghjklmnprstwxyz";
                const string seconds = "abceghjklmnprstwxyz";
                string prefix;
                do prefix = $"{firsts[r.Next(firsts.Length)]}{seconds[r.Next(seconds.Length)]}";
                while (prefix is "bg" or "gb" or "nk" or "kn" or "tn" or "nt" or "zz");
                var digits = b.Digits(6);
                var suffix = "abcd"[r.Next(4)];
                string text;
                string form;
                if (b.Written)
                    (text, form) = r.Next(2) == 0
                        ? ($"{prefix.ToUpperInvariant()}{digits}{char.ToUpperInvariant(suffix)}", "written")
                        : ($"{prefix.ToUpperInvariant()} {digits[..2]} {digits[2..4]} {digits[4..]} {char.ToUpperInvariant(suffix)}", "written groups");
                else
                {
                    var (said, f) = b.Say(digits);
                    (text, form) = ($"{prefix[0]} {prefix[1]} {said} {suffix}", f);
                }
                if (r.Next(2) == 0)
                {
                    b.Line(agent: true, "and your national insurance number please");
                    b.Line(agent: false, ("it's", null), (text, (type, form + ", asked")));
                }
                else b.Line(agent: false, ("my national insurance number is", null), (text, (type, form)));
                break;
            }
            case PiiType.Ssn:
            {
                var digits = (char)('1' + r.Next(8)) + b.Digits(8);
                if (b.Written && r.Next(2) == 0)
                {
                    b.Line(agent: false, ("it's", null), ($"{digits[..3]}-{digits[3..5]}-{digits[5..]}", (type, "written 123-45-6789, no cue")));
                    break;
                }
                var (text, form) = b.Say(digits);
                b.Line(agent: true, "can I have your social security number");
                b.Line(agent: false, ("yes", null), (text, (type, form + ", asked")));
                break;
            }
            case PiiType.DateOfBirth:
            {
                var year = 1940 + r.Next(66);
                var month = 1 + r.Next(12);
                var day = 1 + r.Next(28);
                var monthName = MonthNames[month - 1];
                string text;
                string form;
                if (b.Written)
                    (text, form) = r.Next(4) switch
                    {
                        0 => (string.Create(CultureInfo.InvariantCulture, $"{day:00}/{month:00}/{year}"), "written 12/03/1985"),
                        1 => (string.Create(CultureInfo.InvariantCulture, $"{day} {monthName} {year}"), "written 12 March 1985"),
                        2 => (string.Create(CultureInfo.InvariantCulture, $"{monthName} {day}{Suffix(day)}, {year}"), "written March 12th, 1985"),
                        _ => (string.Create(CultureInfo.InvariantCulture, $"the {day}{Suffix(day)} of {monthName} {year}"), "written the 12th of March 1985"),
                    };
                else
                    (text, form) = r.Next(3) switch
                    {
                        0 => ($"the {OrdinalNames[day]} of {monthName} {Year(year, r)}", "the twelfth of March"),
                        1 => ($"{monthName} the {OrdinalNames[day]} {Year(year, r)}", "March the twelfth"),
                        _ => (Pair(string.Create(CultureInfo.InvariantCulture, $"{day:00}")) + " " + Pair(string.Create(CultureInfo.InvariantCulture, $"{month:00}"))
                              + " " + Pair(string.Create(CultureInfo.InvariantCulture, $"{year % 100:00}")), "pairs dd mm yy"),
                    };
                switch (r.Next(3))
                {
                    case 0:
                        b.Line(agent: true, "can you confirm your date of birth for me");
                        b.Line(agent: false, ("yes it's", null), (text, (type, form + ", asked")));
                        break;
                    case 1:
                        b.Line(agent: false, ("my date of birth is", null), (text, (type, form)));
                        // A second date in the same breath is not a date of birth.
                        if (r.Next(2) == 0)
                            b.Line(agent: false, ("and I moved here on", null), (b.Written ? "5 May 2019" : "the fifth of may twenty nineteen", null));
                        break;
                    default:
                        b.Line(agent: false, ("I was born on", null), (text, (type, form + ", born on")));
                        break;
                }
                break;
            }
        }
    }

    private static string Suffix(int day) => day is 1 or 21 ? "st" : day is 2 or 22 ? "nd" : day is 3 or 23 ? "rd" : "th";

    /// <summary>Numbers and dates that are not personal data.</summary>
    private static void Negative(Builder b)
    {
        var r = b.R;
        switch (r.Next(10))
        {
            case 9:
            {
                // A company's number with a phone cue: not personal data (the redactor takes any number after "call"
                // for a phone number; the corpus counts that against its precision).
                var digits = b.Pick("0800", "0808", "0345", "0330") + b.Digits(7);
                b.Line(agent: true, ("if it happens again you can call us free on", null), (b.Say(digits, [4, 3, 4]).Text, null));
                break;
            }
            case 0:
                b.Line(agent: false, ("my order number is", null), (b.Say(b.Digits(8), [4, 4]).Text, null));
                break;
            case 1:
            {
                // A 16-digit string that fails the Luhn check: not a card number.
                string digits;
                do digits = b.Digits(16);
                while (PiiRedactor.Luhn(digits));
                b.Line(agent: false, ("the number on the letter says", null), (b.Say(digits, [4, 4, 4, 4]).Text, null));
                break;
            }
            case 2:
            {
                var pounds = 5 + r.Next(2000);
                var pence = r.Next(100);
                var text = b.Written
                    ? string.Create(CultureInfo.InvariantCulture, $"£{pounds:N0}.{pence:00}")
                    : $"{Words(pounds)} pounds {Words(pence)}";
                b.Line(agent: true, ("the balance is", null), (text, null), ("is that right", null));
                break;
            }
            case 3:
            {
                var h = 1 + r.Next(12);
                var m = r.Next(4) * 15;
                var text = b.Written ? string.Create(CultureInfo.InvariantCulture, $"{h}:{m:00}") : m == 0 ? $"{Words(h)} o'clock" : $"{Words(h)} {Words(m)}";
                b.Line(agent: true, ("an engineer can come at", null), (text, null), ("tomorrow", null));
                break;
            }
            case 4:
                b.Line(agent: false, ("the reference is", null), (b.Say(b.Digits(11), [5, 6]).Text, null));
                break;
            case 5:
            {
                var day = 1 + r.Next(28);
                var text = b.Written ? string.Create(CultureInfo.InvariantCulture, $"{day}/{1 + r.Next(12)}/2026") : $"the {OrdinalNames[day]} of {MonthNames[r.Next(12)]}";
                b.Line(agent: true, ("your appointment is on", null), (text, null));
                break;
            }
            case 6:
                b.Line(agent: false, ("I've been a customer for", null), (b.Written ? $"{2 + r.Next(30)}" : Words(2 + r.Next(30)), null), ("years and I've called", null),
                    (b.Written ? $"{3 + r.Next(9)}" : Words(3 + r.Next(9)), null), ("times", null));
                break;
            case 7:
                b.Line(agent: true, ("your ticket number is", null), (b.Say(b.Digits(9)).Text, null), ("for reference", null));
                break;
            default:
                b.Line(agent: false, ("I looked at the website and", null), (b.Written ? $"{100 + r.Next(900)}" : Words(100 + r.Next(900)), null), ("people had the same problem", null));
                break;
        }
    }

    /// <summary>Recall and precision per type of <paramref name="redactor"/> on <paramref name="corpus"/>: a planted item is found when a detection of its type covers one of its words.</summary>
    public static IReadOnlyDictionary<PiiType, (int Planted, int Found, int Detections, int Correct)> Score(PiiRedactor redactor, IEnumerable<CorpusConversation> corpus)
    {
        var counts = PiiTypes.All.ToDictionary(t => t, _ => (Planted: 0, Found: 0, Detections: 0, Correct: 0));
        foreach (var conversation in corpus)
        {
            var detections = redactor.Find(conversation.Transcript.Words);
            foreach (var p in conversation.Planted)
            {
                var c = counts[p.Type];
                var found = detections.Any(d => d.Type == p.Type && d.Indices.Intersect(p.Words).Any());
                counts[p.Type] = (c.Planted + 1, c.Found + (found ? 1 : 0), c.Detections, c.Correct);
            }
            foreach (var d in detections)
            {
                var c = counts[d.Type];
                var correct = conversation.Planted.Any(p => p.Type == d.Type && d.Indices.Intersect(p.Words).Any());
                counts[d.Type] = (c.Planted, c.Found, c.Detections + 1, c.Correct + (correct ? 1 : 0));
            }
        }
        return counts;
    }

    /// <summary>The per-type table the README quotes.</summary>
    public static string Table(IReadOnlyDictionary<PiiType, (int Planted, int Found, int Detections, int Correct)> score)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Type | Planted | Found | Recall | Detections | Correct | Precision |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (type, s) in score)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {PiiTypes.Label(type)} | {s.Planted} | {s.Found} | {Ratio(s.Found, s.Planted)} | {s.Detections} | {s.Correct} | {Ratio(s.Correct, s.Detections)} |"));
        return sb.ToString();
    }

    private static string Ratio(int a, int b) => b == 0 ? "–" : ((double)a / b).ToString("0.000", CultureInfo.InvariantCulture);
}
