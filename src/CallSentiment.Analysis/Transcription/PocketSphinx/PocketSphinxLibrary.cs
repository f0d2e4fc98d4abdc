using System.Runtime.InteropServices;

namespace CallSentiment.Analysis.Transcription.PocketSphinx;

/// <summary>
/// The pocketsphinx 5prealpha C API (Debian's libpocketsphinx3 "0.8+5prealpha") and the few sphinxbase functions it
/// needs, resolved once per library path with <see cref="NativeLibrary"/> so a missing library is reported as a
/// <see cref="PocketSphinxException"/> naming what to install, not as a DllNotFoundException on first call.
/// </summary>
internal sealed unsafe class PocketSphinxLibrary
{
    public const string DefaultPocketSphinx = "libpocketsphinx.so.3";
    public const string DefaultSphinxBase = "libsphinxbase.so.3";

    private static readonly Lock CacheLock = new();
    private static readonly Dictionary<string, PocketSphinxLibrary> Cache = new(StringComparer.Ordinal);
    private static readonly HashSet<IntPtr> QuietSphinxBases = [];

    // pocketsphinx.h
    public readonly delegate* unmanaged<IntPtr> PsArgs;
    public readonly delegate* unmanaged<IntPtr, IntPtr> PsInit;
    public readonly delegate* unmanaged<IntPtr, int> PsFree;
    public readonly delegate* unmanaged<IntPtr, int> PsStartStream;
    public readonly delegate* unmanaged<IntPtr, int> PsStartUtt;
    public readonly delegate* unmanaged<IntPtr, short*, nuint, int, int, int> PsProcessRaw;
    public readonly delegate* unmanaged<IntPtr, int> PsEndUtt;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> PsGetHyp;
    public readonly delegate* unmanaged<IntPtr, IntPtr> PsSegIter;
    public readonly delegate* unmanaged<IntPtr, IntPtr> PsSegNext;
    public readonly delegate* unmanaged<IntPtr, IntPtr> PsSegWord;
    public readonly delegate* unmanaged<IntPtr, int*, int*, void> PsSegFrames;
    public readonly delegate* unmanaged<IntPtr, int*, int*, int*, int> PsSegProb;
    public readonly delegate* unmanaged<IntPtr, void> PsSegFree;
    public readonly delegate* unmanaged<IntPtr, IntPtr> PsGetLogmath;

    // sphinxbase: cmd_ln.h, logmath.h
    public readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr*, int, IntPtr> CmdLnParseR;
    public readonly delegate* unmanaged<IntPtr, int> CmdLnFreeR;
    public readonly delegate* unmanaged<IntPtr, int, double> LogmathExp;

    // sphinxbase: err.h. Debian's build keeps ONE log stream for the whole process (not one per thread).
    private readonly delegate* unmanaged<IntPtr> _errGetLogfp;
    private readonly delegate* unmanaged<IntPtr, int> _errSetLogfile;

