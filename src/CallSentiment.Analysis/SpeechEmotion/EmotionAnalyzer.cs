using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;

namespace CallSentiment.Analysis.SpeechEmotion;

public sealed record EmotionAnalyzerOptions
{
    /// <summary>
    /// Unvoiced frames kept on each side of voiced ones, so short pauses stay part of the speech. The margin of the
    /// training windows (<see cref="VoicedSpan.MarginFrames"/>): a short turn is tiled into one window, and wider
    /// margins filled it with silence the model never saw there (20 frames read 4 points fewer clips right).
    /// </summary>
    public int HangoverFrames { get; init; } = VoicedSpan.MarginFrames;

    /// <summary>Kept frames a speech segment needs to get a window of its own (shorter ones carry too little voice).</summary>
    public int MinSegmentFrames { get; init; } = 50;

    /// <summary>
    /// A pause longer than this (after the hang-over) ends a speech segment: windows never span two turns of the
    /// same speaker separated by the other party talking.
    /// </summary>
    public int MaxGapFrames { get; init; } = 100;
}

/// <summary>
/// Recording → emotion timeline per channel, streaming: audio is decoded, resampled, featurised and classified
/// block by block, so memory stays flat for recordings of any length. Silence and hold time are skipped: voiced
/// frames (with a short hang-over) form speech segments, which end at a long pause; within a segment, windows of
/// model.json windowFrames overlap by hopFrames, the last aligned to the segment's end, and a segment shorter
/// than a window is tiled into one, as in training. One instance per recording.
/// </summary>
public sealed class EmotionAnalyzer(SpeechEmotionModel model, EmotionAnalyzerOptions? options = null)
{
    /// <summary>Raised whenever the way windows are cut from a recording changes, so stored stage outputs are not reused.</summary>
    public const int Revision = 2;

    private const int ReadBlockFrames = 8192;
    private readonly EmotionAnalyzerOptions _options = options ?? new EmotionAnalyzerOptions();

    public RecordingEmotion Analyze(AudioReader reader, CancellationToken cancellationToken = default) => Analyze(reader, null, cancellationToken);

