using CallSentiment.Analysis.Audio;

namespace CallSentiment.Benchmarks.Ingestion;

/// <summary>Real test calls (RAVDESS speech, see TestCalls) of a requested length, and where the app expects them.</summary>
internal static class CallFiles
{
    /// <summary>A call at least <paramref name="seconds"/> long: the number of turns comes from a short call's length.</summary>
    public static byte[] Build(CustomerMood mood, double seconds, int seed)
    {
        const int ProbeTurns = 4;
        var perTurn = DurationSeconds(TestCalls.Build(mood, ProbeTurns, seed)) / ProbeTurns;
        for (var turns = Math.Max(1, (int)Math.Ceiling(seconds / perTurn)); ; turns++)
        {
            var wav = TestCalls.Build(mood, turns, seed);
            if (DurationSeconds(wav) >= seconds) return wav;
        }
    }

    public static double DurationSeconds(byte[] wav)
    {
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        return reader.Info.Duration?.TotalSeconds ?? throw new InvalidDataException("the test call has no length");
    }

    /// <summary>The key under the app's default pattern {agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.{ext}.</summary>
    public static string Key(string agent, DateTime localStart, string callId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{agent}/{localStart:yyyy-MM-dd}/{localStart:HHmmss}_{callId}.wav");
}
