using System.Runtime.InteropServices;

namespace CallSentiment.Analysis.Transcription.PocketSphinx;

/// <summary>A word of the best path: dictionary spelling ("read(2)", "&lt;sil&gt;" included), frames within the utterance, posterior 0..1.</summary>
public readonly record struct DecodedWord(string Word, int StartFrame, int EndFrame, double Posterior);

/// <summary>
/// One pocketsphinx decoder (acoustic model, dictionary and language model loaded once). Not thread-safe: a decoder
/// decodes one utterance at a time; use <see cref="PocketSphinxDecoderPool"/> to share several between threads.
/// </summary>
public sealed unsafe class PocketSphinxDecoder : IDisposable
{
    /// <summary>Changes when decoding gives different words for the same audio and settings (caches of transcripts key on it).</summary>
    public const int Revision = 3;

    private readonly PocketSphinxLibrary _lib;
    private readonly DecoderHandle _decoder;
    private readonly IntPtr _logmath;

    /// <exception cref="PocketSphinxException">The library or model is missing, or the decoder rejects an argument.</exception>
    public PocketSphinxDecoder(PocketSphinxSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _lib = PocketSphinxLibrary.Load(settings.LibraryPath);
        settings.EnsureModelExists();
        Settings = settings;
        FrameRate = settings.FrameRate;
        SampleRate = settings.SampleRate;

        var args = new List<string>
        {
            "-hmm", settings.AcousticModel,
            "-dict", settings.Dictionary,
            "-lm", settings.LanguageModel,
            // No "-logfn": the log is discarded once for the process (PocketSphinxLibrary.Load); errors come back through
            // return codes.
        };
        foreach (var (k, v) in settings.EffectiveArguments())
        {
            if (PocketSphinxSettings.Refusal(k) is { } refusal) throw new PocketSphinxException(refusal);
            args.Add(k);
            args.Add(v);
        }
        using var config = Parse(args);
        var ps = _lib.PsInit(config.DangerousGetHandle());
        if (ps == IntPtr.Zero)
        {
            throw new PocketSphinxException(
                $"pocketsphinx could not start a decoder with {settings.AcousticModel}, {settings.Dictionary} and {settings.LanguageModel} " +
                "(a model file is unreadable or a decoder argument is invalid).");
        }
        // ps_init keeps its own reference to the configuration, so ours can go when this constructor ends.
        _decoder = new DecoderHandle(_lib, ps);
        _logmath = _lib.PsGetLogmath(ps);
    }

    public PocketSphinxSettings Settings { get; }

    public int FrameRate { get; }

    public int SampleRate { get; }

    /// <summary>Decodes one whole utterance of 16-bit PCM at <see cref="SampleRate"/>.</summary>
    public IReadOnlyList<DecodedWord> Decode(ReadOnlySpan<short> pcm)
    {
        ObjectDisposedException.ThrowIf(_decoder.IsClosed, this);
        var added = false;
        _decoder.DangerousAddRef(ref added);
        try
        {
            var ps = _decoder.DangerousGetHandle();
            // Each utterance is a stream of its own: the front end otherwise carries channel state (its noise estimate,
            // among others) from whatever this pooled decoder decoded before, so a result would depend on the order
            // of work. A new stream also starts frame numbers at 0, which word times rely on.
            if (_lib.PsStartStream(ps) < 0) throw new PocketSphinxException("ps_start_stream failed");
            if (_lib.PsStartUtt(ps) < 0) throw new PocketSphinxException("ps_start_utt failed");
            int processed;
            fixed (short* p = pcm)
            {
                // full_utt = 1: the whole segment at once, so batch CMN sees all of it before the search starts.
                processed = _lib.PsProcessRaw(ps, p, (nuint)pcm.Length, 0, 1);
            }
            var ended = _lib.PsEndUtt(ps);
            if (processed < 0 || ended < 0) throw new PocketSphinxException($"pocketsphinx failed to decode {pcm.Length} samples");
            return Words(ps);
        }
        finally
        {
            if (added) _decoder.DangerousRelease();
        }
    }

