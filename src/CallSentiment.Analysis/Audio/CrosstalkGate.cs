namespace CallSentiment.Analysis.Audio;

/// <summary>
/// A decoder that quiets crosstalk between the channels of a multi-channel call recording. Each channel should be one
/// party, but the far end's line returns the agent's voice into the customer's channel as echo (typically 10–25 dB
/// down, 20–300 ms late) and a headset picks up the other party; the analysis would read that as the channel's own
/// speaker. A 10 ms frame of a channel is crosstalk when this channel's loudest frame over the last
/// <see cref="LookbackSeconds"/> is at least <see cref="MarginDb"/> below another channel's loudest over that span and
/// a round trip (<see cref="MaxEchoDelaySeconds"/>) before it, and the frame itself is that far below the other's
/// loudest within a round trip (louder, it cannot be their echo: a reply right after the other stops). Such a frame,
/// when it stands 6 dB or more above the channel's noise floor (nearer the floor it is the line's own noise and passes
/// untouched), is replaced by the line's own noise, replayed from the channel's recent quiet frames (comfort noise, as
/// echo cancellers insert; before any was heard, the frame is scaled down to the channel's noise floor), so VADs, the
/// recogniser and the voice model hear the line as it is between words.
/// The numbers come from telephone echo, not from fitting: ITU-T G.168 asks a line for at least 6 dB of echo return
/// loss and real lines give well over 10, while two people talking over each other on their own lines are rarely
/// 10 dB apart; a round trip on a mobile or VoIP line is up to 300 ms. Streaming and causal: one block of
/// audio is held, whatever the length of the call. A mono recording, or one mix stored on every channel, comes out
/// unchanged.
/// </summary>
public sealed class CrosstalkGate : AudioReader
{
    /// <summary>Raised whenever what the gate lets through changes, so stored analyses are not reused.</summary>
    public const int Revision = 3;

    public const double MarginDb = 10;
    public const double LookbackSeconds = 0.6;
    public const double MaxEchoDelaySeconds = 0.3;
    private const double FloorRiseDbPerSecond = 3;
    private const int BlockFrames = 4096;
    private const int NoiseFrames = 32;
    private const double NoiseWithinDb = 3;
    private const double AboveFloorDb = 6;

    private readonly AudioReader _inner;
    private readonly int _channels;
    private readonly int _frame;
    private readonly float[] _block;
    private readonly float[] _held;
    private int _heldCount;
    private int _heldOffset;
    private readonly float[] _carry;
    private int _carryFrames;
    private readonly SlidingMax[] _ownPeak;
    private readonly SlidingMax[] _peak;
    private readonly SlidingMax[] _peakRoundTrip;
    private readonly double[] _floor;
    private readonly double[] _gain;
    private readonly double[] _level;
    private readonly double[] _target;
    private readonly float[][] _noise;
    private readonly int[] _noiseFrames;
    private readonly int[] _noiseWrite;
    private readonly int[] _noiseNext;
    private readonly double _floorRise;
    private bool _ended;

    private CrosstalkGate(AudioReader inner)
    {
        _inner = inner;
        Info = inner.Info;
        _channels = Info.Channels;
        _frame = Math.Max(1, Info.SampleRate / 100);
        _block = new float[BlockFrames * _channels];
        _held = new float[(BlockFrames + _frame) * _channels];
        _carry = new float[_frame * _channels];
        var ownSpan = (int)Math.Round(LookbackSeconds * 100);
        var roundTrip = (int)Math.Round(MaxEchoDelaySeconds * 100);
        _ownPeak = [.. Enumerable.Range(0, _channels).Select(_ => new SlidingMax(ownSpan))];
        _peak = [.. Enumerable.Range(0, _channels).Select(_ => new SlidingMax(ownSpan + roundTrip))];
        _peakRoundTrip = [.. Enumerable.Range(0, _channels).Select(_ => new SlidingMax(roundTrip))];
        _floor = Enumerable.Repeat(double.NaN, _channels).ToArray();
        _gain = Enumerable.Repeat(1.0, _channels).ToArray();
        _level = new double[_channels];
        _target = new double[_channels];
        QuietedFrames = new long[_channels];
        _noise = [.. Enumerable.Range(0, _channels).Select(_ => new float[NoiseFrames * _frame])];
        _noiseFrames = new int[_channels];
        _noiseWrite = new int[_channels];
        _noiseNext = new int[_channels];
        _floorRise = FloorRiseDbPerSecond / 100;
    }

