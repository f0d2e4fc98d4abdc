using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.TextSentiment;

namespace CallSentiment.Analysis.Calls;

/// <summary>
/// Speech → text per speaker → sentiment per chunk. Roles come from the channel metadata on a stereo call and from
/// the configured <see cref="AgentRule"/> on a diarized mono call (a supervisor's swap inverts either). The stage's own
/// verdict is the customer's words; the call verdict fuses it with the voice (<see cref="CallFusion"/>).
/// With a <paramref name="redactor"/>, personal data leaves the transcript right after recognition, before anything
/// reads it: the text scorer (Amazon Comprehend too), the stored chunks and words.
/// </summary>
public sealed class TranscriptStage(ITranscriber transcriber, ITextSentimentScorer scorer, TranscriptStageSettings settings, PiiRedactor? redactor = null) : IAnalysisStage
{
    public const string StageName = "text-sentiment";

    public string Name => StageName;

    public async Task<StageOutput> RunAsync(AnalysisContext context, CancellationToken cancellationToken)
    {
        var o = settings;
        var total = Stopwatch.StartNew();
        var transcript = await transcriber.TranscribeAsync(
            new TranscriptionRequest(context.AudioPath, context.CallId, context.RemoteUri, o.LanguageCode, o.MaxSpeakers), cancellationToken).ConfigureAwait(false);
        var transcribeMs = total.ElapsedMilliseconds;
        var redaction = redactor?.Redact(transcript);
        if (redaction is not null) transcript = redaction.Transcript;

        var roles = AssignRoles(transcript, context, o.AgentRule);
        var stats = ConversationStats.Compute(transcript.Speech, transcript.DurationSeconds,
            roles.Where(r => r.Value is Roles.Agent or Roles.Customer)
                .ToDictionary(r => r.Key, r => r.Value == Roles.Agent ? SpeakerRole.Agent : SpeakerRole.Customer));

        // Every turn is kept for reading; only those long enough are scored (as the AWS post-call analytics solution does).
        var chunks = TranscriptChunker.Chunk(transcript, new ChunkingOptions { MaxBytes = o.MaxChunkBytes, MinTurnCharacters = 0 });
        var scoredIndex = new List<int>();
        for (var i = 0; i < chunks.Count; i++)
            if (chunks[i].Text.Trim().Length >= o.MinChunkChars) scoredIndex.Add(i);
        // Each speaker's words are scored in their own language (Whisper tells it per channel). Words in a language the
        // scorer does not read are not scored at all: the English model's verdict on German words would be trusted as
        // evidence by the fusion, and Comprehend refuses the language; the voice decides for that speaker instead.
        var scoreWatch = Stopwatch.StartNew();
        // A transcript that names no language (a Transcribe output without language_code) is in the configured one.
        var callLanguage = string.IsNullOrWhiteSpace(transcript.LanguageCode) ? o.LanguageCode : transcript.LanguageCode;
        var languageOf = transcript.Speakers.Where(s => s.Language is not null).ToDictionary(s => s.Id, s => s.Language!);
        var scoredBy = new Dictionary<int, TextSentimentResult>();
        var unread = new SortedSet<string>(StringComparer.Ordinal);
        var notRead = 0;
        // An agent's words go to the scorer as an agent's: apologies and refunds are service, not complaints.
        foreach (var group in scoredIndex.GroupBy(i => (Language: languageOf.GetValueOrDefault(chunks[i].Speaker, callLanguage), Speaker: TextSpeakerOf(roles, chunks[i].Speaker))))
        {
            var ids = group.ToList();
            var language = group.Key.Language;
            if (!scorer.Reads(language))
            {
                unread.Add(language);
                notRead += ids.Count;
                foreach (var i in ids) scoredBy[i] = TextSentimentResult.Failed($"the {scorer.Name} text scorer does not read {language}");
                continue;
            }
            var scores = await scorer.ScoreAsync(ids.Select(i => chunks[i].Text).ToList(), language, group.Key.Speaker, cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < ids.Count; j++) scoredBy[ids[j]] = scores[j];
        }

        var results = new List<ChunkResult>(chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            var k = chunks[i];
            var role = roles.GetValueOrDefault(k.Speaker, Roles.Other);
            var words = transcript.Words.Where(w => w.Speaker == k.Speaker && w.Start >= k.Start - 1e-6 && w.End <= k.End + 1e-6).ToList();
            Verdict? verdict = null;
            string? note;
            if (!scoredBy.TryGetValue(i, out var r)) note = $"under {o.MinChunkChars} characters: not scored";
            else if (r.Verdict is null) note = $"not scored: {r.Error}";
            else { verdict = r.Verdict; note = null; }
            results.Add(new ChunkResult(k.Speaker, role, Ms(k.Start), Ms(k.End), k.Text, WordsJson(words), verdict, note, MeanConfidence(words)));
        }

        var speakers = transcript.Speakers.Select(s =>
        {
            var st = stats.Speakers.FirstOrDefault(x => x.Speaker == s.Id);
            return new SpeakerResult(s.Id, roles.GetValueOrDefault(s.Id, Roles.Other), s.Channel, Ms(st?.TalkSeconds ?? 0),
                transcript.Words.Count(w => w.Speaker == s.Id), st?.InterruptionsMade ?? 0,
                transcript.Speech.Where(x => x.Speaker == s.Id).Select(x => (x.Start, x.End)).ToList());
        }).ToList();
        var conversation = new ConversationResult(transcript.Engine, transcript.Separation.ToString(), speakers, results,
            Ms(stats.SilenceSeconds), Ms(stats.LongestSilenceSeconds), Ms(stats.OverlapSeconds), stats.Interruptions)
        {
            Redactions = redaction?.Spans ?? [],
        };

        // The stage's verdict: the customer's words alone (the voice has its own stage; the call fuses both).
        var customer = conversation.Customer;
        var customerText = customer is null ? null : ConversationFusion.TextVerdict(results
            .Where(k => k.Speaker == customer.Speaker && k.Verdict is not null)
            .Select(k => new MoodSpan(k.StartMs / 1000.0, k.EndMs / 1000.0, k.Verdict!.Scores, k.Confidence)).ToList());
        var customerLanguage = customer is null ? null : languageOf.GetValueOrDefault(customer.Speaker, callLanguage);
        var detail = JsonSerializer.Serialize(new
        {
            transcriber = transcriber.Name,
            scorer = scorer.Name,
            language = transcript.LanguageCode,
            // Each speaker's own language (speaker id -> code), where the engine tells them apart (Whisper, per channel).
            languages = transcript.Speakers.Any(s => s.Language is not null)
                ? transcript.Speakers.Where(s => s.Language is not null).ToDictionary(s => s.Id.ToString(CultureInfo.InvariantCulture), s => s.Language)
                : null,
            separation = transcript.Separation.ToString(),
            words = transcript.Words.Count,
            chunks = chunks.Count,
            scored = scoredIndex.Count - notRead,
            failed = scoredBy.Values.Count(x => x.Verdict is null) - notRead,
            // Chunks in a language the scorer does not read, and those languages: not scored, the voice decides.
            notRead = notRead > 0 ? notRead : (int?)null,
            unreadLanguages = unread.Count > 0 ? unread.ToList() : null,
            judgedRole = customer?.Role,
            transcribeMs,
            scoreMs = scoreWatch.ElapsedMilliseconds,
            // Counts per type only: the values are gone.
            redacted = redaction is null ? null : PiiTypes.All.Where(redaction.Counts.ContainsKey).ToDictionary(PiiTypes.Label, t => redaction.Counts[t]),
            note = customerText is not null ? null
                : customerLanguage is not null && unread.Contains(customerLanguage)
                    ? $"the customer spoke {customerLanguage}, which the {scorer.Name} text scorer does not read: the voice decides"
                    : "no scored words from the customer",
        });
        return new StageOutput(new StageResult(StageName, customerText, detail, total.ElapsedMilliseconds), Conversation: conversation);
    }