    private PocketSphinxLibrary(IntPtr ps, IntPtr sb, string psName)
    {
        PsArgs = (delegate* unmanaged<IntPtr>)Export(ps, psName, "ps_args");
        PsInit = (delegate* unmanaged<IntPtr, IntPtr>)Export(ps, psName, "ps_init");
        PsFree = (delegate* unmanaged<IntPtr, int>)Export(ps, psName, "ps_free");
        PsStartStream = (delegate* unmanaged<IntPtr, int>)Export(ps, psName, "ps_start_stream");
        PsStartUtt = (delegate* unmanaged<IntPtr, int>)Export(ps, psName, "ps_start_utt");
        PsProcessRaw = (delegate* unmanaged<IntPtr, short*, nuint, int, int, int>)Export(ps, psName, "ps_process_raw");
        PsEndUtt = (delegate* unmanaged<IntPtr, int>)Export(ps, psName, "ps_end_utt");
        PsGetHyp = (delegate* unmanaged<IntPtr, int*, IntPtr>)Export(ps, psName, "ps_get_hyp");
        PsSegIter = (delegate* unmanaged<IntPtr, IntPtr>)Export(ps, psName, "ps_seg_iter");
        PsSegNext = (delegate* unmanaged<IntPtr, IntPtr>)Export(ps, psName, "ps_seg_next");
        PsSegWord = (delegate* unmanaged<IntPtr, IntPtr>)Export(ps, psName, "ps_seg_word");
        PsSegFrames = (delegate* unmanaged<IntPtr, int*, int*, void>)Export(ps, psName, "ps_seg_frames");
        PsSegProb = (delegate* unmanaged<IntPtr, int*, int*, int*, int>)Export(ps, psName, "ps_seg_prob");
        PsSegFree = (delegate* unmanaged<IntPtr, void>)Export(ps, psName, "ps_seg_free");
        PsGetLogmath = (delegate* unmanaged<IntPtr, IntPtr>)Export(ps, psName, "ps_get_logmath");
        CmdLnParseR = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr*, int, IntPtr>)Export(sb, DefaultSphinxBase, "cmd_ln_parse_r");
        CmdLnFreeR = (delegate* unmanaged<IntPtr, int>)Export(sb, DefaultSphinxBase, "cmd_ln_free_r");
        LogmathExp = (delegate* unmanaged<IntPtr, int, double>)Export(sb, DefaultSphinxBase, "logmath_exp");
        _errGetLogfp = (delegate* unmanaged<IntPtr>)Export(sb, DefaultSphinxBase, "err_get_logfp");
        _errSetLogfile = (delegate* unmanaged<IntPtr, int>)Export(sb, DefaultSphinxBase, "err_set_logfile");
    }

    /// <summary>The process-wide stream (a C <c>FILE*</c>) sphinxbase writes its log to.</summary>
    internal IntPtr LogStream => _errGetLogfp();

    // The decoders' progress log (several lines per utterance) goes to /dev/null instead of stderr, set once per
    // library before its first decoder, and never again. ps_init's "-logfn" would do it per decoder, but sphinxbase's
    // err_set_logfile opens a new stream, makes it the process-wide one and fcloses the old one while decoders on
    // other threads may be writing to it: a use-after-free that crashed or hung the process now and then (free():
    // invalid pointer, SIGSEGV) whenever a pool built a decoder beside running ones. Decoders must not be given -logfn.
    private void DiscardLog()
    {
        var path = Marshal.StringToCoTaskMemUTF8("/dev/null");
        try
        {
            // Fails only without /dev/null; the log then stays on stderr, which is noisy but safe.
            _ = _errSetLogfile(path);
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }
    }

    /// <summary>Loads libpocketsphinx (and the libsphinxbase it links to) once per path.</summary>
    /// <param name="pocketSphinxPath">A file path or a soname; null means <see cref="DefaultPocketSphinx"/>.</param>
    /// <exception cref="PocketSphinxException">The library is not installed or is not pocketsphinx 5prealpha.</exception>
    public static PocketSphinxLibrary Load(string? pocketSphinxPath = null)
    {
        var psName = pocketSphinxPath ?? DefaultPocketSphinx;
        lock (CacheLock)
        {
            if (Cache.TryGetValue(psName, out var cached)) return cached;
            if (!NativeLibrary.TryLoad(psName, out var ps))
                throw new PocketSphinxException($"The speech recogniser library {psName} could not be loaded: {PocketSphinxException.InstallHint}.");
            // libpocketsphinx links libsphinxbase, so this finds the copy the loader already mapped.
            var sbName = Path.IsPathRooted(psName) ? Path.Combine(Path.GetDirectoryName(psName)!, DefaultSphinxBase) : DefaultSphinxBase;
            if (!NativeLibrary.TryLoad(sbName, out var sb) && !NativeLibrary.TryLoad(DefaultSphinxBase, out sb))
                throw new PocketSphinxException($"The library {DefaultSphinxBase} could not be loaded: {PocketSphinxException.InstallHint}.");
            var lib = new PocketSphinxLibrary(ps, sb, psName);
            // Another path may name a library already loaded (the loader hands back the same sphinxbase): its log stream
            // is already set, and setting it again would close it under its decoders.
            if (QuietSphinxBases.Add(sb)) lib.DiscardLog();
            Cache[psName] = lib;
            return lib;
        }
    }

    private static IntPtr Export(IntPtr lib, string libName, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var f)
            ? f
            : throw new PocketSphinxException($"{libName} has no function {name}: the pocketsphinx 5prealpha API (Debian libpocketsphinx3) is required.");
}

/// <summary>A sphinxbase <c>cmd_ln_t</c>; freed with <c>cmd_ln_free_r</c> (reference counted: the decoder keeps its own reference).</summary>
internal sealed unsafe class ConfigHandle : SafeHandle
{
    private readonly PocketSphinxLibrary _lib;

    public ConfigHandle(PocketSphinxLibrary lib, IntPtr handle) : base(IntPtr.Zero, ownsHandle: true)
    {
        _lib = lib;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        _lib.CmdLnFreeR(handle);
        return true;
    }
}

/// <summary>A <c>ps_decoder_t</c>; freed with <c>ps_free</c>.</summary>
internal sealed unsafe class DecoderHandle : SafeHandle
{
    private readonly PocketSphinxLibrary _lib;

    public DecoderHandle(PocketSphinxLibrary lib, IntPtr handle) : base(IntPtr.Zero, ownsHandle: true)
    {
        _lib = lib;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        _lib.PsFree(handle);
        return true;
    }
}
