using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Enhancement;

namespace CallSentiment.Cli.Diagnostics;

/// <summary>
/// A listening condition for the evaluation commands: real-world-like noise added at a given SNR
/// (<c>--noise babble|street|fan --snr DB</c>) and/or GTCRN speech enhancement before analysis (<c>--enhance</c>).
/// The SNR is the clip's RMS over the noise's RMS across the whole clip. Noise is deterministic per clip (seeded by
/// its key), so runs with and without <c>--enhance</c> hear exactly the same noisy audio.
/// <list type="bullet">
/// <item>babble: six talkers at once, cut from Berlin EmoDB's neutral sentences (German, so no words of the
/// evaluation language leak in), each at equal level, random offsets;</item>
/// <item>street: synthetic traffic: brown-noise rumble below ~300 Hz, pink noise, cars passing as slow
/// 3–6 s level swells, and now and then a horn (two tones near 400 and 500 Hz with harmonics);</item>
/// <item>fan: synthetic: pink noise band-limited to 100–4,000 Hz with a motor hum (100 Hz and harmonics) and a
/// slow 0.5 Hz blade beat.</item>
/// </list>
/// Street and fan are synthesised, not recorded: they have the spectra and time structure of those sources, not
/// their exact texture. The README says so beside the figures.
/// </summary>
internal sealed class NoiseCondition : IDisposable
{
    private const int Rate = GtcrnEnhancer.SampleRate;
    private readonly string? _kind;
    private readonly double _snrDb;
    private readonly GtcrnEnhancer? _enhancer;
    private readonly List<float[]> _babbleTalkers = [];

    private NoiseCondition(string? kind, double snrDb, GtcrnEnhancer? enhancer, string? babbleData)
    {
        _kind = kind;
        _snrDb = snrDb;
        _enhancer = enhancer;
        if (kind == "babble")
        {
            var folder = babbleData ?? Shared.Find("datasets", "ser", "emodb");
            var manifest = Path.Combine(folder, "MANIFEST.csv");
            if (!File.Exists(manifest)) throw new UsageException($"--noise babble needs EmoDB's neutral sentences: {manifest} not found (--babble-data DIR)");
            foreach (var line in File.ReadLines(manifest).Skip(1).Where(l => l.Contains(",neutral,", StringComparison.Ordinal)))
                _babbleTalkers.Add(AudioLoader.LoadMono(Path.Combine(folder, line.Split(',')[0]), Rate));
            if (_babbleTalkers.Count < 6) throw new InvalidDataException($"{manifest}: fewer than 6 neutral sentences for babble");
        }
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(_kind is null ? "no added noise" : $"{_kind} noise at {_snrDb:0.#} dB SNR")}; {(_enhancer is null ? "no enhancement" : $"GTCRN enhancement ({_enhancer.ModelPath})")}");

    public bool Changes => _kind is not null || _enhancer is not null;

    /// <summary>Reads --noise, --snr, --babble-data, --enhance and --enhancer-model; null when none is given.</summary>
    public static NoiseCondition? FromArgs(Args args)
    {
        var kind = args.Get("noise");
        var snr = args.Double("snr", 10, -10, 60);
        var babble = args.Get("babble-data");
        var enhance = args.Flag("enhance");
        var model = args.Get("enhancer-model");
        if (kind is not (null or "babble" or "street" or "fan")) throw new UsageException($"--noise {kind}: babble, street or fan");
        if (kind is null && !enhance) return null;
        var enhancer = enhance ? GtcrnEnhancer.Load(model ?? Shared.FindInRepository("models", "speech-enhancement", "gtcrn_simple.onnx")) : null;
        return new NoiseCondition(kind, snr, enhancer, babble);
    }

    /// <summary>
    /// 16 kHz samples under this condition: noise mixed in (seeded by <paramref name="key"/>), then
    /// <paramref name="channel"/> (e.g. the telephone band: noise reaches the microphone, the call carries both),
    /// then enhanced, as the product would enhance what the telephone delivered.
    /// </summary>
    public float[] Apply(float[] samples, int sampleRate, string key, Func<float[], float[]>? channel = null)
    {
        var noisy = AddNoise(samples, sampleRate, key);
        if (channel is not null) noisy = channel(noisy);
        return _enhancer is null ? noisy : _enhancer.Enhance(noisy);
    }

    private float[] AddNoise(float[] samples, int sampleRate, string key)
    {
        if (sampleRate != Rate) throw new ArgumentException($"noise conditions work at {Rate} Hz, not {sampleRate}", nameof(sampleRate));
        var result = samples;
        if (_kind is not null && samples.Length > 0)
        {
            var noise = _kind switch
            {
                "babble" => Babble(samples.Length, Seed(key)),
                "street" => Street(samples.Length, Seed(key)),
                _ => Fan(samples.Length, Seed(key)),
            };
            var gain = (float)(Rms(samples) / Math.Max(Rms(noise), 1e-12) / Math.Pow(10, _snrDb / 20));
            result = new float[samples.Length];
            for (var i = 0; i < samples.Length; i++) result[i] = Math.Clamp(samples[i] + gain * noise[i], -1f, 1f);
        }
        return result;
    }

