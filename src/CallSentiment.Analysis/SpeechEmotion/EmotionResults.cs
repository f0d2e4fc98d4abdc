namespace CallSentiment.Analysis.SpeechEmotion;

/// <summary>One analysed window of voiced audio: where it lies in the recording and the model's probabilities.</summary>
public sealed record EmotionWindow(double StartSeconds, double EndSeconds, float[] Probabilities);

/// <summary>Negative / neutral / positive probability mass under the model's documented valence mapping.</summary>
public readonly record struct ValenceScores(double Negative, double Neutral, double Positive)
{
    public static ValenceScores From(ReadOnlySpan<float> probabilities, SpeechEmotionModel model)
    {
        double neg = 0, neu = 0, pos = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            switch (model.ValenceOf(i))
            {
                case Valence.Negative: neg += probabilities[i]; break;
                case Valence.Positive: pos += probabilities[i]; break;
                default: neu += probabilities[i]; break;
            }
        }
        return new ValenceScores(neg, neu, pos);
    }
}

/// <summary>The emotion timeline of one channel (agent or customer in stereo call recordings) and its aggregate.</summary>
public sealed record ChannelEmotion(int Channel, IReadOnlyList<EmotionWindow> Timeline, float[] Mean, double VoicedSeconds)
{
    /// <summary>Index of the most probable label over the channel, or -1 when nothing voiced was heard.</summary>
    public int Dominant => Timeline.Count == 0 ? -1 : Array.IndexOf(Mean, Mean.Max());
}

public sealed record RecordingEmotion(double DurationSeconds, int SourceSampleRate, IReadOnlyList<ChannelEmotion> Channels, float[] Overall)
{
    public int Dominant => Channels.All(c => c.Timeline.Count == 0) ? -1 : Array.IndexOf(Overall, Overall.Max());
}
