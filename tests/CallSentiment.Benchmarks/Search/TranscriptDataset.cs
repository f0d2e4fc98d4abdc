using System.Globalization;
using System.Text;

namespace CallSentiment.Benchmarks.Search;

/// <summary>
/// Transcripts for the benchmark's calls, deterministic per call: <see cref="ChunksPerCall"/> turns, agent and customer
/// in turn, each a call-centre phrase (greetings, account checks, complaints, payments, deliveries, cancellations;
/// some phrases common, some rare) followed by 4–8 words drawn from a Zipf distribution (s = 1) over a vocabulary of
/// <see cref="VocabularySize"/> words: ~300 everyday call-centre words first (account, payment, delivery …), then
/// made-up words of three syllables (product names, places, surnames), so the most common words are in a large part
/// of all chunks and the rarest in a handful.
/// </summary>
internal sealed class TranscriptDataset
{
    public const int VocabularySize = 200_000;

    private static readonly string[] Common =
    [
        "account", "payment", "order", "card", "refund", "delivery", "number", "help", "problem", "today", "please", "bill", "charge", "money",
        "week", "phone", "address", "email", "service", "contract", "cancel", "balance", "month", "date", "details", "time", "reference", "direct",
        "debit", "bank", "transfer", "parcel", "package", "tracking", "courier", "store", "online", "website", "app", "password", "login", "reset",
        "code", "customer", "manager", "complaint", "issue", "broken", "damaged", "wrong", "missing", "late", "early", "return", "exchange", "item",
        "price", "discount", "offer", "upgrade", "plan", "tariff", "internet", "broadband", "router", "engineer", "appointment", "visit", "morning",
        "afternoon", "evening", "tomorrow", "yesterday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "invoice", "receipt",
        "statement", "letter", "post", "text", "message", "call", "back", "line", "hold", "transfer", "department", "team", "supervisor", "colleague",
        "system", "error", "update", "change", "name", "postcode", "house", "flat", "street", "town", "city", "country", "abroad", "travel",
        "insurance", "claim", "policy", "cover", "renewal", "quote", "premium", "excess", "car", "home", "pet", "life", "health", "dental", "mobile",
        "sim", "data", "roaming", "signal", "coverage", "network", "outage", "fault", "repair", "replacement", "warranty", "guarantee", "credit",
        "debt", "arrears", "overdue", "reminder", "fee", "penalty", "interest", "rate", "loan", "mortgage", "savings", "pension", "tax", "benefit",
        "energy", "gas", "electricity", "meter", "reading", "estimate", "usage", "tariff", "switch", "supplier", "fix", "variable", "standing",
        "cheaper", "expensive", "double", "twice", "again", "still", "never", "always", "already", "waiting", "weeks", "days", "hours", "minutes",
        "seconds", "ago", "since", "until", "before", "after", "sorry", "thanks", "great", "fine", "okay", "sure", "right", "yes", "no", "maybe",
        "really", "very", "quite", "just", "only", "also", "too", "much", "many", "some", "any", "every", "each", "other", "another", "same",
        "different", "new", "old", "first", "last", "next", "second", "third", "full", "half", "quarter", "hundred", "thousand", "pounds", "pence",
        "dollars", "euros", "cash", "cheque", "paypal", "visa", "mastercard", "amex", "expiry", "security", "verification", "identity", "fraud",
        "suspicious", "blocked", "frozen", "unlock", "activate", "deactivate", "close", "open", "opened", "closed", "complete", "pending", "approved",
        "declined", "rejected", "accepted", "confirmed", "booked", "rescheduled", "cancelled", "delayed", "arrived", "sent", "received", "lost",
        "found", "stolen", "recorded", "noted", "escalated", "resolved", "unresolved", "urgent", "important", "serious", "ridiculous", "unacceptable",
        "disappointed", "frustrated", "annoyed", "happy", "pleased", "grateful", "helpful", "useless", "rude", "polite", "patient", "quick", "slow",
    ];

    private static readonly string[] AgentPhrases =
    [
        "thank you for calling how can I help you today", "can I take your account number please", "let me just check that for you",
        "I'm sorry to hear that", "can you confirm your date of birth and postcode", "I can see the payment on your account",
        "I'll raise a refund for you now", "is there anything else I can help with today", "thank you for your patience",
        "I'll put you on hold for a moment", "I can arrange a replacement", "the engineer can visit on", "I've escalated this to my manager",
        "you should receive an email confirmation", "I can offer you a discount on your next bill", "I'll transfer you to the right department",
        "I understand your frustration", "the direct debit mandate has been cancelled", "your complaint reference number is",
        "please allow three to five working days",
    ];

