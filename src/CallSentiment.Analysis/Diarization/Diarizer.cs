using CallSentiment.Analysis.Features;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Diarization;

/// <summary>Settings of the <see cref="Diarizer"/>. The defaults were chosen on synthetic telephone conversations.</summary>
public sealed record DiarizerOptions
{
    /// <summary>Length of the sub-segments that are clustered; long enough for stable statistics, short enough for one speaker.</summary>
    public double WindowSeconds { get; init; } = 1.5;

    public double HopSeconds { get; init; } = 0.75;

    /// <summary>Speech shorter than this gets no window of its own; the resegmentation labels it.</summary>
    public double MinWindowSeconds { get; init; } = 0.5;

    /// <summary>Fraction of each window's neighbours kept in the affinity graph (p-pruning).</summary>
    public double KeepFraction { get; init; } = 0.3;

    /// <summary>Refine the window clustering frame by frame with per-speaker Gaussian mixtures and Viterbi smoothing.</summary>
    public bool Resegment { get; init; } = true;

    public int GmmComponents { get; init; } = 16;

    /// <summary>
    /// Resegmentation passes. All but the last score each speaker with a model MAP-adapted from one background mixture
    /// of the whole recording (robust when a speaker has little speech or the clustering is poor); the last trains one
    /// mixture per speaker from the labels so far (sharper at the turns).
    /// </summary>
    public int ResegmentIterations { get; init; } = 5;

    /// <summary>Log-likelihood cost of a speaker change between two 10 ms frames; higher gives longer turns.</summary>
    public double SwitchPenalty { get; init; } = 30;

    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(WindowSeconds is >= 0.3 and <= 10, $"{nameof(WindowSeconds)} must be 0.3..10 (is {WindowSeconds})");
        Check(HopSeconds > 0 && HopSeconds <= WindowSeconds, $"{nameof(HopSeconds)} must be in (0, {nameof(WindowSeconds)}] (is {HopSeconds})");
        Check(MinWindowSeconds > 0 && MinWindowSeconds <= WindowSeconds, $"{nameof(MinWindowSeconds)} must be in (0, {nameof(WindowSeconds)}] (is {MinWindowSeconds})");
        Check(KeepFraction is > 0 and <= 1, $"{nameof(KeepFraction)} must be in (0, 1] (is {KeepFraction})");
        Check(GmmComponents is >= 1 and <= 256, $"{nameof(GmmComponents)} must be 1..256 (is {GmmComponents})");
        Check(ResegmentIterations is >= 1 and <= 20, $"{nameof(ResegmentIterations)} must be 1..20 (is {ResegmentIterations})");
        Check(SwitchPenalty >= 0 && double.IsFinite(SwitchPenalty), $"{nameof(SwitchPenalty)} must be non-negative (is {SwitchPenalty})");
    }
}

/// <summary>
/// Speaker diarization of mono 16 kHz speech without a neural speaker model: MFCC statistics of short overlapping
/// windows, spectral clustering with the speaker count from the eigengap, then frame-level resegmentation: speaker
/// models MAP-adapted from a background Gaussian mixture of the whole recording, re-estimated from the labels for a few
/// passes, a last pass with one mixture trained per speaker, each pass decoded by Viterbi with a charge for every
/// speaker change. Thread-safe (no state between calls). Measured error rates: README.md (Transcripts and text sentiment).
/// </summary>
public sealed class Diarizer : ISpeakerSegmenter
{
    public const int SampleRate = 16000;

    // Telephone band (the product's audio): everything above 4 kHz is absent on a phone line anyway.
    private static readonly FeatureConfig MfccConfig = new()
    {
        Kind = FeatureKind.Mfcc,
        NMfcc = 20,
        NMels = 40,
        FMin = 50,
        FMax = 4000,
        Normalization = FeatureNormalization.None,
    };

    // MAP relevance factor: a Gaussian needs about this many frames (0.3 s) of a speaker before it moves halfway
    // from the background model to that speaker.
    private const double MapRelevance = 32;

