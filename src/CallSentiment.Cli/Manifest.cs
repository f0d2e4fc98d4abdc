using System.Text;

namespace CallSentiment.Cli;

internal sealed record ManifestRow(string Path, string Speaker, string Emotion, string Corpus);

/// <summary>Reads a dataset manifest (CSV with a header naming at least path, speaker, emotion).</summary>
internal static class Manifest
{
    public static List<ManifestRow> Read(string file)
    {
        using var reader = new StreamReader(file, Encoding.UTF8);
        var header = Split(reader.ReadLine() ?? throw new UsageException($"{file}: empty manifest"));
        int Col(string name, bool required = true)
        {
            var i = header.FindIndex(h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
            if (i < 0 && required) throw new UsageException($"{file}: the header has no '{name}' column (has: {string.Join(",", header)})");
            return i;
        }
        int path = Col("path"), speaker = Col("speaker"), emotion = Col("emotion"), corpus = Col("corpus", required: false);
        var rows = new List<ManifestRow>();
        string? line;
        var lineNo = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var f = Split(line);
            if (f.Count <= Math.Max(path, Math.Max(speaker, emotion)))
                throw new UsageException($"{file}:{lineNo}: expected {header.Count} columns, found {f.Count}");
            rows.Add(new ManifestRow(f[path], f[speaker], f[emotion].Trim().ToLowerInvariant(), corpus >= 0 && corpus < f.Count ? f[corpus] : ""));
        }
        return rows;
    }

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
