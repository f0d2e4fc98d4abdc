using System.ComponentModel;
using CallSentiment.Web.Calls;
using CallSentiment.Web.Categories;
using CallSentiment.Web.Metrics;
using CallSentiment.Web.Qa;
using Microsoft.AspNetCore.Mvc;

namespace CallSentiment.Web.Api;

// The API's shapes: times are ISO 8601 instants (UTC), lengths in seconds, scores 0..1. They are contracts with
// machine clients, so they are spelled out here rather than exposing the storage rows.

/// <summary>POSITIVE / NEGATIVE / NEUTRAL / MIXED scores; they sum to 1.</summary>
public sealed record Scores(double Positive, double Negative, double Neutral, double Mixed);

/// <summary>
/// One analysed call. <c>LowConfidence</c>: the verdict rests on too little or too split evidence (words the recogniser
/// doubts, little voice, stages that disagree); such a call enters the QA queue only when strongly negative.
/// </summary>
public sealed record CallSummary(long Id, DateTimeOffset StartedAt, string Agent, double DurationSeconds, string Sentiment, double Confidence,
    Scores Scores, string? DominantEmotion, string CallRef, string? CustomerRef, string? CustomerSentiment, string? AgentSentiment, bool LowConfidence,
    [property: Description("Names of the categories the call is tagged with.")] IReadOnlyList<string>? Categories = null)
{
    internal static CallSummary From(CallRow r, IReadOnlyList<string>? categories = null) => new(r.Id, r.Started, r.Agent, r.DurationMs / 1000.0, r.Sentiment, r.Confidence,
        new Scores(r.Positive, r.Negative, r.Neutral, r.Mixed), r.DominantEmotion, r.CallRef, r.CustomerRef, r.CustomerSentiment, r.AgentSentiment,
        r.LowConfidence != 0, categories ?? []);
}

/// <summary>Words of the transcript that made a category match: the chunk (<c>Seq</c> of the transcript), word indexes, when, and the words.</summary>
public sealed record CategorySpan(long Seq, int FromWord, int ToWord, double AtSeconds, string? Role, string Text);

/// <summary>
/// A category the call is tagged with; <c>Spans</c> is empty when the rule matched on the call's facts alone.
/// <c>Polarity</c>: "avoid" (fewer is better) or "encourage" (more is better).
/// </summary>
public sealed record CallCategoryReport(string Name, IReadOnlyList<CategorySpan> Spans, string Polarity);

/// <summary>A category, how many calls of the range it tagged, and its polarity: "avoid" (fewer is better) or "encourage" (more is better).</summary>
public sealed record CategoryCountReport(string Name, long Calls, string Polarity);

public sealed record CategoryReport(string? Agent, DateTimeOffset From, DateTimeOffset To, string TimeZone, IReadOnlyList<CategoryCountReport> Categories);

public sealed record CallPage(int Page, int PageSize, long Total, IReadOnlyList<CallSummary> Items);

public sealed record Agent(string Name, string? DisplayName);

/// <summary>Average scores are null when there are no calls, and so is the NPS ((positives − negatives) / calls × 100).</summary>
public sealed record Metrics(long Calls, double CallSeconds, double? AveragePositive, double? AverageNegative, double? AverageNeutral, double? AverageMixed,
    long Positives, long Negatives, long Neutrals, long Mixeds, double? Nps)
{
    internal static Metrics From(CallAggregate a) => new(a.Count, a.DurationMs / 1000.0, a.AveragePositive, a.AverageNegative, a.AverageNeutral,
        a.AverageMixed, a.Positives, a.Negatives, a.Neutrals, a.Mixeds, a.Nps);
}

public sealed record MetricsReport(string? Agent, DateTimeOffset From, DateTimeOffset To, string TimeZone, Metrics Totals);

/// <summary>One ISO week in the dashboard's time zone (cut to the range at its ends).</summary>
public sealed record WeekMetrics(string Week, DateTimeOffset From, DateTimeOffset To, Metrics Metrics);

public sealed record TrendReport(string? Agent, DateTimeOffset From, DateTimeOffset To, string TimeZone, IReadOnlyList<WeekMetrics> Weeks);

public sealed record Speaker(long Number, string Role, long? Channel, double TalkSeconds, long Words, long Interruptions, string? Sentiment, Scores? Scores,
    string? TextSentiment, string? VoiceSentiment, IReadOnlyList<double?> NegativeByQuarter, double? Change, string? Language = null);

public sealed record TranscriptChunk(long Seq, long Speaker, string Role, double StartSeconds, double EndSeconds, string Text, string? Sentiment, Scores? Scores, string? Note);

