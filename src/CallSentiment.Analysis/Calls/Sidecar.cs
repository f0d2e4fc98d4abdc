using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// The optional JSON file beside a recording (same key, <c>.json</c> extension). Every field is optional; what it
/// gives wins over what the key says. <c>startedAt</c> is ISO 8601 with an offset, or local time in
/// <c>timeZone</c> (else the source's zone).
/// </summary>
public sealed record Sidecar
{
    public string? Agent { get; init; }
    public string? AgentName { get; init; }
    public string? CallId { get; init; }
    public string? CustomerId { get; init; }
    public string? StartedAt { get; init; }
    public string? TimeZone { get; init; }
    public SidecarChannels? Channels { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public static Sidecar Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize<Sidecar>(utf8, Json) ?? throw new FormatException("the sidecar JSON is null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the sidecar JSON is not valid: {e.Message}", e);
        }
    }
}

public sealed record SidecarChannels(int? Agent, int? Customer);
