using System.Runtime.InteropServices;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>
/// Gives the C heap's free memory back to the system. whisper.cpp allocates its work buffers (tens of MB) for each
/// decoded piece and frees them afterwards; glibc keeps what was freed in its per-thread arenas, so without this the
/// process's RSS climbs with the number of pieces a long call has. A no-op where there is no glibc.
/// </summary>
internal static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (_unavailable) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // musl (Alpine) has no malloc_trim
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