    /// <summary>The gate over <paramref name="reader"/> when it has more than one channel; a mono reader as it is.</summary>
    public static AudioReader Wrap(AudioReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.Info.Channels > 1 ? new CrosstalkGate(reader) : reader;
    }

    /// <summary>
    /// 10 ms frames replaced so far, per channel: crosstalk that stood at least 6 dB above the line's noise (the line's
    /// own noise under the other party's speech is left as it is).
    /// </summary>
    public long[] QuietedFrames { get; }

    public override AudioInfo Info { get; }

    public override int Read(Span<float> interleaved)
    {
        var wanted = interleaved.Length / _channels;
        var written = 0;
        while (written < wanted)
        {
            if (_heldOffset == _heldCount && !Fill()) break;
            var n = Math.Min(wanted - written, (_heldCount - _heldOffset) / _channels);
            _held.AsSpan(_heldOffset, n * _channels).CopyTo(interleaved[(written * _channels)..]);
            _heldOffset += n * _channels;
            written += n;
        }
        return written;
    }

    /// <summary>Decodes a block and gates its whole 10 ms frames (the last, short frame at the end of the stream).</summary>
    private bool Fill()
    {
        _heldCount = _heldOffset = 0;
        while (_heldCount == 0)
        {
            if (_ended) return false;
            var frames = _inner.Read(_block);
            if (frames == 0)
            {
                _ended = true;
                if (_carryFrames > 0) Gate(_carry.AsSpan(0, _carryFrames * _channels), _carryFrames);
                _carryFrames = 0;
                continue;
            }
            var source = _block.AsSpan(0, frames * _channels);
            // Complete the frame left over from the previous block first.
            if (_carryFrames > 0)
            {
                var take = Math.Min(_frame - _carryFrames, frames);
                source[..(take * _channels)].CopyTo(_carry.AsSpan(_carryFrames * _channels));
                _carryFrames += take;
                source = source[(take * _channels)..];
                if (_carryFrames < _frame) continue;
                Gate(_carry, _frame);
                _carryFrames = 0;
            }
            var whole = source.Length / _channels / _frame;
            for (var f = 0; f < whole; f++)
                Gate(source.Slice(f * _frame * _channels, _frame * _channels), _frame);
            var rest = source[(whole * _frame * _channels)..];
            rest.CopyTo(_carry);
            _carryFrames = rest.Length / _channels;
        }
        return true;
    }

