using System.Globalization;

namespace CallSentiment.Analysis.Transcription.PocketSphinx;

/// <summary>Where the recogniser and its US English model live (Debian defaults), and how the decoder searches.</summary>
public sealed record PocketSphinxSettings
{
    public const string DebianModelRoot = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>Acoustic model folder (-hmm): mdef, means, variances, ... (pocketsphinx-en-us).</summary>
    public string AcousticModel { get; init; } = Path.Combine(DebianModelRoot, "en-us");

    /// <summary>Pronunciation dictionary (-dict).</summary>
    public string Dictionary { get; init; } = Path.Combine(DebianModelRoot, "cmudict-en-us.dict");

    /// <summary>N-gram language model (-lm), ARPA or binary.</summary>
    public string LanguageModel { get; init; } = Path.Combine(DebianModelRoot, "en-us.lm.bin");

    /// <summary>libpocketsphinx file or soname; null = libpocketsphinx.so.3 from the system library path.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>
    /// Decoder arguments on top of the model's feat.params ("-beam" → "1e-60", ...). The defaults are the measured
    /// settings of <see cref="DefaultArguments"/>; entries here override them, a null value removes one.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Arguments { get; init; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// The tuned defaults. Measured with evaluate-asr (NIST sclite) on the 9 read-speech utterances of
    /// shared/datasets/asr/speech (129 words) and, as a hold-out, on 34 utterances not used for anything else
    /// (24 Festival TTS sentences of DailyDialog in two voices, 10 RAVDESS clips; 316 words), clean / telephone:
    /// <list type="bullet">
    /// <item>library defaults + batch CMN: 27.9 / 41.9 % (hold-out 24.7 / 45.3 %), 20.7 s CPU for the 9;</item>
    /// <item>-fwdflat no: 20.2 / 38.8 % (hold-out 20.9 / 43.7 %): the flat-lexicon second pass re-searches each
    /// short VAD segment with narrower beams and mostly replaces right words of the tree pass by wrong ones;</item>
    /// <item>+ -maxhmmpf 6000: 20.2 / 38.8 % (hold-out 20.9 / 42.1 %), 13.9 s CPU; a cap of 3000 is faster still
    /// (9.0 s) but loses words through the telephone channel (hold-out 48.4 %).</item>
    /// </list>
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultArguments { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Each VAD segment is decoded as one whole utterance, so CMN can use the segment's own mean.
        ["-cmn"] = "batch",
        // The tree search alone (then the best path through its lattice) is both more accurate and faster here.
        ["-fwdflat"] = "no",
        // At most this many active HMMs per frame: bounds the search on noisy or confusable frames.
        ["-maxhmmpf"] = "6000",
        // Silero VAD has already cut each segment to speech; pocketsphinx's own silence removal only dropped words
        // (with each utterance a fresh stream, see PocketSphinxDecoder.Decode: 21.7 / 38.0 % without it, 23.3 / 38.0 %
        // with it on the read-speech set, clean / telephone) and cost time through the telephone channel.
        ["-remove_silence"] = "no",
    };

    /// <summary>Frames per second of the front end (word times are frame counts).</summary>
    public int FrameRate => int.Parse(EffectiveArguments().GetValueOrDefault("-frate") ?? "100", CultureInfo.InvariantCulture);

    /// <summary>Sample rate the decoder expects (-samprate; the en-us model is 16 kHz).</summary>
    public int SampleRate => (int)double.Parse(EffectiveArguments().GetValueOrDefault("-samprate") ?? "16000", CultureInfo.InvariantCulture);

    /// <summary>Parses "-beam 1e-60 -lw 10" (as given on a command line) into an argument map.</summary>
    public static Dictionary<string, string?> ParseArguments(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length % 2 != 0) throw new ArgumentException($"decoder arguments must be '-name value' pairs: '{text}'", nameof(text));
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Length; i += 2)
        {
            if (!parts[i].StartsWith('-')) throw new ArgumentException($"'{parts[i]}' is not a decoder option (options start with '-')", nameof(text));
            if (Refusal(parts[i]) is { } refusal) throw new ArgumentException(refusal, nameof(text));
            result[parts[i]] = parts[i + 1];
        }
        return result;
    }

    /// <summary>Why a decoder option cannot be set (one acting on the whole process rather than on one decoder), or null.</summary>
    public static string? Refusal(string name) => name == "-logfn"
        // sphinxbase has one log stream per process: a decoder given -logfn replaces and closes it under the others.
        ? "-logfn cannot be given to a decoder: pocketsphinx's log stream is shared by the whole process and switching it " +
          "while other decoders run crashes the process (the log is discarded)"
        : null;

    /// <summary>Defaults merged with <see cref="Arguments"/>.</summary>
    public Dictionary<string, string> EffectiveArguments()
    {
        var merged = new Dictionary<string, string>(DefaultArguments, StringComparer.Ordinal);
        foreach (var (k, v) in Arguments)
        {
            if (v is null) merged.Remove(k);
            else merged[k] = v;
        }
        return merged;
    }

    /// <summary>Fails with the missing file's name when the model is not installed.</summary>
    /// <exception cref="PocketSphinxException">A model file or folder is missing.</exception>
    public void EnsureModelExists()
    {
        if (!Directory.Exists(AcousticModel))
            throw new PocketSphinxException($"Acoustic model folder not found: {AcousticModel}; {PocketSphinxException.InstallHint}.");
        foreach (var file in new[] { "mdef", "means", "variances", "transition_matrices", "noisedict" })
        {
            var path = Path.Combine(AcousticModel, file);
            if (!File.Exists(path))
                throw new PocketSphinxException($"Acoustic model file not found: {path}; {PocketSphinxException.InstallHint}.");
        }
        if (!File.Exists(Dictionary))
            throw new PocketSphinxException($"Pronunciation dictionary not found: {Dictionary}; {PocketSphinxException.InstallHint}.");
        if (!File.Exists(LanguageModel))
            throw new PocketSphinxException($"Language model not found: {LanguageModel}; {PocketSphinxException.InstallHint}.");
    }
}