    private static readonly string[] CustomerPhrases =
    [
        "I want to cancel my account", "my card was charged twice", "the delivery never arrived", "I've been waiting for two weeks",
        "can you help me with my bill", "I'd like to speak to a manager", "nobody called me back", "the parcel was left with a neighbour",
        "I forgot my password", "why has my bill gone up", "I was promised a refund", "the router keeps dropping the connection",
        "I need to change my address", "this is the third time I've called", "I'm moving house next month", "thank you that's really helpful",
        "I didn't authorise this payment", "the item arrived damaged", "can I pay by direct debit", "I want to make a complaint",
    ];

    // Phrase weights: the first phrases are said in many calls, the last rarely (Zipf over the phrase list too).
    private static readonly double[] PhraseCumulative = Cumulative(Enumerable.Range(1, 20).Select(r => 1.0 / r).ToArray());

    private readonly string[] _vocabulary;
    private readonly double[] _wordCumulative;
    private readonly int _seed;

    public TranscriptDataset(int chunksPerCall, int seed)
    {
        ChunksPerCall = chunksPerCall;
        _seed = seed;
        _vocabulary = new string[VocabularySize];
        var distinct = Common.Distinct(StringComparer.Ordinal).ToArray();
        Array.Copy(distinct, _vocabulary, distinct.Length);
        string[] onsets = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr", "qu", "r", "s", "sh", "st", "t", "tr", "v", "w", "z"];
        string[] nuclei = ["a", "e", "i", "o", "u", "ai", "ea", "oo", "ou", "y"];
        string[] codas = ["", "n", "l", "r", "s", "x", "m", "ck", "nd", "th"];
        var seen = new HashSet<string>(distinct, StringComparer.Ordinal);
        var rng = new Random(seed * 7919);
        var builder = new StringBuilder();
        for (var i = distinct.Length; i < VocabularySize;)
        {
            builder.Clear();
            for (var s = 0; s < 3; s++) builder.Append(onsets[rng.Next(onsets.Length)]).Append(nuclei[rng.Next(nuclei.Length)]).Append(codas[rng.Next(codas.Length)]);
            if (seen.Add(builder.ToString())) _vocabulary[i++] = builder.ToString();
        }
        _wordCumulative = Cumulative(Enumerable.Range(1, VocabularySize).Select(r => 1.0 / r).ToArray());
    }

    public int ChunksPerCall { get; }

    /// <summary>The word of a Zipf rank (1 = the most common).</summary>
    public string WordOfRank(int rank) => _vocabulary[rank - 1];

    /// <summary>One turn of a call: who speaks, when (from the call's start) and what was said.</summary>
    public (string Role, long StartMs, long EndMs, string Text) Chunk(long durationMs, int seq, Random rng)
    {
        var role = seq % 2 == 0 ? "agent" : "customer";
        var phrases = role == "agent" ? AgentPhrases : CustomerPhrases;
        // Every call opens with the greeting; the other turns pick a phrase by weight.
        var phrase = seq == 0 ? AgentPhrases[0] : phrases[Pick(PhraseCumulative, rng)];
        var text = new StringBuilder(phrase);
        var words = 4 + rng.Next(5);
        for (var w = 0; w < words; w++) text.Append(' ').Append(_vocabulary[Pick(_wordCumulative, rng)]);
        var slot = durationMs / ChunksPerCall;
        var start = seq * slot;
        return (role, start, start + slot * 9 / 10, text.ToString());
    }

    /// <summary>A call's own generator, so any call's transcript can be made again without the others.</summary>
    public Random For(long callId) => new(unchecked(_seed * 1_000_003 + (int)callId));

    private static double[] Cumulative(double[] weights)
    {
        var c = new double[weights.Length];
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++) c[i] = total += weights[i];
        return c;
    }

    private static int Pick(double[] cumulative, Random rng)
    {
        var i = Array.BinarySearch(cumulative, rng.NextDouble() * cumulative[^1]);
        return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
    }

    public static string Describe(int chunksPerCall) => string.Create(CultureInfo.InvariantCulture,
        $"{chunksPerCall} chunks per call (agent and customer in turn), each a call-centre phrase (20 per side, Zipf-weighted; the greeting opens every call) plus 4-8 words drawn Zipf (s=1) from {VocabularySize:N0} words (~300 everyday call-centre words, then made-up three-syllable words)");
}
