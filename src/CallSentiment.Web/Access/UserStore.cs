using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CallSentiment.Web.Storage;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Access;

public sealed class AppUser
{
    public long Id { get; init; }

    public string UserName { get; init; } = "";

    public string? DisplayName { get; init; }

    public string Role { get; init; } = "";

    public long FailedLogins { get; init; }

    public long? LockedUntil { get; init; }

    public bool Disabled { get; init; }

    public string SecurityStamp { get; init; } = "";

    public long CreatedAt { get; init; }

    public long? LastLoginAt { get; init; }

    public bool IsLockedAt(long now) => LockedUntil is { } until && until > now;
}

public enum SignInOutcome { Success, BadCredentials, LockedOut, Disabled }

/// <summary>Users with hashed passwords (ASP.NET Core's <see cref="PasswordHasher{TUser}"/>: PBKDF2, salted, versioned) and lockout.</summary>
public sealed partial class UserStore(Db db, IOptions<AccessOptions> options, TimeProvider clock)
{
    private const string Columns = """
        id AS Id, user_name AS UserName, display_name AS DisplayName, role AS Role, failed_logins AS FailedLogins,
        locked_until AS LockedUntil, disabled AS Disabled, security_stamp AS SecurityStamp, created_at AS CreatedAt, last_login_at AS LastLoginAt
        """;

    private static readonly PasswordHasher<AppUser> Hasher = new();

    // A hash to verify against when the user does not exist, so a wrong name takes as long as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => Hasher.HashPassword(new AppUser(), "not a password"));

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{1,63}$")]
    private static partial Regex UserNamePattern();

    /// <summary>Null when the name is acceptable, else why not.</summary>
    public static string? CheckUserName(string name) =>
        UserNamePattern().IsMatch(name.Trim().ToLowerInvariant()) ? null : "2-64 characters: letters, digits, '.', '_', '@', '-'";

