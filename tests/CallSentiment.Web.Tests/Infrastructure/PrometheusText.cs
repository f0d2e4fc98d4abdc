using System.Globalization;
using System.Text.RegularExpressions;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>Reads series out of a Prometheus text exposition.</summary>
public static partial class PrometheusText
{
    /// <summary>
    /// The value of the first series named <paramref name="name"/> whose labels include <paramref name="labels"/>
    /// (other labels, such as otel_scope_name, may be there too); null when there is none.
    /// </summary>
    public static double? Value(string exposition, string name, params (string Label, string Value)[] labels)
    {
        foreach (Match m in Series().Matches(exposition))
        {
            if (m.Groups["name"].Value != name) continue;
            var set = m.Groups["labels"].Value;
            if (labels.All(l => set.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex Series();
}