    /// <param name="reader">The recording, every channel read.</param>
    /// <param name="speakerChanges">
    /// Seconds at which another speaker's turn starts (a diarized mono call): a speech segment ends there, so no window
    /// mixes two voices; the model was trained on windows of one speaker. Null or empty: segments end at long pauses only.
    /// </param>
    /// <param name="cancellationToken">Stops the analysis between blocks.</param>
    public RecordingEmotion Analyze(AudioReader reader, IReadOnlyList<double>? speakerChanges, CancellationToken cancellationToken = default)
    {
        var info = reader.Info;
        var states = new ChannelState[info.Channels];
        var fps = model.Features.FramesPerSecond;
        long[] cuts = [.. (speakerChanges ?? []).Where(t => t > 0 && double.IsFinite(t)).Select(t => (long)Math.Round(t * fps)).Distinct().Order()];
        for (var c = 0; c < states.Length; c++) states[c] = new ChannelState(model, _options, info.SampleRate, c, cuts);
        var block = new float[ReadBlockFrames * info.Channels];
        var mono = new float[ReadBlockFrames];
        long frames = 0;
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            frames += n;
            for (var c = 0; c < states.Length; c++)
            {
                for (var i = 0; i < n; i++) mono[i] = block[i * info.Channels + c];
                states[c].Push(mono.AsSpan(0, n));
            }
        }
        var channels = states.Select(s => s.Finish()).ToList();
        return new RecordingEmotion((double)frames / info.SampleRate, info.SampleRate, channels, Combine(channels));
    }

    /// <summary>
    /// Emotion of one short clip (an utterance): trimmed to its voiced span, then one window (tiled when shorter)
    /// or overlapping windows averaged. This is what training's cross-validation and evaluate-emotion score.
    /// </summary>
    public float[] AnalyzeClip(ReadOnlySpan<float> samples16k)
    {
        var features = new FeatureExtractor(model.Features).ComputeAll(samples16k);
        var (start, count) = VoicedSpan.Find(features, model.Features.FramesPerSecond);
        var windowStarts = WindowStarts(count, model.Card.WindowFrames, model.Card.HopFrames);
        var w = model.Card.WindowFrames;
        var dim = model.Features.Dim;
        var batch = new float[windowStarts.Count * w * dim];
        for (var i = 0; i < windowStarts.Count; i++)
            FillWindow(features, start + windowStarts[i], Math.Min(count, w), batch.AsSpan(i * w * dim, w * dim));
        var probabilities = model.Predict(batch, windowStarts.Count);
        return MeanRows(probabilities, windowStarts.Count, model.Labels.Count);
    }

    /// <summary>Window starts over <paramref name="count"/> frames: hop-spaced, the last one aligned to the end.</summary>
    internal static List<int> WindowStarts(int count, int window, int hop)
    {
        if (count <= window) return [0];
        var starts = new List<int>();
        for (var s = 0; s + window <= count; s += hop) starts.Add(s);
        if (starts[^1] != count - window) starts.Add(count - window);
        return starts;
    }

    /// <summary>Copies <paramref name="available"/> frames and repeats them (tiles) to fill the window.</summary>
    internal static void FillWindow(FrameBuffer frames, int start, int available, Span<float> window)
    {
        var src = frames.Rows(start, available);
        for (var o = 0; o < window.Length; o += src.Length)
            src[..Math.Min(src.Length, window.Length - o)].CopyTo(window[o..]);
    }

    internal static float[] MeanRows(float[] rows, int count, int width)
    {
        var mean = new float[width];
        for (var r = 0; r < count; r++)
            for (var k = 0; k < width; k++) mean[k] += rows[r * width + k] / count;
        return mean;
    }

    private static float[] Combine(List<ChannelEmotion> channels)
    {
        var width = channels.Count == 0 ? 0 : channels[0].Mean.Length;
        var overall = new float[width];
        var totalWindows = channels.Sum(c => c.Timeline.Count);
        if (totalWindows == 0) return overall;
        foreach (var c in channels)
            for (var k = 0; k < width; k++) overall[k] += c.Mean[k] * c.Timeline.Count / totalWindows;
        return overall;
    }

    /// <summary>Per-channel streaming state: resampler → features → VAD → kept frames → windows.</summary>
    private sealed class ChannelState
    {
        private readonly SpeechEmotionModel _model;
        private readonly EmotionAnalyzerOptions _options;
        private readonly int _channel;
        private readonly Resampler? _resampler;
        private readonly FeatureExtractor _extractor;
        private readonly VoiceActivity _vad;
        private readonly FrameBuffer _fresh;
        private readonly FrameBuffer _kept;
        private readonly List<long> _keptIndex = []; // original frame index of each kept frame
        // Unvoiced frames past the hang-over: kept whole if speech follows within MaxGapFrames (training windows keep
        // a clip's pauses), else only the last HangoverFrames of them, before the next turn.
        private readonly FrameBuffer _pause;
        private long _pauseStart; // original frame index of _pause's first frame
        private bool _pauseTooLong;
        private readonly List<EmotionWindow> _timeline = [];
        private readonly float[] _window;
        private readonly double _fps;
        private float[] _resampled = [];
        private long _frameIndex;
        private long _sinceVoiced = long.MaxValue / 2;
        private long _voicedFrames;
        private int _nextStart; // next window start, relative to _kept[0]
        private int _segmentWindows; // windows run in the current segment
        private readonly long[] _cuts; // frame indexes where another speaker's turn starts
        private int _nextCut;

        public ChannelState(SpeechEmotionModel model, EmotionAnalyzerOptions options, int sourceRate, int channel, long[] cuts)
        {
            _cuts = cuts;
            _model = model;
            _options = options;
            _channel = channel;
            var cfg = model.Features;
            if (sourceRate != cfg.SampleRate) _resampler = new Resampler(sourceRate, cfg.SampleRate);
            _extractor = new FeatureExtractor(cfg);
            _fps = cfg.FramesPerSecond;
            _vad = new VoiceActivity(framesPerSecond: _fps);
            _fresh = new FrameBuffer(cfg.Dim, 64);
            _kept = new FrameBuffer(cfg.Dim, model.Card.WindowFrames * 2);
            _pause = new FrameBuffer(cfg.Dim, Math.Max(options.MaxGapFrames, options.HangoverFrames) + 1);
            _window = new float[model.Card.WindowFrames * cfg.Dim];
        }

        // Hot loop: compile fully optimised at once instead of starting in tier 0.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Push(ReadOnlySpan<float> samples)
        {
            if (_resampler is null)
            {
                _extractor.Process(samples, _fresh);
            }
            else
            {
                var need = _resampler.MaxOutput(samples.Length);
                if (_resampled.Length < need) _resampled = new float[need];
                var n = _resampler.Process(samples, _resampled);
                _extractor.Process(_resampled.AsSpan(0, n), _fresh);
            }
            Drain();
        }

        public ChannelEmotion Finish()
        {
            if (_resampler is not null)
            {
                var tail = new float[_resampler.MaxOutput(0)];
                var n = _resampler.Flush(tail);
                _extractor.Process(tail.AsSpan(0, n), _fresh);
            }
            _extractor.Flush(_fresh);
            Drain();
            EndSegment();
            var mean = _timeline.Count == 0 ? new float[_model.Labels.Count]
                : MeanRows([.. _timeline.SelectMany(t => t.Probabilities)], _timeline.Count, _model.Labels.Count);
            return new ChannelEmotion(_channel, _timeline, mean, _voicedFrames / _fps);
        }

        // Hot loop: compile fully optimised at once instead of starting in tier 0.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private void Drain()
        {
            var h = _options.HangoverFrames;
            for (var i = 0; i < _fresh.Count; i++)
            {
                while (_nextCut < _cuts.Length && _cuts[_nextCut] <= _frameIndex)
                {
                    _nextCut++;
                    SpeakerChange();
                }
                var voiced = _vad.IsVoiced(_fresh.Energy(i));
                if (voiced)
                {
                    _voicedFrames++;
                    if (_pauseTooLong) EndSegment(); // a new turn: windows never span the other party's talking
                    for (var k = 0; k < _pause.Count; k++) Keep(_pause.Frame(k), _pauseStart + k);
                    _pause.Clear();
                    _pauseTooLong = false;
                    Keep(_fresh.Frame(i), _frameIndex);
                    _sinceVoiced = 0;
                }
                else if (++_sinceVoiced <= h)
                {
                    Keep(_fresh.Frame(i), _frameIndex);
                }
                else
                {
                    if (_pause.Count == 0 && !_pauseTooLong)
                    {
                        _pauseStart = _frameIndex;
                        _pauseTooLong = _voicedFrames == 0; // the silence before anyone spoke is no pause inside a turn
                    }
                    _fresh.Frame(i).CopyTo(_pause.AddFrame(_fresh.Energy(i)));
                    _pauseTooLong |= _pause.Count > _options.MaxGapFrames;
                    if (_pauseTooLong && _pause.Count > h)
                    {
                        // Too long to be a pause inside a turn: only the lead-in of the next turn is kept.
                        var drop = _pause.Count - h;
                        _pause.RemoveFirst(drop);
                        _pauseStart += drop;
                    }
                }
                _frameIndex++;
            }
            _fresh.Clear();
        }

        /// <summary>
        /// Another speaker starts here: the current turn's segment ends (its trailing pause and hang-over stay out of it,
        /// as a clip's silence stays out of training windows), and what follows is read as the start of a new turn.
        /// </summary>
        private void SpeakerChange()
        {
            EndSegment();
            _pause.Clear();
            _pauseStart = _frameIndex;
            _pauseTooLong = true;
            _sinceVoiced = Math.Max(_sinceVoiced, _options.HangoverFrames);
        }

        /// <summary>Closes the current speech segment: a tiled window if it had none, or one aligned to its end.</summary>
        private void EndSegment()
        {
            var w = _model.Card.WindowFrames;
            if (_segmentWindows == 0)
            {
                if (_kept.Count >= _options.MinSegmentFrames) RunWindow(0, Math.Min(_kept.Count, w));
            }
            else if (_kept.Count > _nextStart - _model.Card.HopFrames + w)
            {
                RunWindow(_kept.Count - w, w);
            }
            _kept.Clear();
            _keptIndex.Clear();
            _nextStart = 0;
            _segmentWindows = 0;
        }

        private void Keep(ReadOnlySpan<float> frame, long index)
        {
            frame.CopyTo(_kept.AddFrame(0));
            _keptIndex.Add(index);
            var w = _model.Card.WindowFrames;
            var hop = _model.Card.HopFrames;
            if (_kept.Count < _nextStart + w) return;
            RunWindow(_nextStart, w);
            _segmentWindows++;
            _nextStart += hop;
            // Keep what the end-aligned final window may still need: the frames from (next start - hop) on.
            var drop = _nextStart - hop;
            if (drop > w)
            {
                _kept.RemoveFirst(drop);
                _keptIndex.RemoveRange(0, drop);
                _nextStart -= drop;
            }
        }

        private void RunWindow(int start, int available)
        {
            FillWindow(_kept, start, available, _window);
            var probabilities = _model.Predict(_window, 1);
            var startSeconds = _keptIndex[start] / _fps;
            var endSeconds = (_keptIndex[start + available - 1] + 1) / _fps;
            _timeline.Add(new EmotionWindow(startSeconds, endSeconds, probabilities));
        }
    }
}