    public string? CheckPassword(string? password) =>
        password is null || password.Length < options.Value.MinPasswordLength ? $"A password needs at least {options.Value.MinPasswordLength} characters." : null;

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM users", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<AppUser?> FindAsync(string userName, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM users WHERE user_name = @name";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<AppUser>(new CommandDefinition(sql, new { name = userName.Trim().ToLowerInvariant() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AppUser>> ListAsync(CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM users ORDER BY user_name";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<AppUser>(new CommandDefinition(sql, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Creates a user; throws <see cref="ArgumentException"/> with the reason when the name, role or password is not acceptable or the name is taken.</summary>
    public async Task<AppUser> CreateAsync(string userName, string? displayName, string role, string password, CancellationToken cancellationToken)
    {
        const string Insert = """
            INSERT INTO users (user_name, display_name, role, password_hash, failed_logins, disabled, security_stamp, created_at)
            SELECT @name, @displayName, @role, @hash, 0, 0, @stamp, @now
            WHERE NOT EXISTS (SELECT 1 FROM users WHERE user_name = @name)
            """;
        var name = userName.Trim().ToLowerInvariant();
        if (CheckUserName(name) is { } nameProblem) throw new ArgumentException($"User name '{userName}': {nameProblem}", nameof(userName));
        if (!AppRoles.IsRole(role)) throw new ArgumentException($"Role '{role}' is not one of {string.Join(", ", AppRoles.All)}", nameof(role));
        if (CheckPassword(password) is { } passwordProblem) throw new ArgumentException(passwordProblem, nameof(password));
        var hash = Hasher.HashPassword(new AppUser { UserName = name }, password);
        await using (var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var inserted = await c.ExecuteAsync(new CommandDefinition(Insert,
                new { name, displayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(), role, hash, stamp = NewStamp(), now = Now },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (inserted == 0) throw new ArgumentException($"User name '{name}' is taken", nameof(userName));
        }
        return (await FindAsync(name, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Checks a password. Failures count towards the lockout; a locked or disabled account is refused even with the
    /// right password (and the attempt still counts, so guessing during a lockout gains nothing).
    /// </summary>
    public async Task<(SignInOutcome Outcome, AppUser? User)> SignInAsync(string userName, string password, CancellationToken cancellationToken)
    {
        const string Failed = """
            UPDATE users SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= @threshold THEN @lockedUntil ELSE locked_until END
            WHERE id = @id
            """;
        const string Succeeded = "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = @now WHERE id = @id";
        var user = await FindAsync(userName, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            Hasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password);
            return (SignInOutcome.BadCredentials, null);
        }
        var hash = await PasswordHashAsync(user.Id, cancellationToken).ConfigureAwait(false);
        var now = Now;
        var verified = Hasher.VerifyHashedPassword(user, hash, password);
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (user.Disabled) return (SignInOutcome.Disabled, user);
        if (verified == PasswordVerificationResult.Failed || user.IsLockedAt(now))
        {
            var o = options.Value;
            // While locked, a wrong guess does not extend the lock; after it ends, counting starts again.
            if (!user.IsLockedAt(now))
            {
                if (user.LockedUntil is not null)
                    await c.ExecuteAsync(new CommandDefinition("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id", new { id = user.Id },
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
                await c.ExecuteAsync(new CommandDefinition(Failed,
                    new { id = user.Id, threshold = o.LockoutThreshold, lockedUntil = now + (long)o.LockoutDuration.TotalMilliseconds },
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
            var after = await FindAsync(user.UserName, cancellationToken).ConfigureAwait(false);
            return (after!.IsLockedAt(now) ? SignInOutcome.LockedOut : SignInOutcome.BadCredentials, after);
        }
        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
            await c.ExecuteAsync(new CommandDefinition("UPDATE users SET password_hash = @hash WHERE id = @id",
                new { id = user.Id, hash = Hasher.HashPassword(user, password) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Succeeded, new { id = user.Id, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (SignInOutcome.Success, user);
    }

    private async Task<string> PasswordHashAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<string>(new CommandDefinition("SELECT password_hash FROM users WHERE id = @id", new { id }, cancellationToken: cancellationToken))
            .ConfigureAwait(false) ?? "";
    }

    /// <summary>Role, enabled state or password changes; each one renews the security stamp and ends the user's sessions, which signs them out everywhere.</summary>
    public async Task<bool> UpdateAsync(string userName, string? role, bool? disabled, string? newPassword, bool unlock, CancellationToken cancellationToken)
    {
        const string Update = """
            UPDATE users SET
                role = COALESCE(@role, role),
                disabled = COALESCE(@disabled, disabled),
                password_hash = COALESCE(@hash, password_hash),
                failed_logins = CASE WHEN @unlock = 1 THEN 0 ELSE failed_logins END,
                locked_until = CASE WHEN @unlock = 1 THEN NULL ELSE locked_until END,
                security_stamp = CASE WHEN @role IS NULL AND @disabled IS NULL AND @hash IS NULL THEN security_stamp ELSE @stamp END
            WHERE user_name = @name
            """;
        if (role is not null && !AppRoles.IsRole(role)) throw new ArgumentException($"Role '{role}' is not one of {string.Join(", ", AppRoles.All)}", nameof(role));
        if (newPassword is not null && CheckPassword(newPassword) is { } problem) throw new ArgumentException(problem, nameof(newPassword));
        var name = userName.Trim().ToLowerInvariant();
        var hash = newPassword is null ? null : Hasher.HashPassword(new AppUser { UserName = name }, newPassword);
        const string EndSessions = "DELETE FROM user_sessions WHERE user_id IN (SELECT id FROM users WHERE user_name = @name)";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var updated = await c.ExecuteAsync(new CommandDefinition(Update,
            new { name, role, disabled = disabled is null ? (long?)null : disabled.Value ? 1 : 0, hash, unlock = unlock ? 1 : 0, stamp = NewStamp() },
            cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        // The new stamp already refuses old cookies; the rows go too, so nothing of those sessions is left.
        if (updated && (role is not null || disabled is not null || hash is not null))
            await c.ExecuteAsync(new CommandDefinition(EndSessions, new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// The user when they still exist, are enabled, the stamp in the cookie is current and the cookie's session has
    /// not been ended (signed out, or all sessions revoked by a password reset or disabling); else null.
    /// </summary>
    public async Task<AppUser?> ValidateSessionAsync(string userName, string stamp, string sessionId, CancellationToken cancellationToken)
    {
        const string Seen = "SELECT last_seen_at FROM user_sessions WHERE id = @sessionId AND user_id = @userId";
        const string Touch = "UPDATE user_sessions SET last_seen_at = @now WHERE id = @sessionId";
        var user = await FindAsync(userName, cancellationToken).ConfigureAwait(false);
        if (user is not { Disabled: false } || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(user.SecurityStamp), System.Text.Encoding.UTF8.GetBytes(stamp)))
            return null;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var seen = await c.ExecuteScalarAsync<long?>(new CommandDefinition(Seen, new { sessionId, userId = user.Id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (seen is null) return null;
        // A write every few minutes per session, not per request: enough to prune idle sessions at the right time.
        var now = Now;
        if (now - seen.Value > (long)SessionTouchInterval.TotalMilliseconds)
            await c.ExecuteAsync(new CommandDefinition(Touch, new { sessionId, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return user;
    }

    private static readonly TimeSpan SessionTouchInterval = TimeSpan.FromMinutes(5);

    /// <summary>Records a new signed-in session for the user and returns its id (kept in the cookie); prunes idle ones.</summary>
    public async Task<string> StartSessionAsync(AppUser user, CancellationToken cancellationToken)
    {
        const string Insert = "INSERT INTO user_sessions (id, user_id, created_at, last_seen_at) VALUES (@id, @userId, @now, @now)";
        const string Prune = "DELETE FROM user_sessions WHERE last_seen_at < @cutoff";
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var now = Now;
        // A cookie lives SessionLifetime after its last renewal, and last_seen_at lags use by at most the touch interval.
        var cutoff = now - (long)(options.Value.SessionLifetime + SessionTouchInterval).TotalMilliseconds;
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Prune, new { cutoff }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(Insert, new { id, userId = user.Id, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return id;
    }

    /// <summary>Ends one session (sign-out): its cookie, and every copy of it, is refused from the next request on.</summary>
    public async Task EndSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM user_sessions WHERE id = @sessionId", new { sessionId }, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