    /// <summary>Gates one frame and appends it to what is held for the caller.</summary>
    private void Gate(Span<float> frame, int length)
    {
        for (var c = 0; c < _channels; c++)
        {
            double energy = 0;
            for (var i = 0; i < length; i++)
            {
                var v = frame[i * _channels + c];
                energy += v * v;
            }
            var level = 10 * Math.Log10(energy / length + 1e-12);
            _level[c] = level;
            _ownPeak[c].Push(level);
            _peak[c].Push(level);
            _peakRoundTrip[c].Push(level);
        }

        for (var c = 0; c < _channels; c++)
        {
            // Peak against peak, not a frame against the other's peak: a speaker's own quiet frames between loud ones
            // are not crosstalk. The other channels' span reaches back a round trip further, since echo comes late.
            // A channel holding the same audio as another (one mix stored on every channel) is never crosstalk.
            // And a frame louder than the echo of anything the other channels said within a round trip cannot be that
            // echo: without this, a party's first syllables right after the other stops (their own span still quiet,
            // the other's still loud) would be cut.
            var loudestOther = double.NegativeInfinity;
            var loudestOtherRoundTrip = double.NegativeInfinity;
            for (var d = 0; d < _channels; d++)
            {
                if (d == c) continue;
                loudestOther = Math.Max(loudestOther, _peak[d].Max);
                loudestOtherRoundTrip = Math.Max(loudestOtherRoundTrip, _peakRoundTrip[d].Max);
            }
            var crosstalk = _ownPeak[c].Max <= loudestOther - MarginDb
                && _level[c] <= loudestOtherRoundTrip - MarginDb;
            for (var d = 0; crosstalk && d < _channels; d++)
                crosstalk = d == c || !Same(frame, length, c, d);
            // The floor follows a quieter frame at once and creeps up otherwise, but not through crosstalk: a long
            // stretch of echo would otherwise lift it to the echo's level.
            _floor[c] = double.IsNaN(_floor[c]) ? _level[c] : Math.Min(_level[c], crosstalk ? _floor[c] : _floor[c] + _floorRise);
            // Only crosstalk that stands out of the line's noise is taken out: a frame near the floor is the line itself
            // (its noise under the other party's speech on a clean line), and swapping it for replayed noise would move
            // the recogniser's and the voice's segment edges for nothing.
            var audible = _level[c] >= _floor[c] + AboveFloorDb;
            _target[c] = crosstalk && audible ? Math.Pow(10, (_floor[c] - _level[c]) / 20) : 1;
            if (_target[c] < 1) QuietedFrames[c]++;
            if (!crosstalk && length == _frame && _level[c] <= _floor[c] + NoiseWithinDb) KeepNoise(frame, c);
        }
        for (var c = 0; c < _channels; c++)
        {
            if (_target[c] < 1 && _noiseFrames[c] > 0)
            {
                // The line's own noise instead of the crosstalk (comfort noise, as echo cancellers insert): echo merely
                // scaled down keeps speech's spectrum, which pulls an energy VAD's noise floor below the line's.
                var k = _noiseNext[c]++ % _noiseFrames[c];
                for (var i = 0; i < length; i++) frame[i * _channels + c] = _noise[c][k * _frame + i];
                // The replayed noise is at the line's level, so the next frame needs no fade in.
                _gain[c] = 1;
                continue;
            }
            // Down at once (a ramp from the previous frame's gain would let a louder syllable's onset through), up
            // along a ramp across the frame, so the gate does not click when it opens.
            double target = _target[c], from = Math.Min(_gain[c], target);
            if (from != 1 || target != 1)
                for (var i = 0; i < length; i++)
                    frame[i * _channels + c] *= (float)(from + (target - from) * (i + 1) / length);
            _gain[c] = target;
        }
        frame[..(length * _channels)].CopyTo(_held.AsSpan(_heldCount));
        _heldCount += length * _channels;
    }

    /// <summary>Keeps a copy of channel <paramref name="c"/>'s frame as a sample of its line noise (the last <see cref="NoiseFrames"/> kept).</summary>
    private void KeepNoise(Span<float> frame, int c)
    {
        var slot = _noiseWrite[c]++ % NoiseFrames;
        for (var i = 0; i < _frame; i++) _noise[c][slot * _frame + i] = frame[i * _channels + c];
        _noiseFrames[c] = Math.Min(NoiseFrames, _noiseFrames[c] + 1);
    }

    /// <summary>Whether channels <paramref name="c"/> and <paramref name="d"/> carry the same audio in this frame (within 1 % of its energy).</summary>
    private bool Same(Span<float> frame, int length, int c, int d)
    {
        double difference = 0, energy = 0;
        for (var i = 0; i < length; i++)
        {
            var a = frame[i * _channels + c];
            var b = frame[i * _channels + d];
            difference += (a - b) * (a - b);
            energy += a * a;
        }
        return difference <= 0.01 * energy;
    }

    /// <summary>
    /// The largest of the last <c>span</c> values pushed (none pushed yet counts as −∞), in constant time per value: a
    /// queue of the values that can still become the largest, newest last, each smaller than the one before it.
    /// </summary>
    private sealed class SlidingMax(int span)
    {
        private readonly double[] _values = new double[span + 1];
        private readonly long[] _positions = new long[span + 1];
        private int _head;
        private int _count;
        private long _pushed;

        public double Max => _count > 0 ? _values[_head] : double.NegativeInfinity;

        public void Push(double value)
        {
            var capacity = _values.Length;
            while (_count > 0 && _values[(_head + _count - 1) % capacity] <= value) _count--;
            var tail = (_head + _count) % capacity;
            _values[tail] = value;
            _positions[tail] = _pushed++;
            _count++;
            if (_positions[_head] <= _pushed - 1 - span)
            {
                _head = (_head + 1) % capacity;
                _count--;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
