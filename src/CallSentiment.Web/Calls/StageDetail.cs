using System.Globalization;
using System.Text.Json;

namespace CallSentiment.Web.Calls;

/// <summary>
/// A stage's stored detail (the JSON each analysis stage writes beside its verdict) as words for the call page: what
/// the stage looked at and what it found, so a supervisor need not read JSON.
/// </summary>
public static class StageDetail
{
    /// <summary>What the stage is, for people: "The customer's voice" rather than "voice-emotion".</summary>
    public static string Title(string stage, string? detail = null) => stage switch
    {
        // A mono recording's voice stage judges the whole channel; each speaker's own voice is in the conversation table.
        VoiceEmotionStage.StageName => JudgedRole(detail) == Roles.Mixed ? "The voice of both speakers" : "The customer's voice",
        TranscriptStage.StageName => "The customer's words",
        _ => stage,
    };

    private static string? JudgedRole(string? detail)
    {
        if (string.IsNullOrWhiteSpace(detail)) return null;
        try
        {
            using var d = JsonDocument.Parse(detail);
            return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("judgedRole", out var r)
                && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The detail as sentences; a detail that is not the JSON this version writes is shown as it is.</summary>
    public static string Describe(string stage, string? detail)
    {
        if (string.IsNullOrWhiteSpace(detail)) return "";
        JsonElement d;
        try
        {
            using var doc = JsonDocument.Parse(detail);
            d = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return detail;
        }
        if (d.ValueKind != JsonValueKind.Object) return detail;
        var ci = CultureInfo.InvariantCulture;
        var text = stage switch
        {
            VoiceEmotionStage.StageName => Voice(),
            TranscriptStage.StageName => Words(),
            _ => string.Join("; ", d.EnumerateObject().Where(p => p.Value.ValueKind is not JsonValueKind.Null).Select(p => $"{p.Name}: {p.Value}")) + ".",
        };
        return Str("note") is { Length: > 0 } note ? $"{text} {char.ToUpperInvariant(note[0])}{note[1..]}." : text;

        string Voice()
        {
            if (Num("judgedChannel") is not { } channel) return "No channel was judged: the recording has no customer channel.";
            var who = Str("judgedRole") is "mixed" ? "both speakers, a mono recording" : Str("judgedRole") ?? "the customer";
            var heard = string.Create(ci, $"The emotion model listened to channel {channel:0} ({who}): {Num("windows") ?? 0:0} windows of speech, {Num("voicedSeconds") ?? 0:0.0} s voiced.");
            if (Num("speakerChanges") is > 0 and var changes)
                heard += string.Create(ci, $" Its windows end at the {changes:0} speaker changes the diarization found, so each hears one speaker.");
            if (Num("crosstalkSeconds") is >= 0.05 and var crosstalk)
                heard += string.Create(ci, $" {crosstalk:0.0} s of the other party heard on this channel (echo or crosstalk) were replaced by the line's own noise first.");
            return heard;
        }

        string Words()
        {
            var words = Num("words") ?? 0;
            var chunks = Num("chunks") ?? 0;
            var separation = Str("separation") switch
            {
                "Channels" => "one speaker per channel",
                "Diarization" => "speakers found by diarization",
                _ => "speakers not separated",
            };
            var (language, bySpeaker) = Languages(d);
            // Each speaker's language only when they differ (one customer speaking German to an English-speaking agent).
            var languages = bySpeaker.Values.Distinct(StringComparer.Ordinal).Count() > 1
                ? "; " + (Str("separation") == "Channels" ? "by channel" : "by speaker") + ": " +
                  string.Join(", ", bySpeaker.OrderBy(kv => kv.Key).Select(kv => string.Create(ci, $"{kv.Key} {kv.Value}")))
                : "";
            var s = string.Create(ci, $"Transcribed by {Str("transcriber") ?? "the transcriber"}{(language is { } l ? $" ({l}{languages})" : "")}, {separation}: {words:0} words in {chunks:0} chunks");
            s += string.Create(ci, $"; {Num("scored") ?? 0:0} chunks scored by {Str("scorer") ?? "the scorer"}");
            if (Num("failed") is > 0 and var failed) s += string.Create(ci, $", {failed:0} could not be scored");
            if (Num("notRead") is > 0 and var notRead && d.TryGetProperty("unreadLanguages", out var unread) && unread.ValueKind == JsonValueKind.Array)
                s += string.Create(ci, $"; {notRead:0} in {string.Join(", ", unread.EnumerateArray().Select(u => u.GetString()))} not scored ({Str("scorer") ?? "the scorer"} does not read that language; the voice decides)");
            s += Str("judgedRole") is { } role ? $"; the verdict is the {role}'s words." : ".";
            // Counts only: the values never reach the database.
            if (d.TryGetProperty("redacted", out var redacted) && redacted.ValueKind == JsonValueKind.Object && redacted.EnumerateObject().Any())
                s += " Personal data redacted: " + string.Join(", ", redacted.EnumerateObject().Select(p => string.Create(ci, $"{p.Value.GetInt32()} {p.Name}"))) + ".";
            return s;
        }

        string? Str(string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        double? Num(string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    }

    /// <summary>
    /// The transcript's language and, where the engine told them apart, each speaker's (by speaker number), from the
    /// detail of the transcript stage; nothing for another stage's detail or one that is not JSON.
    /// </summary>
    public static (string? Language, IReadOnlyDictionary<long, string> BySpeaker) Languages(string? detail)
    {
        if (string.IsNullOrWhiteSpace(detail)) return (null, new Dictionary<long, string>());
        try
        {
            using var doc = JsonDocument.Parse(detail);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? Languages(doc.RootElement) : (null, new Dictionary<long, string>());
        }
        catch (JsonException)
        {
            return (null, new Dictionary<long, string>());
        }
    }

    private static (string? Language, IReadOnlyDictionary<long, string> BySpeaker) Languages(JsonElement d)
    {
        var language = d.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        var bySpeaker = new Dictionary<long, string>();
        if (d.TryGetProperty("languages", out var all) && all.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in all.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String && long.TryParse(p.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var speaker))
                    bySpeaker[speaker] = p.Value.GetString()!;
            }
        }
        return (language, bySpeaker);
    }
}
