namespace CallSentiment.Analysis.Diarization;

/// <summary>
/// Diarization error rate and its parts, in seconds of scored reference speech. <see cref="Mapping"/> is the
/// one-to-one reference → hypothesis speaker mapping that maximised the overlap (unmapped speakers are absent).
/// </summary>
public sealed record DiarizationErrorResult(
    double Missed,
    double FalseAlarm,
    double Confusion,
    double ReferenceSpeech,
    double ScoredSeconds,
    IReadOnlyDictionary<string, string> Mapping)
{
    /// <summary>(missed + false alarm + confusion) / reference speech; 0 when there is no reference speech and no error.</summary>
    public double Der => ReferenceSpeech > 0
        ? (Missed + FalseAlarm + Confusion) / ReferenceSpeech
        : Missed + FalseAlarm + Confusion > 0 ? double.PositiveInfinity : 0;
}

/// <summary>
/// DER as NIST md-eval computes it for SPEAKER data. The scored region is the UEM (by default from the first
/// reference start to the last reference end, as md-eval does without a UEM file) minus a no-score collar of ±collar
/// seconds around every reference turn boundary (and, with skipOverlap, minus the time where the reference has
/// two or more speakers). Over each stretch of the scored region with N_ref reference and N_hyp hypothesis speakers
/// of which N_correct are mapped pairs speaking together: missed += d·max(0, N_ref − N_hyp),
/// false alarm += d·max(0, N_hyp − N_ref), confusion += d·(min(N_ref, N_hyp) − N_correct), and the reference speech
/// is d·N_ref, so overlapped reference speech counts once per speaker. The mapping maximises the total scored time
/// in which a reference speaker and its mapped hypothesis speaker speak together (Hungarian algorithm).
/// </summary>
public static class DiarizationError
{
    public static DiarizationErrorResult Compute(
        IReadOnlyList<SpeakerTurn> reference,
        IReadOnlyList<SpeakerTurn> hypothesis,
        double collar = 0.25,
        bool skipOverlap = false,
        (double Start, double End)? uem = null)
    {
        if (!(collar >= 0) || !double.IsFinite(collar)) throw new ArgumentOutOfRangeException(nameof(collar), collar, "collar must be a non-negative number of seconds");
        Validate(reference, nameof(reference));
        Validate(hypothesis, nameof(hypothesis));

        var refSpeakers = reference.Select(t => t.Speaker).Distinct(StringComparer.Ordinal).ToArray();
        var hypSpeakers = hypothesis.Select(t => t.Speaker).Distinct(StringComparer.Ordinal).ToArray();
        var refTurns = ByIndex(reference, refSpeakers);
        var hypTurns = ByIndex(hypothesis, hypSpeakers);

        var region = uem ?? (reference.Count == 0 ? (0, 0) : (reference.Min(t => t.Start), reference.Max(t => t.End)));
        if (region.End < region.Start) throw new ArgumentException($"UEM end {region.End} is before its start {region.Start}", nameof(uem));

        var noScore = new List<(double Start, double End)>();
        if (collar > 0)
            foreach (var t in reference) { noScore.Add((t.Start - collar, t.Start + collar)); noScore.Add((t.End - collar, t.End + collar)); }

        var cuts = new SortedSet<double> { region.Start, region.End };
        foreach (var (s, e) in noScore) { cuts.Add(s); cuts.Add(e); }
        foreach (var t in reference.Concat(hypothesis)) { cuts.Add(t.Start); cuts.Add(t.End); }
        var times = cuts.Where(t => t >= region.Start && t <= region.End).ToArray();

        // Elementary stretches between consecutive cut points: nothing changes inside one.
        var stretches = new List<(double Duration, int[] Ref, int[] Hyp)>();
        var cooccurrence = new double[refSpeakers.Length, hypSpeakers.Length];
        double scored = 0;
        for (var i = 0; i + 1 < times.Length; i++)
        {
            var d = times[i + 1] - times[i];
            if (d <= 0) continue;
            var mid = (times[i] + times[i + 1]) / 2;
            if (noScore.Any(z => mid > z.Start && mid < z.End)) continue;
            var r = Active(refTurns, mid);
            if (skipOverlap && r.Length > 1) continue;
            var h = Active(hypTurns, mid);
            scored += d;
            stretches.Add((d, r, h));
            foreach (var a in r)
                foreach (var b in h) cooccurrence[a, b] += d;
        }

        var assignment = Hungarian.MaximiseAssignment(cooccurrence);
        double missed = 0, falseAlarm = 0, confusion = 0, total = 0;
        foreach (var (d, r, h) in stretches)
        {
            total += d * r.Length;
            missed += d * Math.Max(0, r.Length - h.Length);
            falseAlarm += d * Math.Max(0, h.Length - r.Length);
            var correct = r.Count(a => assignment[a] >= 0 && h.Contains(assignment[a]));
            confusion += d * (Math.Min(r.Length, h.Length) - correct);
        }

        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var a = 0; a < refSpeakers.Length; a++)
            if (assignment[a] >= 0) mapping[refSpeakers[a]] = hypSpeakers[assignment[a]];
        return new DiarizationErrorResult(missed, falseAlarm, confusion, total, scored, mapping);
    }

    private static void Validate(IReadOnlyList<SpeakerTurn> turns, string name)
    {
        foreach (var t in turns)
        {
            if (!double.IsFinite(t.Start) || !double.IsFinite(t.End) || t.End < t.Start)
                throw new ArgumentException($"{name}: turn of '{t.Speaker}' has start {t.Start} and end {t.End} (end must not precede start)", name);
        }
    }

    private static List<(double Start, double End)>[] ByIndex(IReadOnlyList<SpeakerTurn> turns, string[] speakers)
    {
        var index = speakers.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var result = speakers.Select(_ => new List<(double Start, double End)>()).ToArray();
        foreach (var t in turns) result[index[t.Speaker]].Add((t.Start, t.End));
        return result;
    }

    // A speaker counts once however many of its own turns overlap here (md-eval merges a speaker's overlapping turns).
    private static int[] Active(List<(double Start, double End)>[] turnsBySpeaker, double t)
    {
        var active = new List<int>(2);
        for (var s = 0; s < turnsBySpeaker.Length; s++)
            if (turnsBySpeaker[s].Any(x => t > x.Start && t < x.End)) active.Add(s);
        return active.ToArray();
    }
}

