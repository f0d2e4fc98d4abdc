namespace CallSentiment.Analysis.Transcription;

/// <summary>Word-level Levenshtein alignment counts, as sclite reports them (errors = S + D + I).</summary>
public readonly record struct WordErrors(int ReferenceWords, int Substitutions, int Deletions, int Insertions)
{
    public int Errors => Substitutions + Deletions + Insertions;

    public double Rate => ReferenceWords == 0 ? (Errors == 0 ? 0 : 1) : (double)Errors / ReferenceWords;

    public static WordErrors operator +(WordErrors a, WordErrors b) =>
        new(a.ReferenceWords + b.ReferenceWords, a.Substitutions + b.Substitutions, a.Deletions + b.Deletions, a.Insertions + b.Insertions);

    /// <summary>Minimum-edit alignment of two word sequences; ties prefer substitutions, as sclite's default costs do.</summary>
    public static WordErrors Align(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis)
    {
        var n = reference.Count;
        var m = hypothesis.Count;
        // cost and (S, D, I) of the best path to each cell.
        var cost = new int[n + 1, m + 1];
        var ops = new (int S, int D, int I)[n + 1, m + 1];
        for (var i = 1; i <= n; i++) { cost[i, 0] = i; ops[i, 0] = (0, i, 0); }
        for (var j = 1; j <= m; j++) { cost[0, j] = j; ops[0, j] = (0, 0, j); }
        for (var i = 1; i <= n; i++)
        {
            for (var j = 1; j <= m; j++)
            {
                var same = string.Equals(reference[i - 1], hypothesis[j - 1], StringComparison.Ordinal);
                var diag = cost[i - 1, j - 1] + (same ? 0 : 1);
                var del = cost[i - 1, j] + 1;
                var ins = cost[i, j - 1] + 1;
                if (diag <= del && diag <= ins)
                {
                    cost[i, j] = diag;
                    var o = ops[i - 1, j - 1];
                    ops[i, j] = same ? o : (o.S + 1, o.D, o.I);
                }
                else if (del <= ins)
                {
                    cost[i, j] = del;
                    var o = ops[i - 1, j];
                    ops[i, j] = (o.S, o.D + 1, o.I);
                }
                else
                {
                    cost[i, j] = ins;
                    var o = ops[i, j - 1];
                    ops[i, j] = (o.S, o.D, o.I + 1);
                }
            }
        }
        var r = ops[n, m];
        return new WordErrors(n, r.S, r.D, r.I);
    }

    /// <summary>Splits lowercase text into words on white space.</summary>
    public static string[] Words(string text) =>
        text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
