using System.Globalization;

namespace CallSentiment.Web.Recordings;

/// <summary>Limits on reading a sidecar: it describes one call in a few hundred bytes, so anything far larger is a mistake.</summary>
public static class Sidecars
{
    /// <summary>The largest sidecar read (64 KiB); a larger one is reported, never read.</summary>
    public const int MaxBytes = 64 * 1024;

    public static string TooLarge(string sidecarKey, long? size) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{sidecarKey}: the sidecar is {(size is { } n ? $"{n:N0} bytes" : "larger than that")}; sidecars may be at most {MaxBytes / 1024} KB");

    /// <summary>The stream's bytes, or null when there are more than <see cref="MaxBytes"/>.</summary>
    public static async Task<byte[]?> ReadCappedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes + 1];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            total += n;
        return total > MaxBytes ? null : buffer[..total];
    }
}