    private readonly DiarizerOptions _options;

    public Diarizer(DiarizerOptions? options = null)
    {
        _options = options ?? new DiarizerOptions();
        _options.Validate();
    }

    public DiarizerOptions Options => _options;

    public IReadOnlyList<SpeechSegment> Segment(
        ReadOnlySpan<float> samples16k,
        IReadOnlyList<(double Start, double End)> speech,
        int maxSpeakers,
        CancellationToken ct)
    {
        if (maxSpeakers < 1) throw new ArgumentOutOfRangeException(nameof(maxSpeakers), maxSpeakers, "at least one speaker is needed");
        var duration = (double)samples16k.Length / SampleRate;
        var segments = CheckSpeech(speech, duration);
        if (segments.Count == 0) return [];

        var extractor = new FeatureExtractor(MfccConfig);
        var frames = extractor.ComputeAll(samples16k);
        ct.ThrowIfCancellationRequested();
        var fps = MfccConfig.FramesPerSecond;

        // Speech frames per segment, [first, last] inclusive; frame t is centred at t / fps seconds.
        var ranges = new List<(int First, int Last, int Segment)>();
        for (var s = 0; s < segments.Count; s++)
        {
            var first = Math.Max(0, (int)Math.Ceiling(segments[s].Start * fps));
            var last = Math.Min(frames.Count - 1, (int)Math.Ceiling(segments[s].End * fps) - 1);
            if (last >= first) ranges.Add((first, last, s));
        }
        if (ranges.Count == 0) return [];

        var dim = MfccConfig.NMfcc - 1; // c0 is loudness, which says more about the line than the speaker
        var speechFrames = ranges.Sum(r => r.Last - r.First + 1);
        var data = new float[speechFrames * dim];
        var frameOf = new int[speechFrames];
        var k = 0;
        foreach (var (first, last, _) in ranges)
        {
            for (var t = first; t <= last; t++, k++)
            {
                frameOf[k] = t;
                frames.Frame(t)[1..].CopyTo(data.AsSpan(k * dim, dim));
            }
        }
        NormaliseColumns(data, dim);
        ct.ThrowIfCancellationRequested();

        // Windows over each speech range, in speech-frame indices.
        var windows = new List<(int From, int To)>();
        var rangeStart = 0;
        var windowLen = (int)Math.Round(_options.WindowSeconds * fps);
        var hop = Math.Max(1, (int)Math.Round(_options.HopSeconds * fps));
        var minLen = (int)Math.Round(_options.MinWindowSeconds * fps);
        var rangeOffsets = new List<int>();
        foreach (var (first, last, _) in ranges)
        {
            rangeOffsets.Add(rangeStart);
            var len = last - first + 1;
            if (len >= minLen)
            {
                if (len <= windowLen) windows.Add((rangeStart, rangeStart + len));
                else
                {
                    int w;
                    for (w = 0; w + windowLen <= len; w += hop) windows.Add((rangeStart + w, rangeStart + w + windowLen));
                    if (w - hop + windowLen < len) windows.Add((rangeStart + len - windowLen, rangeStart + len));
                }
            }
            rangeStart += len;
        }

        var labels = new int[speechFrames];
        var speakers = 1;
        if (windows.Count >= 2 && maxSpeakers > 1)
        {
            var embeddings = windows.Select(w => Statistics(data, dim, w.From, w.To)).ToArray();
            StandardiseAndNormalise(embeddings);
            var windowLabels = SpectralClustering.Cluster(embeddings, maxSpeakers, _options.KeepFraction, out _);
            speakers = windowLabels.Length == 0 ? 1 : windowLabels.Max() + 1;
            ct.ThrowIfCancellationRequested();
            if (speakers > 1)
            {
                AssignFramesToWindows(labels, windows, windowLabels, speechFrames);
                if (_options.Resegment) Resegment(data, dim, labels, speakers, ranges, rangeOffsets, ct);
            }
        }

        return ToSegments(labels, frameOf, ranges, rangeOffsets, segments, fps);
    }

