using System.Globalization;
using System.Text.Json;

namespace CallSentiment.Analysis.Transcription.Aws;

/// <summary>
/// Reads Amazon Transcribe's batch output JSON (<c>results.items</c>, <c>results.channel_labels</c>,
/// <c>results.speaker_labels</c>, <c>results.language_code</c>) into the shared <see cref="Transcript"/>.
/// </summary>
public static class AmazonTranscriptParser
{
    public const string EngineName = "amazon-transcribe";

    /// <summary>Words of one speaker closer than this are one stretch of speech.</summary>
    public const double MaxGapSeconds = 0.5;

    public static Transcript Parse(ReadOnlySpan<byte> json, double durationSeconds, string? fallbackLanguage = null)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the Transcribe output is not JSON: {e.Message}", e);
        }
        using (doc)
            return Parse(doc.RootElement, durationSeconds, fallbackLanguage);
    }

    public static Transcript Parse(JsonElement root, double durationSeconds, string? fallbackLanguage = null)
    {
        if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("the Transcribe output has no 'results' object");
        var language = results.TryGetProperty("language_code", out var lc) && lc.ValueKind == JsonValueKind.String
            ? lc.GetString()!
            : fallbackLanguage ?? "";

        if (results.TryGetProperty("channel_labels", out var channelLabels) && channelLabels.ValueKind == JsonValueKind.Object
            && channelLabels.TryGetProperty("channels", out var channels) && channels.ValueKind == JsonValueKind.Array)
        {
            var words = new List<TranscriptWord>();
            var ids = new SortedSet<int>();
            foreach (var channel in channels.EnumerateArray())
            {
                var id = LabelNumber(Str(channel, "channel_label") ?? throw new InvalidDataException("a channel without channel_label"), "ch_");
                ids.Add(id);
                if (channel.TryGetProperty("items", out var items)) words.AddRange(Words(items, _ => id));
            }
            if (channelLabels.TryGetProperty("number_of_channels", out var count) && count.TryGetInt32(out var n))
                for (var i = 0; i < n; i++) ids.Add(i);
            words.Sort(ByTime);
            var speakers = ids.Select(i => new TranscriptSpeaker(i, i, $"ch_{i}")).ToArray();
            return new Transcript(EngineName, language, SpeakerSeparation.Channels, speakers, words, MergeSpeech(words), durationSeconds);
        }

        var all = results.TryGetProperty("items", out var topItems) ? topItems : default;
        if (results.TryGetProperty("speaker_labels", out var speakerLabels) && speakerLabels.ValueKind == JsonValueKind.Object)
        {
            var words = all.ValueKind == JsonValueKind.Array
                ? Words(all, item => Str(item, "speaker_label") is { } l ? LabelNumber(l, "spk_") : -1).ToList()
                : [];
            var segments = new List<SpeechSegment>();
            var ids = new SortedSet<int>(words.Where(w => w.Speaker >= 0).Select(w => w.Speaker));
            if (speakerLabels.TryGetProperty("segments", out var segs) && segs.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in segs.EnumerateArray())
                {
                    var id = LabelNumber(Str(s, "speaker_label") ?? throw new InvalidDataException("a speaker segment without speaker_label"), "spk_");
                    ids.Add(id);
                    segments.Add(new SpeechSegment(id, Time(s, "start_time"), Time(s, "end_time")));
                }
            }
            // Older output leaves speaker_label off the items and lists them only in the segments.
            if (words.Any(w => w.Speaker < 0))
                words = words.Select(w => w.Speaker >= 0 ? w : w with { Speaker = SpeakerAt(segments, w) }).ToList();
            words.Sort(ByTime);
            segments.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Speaker.CompareTo(b.Speaker));
            if (segments.Count == 0) segments = MergeSpeech(words);
            var speakers = ids.Select(i => new TranscriptSpeaker(i, null, $"spk_{i}")).ToArray();
            return new Transcript(EngineName, language, SpeakerSeparation.Diarization, speakers, words, segments, durationSeconds);
        }

        var plain = all.ValueKind == JsonValueKind.Array ? Words(all, _ => 0).ToList() : [];
        plain.Sort(ByTime);
        return new Transcript(EngineName, language, SpeakerSeparation.None, [new TranscriptSpeaker(0, null, "speaker")], plain, MergeSpeech(plain), durationSeconds);
    }

    /// <summary>Pronunciations become words; a punctuation item is appended to the word before it.</summary>
    private static List<TranscriptWord> Words(JsonElement items, Func<JsonElement, int> speakerOf)
    {
        var words = new List<TranscriptWord>();
        if (items.ValueKind != JsonValueKind.Array) return words;
        foreach (var item in items.EnumerateArray())
        {
            var type = Str(item, "type");
            var (content, confidence) = BestAlternative(item);
            if (type == "punctuation")
            {
                if (words.Count > 0) words[^1] = words[^1] with { Text = words[^1].Text + content };
                continue;
            }
            if (type != "pronunciation") continue;
            // Transcribe's own redaction: "[PII]" with the entity's type beside it becomes the app's typed placeholder.
            if (content == "[PII]") content = Redaction.PiiTypes.PlaceholderForTranscribe(RedactedType(item));
            words.Add(new TranscriptWord(speakerOf(item), Time(item, "start_time"), Time(item, "end_time"), content, confidence));
        }
        return words;
    }

    /// <summary>The PiiEntityType of a redacted item (<c>alternatives[0].redactions[0].type</c>), or null.</summary>
    private static string? RedactedType(JsonElement item) =>
        item.TryGetProperty("alternatives", out var alts) && alts.ValueKind == JsonValueKind.Array && alts.GetArrayLength() > 0
        && alts[0].TryGetProperty("redactions", out var r) && r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > 0
            ? Str(r[0], "type")
            : null;

    private static (string Content, double Confidence) BestAlternative(JsonElement item)
    {
        if (!item.TryGetProperty("alternatives", out var alts) || alts.ValueKind != JsonValueKind.Array || alts.GetArrayLength() == 0)
            throw new InvalidDataException("an item without alternatives");
        var best = alts[0];
        var content = Str(best, "content") ?? throw new InvalidDataException("an alternative without content");
        var confidence = best.TryGetProperty("confidence", out var c) ? Number(c, "confidence") : 1.0;
        return (content, Math.Clamp(confidence, 0, 1));
    }

    private static List<SpeechSegment> MergeSpeech(List<TranscriptWord> words)
    {
        var segments = new List<SpeechSegment>();
        foreach (var group in words.GroupBy(w => w.Speaker))
        {
            SpeechSegment? current = null;
            foreach (var w in group.OrderBy(w => w.Start))
            {
                if (current is not null && w.Start - current.End <= MaxGapSeconds)
                {
                    current = current with { End = Math.Max(current.End, w.End) };
                    continue;
                }
                if (current is not null) segments.Add(current);
                current = new SpeechSegment(w.Speaker, w.Start, w.End);
            }
            if (current is not null) segments.Add(current);
        }
        segments.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Speaker.CompareTo(b.Speaker));
        return segments;
    }

    private static int SpeakerAt(List<SpeechSegment> segments, TranscriptWord w)
    {
        var mid = (w.Start + w.End) / 2;
        return segments.FirstOrDefault(s => s.Start <= mid && mid <= s.End)?.Speaker ?? 0;
    }

    private static int ByTime(TranscriptWord a, TranscriptWord b) =>
        a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Speaker.CompareTo(b.Speaker);

    private static int LabelNumber(string label, string prefix) =>
        label.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(label.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException($"unexpected label '{label}' (expected {prefix}N)");

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? Number(v, name) : throw new InvalidDataException($"an item without {name}");

    /// <summary>Transcribe writes times and confidences as strings ("0.44"); numbers are accepted too.</summary>
    private static double Number(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new InvalidDataException($"{name} '{v}' is not a number"),
    };
}
