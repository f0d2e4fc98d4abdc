namespace CallSentiment.Analysis.Redaction;

/// <summary>The kinds of personal data taken out of transcripts; each has its own placeholder (<see cref="PiiTypes.Placeholder"/>).</summary>
public enum PiiType
{
    /// <summary>A payment card number: 13 to 19 digits that pass the Luhn check.</summary>
    Card,

    /// <summary>A bank account number (UK 8 digits, US up to 17), named as one by the conversation.</summary>
    Account,

    /// <summary>A UK sort code (6 digits) or a US routing number (9 digits).</summary>
    SortCode,

    Phone,

    Email,

    /// <summary>A UK National Insurance number (two letters, six digits, A–D).</summary>
    NiNumber,

    /// <summary>A US Social Security number.</summary>
    Ssn,

    DateOfBirth,
}

public static class PiiTypes
{
    public static IReadOnlyList<PiiType> All { get; } = Enum.GetValues<PiiType>();

    /// <summary>What replaces the words in a stored transcript, e.g. <c>[CARD]</c>.</summary>
    public static string Placeholder(PiiType type) => $"[{Label(type)}]";

    /// <summary>The type's name in placeholders and audit rows (CARD, SORT_CODE, …).</summary>
    public static string Label(PiiType type) => type switch
    {
        PiiType.Card => "CARD",
        PiiType.Account => "ACCOUNT",
        PiiType.SortCode => "SORT_CODE",
        PiiType.Phone => "PHONE",
        PiiType.Email => "EMAIL",
        PiiType.NiNumber => "NI_NUMBER",
        PiiType.Ssn => "SSN",
        PiiType.DateOfBirth => "DOB",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>A word that is a placeholder already (from Amazon Transcribe, or an earlier pass), trailing punctuation allowed.</summary>
    public static bool TryParsePlaceholder(string word, out PiiType type)
    {
        ArgumentNullException.ThrowIfNull(word);
        type = default;
        var end = word.LastIndexOf(']');
        if (!word.StartsWith('[') || end < 2) return false;
        var label = word[1..end];
        foreach (var t in All)
        {
            if (!string.Equals(Label(t), label, StringComparison.Ordinal)) continue;
            type = t;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Amazon Transcribe's PiiEntityType values that cover a type (the service has no type for National Insurance
    /// numbers or dates of birth: the app's own redactor finds those).
    /// </summary>
    public static IReadOnlyList<string> TranscribeEntityTypes(PiiType type) => type switch
    {
        PiiType.Card => ["CREDIT_DEBIT_NUMBER"],
        PiiType.Account => ["BANK_ACCOUNT_NUMBER"],
        PiiType.SortCode => ["BANK_ROUTING"],
        PiiType.Phone => ["PHONE"],
        PiiType.Email => ["EMAIL"],
        PiiType.Ssn => ["SSN"],
        _ => [],
    };

    /// <summary>The placeholder for a word Amazon Transcribe redacted as <paramref name="entityType"/>; <c>[PII]</c> for types outside ours.</summary>
    public static string PlaceholderForTranscribe(string? entityType) => entityType switch
    {
        "CREDIT_DEBIT_NUMBER" or "CREDIT_DEBIT_CVV" or "CREDIT_DEBIT_EXPIRY" => Placeholder(PiiType.Card),
        "BANK_ACCOUNT_NUMBER" => Placeholder(PiiType.Account),
        "BANK_ROUTING" => Placeholder(PiiType.SortCode),
        "PHONE" => Placeholder(PiiType.Phone),
        "EMAIL" => Placeholder(PiiType.Email),
        "SSN" => Placeholder(PiiType.Ssn),
        _ => "[PII]",
    };
}