    private static List<(double Start, double End)> CheckSpeech(IReadOnlyList<(double Start, double End)> speech, double duration)
    {
        var result = new List<(double Start, double End)>();
        var previousEnd = 0.0;
        foreach (var (start, end) in speech)
        {
            if (!double.IsFinite(start) || !double.IsFinite(end) || end < start || start < 0)
                throw new ArgumentException($"speech segment {start:0.###}–{end:0.###} s is not a valid interval", nameof(speech));
            if (start < previousEnd - 1e-6)
                throw new ArgumentException($"speech segments must be ordered and not overlap ({start:0.###} s starts before {previousEnd:0.###} s)", nameof(speech));
            previousEnd = end;
            var clipped = (start, Math.Min(end, duration));
            if (clipped.Item2 > clipped.start) result.Add(clipped);
        }
        return result;
    }

    private static void NormaliseColumns(float[] data, int dim)
    {
        var n = data.Length / dim;
        for (var d = 0; d < dim; d++)
        {
            double sum = 0, sum2 = 0;
            for (var i = 0; i < n; i++) { double x = data[i * dim + d]; sum += x; sum2 += x * x; }
            var mean = sum / n;
            var std = Math.Sqrt(Math.Max(sum2 / n - mean * mean, 1e-10));
            for (var i = 0; i < n; i++) data[i * dim + d] = (float)((data[i * dim + d] - mean) / std);
        }
    }

    // Mean and standard deviation of each coefficient over the window: a crude but speaker-dependent summary.
    private static float[] Statistics(float[] data, int dim, int from, int to)
    {
        var e = new float[2 * dim];
        var n = to - from;
        for (var d = 0; d < dim; d++)
        {
            double sum = 0, sum2 = 0;
            for (var i = from; i < to; i++) { double x = data[i * dim + d]; sum += x; sum2 += x * x; }
            var mean = sum / n;
            e[d] = (float)mean;
            e[dim + d] = (float)Math.Sqrt(Math.Max(sum2 / n - mean * mean, 0));
        }
        return e;
    }

    // Each dimension to zero mean and unit variance across windows (so no coefficient dominates the cosine), then unit length.
    private static void StandardiseAndNormalise(float[][] embeddings)
    {
        var dim = embeddings[0].Length;
        for (var d = 0; d < dim; d++)
        {
            var mean = embeddings.Average(e => (double)e[d]);
            var std = Math.Sqrt(Math.Max(embeddings.Average(e => (e[d] - mean) * (e[d] - mean)), 1e-10));
            foreach (var e in embeddings) e[d] = (float)((e[d] - mean) / std);
        }
        foreach (var e in embeddings)
        {
            var norm = Math.Sqrt(e.Sum(x => (double)x * x));
            if (norm > 0)
                for (var d = 0; d < dim; d++) e[d] = (float)(e[d] / norm);
        }
    }

    // A frame takes the label of the window whose centre is nearest; frames of speech too short for a window
    // take the nearest window's label too, until the resegmentation decides for them.
    private static void AssignFramesToWindows(int[] labels, List<(int From, int To)> windows, int[] windowLabels, int frames)
    {
        var centres = windows.Select(w => (w.From + w.To) / 2.0).ToArray();
        var w = 0;
        for (var i = 0; i < frames; i++)
        {
            while (w + 1 < centres.Length && Math.Abs(centres[w + 1] - i) <= Math.Abs(centres[w] - i)) w++;
            labels[i] = windowLabels[w];
        }
    }

