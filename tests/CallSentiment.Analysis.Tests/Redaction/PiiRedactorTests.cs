using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Analysis.Transcription;
using Xunit.Abstractions;

namespace CallSentiment.Analysis.Tests.Redaction;

public sealed class PiiRedactorTests(ITestOutputHelper output)
{
    private static readonly PiiRedactor All = new(PiiTypes.All);

    /// <summary>A transcript of lines (speaker 0 = agent, 1 = customer), words 0.4 s apart, lines 1 s apart.</summary>
    private static Transcript Lines(params (int Speaker, string Text)[] lines)
    {
        var words = new List<TranscriptWord>();
        var t = 0.0;
        foreach (var (speaker, text) in lines)
        {
            foreach (var w in text.Split(' '))
            {
                words.Add(new TranscriptWord(speaker, t, t + 0.35, w, 0.9));
                t += 0.4;
            }
            t += 1;
        }
        return new Transcript("test", "en-GB", SpeakerSeparation.Channels, [new(0, 0, "ch_0"), new(1, 1, "ch_1")], words,
            words.Select(w => new SpeechSegment(w.Speaker, w.Start, w.End)).ToList(), t);
    }

    private static string Text(Transcript t) => string.Join(' ', t.Words.Select(w => w.Text));

    [Fact]
    public void Redact_PlantedCorpus_RecallAndPrecisionPerTypeAtLeast95Percent()
    {
        var corpus = PiiCorpus.Generate();
        var score = PiiCorpus.Score(All, corpus);

        output.WriteLine(PiiCorpus.Table(score));
        foreach (var c in corpus)
            foreach (var d in All.Find(c.Transcript.Words).Where(d => !c.Planted.Any(p => p.Type == d.Type && d.Indices.Intersect(p.Words).Any())))
                output.WriteLine($"false {d.Type}: {string.Join(' ', c.Transcript.Words.Skip(Math.Max(0, d.Indices[0] - 12)).Take(d.Indices.Length + 14).Select(w => w.Text))}");
        foreach (var (type, s) in score)
        {
            Assert.True(s.Planted >= 50, $"{type}: only {s.Planted} planted");
            Assert.True(s.Found >= 0.95 * s.Planted, $"{type}: recall {s.Found}/{s.Planted}");
            Assert.True(s.Correct >= 0.95 * s.Detections, $"{type}: precision {s.Correct}/{s.Detections}");
        }
    }

    [Fact]
    public void Redact_PlantedCorpus_EveryStyleAndFormAboveNinetyPercentRecall()
    {
        var corpus = PiiCorpus.Generate();
        var missed = new List<string>();
        foreach (var group in corpus.SelectMany(c => c.Planted.Select(p => (c, p))).GroupBy(x => (x.c.Style, x.p.Type, x.p.Form)))
        {
            var found = group.Count(x => All.Find(x.c.Transcript.Words).Any(d => d.Type == x.p.Type && d.Indices.Intersect(x.p.Words).Any()));
            output.WriteLine($"{group.Key.Style,-15} {group.Key.Type,-12} {group.Key.Form,-40} {found}/{group.Count()}");
            if (found < 0.9 * group.Count()) missed.Add($"{group.Key}: {found}/{group.Count()}");
            foreach (var (c, p) in group.Where(x => !All.Find(x.c.Transcript.Words).Any(d => d.Type == x.p.Type && d.Indices.Intersect(x.p.Words).Any())))
                output.WriteLine($"    missed: {string.Join(' ', c.Transcript.Words.Skip(Math.Max(0, p.Words[0] - 12)).Take(p.Words.Length + 14).Select(w => w.Text))}");
        }
        Assert.Empty(missed);
    }

    [Fact]
    public void Redact_CardSpokenAsDigitWords_OnePlaceholderWithTheSpanOfItsWords()
    {
        var t = Lines((1, "my card number is four one one one one one one one one one one one one one one one thanks"));

        var r = All.Redact(t);

        Assert.Equal("my card number is [CARD] thanks", Text(r.Transcript));
        var span = Assert.Single(r.Spans);
        Assert.Equal((PiiType.Card, 1), (span.Type, span.Speaker));
        Assert.Equal(t.Words[4].Start, span.Start, 6);
        Assert.Equal(t.Words[19].End, span.End, 6);
        var placeholder = r.Transcript.Words[4];
        Assert.Equal((span.Start, span.End), (placeholder.Start, placeholder.End));
    }

