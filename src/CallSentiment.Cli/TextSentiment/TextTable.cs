using System.Text;

namespace CallSentiment.Cli.TextSentiment;

/// <summary>
/// A labelled text file: CSV by RFC 4180 (quoted fields with commas, doubled quotes and line breaks), or
/// tab-separated without quoting when the name ends in .tsv or .txt. The first row is the header.
/// </summary>
internal sealed class TextTable
{
    private TextTable(string path, string[] header, List<string[]> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
    }

    public string Path { get; }

    public string[] Header { get; }

    public List<string[]> Rows { get; }

    public static TextTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Input file not found: {path}", path);
        var text = File.ReadAllText(path, Encoding.UTF8);
        var tabs = path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase);
        var records = tabs ? ParseTsv(text) : ParseCsv(text, path);
        if (records.Count == 0) throw new InvalidDataException($"{path} is empty (a header row is needed)");
        return new TextTable(path, records[0], records.GetRange(1, records.Count - 1));
    }

    /// <summary>The index of a column; a missing column is an error that lists the columns there are.</summary>
    public int Column(string name)
    {
        var i = Array.FindIndex(Header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        if (i < 0)
            throw new UsageException($"{Path} has no column '{name}' (columns found: {string.Join(", ", Header.Select(h => $"'{h}'"))})");
        return i;
    }

    private static List<string[]> ParseTsv(string text)
    {
        var rows = new List<string[]>();
        foreach (var line in text.Split('\n'))
        {
            var l = line.TrimEnd('\r');
            if (l.Length > 0) rows.Add(l.Split('\t'));
        }
        return rows;
    }

    internal static List<string[]> ParseCsv(string text, string source)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        var line = 1;
        var rowHasContent = false;
        if (text.Length > 0 && text[0] == '\uFEFF') i = 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && field.Length == 0)
            {
                var startLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new InvalidDataException($"{source}:{startLine}: a quoted field is never closed");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') line++;
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                    throw new InvalidDataException($"{source}:{line}: unexpected character '{text[i]}' after a closing quote");
                rowHasContent = true;
                continue;
            }
            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                rowHasContent = true;
                i++;
                continue;
            }
            if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                i++;
                line++;
                if (rowHasContent || field.Length > 0)
                {
                    fields.Add(field.ToString());
                    rows.Add([.. fields]);
                }
                fields.Clear();
                field.Clear();
                rowHasContent = false;
                continue;
            }
            field.Append(c);
            rowHasContent = true;
            i++;
        }
        if (rowHasContent || field.Length > 0)
        {
            fields.Add(field.ToString());
            rows.Add([.. fields]);
        }
        return rows;
    }
}

/// <summary>Gold labels: negative/neutral/positive in any case, or 0/1/2 in that order.</summary>
internal static class GoldLabel
{
    public static readonly string[] Names = ["negative", "neutral", "positive"];

    /// <summary>0 negative, 1 neutral, 2 positive, or -1 for anything else.</summary>
    public static int Parse(string raw)
    {
        var s = raw.Trim();
        if (s is "0") return 0;
        if (s is "1") return 1;
        if (s is "2") return 2;
        return Array.FindIndex(Names, n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase));
    }
}
