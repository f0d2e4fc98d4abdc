using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Enhancement;

/// <summary>
/// A decoder that hands out the recording enhanced: each channel resampled to 16 kHz and run through its own
/// <see cref="GtcrnStream"/> as blocks are decoded, so what follows (VAD, recognition, voice emotion) hears the
/// denoised signal while memory stays one block per channel, whatever the length of the call.
/// </summary>
public sealed class EnhancingAudioReader : AudioReader
{
    private const int BlockFrames = 4096;
    private readonly AudioReader _inner;
    private readonly Resampler[] _resamplers;
    private readonly GtcrnStream[] _streams;
    private readonly List<float>[] _ready;
    private readonly int[] _readyOffset;
    private readonly float[] _block;
    private readonly float[] _channel;
    private readonly float[] _resampled;
    private bool _ended;

    public EnhancingAudioReader(AudioReader inner, GtcrnEnhancer enhancer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(enhancer);
        _inner = inner;
        var source = inner.Info;
        var channels = source.Channels;
        Info = source with
        {
            SampleRate = GtcrnEnhancer.SampleRate,
            TotalFrames = source.TotalFrames is { } n ? (long)Math.Round((double)n * GtcrnEnhancer.SampleRate / source.SampleRate) : null,
        };
        _resamplers = [.. Enumerable.Range(0, channels).Select(_ => new Resampler(source.SampleRate, GtcrnEnhancer.SampleRate))];
        _streams = [.. Enumerable.Range(0, channels).Select(_ => enhancer.CreateStream(cancellationToken))];
        _ready = [.. Enumerable.Range(0, channels).Select(_ => new List<float>())];
        _readyOffset = new int[channels];
        _block = new float[BlockFrames * channels];
        _channel = new float[BlockFrames];
        _resampled = new float[_resamplers[0].MaxOutput(BlockFrames)];
    }

    public override AudioInfo Info { get; }

    public override int Read(Span<float> interleaved)
    {
        var channels = Info.Channels;
        var wanted = interleaved.Length / channels;
        while (Available() < wanted && !_ended) Decode();
        var frames = Math.Min(wanted, Available());
        for (var c = 0; c < channels; c++)
        {
            var ready = _ready[c];
            var offset = _readyOffset[c];
            for (var f = 0; f < frames; f++) interleaved[f * channels + c] = ready[offset + f];
            _readyOffset[c] = offset + frames;
            // Drop what was handed out once it is most of the list, so the lists stay about one block long.
            if (_readyOffset[c] > 4 * BlockFrames && _readyOffset[c] * 2 > ready.Count)
            {
                ready.RemoveRange(0, _readyOffset[c]);
                _readyOffset[c] = 0;
            }
        }
        return frames;
    }

    private int Available()
    {
        var min = int.MaxValue;
        for (var c = 0; c < _ready.Length; c++) min = Math.Min(min, _ready[c].Count - _readyOffset[c]);
        return min;
    }

    private void Decode()
    {
        var channels = Info.Channels;
        var frames = _inner.Read(_block);
        for (var c = 0; c < channels; c++)
        {
            int produced;
            if (frames > 0)
            {
                for (var f = 0; f < frames; f++) _channel[f] = _block[f * channels + c];
                produced = _resamplers[c].Process(_channel.AsSpan(0, frames), _resampled);
                _streams[c].Push(_resampled.AsSpan(0, produced), _ready[c]);
            }
            else
            {
                produced = _resamplers[c].Flush(_resampled);
                _streams[c].Push(_resampled.AsSpan(0, produced), _ready[c]);
                _streams[c].Flush(_ready[c]);
            }
        }
        if (frames == 0) _ended = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
