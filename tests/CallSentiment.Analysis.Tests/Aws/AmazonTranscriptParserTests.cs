using System.Text;
using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.Aws;

namespace CallSentiment.Analysis.Tests.Aws;

public sealed class AmazonTranscriptParserTests
{
    private static Transcript Parse(string json, double duration = 4.0) => AmazonTranscriptParser.Parse(Encoding.UTF8.GetBytes(json), duration);

    [Fact]
    public void Parse_ChannelLabels_OneSpeakerPerChannelWithPunctuationAttached()
    {
        var t = Parse(TranscribeFixtures.Stereo);

        Assert.Equal(SpeakerSeparation.Channels, t.Separation);
        Assert.Equal("en-US", t.LanguageCode);
        Assert.Equal("amazon-transcribe", t.Engine);
        Assert.Equal([new TranscriptSpeaker(0, 0, "ch_0"), new TranscriptSpeaker(1, 1, "ch_1")], t.Speakers);
        Assert.Equal(["Hello,", "how", "can", "I", "help?", "My", "bill", "is", "wrong."], t.Words.Select(w => w.Text));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], t.Words.Select(w => w.Speaker));
        Assert.Equal(new TranscriptWord(0, 0.12, 0.48, "Hello,", 0.998), t.Words[0]);
        // ch_1 pauses 0.79 s before "wrong": two stretches; ch_0's 0.12 s gap after "Hello" is bridged.
        Assert.Equal([new SpeechSegment(0, 0.12, 1.20), new SpeechSegment(1, 1.80, 2.41), new SpeechSegment(1, 3.20, 3.60)], t.Speech);
        Assert.Equal(4.0, t.DurationSeconds);
    }

    [Fact]
    public void Parse_SpeakerLabels_DiarizedSpeakersAndTheirSegments()
    {
        var t = Parse(TranscribeFixtures.Mono);

        Assert.Equal(SpeakerSeparation.Diarization, t.Separation);
        Assert.Equal("en-GB", t.LanguageCode);
        Assert.Equal([new TranscriptSpeaker(0, null, "spk_0"), new TranscriptSpeaker(1, null, "spk_1")], t.Speakers);
        Assert.Equal(["Thanks", "for", "calling.", "I", "want", "to", "cancel."], t.Words.Select(w => w.Text));
        Assert.Equal([0, 0, 0, 1, 1, 1, 1], t.Words.Select(w => w.Speaker));
        Assert.Equal([new SpeechSegment(0, 0.20, 1.10), new SpeechSegment(1, 1.50, 2.60)], t.Speech);
    }

    [Fact]
    public void Parse_ItemsOnly_SingleSpeakerWithMergedSpeech()
    {
        var t = Parse(TranscribeFixtures.Plain, 2.0);

        Assert.Equal(SpeakerSeparation.None, t.Separation);
        Assert.Single(t.Speakers);
        Assert.Equal(["Yes,", "fine."], t.Words.Select(w => w.Text));
        Assert.Equal([new SpeechSegment(0, 0.1, 0.4), new SpeechSegment(0, 1.5, 1.9)], t.Speech);
    }

    [Theory]
    [InlineData("""{"status":"COMPLETED"}""", "no 'results'")]
    [InlineData("""{"results":{"items":[{"type":"pronunciation","start_time":"x","end_time":"1","alternatives":[{"confidence":"1","content":"a"}]}]}}""", "start_time 'x' is not a number")]
    [InlineData("""{"results":{"speaker_labels":{"segments":[{"start_time":"0","end_time":"1","speaker_label":"bob"}]},"items":[]}}""", "unexpected label 'bob'")]
    [InlineData("not json", "not JSON")]
    public void Parse_Malformed_ThrowsNamingTheProblem(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
