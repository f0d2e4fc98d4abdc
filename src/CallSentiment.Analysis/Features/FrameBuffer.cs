namespace CallSentiment.Analysis.Features;

/// <summary>A growable row-major matrix of feature frames (frames × dim) that can drop its oldest rows.</summary>
public sealed class FrameBuffer(int dim, int capacityFrames = 256)
{
    private float[] _data = new float[dim * Math.Max(1, capacityFrames)];
    private float[] _energy = new float[Math.Max(1, capacityFrames)];

    public int Dim { get; } = dim;

    public int Count { get; private set; }

    public ReadOnlySpan<float> Frame(int index) => _data.AsSpan(index * Dim, Dim);

    /// <summary>Rows <paramref name="start"/>..start+count as one contiguous span.</summary>
    public ReadOnlySpan<float> Rows(int start, int count) => _data.AsSpan(start * Dim, count * Dim);

    /// <summary>Frame energy: ln of the summed mel power (plus the log offset), for voice activity.</summary>
    public float Energy(int index) => _energy[index];

    public Span<float> AddFrame(float energy)
    {
        if ((Count + 1) * Dim > _data.Length) Array.Resize(ref _data, _data.Length * 2);
        if (Count + 1 > _energy.Length) Array.Resize(ref _energy, _energy.Length * 2);
        _energy[Count] = energy;
        return _data.AsSpan(Count++ * Dim, Dim);
    }

    public void RemoveFirst(int frames)
    {
        frames = Math.Min(frames, Count);
        _data.AsSpan(frames * Dim, (Count - frames) * Dim).CopyTo(_data);
        _energy.AsSpan(frames, Count - frames).CopyTo(_energy);
        Count -= frames;
    }

    public void Clear() => Count = 0;

    public float[] ToArray() => _data[..(Count * Dim)];
}
