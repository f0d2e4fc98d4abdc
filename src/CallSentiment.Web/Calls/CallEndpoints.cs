using System.Globalization;
using System.Net.Http.Headers;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Visualization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Recordings;
using CallSentiment.Web.Redaction;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Calls;

public static class CallEndpoints
{
    public static IEndpointRouteBuilder MapCallEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/calls/{id:long}/audio", [HttpMethods.Get, HttpMethods.Head], AudioAsync).RequireAuthorization(Policies.Calls);
        app.MapGet("/calls/{id:long}/waveform.png", (long id, CallDetails calls, IRecordingSource source, RedactedAudio redacted, CancellationToken ct) =>
            ImageAsync(id, calls, source, redacted, r => WaveformImage.Render(r, 1200, 90, ct), ct)).RequireAuthorization(Policies.Calls);
        app.MapGet("/calls/{id:long}/spectrogram.png", (long id, CallDetails calls, IRecordingSource source, RedactedAudio redacted, CancellationToken ct) =>
            ImageAsync(id, calls, source, redacted, r => SpectrogramImage.Render(r, 1200, 120, ct), ct)).RequireAuthorization(Policies.Calls);
        app.MapGet("/status/progress", async (StatusQueries status, IOptions<DashboardOptions> dashboard, CancellationToken ct) =>
        {
            var s = await status.GetAsync(ct).ConfigureAwait(false);
            // Everything the "in progress" table shows, so the page can redraw it with the counters.
            return Results.Json(new
            {
                counts = s.Counts,
                active = s.Active.Select(j => new { j.Id, j.SourceKey, j.Status, j.Progress, j.Attempts, j.LeaseOwner, Note = j.Note(dashboard.Value.Zone) }),
            });
        }).RequireAuthorization(Policies.Dashboard);
        return app;
    }

    /// <summary>A picture of the recording, drawn on request from the audio (it is cheap: ~0.1 s for a 10-minute call).</summary>
    private static async Task<IResult> ImageAsync(long id, CallDetails calls, IRecordingSource source, RedactedAudio redacted, Func<AudioReader, byte[]> render, CancellationToken ct)
    {
        var key = await calls.SourceKeyAsync(id, ct).ConfigureAwait(false);
        if (key is null) return Results.NotFound();
        key = await redacted.PlayableKeyAsync(key, ct).ConfigureAwait(false);
        try
        {
            using var local = await source.GetLocalFileAsync(key, ct).ConfigureAwait(false);
            var png = await Task.Run(() =>
            {
                using var reader = AudioReader.Open(local.Path);
                return render(reader);
            }, ct).ConfigureAwait(false);
            return Results.File(png, "image/png");
        }
        catch (FileNotFoundException)
        {
            return Results.Problem($"The recording {key} is no longer in the source.", statusCode: StatusCodes.Status410Gone);
        }
        catch (AudioFormatException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }

    /// <summary>
    /// The recording — its redacted copy (a tone over the personal data) when there is one — with single-range requests (the audio element seeks with them), If-Range, HEAD and
    /// conditional GET (304 when If-None-Match names the current version).
    /// Every download, and every playback's first request (the one from the start of the file), goes into the audit log.
    /// </summary>
    private static async Task<IResult> AudioAsync(long id, bool? download, HttpContext context, CallDetails calls, IRecordingSource source, RedactedAudio redacted,
        AuditLog audit, CancellationToken ct)
    {
        var key = await calls.SourceKeyAsync(id, ct).ConfigureAwait(false);
        if (key is null) return Results.NotFound();
        key = await redacted.PlayableKeyAsync(key, ct).ConfigureAwait(false);
        var info = await source.StatAsync(key, ct).ConfigureAwait(false);
        if (info is null) return Results.Problem($"The recording {key} is no longer in the source.", statusCode: StatusCodes.Status410Gone);
        var contentType = ContentTypeOf(key);
        var request = context.Request;
        var response = context.Response;
        var etag = $"\"{info.Version}\"";
        var lastModified = TruncateToSeconds(info.LastModified);
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag;
        response.Headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
        if (download == true)
            response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = Path.GetFileName(key) }.ToString();
        if (NoneMatch(request, etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        long start = 0, end = info.Size - 1;
        var rangeHeader = request.Headers.Range.ToString();
        var partial = false;
        if (rangeHeader.Length > 0 && RangeHeaderValue.TryParse(rangeHeader, out var range) && string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase)
            && range.Ranges.Count == 1 && RangeStillApplies(request, etag, lastModified))
        {
            var r = range.Ranges.First();
            if (r.From is { } from)
            {
                start = from;
                end = r.To is { } to ? Math.Min(to, info.Size - 1) : info.Size - 1;
            }
            else if (r.To is { } suffix)
            {
                start = Math.Max(0, info.Size - suffix);
            }
            if (start >= info.Size || start > end)
            {
                response.Headers.ContentRange = $"bytes */{info.Size}";
                return Results.StatusCode(StatusCodes.Status416RangeNotSatisfiable);
            }
            partial = true;
        }
        var length = end - start + 1;
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        if (partial) response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{end}/{info.Size}");
        response.ContentType = contentType;
        response.ContentLength = length;
        // HEAD answers what GET would, without the body: nobody listened, nothing to audit.
        if (HttpMethods.IsHead(request.Method)) return Results.Empty;
        if (download == true)
            await audit.WriteAsync(context, AuditLog.Actions.Download, $"call:{id}", key).ConfigureAwait(false);
        else if (start == 0)
            await audit.WriteAsync(context, AuditLog.Actions.Listen, $"call:{id}", key).ConfigureAwait(false);
        var stream = await source.OpenReadAsync(key, start, length, ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[64 * 1024];
            var left = length;
            while (left > 0)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
                if (n == 0) break;
                await response.Body.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                left -= n;
            }
        }
        return Results.Empty;
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);

    /// <summary>If-None-Match names the current version (or "*"): weak comparison, as RFC 9110 asks for GET and HEAD.</summary>
    private static bool NoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch.ToString();
        if (header.Length == 0) return false;
        if (header.Trim() == "*") return true;
        return Microsoft.Net.Http.Headers.EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var tags)
               && tags.Any(t => t.Tag.Equals(etag, StringComparison.Ordinal));
    }

    /// <summary>
    /// If-Range: the range is served only while the file is the one the client has part of (strong ETag match, or the
    /// exact Last-Modified date); otherwise the whole current file is sent (RFC 9110 13.1.5).
    /// </summary>
    private static bool RangeStillApplies(HttpRequest request, string etag, DateTimeOffset lastModified)
    {
        var ifRange = request.Headers.IfRange.ToString().Trim();
        if (ifRange.Length == 0) return true;
        if (ifRange.StartsWith('"') || ifRange.StartsWith("W/", StringComparison.Ordinal))
            return ifRange == etag;
        return DateTimeOffset.TryParseExact(ifRange, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && date == lastModified;
    }

    public static string ContentTypeOf(string key) => Path.GetExtension(key).ToUpperInvariant() switch
    {
        ".WAV" => "audio/wav",
        ".MP3" => "audio/mpeg",
        ".M4A" or ".AAC" => "audio/mp4",
        ".OGG" or ".OPUS" => "audio/ogg",
        ".FLAC" => "audio/flac",
        _ => "application/octet-stream",
    };
}
