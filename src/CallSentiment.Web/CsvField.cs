namespace CallSentiment.Web;

/// <summary>Fields of the CSV files people download (the call list, QA corrections).</summary>
public static class CsvField
{
    /// <summary>Quotes a field when needed (RFC 4180) and defuses spreadsheet formulas (a value starting with = + - @).</summary>
    public static string Safe(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
        return Quoted(value);
    }

    /// <summary>Quotes a field when needed, keeping it exact (a value a program reads back, such as a recording's key).</summary>
    public static string Quoted(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
