namespace CallSentiment.Analysis.Audio;

/// <summary>Second-order IIR section (RBJ audio-EQ cookbook), transposed direct form II, double state.</summary>
public sealed class Biquad
{
    private readonly double _b0, _b1, _b2, _a1, _a2;
    private double _z1, _z2;

    private Biquad(double b0, double b1, double b2, double a0, double a1, double a2)
    {
        _b0 = b0 / a0;
        _b1 = b1 / a0;
        _b2 = b2 / a0;
        _a1 = a1 / a0;
        _a2 = a2 / a0;
    }

    public static Biquad LowPass(double sampleRate, double frequency, double q)
    {
        var (cos, alpha) = Prewarp(sampleRate, frequency, q);
        return new Biquad((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    public static Biquad HighPass(double sampleRate, double frequency, double q)
    {
        var (cos, alpha) = Prewarp(sampleRate, frequency, q);
        return new Biquad((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    /// <summary>The two sections of a 4th-order Butterworth filter.</summary>
    private static readonly double[] Butterworth4Q = [0.54119610, 1.30656296];

    public static Biquad[] Butterworth4(double sampleRate, double frequency, bool highPass) =>
        [.. Butterworth4Q.Select(q => highPass ? HighPass(sampleRate, frequency, q) : LowPass(sampleRate, frequency, q))];

    private static (double Cos, double Alpha) Prewarp(double sampleRate, double frequency, double q)
    {
        var w0 = 2 * Math.PI * frequency / sampleRate;
        return (Math.Cos(w0), Math.Sin(w0) / (2 * q));
    }

    public void Process(Span<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            double x = samples[i];
            var y = _b0 * x + _z1;
            _z1 = _b1 * x - _a1 * y + _z2;
            _z2 = _b2 * x - _a2 * y;
            samples[i] = (float)y;
        }
    }
}
