namespace CallSentiment.Analysis.Transcription.Aws;

/// <summary>
/// The values of Transcribe's <c>LanguageCode</c> enum (service model 2017-10-26, botocore
/// <c>data/transcribe/2017-10-26/service-2.json</c>), which the service enforces for <c>LanguageCode</c> and each
/// <c>LanguageOptions</c> entry. Checked at start, so a typo ("en-UK") stops the app instead of failing every job.
/// </summary>
public static class TranscribeLanguages
{
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "af-ZA", "ar-AE", "ar-SA", "da-DK", "de-CH", "de-DE", "en-AB", "en-AU", "en-GB", "en-IE", "en-IN", "en-US", "en-WL",
        "es-ES", "es-US", "fa-IR", "fr-CA", "fr-FR", "he-IL", "hi-IN", "id-ID", "it-IT", "ja-JP", "ko-KR", "ms-MY", "nl-NL",
        "pt-BR", "pt-PT", "ru-RU", "ta-IN", "te-IN", "tr-TR", "zh-CN", "zh-TW", "th-TH", "en-ZA", "en-NZ", "vi-VN", "sv-SE",
        "ab-GE", "ast-ES", "az-AZ", "ba-RU", "be-BY", "bg-BG", "bn-IN", "bs-BA", "ca-ES", "ckb-IQ", "ckb-IR", "cs-CZ",
        "cy-WL", "el-GR", "et-ET", "eu-ES", "fi-FI", "gl-ES", "gu-IN", "ha-NG", "hr-HR", "hu-HU", "hy-AM", "is-IS", "ka-GE",
        "kab-DZ", "kk-KZ", "kn-IN", "ky-KG", "lg-IN", "lt-LT", "lv-LV", "mhr-RU", "mi-NZ", "mk-MK", "ml-IN", "mn-MN",
        "mr-IN", "mt-MT", "no-NO", "or-IN", "pa-IN", "pl-PL", "ps-AF", "ro-RO", "rw-RW", "si-LK", "sk-SK", "sl-SI", "so-SO",
        "sr-RS", "su-ID", "sw-BI", "sw-KE", "sw-RW", "sw-TZ", "sw-UG", "tl-PH", "tt-RU", "ug-CN", "uk-UA", "uz-UZ", "wo-SN",
        "zu-ZA",
    };

    public static bool IsValid(string? code) => code is not null && All.Contains(code);

    /// <summary>"en-UK is not a language Transcribe knows (did you mean en-GB?)" style message naming the setting.</summary>
    public static string Problem(string setting, string code)
    {
        var language = code.Split('-')[0];
        var near = All.Where(c => c.Split('-')[0].Equals(language, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        var hint = near.Count > 0 ? $" (for '{language}' it knows {string.Join(", ", near)})" : "";
        return $"{setting} '{code}' is not one of Amazon Transcribe's language codes{hint}";
    }
}