public sealed record VoiceChannel(long Channel, string Role, double VoicedSeconds, string? DominantEmotion, double Negative, double Neutral, double Positive);

/// <summary>A call with what was said (by speaker, with chunk sentiment), each speaker's figures and the conversation facts.</summary>
public sealed record CallDetailReport(CallSummary Call, string SourceKey, DateTimeOffset AnalyzedAt, long ChannelCount, string? SpeakerSeparation, bool RolesSwapped,
    string? ConfidenceNote, string? FusionVersion, double? SilenceSeconds, double? LongestSilenceSeconds, double? OverlapSeconds, long? Interruptions, double? SentimentChange,
    IReadOnlyList<VoiceChannel> Voice, IReadOnlyList<Speaker> Speakers, IReadOnlyList<TranscriptChunk> Transcript,
    IReadOnlyList<CallCategoryReport>? Categories = null, string? Language = null)
{
    internal static CallDetailReport From(CallView v, IReadOnlyList<CallCategory>? categories = null)
    {
        var c = v.Call;
        categories ??= [];
        // The transcript's language and each speaker's, as the transcript stage recorded them (Whisper detects them).
        var (language, bySpeaker) = StageDetail.Languages(v.Stages.FirstOrDefault(s => s.Stage == TranscriptStage.StageName)?.Detail);
        var summary = new CallSummary(c.Id, c.Started, c.Agent, c.DurationMs / 1000.0, c.Sentiment, c.Confidence, new Scores(c.Positive, c.Negative, c.Neutral, c.Mixed),
            c.DominantEmotion, c.CallRef, c.CustomerRef, c.CustomerSentiment, c.AgentSentiment, c.LowConfidence != 0, categories.Select(k => k.Name).ToList());
        return new CallDetailReport(summary, c.SourceKey, DateTimeOffset.FromUnixTimeMilliseconds(c.AnalyzedAt), c.ChannelCount, c.SpeakerSeparation, c.RolesSwapped != 0,
            c.ConfidenceNote, c.FusionVersion, Seconds(c.SilenceMs), Seconds(c.LongestSilenceMs), Seconds(c.OverlapMs), c.Interruptions, c.SentimentChange,
            v.Channels.Select(h => new VoiceChannel(h.Channel, h.Role, h.VoicedSeconds, h.DominantEmotion, h.Negative, h.Neutral, h.Positive)).ToList(),
            v.Speakers.Select(s => new Speaker(s.Speaker, s.Role, s.Channel, s.TalkMs / 1000.0, s.Words, s.Interruptions, s.Sentiment,
                ScoresOf(s.Positive, s.Negative, s.Neutral, s.Mixed), s.TextSentiment, s.VoiceSentiment, s.Quarters, s.Change,
                bySpeaker.GetValueOrDefault(s.Speaker))).ToList(),
            v.Chunks.Select(k => new TranscriptChunk(k.Seq, k.Speaker, k.Role, k.StartMs / 1000.0, k.EndMs / 1000.0, k.Text, k.Sentiment,
                ScoresOf(k.Positive, k.Negative, k.Neutral, k.Mixed), k.Note)).ToList(),
            categories.Select(k => new CallCategoryReport(k.Name, k.Spans.Select(s => Span(v, s)).ToList(), k.Polarity.Key())).ToList(),
            language);
    }

    /// <summary>A span with the words it covers, read from the chunk's stored words.</summary>
    private static CategorySpan Span(CallView v, MatchSpan s)
    {
        var chunk = v.Chunks.FirstOrDefault(k => k.Seq == s.Seq);
        var words = new List<string>();
        if (chunk is not null)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(chunk.Words);
            var i = 0;
            foreach (var w in doc.RootElement.EnumerateArray())
            {
                if (i >= s.From && i <= s.To) words.Add(w[0].GetString() ?? "");
                i++;
            }
        }
        return new CategorySpan(s.Seq, s.From, s.To, s.Ms / 1000.0, chunk?.Role, string.Join(' ', words.Select(w => w.Trim())));
    }

    private static double? Seconds(long? ms) => ms / 1000.0;

    private static Scores? ScoresOf(double? p, double? n, double? u, double? m) => p is { } pp && n is { } nn && u is { } uu && m is { } mm ? new Scores(pp, nn, uu, mm) : null;
}