    private void Resegment(float[] data, int dim, int[] labels, int speakers,
        List<(int First, int Last, int Segment)> ranges, List<int> rangeOffsets, CancellationToken ct)
    {
        var n = labels.Length;
        var scores = new double[n * speakers];
        var iterations = _options.ResegmentIterations;
        // One background model of all the speech in the recording; the speakers' models are adapted from it.
        var ubm = iterations > 1 ? DiagonalGmm.Train(data, dim, Enumerable.Range(0, n).ToList(), _options.GmmComponents, 10) : null;
        ct.ThrowIfCancellationRequested();
        for (var iter = 0; iter < iterations; iter++)
        {
            var final = iter == iterations - 1;
            var models = new DiagonalGmm?[speakers];
            for (var s = 0; s < speakers; s++)
            {
                var rows = Enumerable.Range(0, n).Where(i => labels[i] == s).ToList();
                if (!final && ubm is not null) { if (rows.Count >= dim) models[s] = ubm.AdaptMeans(data, dim, rows, MapRelevance); }
                else if (rows.Count >= 2 * dim) models[s] = DiagonalGmm.Train(data, dim, rows, _options.GmmComponents, 8);
                ct.ThrowIfCancellationRequested();
            }
            // A speaker whose frames all went to the others is gone.
            if (models.Count(m => m is not null) < 2) return;
            for (var i = 0; i < n; i++)
            {
                var x = data.AsSpan(i * dim, dim);
                for (var s = 0; s < speakers; s++) scores[i * speakers + s] = models[s]?.LogLikelihood(x) ?? double.NegativeInfinity;
            }
            for (var r = 0; r < ranges.Count; r++)
            {
                var len = ranges[r].Last - ranges[r].First + 1;
                Viterbi(scores, speakers, rangeOffsets[r], len, _options.SwitchPenalty, labels);
            }
        }
    }

    private static void Viterbi(double[] scores, int speakers, int offset, int length, double penalty, int[] labels)
    {
        var back = new int[length * speakers];
        var previous = new double[speakers];
        var current = new double[speakers];
        for (var s = 0; s < speakers; s++) previous[s] = scores[offset * speakers + s];
        for (var t = 1; t < length; t++)
        {
            var best = 0;
            for (var s = 1; s < speakers; s++) if (previous[s] > previous[best]) best = s;
            for (var s = 0; s < speakers; s++)
            {
                var stay = previous[s];
                var move = best != s ? previous[best] - penalty : double.NegativeInfinity;
                var from = move > stay ? best : s;
                current[s] = Math.Max(stay, move) + scores[(offset + t) * speakers + s];
                back[t * speakers + s] = from;
            }
            (previous, current) = (current, previous);
        }
        var state = 0;
        for (var s = 1; s < speakers; s++) if (previous[s] > previous[state]) state = s;
        for (var t = length - 1; t >= 0; t--)
        {
            labels[offset + t] = state;
            state = back[t * speakers + state];
        }
    }

    private static List<SpeechSegment> ToSegments(int[] labels, int[] frameOf, List<(int First, int Last, int Segment)> ranges,
        List<int> rangeOffsets, List<(double Start, double End)> segments, double fps)
    {
        var raw = new List<SpeechSegment>();
        for (var r = 0; r < ranges.Count; r++)
        {
            var (first, last, seg) = ranges[r];
            var offset = rangeOffsets[r];
            var len = last - first + 1;
            var runStart = 0;
            for (var i = 1; i <= len; i++)
            {
                if (i < len && labels[offset + i] == labels[offset + runStart]) continue;
                var start = runStart == 0 ? segments[seg].Start : (frameOf[offset + runStart] - 0.5) / fps;
                var end = i == len ? segments[seg].End : (frameOf[offset + i] - 0.5) / fps;
                raw.Add(new SpeechSegment(labels[offset + runStart], start, end));
                runStart = i;
            }
        }
        // Speakers numbered by first appearance, so speaker 0 is whoever spoke first.
        var order = new Dictionary<int, int>();
        foreach (var s in raw) order.TryAdd(s.Speaker, order.Count);
        return raw.Select(s => s with { Speaker = order[s.Speaker] }).ToList();
    }
}