    private static int Seed(string key)
    {
        var h = 2166136261u;
        foreach (var c in key) h = (h ^ c) * 16777619u;
        return (int)(h & 0x7fffffff);
    }

    private static double Rms(float[] x)
    {
        double sum = 0;
        foreach (var v in x) sum += (double)v * v;
        return Math.Sqrt(sum / Math.Max(1, x.Length));
    }

    private float[] Babble(int length, int seed)
    {
        var random = new Random(seed);
        var mix = new float[length];
        for (var talker = 0; talker < 6; talker++)
        {
            var position = random.Next(1000);
            var offset = random.Next(Rate);
            var filled = 0;
            while (filled < length)
            {
                var clip = _babbleTalkers[(position++ * 7919 + talker) % _babbleTalkers.Count];
                var scale = (float)(0.1 / Math.Max(Rms(clip), 1e-9));
                for (var i = offset; i < clip.Length && filled < length; i++) mix[filled++] += clip[i] * scale;
                offset = 0;
            }
        }
        return mix;
    }

    private static float[] Street(int length, int seed)
    {
        var random = new Random(seed);
        var pink = Pink(length, random);
        var rumble = Brown(length, random);
        var noise = new float[length];
        // Passing cars: Gaussian level swells, one every 3-6 s.
        var swell = new float[length];
        for (var centre = random.Next(3 * Rate); centre < length + 3 * Rate; centre += Rate * (3 + random.Next(4)))
        {
            var width = Rate * (0.8 + random.NextDouble());
            for (int i = Math.Max(0, centre - 3 * Rate), end = Math.Min(length, centre + 3 * Rate); i < end; i++)
                swell[i] += (float)Math.Exp(-0.5 * Math.Pow((i - centre) / width, 2));
        }
        for (var i = 0; i < length; i++) noise[i] = (0.35f + swell[i]) * (0.6f * rumble[i] + 0.4f * pink[i]);
        // A horn now and then: two tones with harmonics, half a second.
        for (var start = random.Next(5 * Rate); start < length; start += Rate * (6 + random.Next(8)))
        {
            double f1 = 400 + random.Next(40), f2 = 500 + random.Next(40);
            for (int i = start, end = Math.Min(length, start + Rate / 2); i < end; i++)
            {
                var t = (double)(i - start) / Rate;
                var v = 0.0;
                for (var h = 1; h <= 4; h++) v += (Math.Sin(2 * Math.PI * f1 * h * t) + Math.Sin(2 * Math.PI * f2 * h * t)) / h;
                noise[i] += (float)(0.08 * v);
            }
        }
        return noise;
    }

    private static float[] Fan(int length, int seed)
    {
        var random = new Random(seed);
        var pink = Pink(length, random);
        foreach (var f in Biquad.Butterworth4(Rate, 100, highPass: true).Concat(Biquad.Butterworth4(Rate, 4000, highPass: false)))
            f.Process(pink);
        var noise = new float[length];
        var phase = random.NextDouble() * 2 * Math.PI;
        for (var i = 0; i < length; i++)
        {
            var t = (double)i / Rate;
            var x = pink[i];
            var hum = 0.0;
            for (var h = 1; h <= 5; h++) hum += Math.Sin(2 * Math.PI * 100 * h * t + phase * h) / (h * h);
            noise[i] = (float)((1 + 0.15 * Math.Sin(2 * Math.PI * 0.5 * t + phase)) * (x + 0.05 * hum));
        }
        return noise;
    }

    /// <summary>Pink (1/f) noise by Paul Kellett's economical filter of white noise.</summary>
    private static float[] Pink(int length, Random random)
    {
        var y = new float[length];
        double b0 = 0, b1 = 0, b2 = 0;
        for (var i = 0; i < length; i++)
        {
            var white = random.NextDouble() * 2 - 1;
            b0 = 0.99765 * b0 + white * 0.0990460;
            b1 = 0.96300 * b1 + white * 0.2965164;
            b2 = 0.57000 * b2 + white * 1.0526913;
            y[i] = (float)((b0 + b1 + b2 + white * 0.1848) * 0.2);
        }
        return y;
    }

    /// <summary>Brown (1/f²) noise: leaky integrated white noise, low-passed at 300 Hz.</summary>
    private static float[] Brown(int length, Random random)
    {
        var y = new float[length];
        double level = 0;
        for (var i = 0; i < length; i++)
        {
            level = 0.998 * level + (random.NextDouble() * 2 - 1) * 0.05;
            y[i] = (float)level;
        }
        Biquad.LowPass(Rate, 300, Math.Sqrt(0.5)).Process(y);
        return y;
    }

    public void Dispose() => _enhancer?.Dispose();
}
