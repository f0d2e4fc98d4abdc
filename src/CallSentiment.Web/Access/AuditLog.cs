using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Access;

public sealed record AuditEntry(long Id, long At, string? UserName, string Action, string? Target, string? Detail, string? RemoteIp);

/// <summary>Append-only record of who listened to or downloaded which recording, who changed what, and sign-ins.</summary>
public sealed class AuditLog(Db db, TimeProvider clock)
{
    public static class Actions
    {
        public const string SignIn = "sign-in";
        public const string SignInFailed = "sign-in-failed";
        public const string LockedOut = "locked-out";
        public const string SignOut = "sign-out";
        public const string Listen = "listen";
        public const string Download = "download";
        public const string SwapRoles = "swap-roles";
        public const string Retry = "retry";
        public const string Upload = "upload";
        public const string UploadReplace = "upload-replace";
        public const string RecordingReplaced = "recording-replaced";
        public const string Dismiss = "dismiss";
        public const string AnalyseNow = "analyse-now";
        public const string UserCreated = "user-created";
        public const string UserChanged = "user-changed";
        public const string DeleteCall = "delete-call";
        public const string QaClaim = "qa-claim";
        public const string QaNote = "qa-note";
        public const string QaResolve = "qa-resolve";
        public const string QaLabel = "qa-label";
        public const string QaExport = "qa-export";
        public const string ApiKeyCreated = "api-key-created";
        public const string ApiKeyRevoked = "api-key-revoked";
        public const string CategoryCreated = "category-created";
        public const string CategoryChanged = "category-changed";
        public const string CategoryDeleted = "category-deleted";
        public const string CategoryRetag = "category-retag";
        public const string Redaction = "redaction";
    }

    public async Task WriteAsync(string? userName, string action, string? target, string? detail, string? remoteIp, CancellationToken cancellationToken)
    {
        const string Insert = """
            INSERT INTO audit_log (at, user_name, action, target, detail, remote_ip) VALUES (@at, @userName, @action, @target, @detail, @remoteIp)
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Insert,
            new { at = clock.GetUtcNow().ToUnixTimeMilliseconds(), userName, action, target, detail, remoteIp }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The signed-in user and the caller's address from the request.</summary>
    public Task WriteAsync(HttpContext http, string action, string? target, string? detail = null) =>
        WriteAsync(http.User.Identity?.Name, action, target, detail, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);

    /// <summary>Newest first, optionally for one user, one action or one target (e.g. "call:42").</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string? userName, string? action, string? target, int limit, CancellationToken cancellationToken)
    {
        const string Select = """
            SELECT id AS Id, at AS At, user_name AS UserName, action AS Action, target AS Target, detail AS Detail, remote_ip AS RemoteIp
            FROM audit_log
            WHERE (@userName IS NULL OR user_name = @userName)
              AND (@action IS NULL OR action = @action)
              AND (@target IS NULL OR target = @target)
            ORDER BY id DESC
            LIMIT @limit
            """;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<AuditEntry>(new CommandDefinition(Select, new { userName, action, target, limit }, cancellationToken: cancellationToken))
            .ConfigureAwait(false)).AsList();
    }
}
