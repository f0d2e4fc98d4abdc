using System.Globalization;
using System.Text;

namespace CallSentiment.Analysis.Diarization;

/// <summary>One speaker turn with a textual speaker label, as RTTM and the DER scorer see it (times in seconds).</summary>
public sealed record SpeakerTurn(string Speaker, double Start, double End)
{
    public double Duration => End - Start;
}

/// <summary>
/// NIST RTTM, SPEAKER lines only: <c>SPEAKER file 1 start duration &lt;NA&gt; &lt;NA&gt; speaker &lt;NA&gt; &lt;NA&gt;</c>.
/// Other line types (SPKR-INFO, LEXEME, ...) and ";;" comments are skipped, as md-eval does for speaker scoring.
/// </summary>
public static class Rttm
{
    /// <summary>Parses SPEAKER lines; if <paramref name="fileId"/> is given, only that file's turns are kept.</summary>
    /// <exception cref="FormatException">A SPEAKER line is malformed (the message names the line number).</exception>
    public static IReadOnlyList<SpeakerTurn> Parse(string text, string? fileId = null)
    {
        var turns = new List<SpeakerTurn>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(";;", StringComparison.Ordinal)) continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (!string.Equals(f[0], "SPEAKER", StringComparison.Ordinal)) continue;
            if (f.Length < 8)
                throw new FormatException($"RTTM line {lineNo}: SPEAKER needs at least 8 fields (type file channel start duration ortho stype name), got {f.Length}");
            if (fileId is not null && !string.Equals(f[1], fileId, StringComparison.Ordinal)) continue;
            if (!double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var start) || !double.IsFinite(start) || start < 0)
                throw new FormatException($"RTTM line {lineNo}: start '{f[3]}' is not a non-negative number of seconds");
            if (!double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration) || !double.IsFinite(duration) || duration < 0)
                throw new FormatException($"RTTM line {lineNo}: duration '{f[4]}' is not a non-negative number of seconds");
            turns.Add(new SpeakerTurn(f[7], start, start + duration));
        }
        return turns;
    }

    public static IReadOnlyList<SpeakerTurn> Load(string path, string? fileId = null) => Parse(File.ReadAllText(path), fileId);

    /// <summary>RTTM text for one file (channel 1), times with millisecond precision.</summary>
    public static string Format(string fileId, IEnumerable<SpeakerTurn> turns)
    {
        if (string.IsNullOrWhiteSpace(fileId) || fileId.Any(char.IsWhiteSpace))
            throw new ArgumentException($"RTTM file id must be one non-empty token (got '{fileId}')", nameof(fileId));
        var sb = new StringBuilder();
        foreach (var t in turns.OrderBy(t => t.Start))
        {
            if (string.IsNullOrEmpty(t.Speaker) || t.Speaker.Any(char.IsWhiteSpace))
                throw new ArgumentException($"RTTM speaker name must be one non-empty token (got '{t.Speaker}')", nameof(turns));
            sb.Append(CultureInfo.InvariantCulture,
                $"SPEAKER {fileId} 1 {t.Start:0.000} {t.End - t.Start:0.000} <NA> <NA> {t.Speaker} <NA> <NA>\n");
        }
        return sb.ToString();
    }

    /// <summary>Diarizer output as RTTM turns, speakers named "spk0", "spk1", ...</summary>
    public static IReadOnlyList<SpeakerTurn> FromSegments(IEnumerable<Transcription.SpeechSegment> segments) =>
        segments.Select(s => new SpeakerTurn(string.Create(CultureInfo.InvariantCulture, $"spk{s.Speaker}"), s.Start, s.End)).ToList();
}