    private static TextSpeaker TextSpeakerOf(IReadOnlyDictionary<int, string> roles, int speaker) => roles.GetValueOrDefault(speaker) switch
    {
        Roles.Agent => TextSpeaker.Agent,
        Roles.Customer => TextSpeaker.Customer,
        _ => TextSpeaker.Unknown,
    };

    /// <summary>Speaker id → role. Stereo: by channel metadata. Diarized mono: by the agent rule. Otherwise one "mixed" speaker.</summary>
    public static IReadOnlyDictionary<int, string> AssignRoles(Transcript transcript, AnalysisContext meta, AgentRule rule)
    {
        var roles = new Dictionary<int, string>();
        switch (transcript.Separation)
        {
            case SpeakerSeparation.Channels:
                foreach (var s in transcript.Speakers)
                    roles[s.Id] = s.Channel == meta.CustomerChannel ? Roles.Customer : s.Channel == meta.AgentChannel ? Roles.Agent : Roles.Other;
                break;
            case SpeakerSeparation.Diarization:
                foreach (var (speaker, role) in SpeakerRoles.Assign(transcript.Speech, rule))
                {
                    var agent = role == SpeakerRole.Agent ^ meta.RolesSwapped;
                    roles[speaker] = agent ? Roles.Agent : Roles.Customer;
                }
                foreach (var s in transcript.Speakers) roles.TryAdd(s.Id, Roles.Other);
                break;
            default:
                foreach (var s in transcript.Speakers) roles[s.Id] = Roles.Mixed;
                break;
        }
        return roles;
    }

    /// <summary>Word confidences weighted by word duration; 1 when the engine gave none.</summary>
    private static double MeanConfidence(IReadOnlyList<TranscriptWord> words)
    {
        double sum = 0, total = 0;
        foreach (var w in words)
        {
            var d = Math.Max(w.End - w.Start, 0.01);
            sum += d * w.Confidence;
            total += d;
        }
        return total > 0 ? Math.Clamp(sum / total, 0, 1) : 1;
    }

    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    private static string WordsJson(IEnumerable<TranscriptWord> words)
    {
        var sb = new StringBuilder("[");
        foreach (var w in words)
        {
            if (sb.Length > 1) sb.Append(',');
            sb.Append('[').Append(JsonSerializer.Serialize(w.Text)).Append(',')
              .Append(Ms(w.Start).ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(Ms(w.End).ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(Math.Round(w.Confidence, 3).ToString(CultureInfo.InvariantCulture)).Append(']');
        }
        return sb.Append(']').ToString();
    }
}

/// <summary>How the transcript stage cuts and scores a transcript (the web app binds them from the Transcription section).</summary>
public sealed record TranscriptStageSettings
{
    /// <summary>BCP-47 language of the calls (e.g. en-US).</summary>
    public string LanguageCode { get; init; } = "en-US";

    /// <summary>Speakers a mono recording is diarized into at most.</summary>
    public int MaxSpeakers { get; init; } = 2;

    /// <summary>Which diarized speaker of a mono call is the agent (stereo calls use the channel roles).</summary>
    public AgentRule AgentRule { get; init; } = AgentRule.FirstSpeaker;

    /// <summary>Chunks sent for text sentiment never exceed this many UTF-8 bytes (Comprehend's limit is 5,000).</summary>
    public int MaxChunkBytes { get; init; } = 5000;

    /// <summary>Turns shorter than this many characters are shown but not scored.</summary>
    public int MinChunkChars { get; init; } = 8;
}