    /// <summary>
    /// Brings the decoder to the same state whatever it decoded before: a new stream resets the front end, but the
    /// acoustic scorer still carries state from the last frames it saw into the next utterance (it moved word
    /// posteriors in the third decimal), so a fixed half second of faint noise is decoded first. Call it before each
    /// recording's channel; within a channel the order of utterances is fixed, so results are repeatable.
    /// </summary>
    public void Reset() => Decode(Primer.Value);

    private static readonly Lazy<short[]> Primer = new(() =>
    {
        var rng = new Random(20261204);
        var pcm = new short[8000];
        for (var i = 0; i < pcm.Length; i++) pcm[i] = (short)rng.Next(-30, 31);
        return pcm;
    });

    /// <summary>Converts [-1, 1] floats to PCM and decodes them.</summary>
    public IReadOnlyList<DecodedWord> Decode(ReadOnlySpan<float> samples)
    {
        var pcm = new short[samples.Length];
        for (var i = 0; i < pcm.Length; i++) pcm[i] = (short)Math.Clamp(MathF.Round(samples[i] * 32767f), short.MinValue, short.MaxValue);
        return Decode(pcm);
    }

    /// <summary>The best hypothesis text of the last utterance (for checks against <see cref="Decode(ReadOnlySpan{short})"/>).</summary>
    public string? LastHypothesis()
    {
        var added = false;
        _decoder.DangerousAddRef(ref added);
        try
        {
            int score;
            var hyp = _lib.PsGetHyp(_decoder.DangerousGetHandle(), &score);
            return hyp == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(hyp);
        }
        finally
        {
            if (added) _decoder.DangerousRelease();
        }
    }

    private List<DecodedWord> Words(IntPtr ps)
    {
        var words = new List<DecodedWord>();
        // ps_seg_next frees the iterator when it returns null; ps_seg_free is only for leaving early.
        var seg = _lib.PsSegIter(ps);
        try
        {
            while (seg != IntPtr.Zero)
            {
                var word = Marshal.PtrToStringUTF8(_lib.PsSegWord(seg)) ?? "";
                int sf, ef, ascr, lscr, lback;
                _lib.PsSegFrames(seg, &sf, &ef);
                var logPosterior = _lib.PsSegProb(seg, &ascr, &lscr, &lback);
                var posterior = Math.Clamp(_lib.LogmathExp(_logmath, logPosterior), 0, 1);
                words.Add(new DecodedWord(word, sf, ef, posterior));
                seg = _lib.PsSegNext(seg);
            }
        }
        finally
        {
            if (seg != IntPtr.Zero) _lib.PsSegFree(seg);
        }
        return words;
    }

    private ConfigHandle Parse(List<string> args)
    {
        var argv = new IntPtr[args.Count];
        try
        {
            for (var i = 0; i < args.Count; i++) argv[i] = Marshal.StringToCoTaskMemUTF8(args[i]);
            IntPtr config;
            fixed (IntPtr* a = argv)
            {
                // strict = 1: an unknown option is an error, not silently ignored. cmd_ln copies the strings.
                config = _lib.CmdLnParseR(IntPtr.Zero, _lib.PsArgs(), argv.Length, a, 1);
            }
            if (config == IntPtr.Zero)
                throw new PocketSphinxException($"pocketsphinx rejected the decoder arguments: {string.Join(' ', args.Skip(6))}");
            return new ConfigHandle(_lib, config);
        }
        finally
        {
            foreach (var p in argv)
                if (p != IntPtr.Zero) Marshal.FreeCoTaskMem(p);
        }
    }

    /// <summary>
    /// Frees the decoder, or, while a <see cref="Decode(ReadOnlySpan{short})"/> runs on another thread, marks it closed and
    /// lets that call free it when it returns (the handle is referenced for the length of each call).
    /// </summary>
    public void Dispose() => _decoder.Dispose();

    /// <summary>Whether the decoder has been disposed (its native memory is freed once no call is using it).</summary>
    internal bool IsDisposed => _decoder.IsClosed;
}
