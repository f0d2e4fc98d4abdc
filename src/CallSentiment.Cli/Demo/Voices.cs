namespace CallSentiment.Cli.Demo;

internal enum Accent
{
    British,
    American,
    Scottish,
}

/// <summary>A synthetic talker: base pitch, vocal-tract formant scales (percent of espeak-ng's default) and accent.</summary>
internal sealed record Speaker(string Id, bool Female, double PitchHz, int[] Formants, Accent Accent);

internal enum Emotion
{
    Neutral,
    Happy,
    Angry,
    Sad,
}

/// <summary>How one utterance is spoken: espeak-ng voice settings plus the level and clipping applied afterwards.</summary>
internal sealed record Prosody(
    double PitchScale,
    double PitchRange,
    int WordsPerMinute,
    int Flutter,
    int Roughness,
    int Breath,
    double GainDb,
    float? ClipCeiling);

/// <summary>The emotion an utterance is meant to carry and how strongly (0 plain .. 1 full).</summary>
internal readonly record struct Tone(Emotion Emotion, double Intensity)
{
    public static Tone Plain { get; } = new(Emotion.Neutral, 0);

    // Acoustic correlates of each emotion in acted speech, at full intensity. Anger: louder with clipped peaks,
    // much faster, higher, a wider and unsteady pitch (flutter), a rougher voice. Sadness: slower, lower, quieter
    // and flatter, breathy, with a trembling voice (flutter). Happiness: higher, livelier pitch range, a little
    // louder. The values were tuned by measuring what the product's speech-emotion model hears (Demo/README.md).
    private static readonly Prosody Neutral = new(1, 1.25, 152, 2, 2, 0, 0, null);
    private static readonly Prosody Angry = new(1.35, 1.5, 230, 15, 4, 0, 7, 0.2f);
    private static readonly Prosody Sad = new(0.85, 1.1, 115, 30, 2, 10, -8, null);
    private static readonly Prosody Happy = new(1.1, 1.65, 147, 2, 2, 0, 5, null);

    /// <summary>Neutral speech moved towards the emotion by its intensity, with a little jitter per utterance.</summary>
    public Prosody Shape(Random rng)
    {
        var i = Math.Clamp(Intensity * (0.9 + 0.2 * rng.NextDouble()), 0, 1);
        var full = Emotion switch { Emotion.Angry => Angry, Emotion.Sad => Sad, Emotion.Happy => Happy, _ => Neutral };
        double Toward(double plain, double target) => plain + (target - plain) * i;
        return new Prosody(
            Toward(Neutral.PitchScale, full.PitchScale),
            Toward(Neutral.PitchRange, full.PitchRange),
            (int)Math.Round(Toward(Neutral.WordsPerMinute, full.WordsPerMinute)) + rng.Next(-6, 7),
            (int)Math.Round(Toward(Neutral.Flutter, full.Flutter)),
            (int)Math.Round(Toward(Neutral.Roughness, full.Roughness)),
            (int)Math.Round(Toward(Neutral.Breath, full.Breath)),
            Toward(Neutral.GainDb, full.GainDb),
            full.ClipCeiling);
    }
}

/// <summary>The cast: one distinct voice per agent, and a pool of customer voices (a customer keeps theirs).</summary>
internal static class Voices
{
    public static IReadOnlyList<Speaker> Agents { get; } =
    [
        new("alice", true, 170, [108, 112, 110, 106], Accent.British),
        new("ben", false, 105, [100, 96, 100, 102], Accent.British),
        new("chloe", true, 160, [112, 108, 114, 110], Accent.American),
        new("daniel", false, 95, [96, 100, 94, 98], Accent.American),
        new("emma", true, 175, [106, 114, 108, 112], Accent.Scottish),
        new("farid", false, 115, [102, 98, 104, 100], Accent.British),
        new("grace", true, 185, [110, 110, 116, 108], Accent.British),
        new("harry", false, 100, [98, 102, 98, 96], Accent.Scottish),
        new("isla", true, 165, [114, 106, 112, 114], Accent.British),
        new("james", false, 90, [94, 96, 96, 100], Accent.American),
        new("katie", true, 180, [108, 116, 110, 108], Accent.American),
        new("leo", false, 110, [100, 104, 102, 104], Accent.British),
    ];

    public static IReadOnlyList<Speaker> Customers { get; } =
    [
        new("cust-a", false, 100, [98, 100, 96, 100], Accent.British),
        new("cust-b", true, 165, [110, 110, 112, 108], Accent.British),
        new("cust-c", false, 120, [104, 98, 100, 96], Accent.American),
        new("cust-d", true, 175, [106, 112, 108, 112], Accent.American),
        new("cust-e", false, 90, [96, 94, 98, 102], Accent.Scottish),
        new("cust-f", true, 155, [112, 106, 114, 110], Accent.Scottish),
        new("cust-g", false, 110, [100, 102, 104, 98], Accent.British),
        new("cust-h", true, 185, [108, 114, 110, 106], Accent.British),
        new("cust-i", false, 95, [102, 96, 94, 100], Accent.American),
        new("cust-j", true, 170, [114, 108, 106, 114], Accent.British),
    ];
}
