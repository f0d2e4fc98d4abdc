using System.Globalization;
using CallSentiment.Web.Metrics;

namespace CallSentiment.Web.Recordings;

/// <summary>Everything the product knows about a call before analysing it. <see cref="StartedAt"/> is UTC.</summary>
public sealed record CallMetadata(
    string Agent,
    string? AgentName,
    DateTimeOffset StartedAt,
    string CallId,
    string? CustomerId,
    int AgentChannel,
    int CustomerChannel,
    bool RolesSwapped = false);

public static class CallMetadataResolver
{
    /// <summary>The years a call may start in: the same range the dashboard's filters accept.</summary>
    public const int MinYear = 1970, MaxYear = 9000;

    /// <summary>Longest agent name (from a key, a sidecar or the upload form): the same limit everywhere.</summary>
    public const int MaxNameLength = 100;

    /// <summary>
    /// Key fields + sidecar → metadata, or the reason it cannot be known. Nothing is guessed: a call without an agent,
    /// a start time or an id is a problem to report.
    /// </summary>
    public static bool TryResolve(
        string key, KeyPattern pattern, Sidecar? sidecar, TimeZoneInfo sourceZone, int defaultAgentChannel, int defaultCustomerChannel,
        out CallMetadata? metadata, out string? error)
    {
        metadata = null;
        var keyOk = pattern.TryParse(key, out var fields, out var keyError);
        if (!keyOk && sidecar is null)
        {
            error = keyError;
            return false;
        }

        var zone = sourceZone;
        if (sidecar?.TimeZone is { } tzName && !TimeZoneInfo.TryFindSystemTimeZoneById(tzName, out zone))
        {
            error = $"sidecar time zone '{tzName}' is unknown";
            return false;
        }

        var agent = sidecar?.Agent ?? fields?.Agent;
        var callId = sidecar?.CallId ?? fields?.CallId;
        DateTimeOffset? start = null;
        if (sidecar?.StartedAt is { } s)
        {
            // The year is checked before any conversion: 0001-01-01 in a zone east of UTC has no UTC instant at all.
            if (DateTimeOffset.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset)
                && (s.EndsWith('Z') || HasOffset(s)))
            {
                if (!Plausible(withOffset.Year, $"sidecar startedAt '{s}'", out error)) return false;
                start = withOffset.ToUniversalTime();
            }
            else if (DateTime.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                if (!Plausible(local.Year, $"sidecar startedAt '{s}'", out error)) return false;
                start = WeekBuckets.LocalToUtc(local, zone!);
            }
            else
            {
                error = $"sidecar startedAt '{s}' is not an ISO 8601 date and time (or lies outside the years {MinYear}-{MaxYear})";
                return false;
            }
        }
        else if (fields?.LocalStart is { } localStart)
        {
            if (!Plausible(localStart.Year, $"the key's date {localStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", out error)) return false;
            start = WeekBuckets.LocalToUtc(localStart, zone!);
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(agent)) missing.Add("agent");
        if (start is null) missing.Add("start time");
        if (string.IsNullOrWhiteSpace(callId)) missing.Add("call id");
        if (missing.Count > 0)
        {
            error = (keyOk ? "" : keyError + "; ") + "no " + string.Join(", ", missing) + " in key or sidecar";
            return false;
        }

        if (agent!.Trim().Length > MaxNameLength || agent.Contains('/', StringComparison.Ordinal))
        {
            error = $"the agent name is longer than {MaxNameLength} characters or contains '/'";
            return false;
        }

        var agentChannel = sidecar?.Channels?.Agent ?? defaultAgentChannel;
        var customerChannel = sidecar?.Channels?.Customer ?? defaultCustomerChannel;
        if (agentChannel < 0 || customerChannel < 0 || agentChannel == customerChannel)
        {
            error = $"channel roles agent={agentChannel} customer={customerChannel} are not two different channels";
            return false;
        }

        metadata = new CallMetadata(agent!.Trim(), sidecar?.AgentName, start!.Value, callId!.Trim(), sidecar?.CustomerId ?? fields?.CustomerId,
            agentChannel, customerChannel);
        error = null;
        return true;
    }

    private static bool Plausible(int year, string what, out string? error)
    {
        error = year is >= MinYear and <= MaxYear ? null : $"{what} is outside the plausible years {MinYear}-{MaxYear}";
        return error is null;
    }

    private static bool HasOffset(string s)
    {
        var t = s.IndexOf('T', StringComparison.Ordinal);
        return t > 0 && (s.IndexOf('+', t) > 0 || s.IndexOf('-', t) > 0);
    }
}
