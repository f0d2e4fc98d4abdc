using System.Text.Json.Serialization;

namespace CallSentiment.Analysis.Features;

public enum FeatureKind
{
    LogMel,
    Mfcc,
}

public enum MelNorm
{
    None,
    Slaney,
}

/// <summary>How a window of frames is normalised before it reaches the model.</summary>
public enum FeatureNormalization
{
    None,
    /// <summary>Subtract each bin's mean over the window (cepstral/log-mel mean normalisation), then multiply by <see cref="FeatureConfig.Scale"/>.</summary>
    WindowMean,
    /// <summary>Subtract each bin's mean and divide by its standard deviation over the window.</summary>
    WindowMeanVariance,
}

/// <summary>
/// Everything that defines the features a model was trained on. It is stored beside the model file so the
/// product computes exactly what training saw. Semantics follow torchaudio's MelSpectrogram/MFCC
/// (centre-padded reflect STFT, periodic Hann window, HTK mel scale, power spectrum, ln(mel + offset),
/// orthonormal DCT-II).
/// </summary>
public sealed record FeatureConfig
{
    public FeatureKind Kind { get; init; } = FeatureKind.LogMel;
    public int SampleRate { get; init; } = 16000;
    public int NFft { get; init; } = 512;
    public int WinLength { get; init; } = 400;
    public int HopLength { get; init; } = 160;
    public int NMels { get; init; } = 40;
    public int NMfcc { get; init; } = 20;
    public double FMin { get; init; } = 50;
    public double FMax { get; init; } = 4000;
    public double PreEmphasis { get; init; } = 0.97;
    public double LogOffset { get; init; } = 1e-6;
    public MelNorm MelNorm { get; init; } = MelNorm.None;
    public FeatureNormalization Normalization { get; init; } = FeatureNormalization.WindowMean;
    public double Scale { get; init; } = 1.0;

    /// <summary>
    /// Two prosody values after the spectral ones in every frame: ln(F0 / 100 Hz) and the cepstral peak's prominence
    /// (how periodic, i.e. voiced, the frame is), both from the real cepstrum of the frame's 0–4 kHz log spectrum
    /// (<see cref="PitchFeatures"/>). Off for models trained without them.
    /// </summary>
    public bool Pitch { get; init; }

    /// <summary>Values per frame: the spectral ones, then <see cref="PitchFeatures.Dims"/> more with <see cref="Pitch"/>.</summary>
    [JsonIgnore]
    public int Dim => SpectralDim + (Pitch ? PitchFeatures.Dims : 0);

    [JsonIgnore]
    public int SpectralDim => Kind == FeatureKind.Mfcc ? NMfcc : NMels;

    [JsonIgnore]
    public double FramesPerSecond => (double)SampleRate / HopLength;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(SampleRate is >= 4000 and <= 192000, $"{nameof(SampleRate)} must be 4000..192000 (is {SampleRate})");
        Check(NFft is >= 16 and <= 16384 && (NFft & (NFft - 1)) == 0, $"{nameof(NFft)} must be a power of two 16..16384 (is {NFft})");
        Check(WinLength >= 1 && WinLength <= NFft, $"{nameof(WinLength)} must be 1..{nameof(NFft)} (is {WinLength})");
        Check(HopLength >= 1 && HopLength <= NFft, $"{nameof(HopLength)} must be 1..{nameof(NFft)} (is {HopLength})");
        Check(NMels is >= 1 and <= 512, $"{nameof(NMels)} must be 1..512 (is {NMels})");
        Check(Kind != FeatureKind.Mfcc || (NMfcc >= 1 && NMfcc <= NMels), $"{nameof(NMfcc)} must be 1..{nameof(NMels)} (is {NMfcc})");
        Check(FMin >= 0 && FMax > FMin && FMax <= SampleRate / 2.0, $"{nameof(FMin)}/{nameof(FMax)} must satisfy 0 <= FMin < FMax <= SampleRate/2 (are {FMin}/{FMax})");
        Check(PreEmphasis is >= 0 and < 1, $"{nameof(PreEmphasis)} must be 0..1 (is {PreEmphasis})");
        Check(LogOffset > 0, $"{nameof(LogOffset)} must be positive (is {LogOffset})");
        Check(Scale > 0 && double.IsFinite(Scale), $"{nameof(Scale)} must be positive (is {Scale})");
        Check(!Pitch || PitchFeatures.BandBins(this) >= 32,
            $"{nameof(Pitch)} needs at least 32 FFT bins below {PitchFeatures.CeilingHz} Hz (NFft {NFft} at {SampleRate} Hz gives {PitchFeatures.BandBins(this)})");
    }
}
