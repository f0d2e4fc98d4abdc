namespace CallSentiment.Web.Search;

/// <summary>
/// A piece of a chunk's text around what matched, as parts that are plain or matched: the page writes each part
/// HTML-encoded (matched parts in &lt;mark&gt;), the API returns the text with the matched spans' offsets.
/// </summary>
public sealed record Snippet(string Text, IReadOnlyList<(int Start, int Length)> Spans)
{
    /// <summary>Characters of context kept before the first match, and the snippet's length at most.</summary>
    public const int Before = 80;
    public const int MaxLength = 300;

    public static Snippet Around(string text, IReadOnlyList<(int Start, int Length)> spans)
    {
        if (text.Length <= MaxLength) return new Snippet(text, spans);
        var start = spans.Count == 0 ? 0 : Math.Max(0, spans[0].Start - Before);
        // Cut at a space, so no word is shown in part.
        if (start > 0 && text.IndexOf(' ', start) is var space and >= 0 && space < spans[0].Start) start = space + 1;
        var end = Math.Min(text.Length, start + MaxLength);
        if (end < text.Length && text.LastIndexOf(' ', end - 1, end - start) is var last and > 0 && last > start) end = last;
        var prefix = start > 0 ? "… " : "";
        var cut = prefix + text[start..end] + (end < text.Length ? " …" : "");
        var shift = prefix.Length - start;
        return new Snippet(cut, spans.Where(s => s.Start >= start && s.Start + s.Length <= end).Select(s => (s.Start + shift, s.Length)).ToList());
    }

    /// <summary>The text as (part, matched) in order; overlapping spans are merged.</summary>
    public IEnumerable<(string Part, bool Matched)> Parts()
    {
        var at = 0;
        foreach (var (start, length) in Spans)
        {
            if (start + length <= at) continue;
            var from = Math.Max(start, at);
            if (from > at) yield return (Text[at..from], false);
            yield return (Text[from..(start + length)], true);
            at = start + length;
        }
        if (at < Text.Length) yield return (Text[at..], false);
    }
}
