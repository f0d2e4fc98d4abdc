namespace CallSentiment.Analysis.Audio;

public enum SampleEncoding
{
    PcmUnsigned8,
    Pcm16,
    Pcm24,
    Pcm32,
    Float32,
    Float64,
    MuLaw,
    ALaw,
    /// <summary>Decoded by ffmpeg into 32-bit float.</summary>
    External,
}

/// <summary>
/// What a decoder knows about a stream before reading it. <c>TotalFrames</c> counts sample frames (one sample per
/// channel) when the container declares them, else it is null.
/// </summary>
public sealed record AudioInfo(int SampleRate, int Channels, SampleEncoding Encoding, long? TotalFrames, string Container)
{
    public TimeSpan? Duration => TotalFrames is { } n ? TimeSpan.FromSeconds((double)n / SampleRate) : null;
}
