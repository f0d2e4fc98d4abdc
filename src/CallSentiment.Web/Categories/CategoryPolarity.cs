namespace CallSentiment.Web.Categories;

/// <summary>
/// Which way a category counts for coaching. To avoid ("customer mentioned cancelling", "agent did not greet"): fewer
/// tagged calls is better, and an employee who has it often is the one to coach. To encourage ("agent offered a
/// callback", "issue resolved on first call"): more is better, and an employee who rarely has it is the one to coach.
/// Stored as the text of <see cref="CategoryPolarities.Key"/> (migration 0017); every category from before it is to avoid.
/// </summary>
public enum CategoryPolarity
{
    Avoid,
    Encourage,
}

public static class CategoryPolarities
{
    public const string AvoidKey = "avoid";
    public const string EncourageKey = "encourage";

    /// <summary>The stored, API and CSV value: "avoid" or "encourage".</summary>
    public static string Key(this CategoryPolarity p) => p == CategoryPolarity.Encourage ? EncourageKey : AvoidKey;

    /// <summary>How the pages say it: "to avoid" or "to encourage".</summary>
    public static string Label(this CategoryPolarity p) => p == CategoryPolarity.Encourage ? "to encourage" : "to avoid";

    /// <summary>A stored value (anything but "encourage" is to avoid: the column's check allows only the two).</summary>
    public static CategoryPolarity FromKey(string? key) => string.Equals(key, EncourageKey, StringComparison.Ordinal) ? CategoryPolarity.Encourage : CategoryPolarity.Avoid;

    /// <summary>A value from a form or a client: the two keys in any case; nothing (a client from before polarities) is to avoid; anything else null.</summary>
    public static CategoryPolarity? Parse(string? text) => text?.Trim() switch
    {
        null or "" => CategoryPolarity.Avoid,
        var t when string.Equals(t, AvoidKey, StringComparison.OrdinalIgnoreCase) => CategoryPolarity.Avoid,
        var t when string.Equals(t, EncourageKey, StringComparison.OrdinalIgnoreCase) => CategoryPolarity.Encourage,
        _ => null,
    };
}
