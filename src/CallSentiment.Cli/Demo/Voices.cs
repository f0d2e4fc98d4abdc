namespace CallSentiment.Cli.Demo;

/// <summary>The Festival voices Debian ships in English: two diphone voices (male) and one HTS voice (female).</summary>
internal enum FestivalVoice
{
    Kal,
    Ked,
    Slt,
}

/// <summary>
/// A synthetic talker: a Festival voice, its base pitch, and for the HTS voice the frequency warping of its vocal
/// tract (all-pass constant; the voice's own is 0.45), so that talkers sharing a voice still sound like different people.
/// </summary>
internal sealed record Speaker(string Id, FestivalVoice Voice, double PitchHz, double Warp = 0.45);

internal enum Emotion
{
    Neutral,
    Happy,
    Angry,
    Sad,
}

/// <summary>
/// How one utterance is spoken: Festival's speaking rate, pitch level and pitch range (relative to the talker's plain
/// speech), then the level, soft clipping and tremolo applied to the synthesised audio.
/// </summary>
internal sealed record Prosody(double Rate, double PitchScale, double PitchRange, double GainDb, float? ClipCeiling, double Flutter, double Tremolo);

/// <summary>The emotion an utterance is meant to carry and how strongly (0 plain .. 1 full).</summary>
internal readonly record struct Tone(Emotion Emotion, double Intensity)
{
    public static Tone Plain { get; } = new(Emotion.Neutral, 0);

    // Acoustic correlates of each emotion in acted speech, at full intensity. Anger: louder with clipped peaks,
    // faster, higher, with a wider pitch range. Sadness: slower, lower, quieter and flatter, with a trembling voice
    // (tremolo: Festival has no voice-quality controls, so the tremor is added to the audio). Happiness: a little
    // higher and louder, with a livelier pitch range. Rates stay within what the recogniser still follows (0.8–1.25).
    private static readonly Prosody Neutral = new(1, 1, 1, 0, null, 0, 0);
    private static readonly Prosody Angry = new(1.22, 1.25, 1.7, 7, 0.2f, 0.15, 0);
    private static readonly Prosody Sad = new(0.82, 0.87, 0.55, -7, null, 0.25, 0.35);
    private static readonly Prosody Happy = new(1.06, 1.12, 1.6, 4, null, 0, 0);

    /// <summary>Neutral speech moved towards the emotion by its intensity, with a little jitter per utterance.</summary>
    public Prosody Shape(Random rng)
    {
        var i = Math.Clamp(Intensity * (0.9 + 0.2 * rng.NextDouble()), 0, 1);
        var full = Emotion switch { Emotion.Angry => Angry, Emotion.Sad => Sad, Emotion.Happy => Happy, _ => Neutral };
        double Toward(double plain, double target) => plain + (target - plain) * i;
        return new Prosody(
            Toward(Neutral.Rate, full.Rate) * (0.97 + 0.06 * rng.NextDouble()),
            Toward(Neutral.PitchScale, full.PitchScale),
            Toward(Neutral.PitchRange, full.PitchRange),
            Toward(Neutral.GainDb, full.GainDb),
            full.ClipCeiling,
            Toward(Neutral.Flutter, full.Flutter),
            Toward(Neutral.Tremolo, full.Tremolo));
    }
}

/// <summary>
/// The cast: one voice per agent, and a pool of customer voices (a customer keeps theirs). Debian has three English
/// Festival voices, so talkers are told apart by pitch and, on the HTS voice, by vocal-tract warping; women are voiced
/// by the HTS voice, men by the two diphone voices.
/// </summary>
internal static class Voices
{
    public static IReadOnlyList<Speaker> Agents { get; } =
    [
        new("alice", FestivalVoice.Slt, 180, 0.45),
        new("ben", FestivalVoice.Kal, 105),
        new("chloe", FestivalVoice.Slt, 165, 0.48),
        new("daniel", FestivalVoice.Ked, 100),
        new("emma", FestivalVoice.Slt, 195, 0.42),
        new("farid", FestivalVoice.Kal, 120),
        new("grace", FestivalVoice.Slt, 175, 0.47),
        new("harry", FestivalVoice.Ked, 115),
        new("isla", FestivalVoice.Slt, 160, 0.43),
        new("james", FestivalVoice.Kal, 95),
        new("katie", FestivalVoice.Slt, 185, 0.49),
        new("leo", FestivalVoice.Ked, 125),
    ];

    public static IReadOnlyList<Speaker> Customers { get; } =
    [
        new("cust-a", FestivalVoice.Kal, 100),
        new("cust-b", FestivalVoice.Slt, 170, 0.46),
        new("cust-c", FestivalVoice.Ked, 120),
        new("cust-d", FestivalVoice.Slt, 185, 0.43),
        new("cust-e", FestivalVoice.Kal, 90),
        new("cust-f", FestivalVoice.Slt, 160, 0.48),
        new("cust-g", FestivalVoice.Ked, 110),
        new("cust-h", FestivalVoice.Slt, 195, 0.44),
        new("cust-i", FestivalVoice.Kal, 115),
        new("cust-j", FestivalVoice.Slt, 175, 0.47),
    ];
}