    [Fact]
    public void Redact_LuhnFailingSixteenDigitsWithoutACardCue_Kept()
    {
        var t = Lines((1, "the number on the letter says 4111 1111 1111 1112 okay"));

        var r = All.Redact(t);

        Assert.Empty(r.Spans);
        Assert.Equal(Text(t), Text(r.Transcript));
    }

    [Fact]
    public void Redact_AgentAsksForTheSortCode_CustomersSixDigitsRedacted()
    {
        var t = Lines((0, "and can you give me the sort code please"), (1, "twelve thirty four fifty six"), (1, "and my order number is one two three four five six"));

        var r = All.Redact(t);

        Assert.Equal("and can you give me the sort code please [SORT_CODE] and my order number is one two three four five six", Text(r.Transcript));
        Assert.Equal(PiiType.SortCode, Assert.Single(r.Spans).Type);
    }

    [Fact]
    public void Redact_WrittenStyle_PunctuationAfterThePlaceholderKept()
    {
        var t = Lines((1, "You can email me at Jane.Doe@Example.co.uk, or call 07700 900123."), (1, "My NI number is QQ 12 34 56 C and AB123456C."));

        var r = All.Redact(t);

        // QQ is never issued as a National Insurance prefix (HMRC's example number): it stays.
        Assert.Equal("You can email me at [EMAIL], or call [PHONE]. My NI number is QQ 12 34 56 C and [NI_NUMBER].", Text(r.Transcript));
        Assert.Equal("PHONE=1 EMAIL=1 NI_NUMBER=1", string.Join(' ', r.Counts.OrderBy(c => c.Key).Select(c => $"{PiiTypes.Label(c.Key)}={c.Value}")));
    }

    [Fact]
    public void Redact_DateOfBirthOnlyAfterABirthCue()
    {
        var t = Lines((0, "can you confirm your date of birth"), (1, "yes it's the twenty first of march nineteen eighty five"));
        var appointment = Lines((0, "your appointment is on the twenty first of march"));

        Assert.Equal("can you confirm your date of birth yes it's the [DOB]", Text(All.Redact(t).Transcript));
        Assert.Empty(All.Redact(appointment).Spans);
    }

    [Fact]
    public void Redact_TypeSwitchedOff_Kept()
    {
        var t = Lines((1, "my card number is 4111 1111 1111 1111 and my number is 07700 900123"));

        var r = new PiiRedactor([PiiType.Phone]).Redact(t);

        Assert.Equal("my card number is 4111 1111 1111 1111 and my number is [PHONE]", Text(r.Transcript));
    }

    [Fact]
    public void Redact_PlaceholdersFromTranscribe_CountedAndLeftAsTheyAre()
    {
        var t = Lines((1, "my card is [CARD]. thanks"));

        var r = All.Redact(t);

        Assert.Equal(Text(t), Text(r.Transcript));
        Assert.Equal(PiiType.Card, Assert.Single(r.Spans).Type);
    }

    [Fact]
    public void Write_SpanInAStereoCall_ToneOnBothChannelsThereAndTheAudioUntouchedElsewhere()
    {
        const int rate = 8000;
        var left = TestWav.Sine(300, rate, rate * 3);
        var right = TestWav.Sine(500, rate, rate * 3);
        using var input = new MemoryStream(TestWav.Build([left, right], rate, SampleEncoding.Pcm16));
        using var reader = AudioReader.OpenWav(input);
        using var redacted = new MemoryStream();

        ToneRedaction.Write(reader, [(1.0, 1.5)], redacted);

        redacted.Position = 0;
        using var back = AudioReader.OpenWav(redacted);
        Assert.Equal((rate, 2, 3L * rate), (back.Info.SampleRate, back.Info.Channels, back.Info.TotalFrames!.Value));
        var channels = back.ReadAllChannels();
        var from = (long)Math.Floor((1.0 - ToneRedaction.PadSeconds) * rate);
        var to = (long)Math.Ceiling((1.5 + ToneRedaction.PadSeconds) * rate);
        for (var i = 0; i < 3 * rate; i++)
        {
            var tone = ToneRedaction.Amplitude * (float)Math.Sin(2 * Math.PI * ToneRedaction.ToneHz * i / rate);
            var inSpan = i >= from && i < to;
            Assert.Equal(inSpan ? tone : left[i], channels[0][i], 1e-3);
            Assert.Equal(inSpan ? tone : right[i], channels[1][i], 1e-3);
        }
    }
}