/// <summary>An item of the service-recovery queue: status open, claimed or resolved.</summary>
public sealed record QaItemSummary(long Id, long? CallId, string Agent, DateTimeOffset CallStartedAt, DateTimeOffset CreatedAt, string Status,
    string? ClaimedBy, DateTimeOffset? ClaimedAt, string? ResolvedBy, DateTimeOffset? ResolvedAt, string? RecoveryAction, string Reason)
{
    internal static QaItemSummary From(QaItem i) => new(i.Id, i.CallId, i.Agent, Instant(i.CallStartedAt), Instant(i.CreatedAt), i.Status,
        i.ClaimedBy, i.ClaimedAt is { } c ? Instant(c) : null, i.ResolvedBy, i.ResolvedAt is { } r ? Instant(r) : null, i.RecoveryAction, i.Reason);

    internal static DateTimeOffset Instant(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}

public sealed record QaPage(int Page, int PageSize, long Total, IReadOnlyList<QaItemSummary> Items);

public sealed record QaNoteEntry(DateTimeOffset At, string UserName, string Text);

/// <summary>What the customer said that drove the verdict, most negative first.</summary>
public sealed record NegativeQuote(double AtSeconds, string Role, string Text, double Negative);

public sealed record QaItemDetail(QaItemSummary Item, IReadOnlyList<QaNoteEntry> Notes, IReadOnlyList<NegativeQuote> NegativeQuotes);

public sealed record ClaimRequest([property: Description("Take the item over from whoever claimed it.")] bool TakeOver = false);

public sealed record NoteRequest([property: Description("1-4,000 characters.")] string? Text);

public sealed record ResolveRequest(
    [property: Description("What was done to recover the customer, 1-2,000 characters.")] string? Action,
    [property: Description("Optional: what the customer really felt after listening (negative confirms the verdict; neutral or positive corrects it). Kept as a label for callsentiment calibrate.")] string? CustomerLabel = null);

/// <summary>The dashboard's filter as query values (dates and times in the dashboard's time zone, the end minute included).</summary>
public class CallQueryParameters
{
    [FromQuery(Name = "agent"), Description("Employee name; all employees when absent.")] public string? Agent { get; init; }

    [FromQuery(Name = "from"), Description("First day, yyyy-mm-dd; default: the Monday 11 weeks before this week.")] public string? From { get; init; }

    [FromQuery(Name = "fromTime"), Description("Time on the first day, hh:mm; default 00:00.")] public string? FromTime { get; init; }

    [FromQuery(Name = "to"), Description("Last day, yyyy-mm-dd; default: today.")] public string? To { get; init; }

    [FromQuery(Name = "toTime"), Description("Last minute on the last day, hh:mm (included); default 23:59.")] public string? ToTime { get; init; }

    [FromQuery(Name = "customer"), Description("Only calls where the customer felt this way: POSITIVE, NEGATIVE, NEUTRAL or MIXED.")] public string? Customer { get; init; }

    [FromQuery(Name = "agentTone"), Description("Only calls where the agent came across this way: POSITIVE, NEGATIVE, NEUTRAL or MIXED.")] public string? AgentTone { get; init; }

    [FromQuery(Name = "category"), Description("Only calls tagged with this category (its name).")] public string? Category { get; init; }

    internal DashboardQueryInput Input(string? negative = null, string? sort = null, string? dir = null, string? page = null) =>
        new(Agent, From, FromTime, To, ToTime, negative, Customer, AgentTone, sort, dir, page, Category);
}

public sealed class CallListParameters : CallQueryParameters
{
    [FromQuery(Name = "negative"), Description("true: negative calls only.")] public string? Negative { get; init; }

    [FromQuery(Name = "sort"), Description("time (default), agent, duration, verdict, confidence or emotion.")] public string? Sort { get; init; }

    [FromQuery(Name = "dir"), Description("asc or desc; default desc for time, duration and confidence.")] public string? Dir { get; init; }

    [FromQuery(Name = "page"), Description("1-based page number.")] public string? Page { get; init; }

    [FromQuery(Name = "pageSize"), Description("Calls per page, 1-500; default 50.")] public string? PageSize { get; init; }
}

public sealed class QaQueryParameters
{
    [FromQuery(Name = "agent"), Description("Employee name.")] public string? Agent { get; init; }

    [FromQuery(Name = "status"), Description("unresolved (default: open or claimed), open, claimed, resolved or all.")] public string? Status { get; init; }

    [FromQuery(Name = "from"), Description("Calls from this day, yyyy-mm-dd, in the dashboard's time zone.")] public string? From { get; init; }

    [FromQuery(Name = "to"), Description("Calls up to this day (included), yyyy-mm-dd.")] public string? To { get; init; }

    [FromQuery(Name = "page"), Description("1-based page number; 50 items a page.")] public string? Page { get; init; }
}