/// <summary>Optimal assignment (Kuhn–Munkres with potentials) for a small rectangular gain matrix.</summary>
internal static class Hungarian
{
    /// <summary>For each row, the column it is assigned to (or −1), maximising the summed gain; pairs with zero gain are left unassigned.</summary>
    public static int[] MaximiseAssignment(double[,] gain)
    {
        var rows = gain.GetLength(0);
        var cols = gain.GetLength(1);
        var n = Math.Max(rows, cols);
        var result = Enumerable.Repeat(-1, rows).ToArray();
        if (n == 0) return result;
        double max = 0;
        foreach (var g in gain) max = Math.Max(max, g);
        // Square cost matrix (1-based, as the potentials formulation is usually written); padding costs max (gain 0).
        var cost = new double[n + 1, n + 1];
        for (var i = 1; i <= n; i++)
            for (var j = 1; j <= n; j++) cost[i, j] = i <= rows && j <= cols ? max - gain[i - 1, j - 1] : max;
        var u = new double[n + 1];
        var v = new double[n + 1];
        var p = new int[n + 1];
        var way = new int[n + 1];
        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            var minv = Enumerable.Repeat(double.PositiveInfinity, n + 1).ToArray();
            var used = new bool[n + 1];
            do
            {
                used[j0] = true;
                var i0 = p[j0];
                var delta = double.PositiveInfinity;
                var j1 = 0;
                for (var j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    var cur = cost[i0, j] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (var j = 0; j <= n; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            }
            while (p[j0] != 0);
            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        for (var j = 1; j <= n; j++)
        {
            var i = p[j];
            if (i >= 1 && i <= rows && j <= cols && gain[i - 1, j - 1] > 0) result[i - 1] = j - 1;
        }
        return result;
    }
}
