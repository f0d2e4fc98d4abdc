using System.Security.Cryptography;
using System.Text;
using CallSentiment.Web.Storage;
using Dapper;

namespace CallSentiment.Web.Access;

public sealed record ApiKey(long Id, string Name, string KeyPrefix, string Role, string CreatedBy, long CreatedAt, long? ExpiresAt, long? LastUsedAt, long? RevokedAt)
{
    public bool IsActiveAt(long now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>
/// API keys for machine clients: <c>csk_&lt;10 hex&gt;_&lt;43 base64url&gt;</c>, 256 random bits after the public prefix.
/// Only a SHA-256 of the whole key is kept (a key is random, so a slow password hash adds nothing); the key is shown
/// once, when it is made. Each key carries one role, and the API authorises it exactly like a signed-in user of that role.
/// </summary>
public sealed class ApiKeyStore(Db db, TimeProvider clock)
{
    public const string KeyStart = "csk_";
    private const int PrefixHexLength = 10;
    // A used key writes last_used_at at most this often (the lookup stays a read on busy clients).
    private const long LastUsedResolutionMs = 60_000;

    private const string Columns = """
        id AS Id, name AS Name, key_prefix AS KeyPrefix, role AS Role, created_by AS CreatedBy, created_at AS CreatedAt,
        expires_at AS ExpiresAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt
        """;

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Makes a key; returns it (the only time it exists in clear) with its row. Throws <see cref="ArgumentException"/> for a bad name, role or lifetime.</summary>
    public async Task<(string Key, ApiKey Row)> CreateAsync(string name, string role, int? lifetimeDays, string createdBy, CancellationToken cancellationToken)
    {
        const string Insert = """
            INSERT INTO api_keys (name, key_prefix, key_hash, role, created_by, created_at, expires_at)
            VALUES (@name, @prefix, @hash, @role, @createdBy, @now, @expiresAt)
            """;
        name = name.Trim();
        if (name.Length is 0 or > 100) throw new ArgumentException("A key needs a name of 1-100 characters (who or what uses it).", nameof(name));
        if (!AppRoles.IsRole(role)) throw new ArgumentException($"Role '{role}' is not one of {string.Join(", ", AppRoles.All)}", nameof(role));
        if (lifetimeDays is < 1 or > 3650) throw new ArgumentException("A key's lifetime is 1-3650 days (or none).", nameof(lifetimeDays));
        var prefix = KeyStart + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixHexLength / 2));
        var key = prefix + "_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = Now;
        long? expiresAt = lifetimeDays is { } d ? now + d * 86_400_000L : null;
        await using (var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
            await c.ExecuteAsync(new CommandDefinition(Insert, new { name, prefix, hash = Hash(key), role, createdBy, now, expiresAt },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (key, (await FindAsync(prefix, cancellationToken).ConfigureAwait(false))!);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM api_keys ORDER BY revoked_at IS NOT NULL, name, id";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await c.QueryAsync<ApiKey>(new CommandDefinition(sql, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Revokes a key at once (the next request with it is refused). False when there is no such active key.</summary>
    public async Task<bool> RevokeAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        const string Sql = "UPDATE api_keys SET revoked_at = @now WHERE key_prefix = @keyPrefix AND revoked_at IS NULL";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(Sql, new { keyPrefix, now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>The active key this presented secret belongs to, or null (unknown, wrong secret, revoked or expired).</summary>
    public async Task<ApiKey?> ValidateAsync(string presented, CancellationToken cancellationToken)
    {
        const string Touch = "UPDATE api_keys SET last_used_at = @now WHERE id = @id";
        // csk_ + 10 hex + _ + 43 base64url characters; anything else is not one of ours and costs no query.
        if (presented.Length != KeyStart.Length + PrefixHexLength + 1 + 43 || !presented.StartsWith(KeyStart, StringComparison.Ordinal)
            || presented[KeyStart.Length + PrefixHexLength] != '_') return null;
        var prefix = presented[..(KeyStart.Length + PrefixHexLength)];
        var sql = $"SELECT {Columns}, key_hash AS KeyHash FROM api_keys WHERE key_prefix = @prefix";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<StoredKey>(new CommandDefinition(sql, new { prefix }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.KeyHash), Encoding.ASCII.GetBytes(Hash(presented)))) return null;
        var key = new ApiKey(row.Id, row.Name, row.KeyPrefix, row.Role, row.CreatedBy, row.CreatedAt, row.ExpiresAt, row.LastUsedAt, row.RevokedAt);
        var now = Now;
        if (!key.IsActiveAt(now)) return null;
        if (key.LastUsedAt is null || now - key.LastUsedAt >= LastUsedResolutionMs)
            await c.ExecuteAsync(new CommandDefinition(Touch, new { id = key.Id, now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return key;
    }

    private sealed record StoredKey(long Id, string Name, string KeyPrefix, string Role, string CreatedBy, long CreatedAt, long? ExpiresAt, long? LastUsedAt,
        long? RevokedAt, string KeyHash);

    private async Task<ApiKey?> FindAsync(string prefix, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM api_keys WHERE key_prefix = @prefix";
        await using var c = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(sql, new { prefix }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
