using CallSentiment.Analysis.Features;

namespace CallSentiment.Analysis.SpeechEmotion;

/// <summary>The part of a short clip between its first and last voiced frame (plus a small margin).</summary>
public static class VoicedSpan
{
    public const int MarginFrames = 5;

    public static (int Start, int Count) Find(FrameBuffer frames, double framesPerSecond)
    {
        var vad = new VoiceActivity(framesPerSecond: framesPerSecond);
        int first = -1, last = -1;
        for (var i = 0; i < frames.Count; i++)
        {
            if (!vad.IsVoiced(frames.Energy(i))) continue;
            if (first < 0) first = i;
            last = i;
        }
        if (first < 0) return (0, frames.Count);
        var start = Math.Max(0, first - MarginFrames);
        var end = Math.Min(frames.Count, last + 1 + MarginFrames);
        return (start, end - start);
    }
}
