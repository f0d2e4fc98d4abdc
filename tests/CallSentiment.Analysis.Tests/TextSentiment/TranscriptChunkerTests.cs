using System.Text;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Analysis.Transcription;

namespace CallSentiment.Analysis.Tests.TextSentiment;

public class TranscriptChunkerTests
{
    private static Transcript Make(params TranscriptWord[] words) =>
        new("test", "en-US", SpeakerSeparation.Channels, [new(0, 0, "agent"), new(1, 1, "customer")], words, [], 600);

    /// <summary>Words of one speaker, 0.4 s each, back to back from <paramref name="start"/>.</summary>
    private static IEnumerable<TranscriptWord> Say(int speaker, double start, string text) =>
        text.Split(' ').Select((w, i) => new TranscriptWord(speaker, start + i * 0.4, start + i * 0.4 + 0.35, w, 0.9));

    [Fact]
    public void Chunk_TwoSpeakers_OneChunkPerTurnWithWordTimes()
    {
        var t = Make([.. Say(0, 0, "Hello, how can I help you today?"), .. Say(1, 3.0, "My internet has been down since Monday."), .. Say(0, 6.5, "I am sorry to hear that.")]);

        var chunks = TranscriptChunker.Chunk(t);

        Assert.Equal(3, chunks.Count);
        Assert.Equal((0, 0.0, "Hello, how can I help you today?"), (chunks[0].Speaker, chunks[0].Start, chunks[0].Text));
        Assert.Equal(6 * 0.4 + 0.35, chunks[0].End, 9);
        Assert.Equal(1, chunks[1].Speaker);
        Assert.Equal(3.0, chunks[1].Start);
        Assert.Equal(3.0 + 6 * 0.4 + 0.35, chunks[1].End, 9);
        Assert.Equal("I am sorry to hear that.", chunks[2].Text);
    }

    [Fact]
    public void Chunk_ShortTurns_AreSkipped()
    {
        var t = Make([.. Say(0, 0, "Okay."), .. Say(1, 1, "Is my refund on its way?"), .. Say(0, 5, "Yes.")]);
        var chunks = TranscriptChunker.Chunk(t);
        Assert.Equal(["Is my refund on its way?"], chunks.Select(c => c.Text));
    }

    [Fact]
    public void Chunk_BackChannelInsideTurn_DoesNotSplitTheTurn()
    {
        var t = Make([.. Say(1, 0, "I called three times last week"), new TranscriptWord(0, 2.5, 2.8, "uh-huh", 0.9), .. Say(1, 2.9, "and nobody called me back.")]);

        var chunks = TranscriptChunker.Chunk(t);

        var customer = Assert.Single(chunks);
        Assert.Equal("I called three times last week and nobody called me back.", customer.Text);
        Assert.Equal(0, customer.Start);
    }

    [Fact]
    public void Chunk_LongPause_StartsANewTurn()
    {
        var t = Make([.. Say(0, 0, "Let me check that for you."), .. Say(0, 20, "Thanks for waiting, it is fixed.")]);
        var chunks = TranscriptChunker.Chunk(t);
        Assert.Equal(2, chunks.Count);
        Assert.Equal(20, chunks[1].Start);
    }

    [Fact]
    public void Chunk_LongTurn_SplitsAtSentencesWithinTheByteLimit()
    {
        var t = Make([.. Say(0, 0, "The first sentence is here. The second sentence follows now. A third one ends it.")]);

        var chunks = TranscriptChunker.Chunk(t, new ChunkingOptions { MaxBytes = 60 });

        Assert.Equal(["The first sentence is here. The second sentence follows now.", "A third one ends it."], chunks.Select(c => c.Text));
        Assert.Equal(chunks[0].End + 0.05, chunks[1].Start, 9);
    }

    [Fact]
    public void Chunk_SentenceLongerThanLimit_SplitsAtWords()
    {
        var t = Make([.. Say(0, 0, "one two three four five six seven eight nine ten")]);
        var chunks = TranscriptChunker.Chunk(t, new ChunkingOptions { MaxBytes = 14 });
        Assert.Equal(["one two three", "four five six", "seven eight", "nine ten"], chunks.Select(c => c.Text));
        Assert.All(chunks, c => Assert.True(Encoding.UTF8.GetByteCount(c.Text) <= 14));
    }

    [Fact]
    public void Chunk_MultiByteTextNearTheLimit_NeverExceedsItNorCutsASequence()
    {
        // emoji (4 bytes), CJK (3 bytes), accented Latin (2 bytes) close to the 5,000-byte limit
        var words = new List<TranscriptWord>();
        var pieces = new[] { "café", "naïve", "日本語の文章", "😀👍", "señor", "über" };
        for (var i = 0; i < 900; i++)
            words.Add(new TranscriptWord(0, i * 0.3, i * 0.3 + 0.25, pieces[i % pieces.Length] + (i % 40 == 39 ? "." : ""), 0.9));
        var t = Make([.. words]);

        var chunks = TranscriptChunker.Chunk(t);

        Assert.True(chunks.Count >= 2);
        var joined = string.Join(' ', chunks.Select(c => c.Text));
        Assert.Equal(string.Join(' ', words.Select(w => w.Text)), joined);
        foreach (var c in chunks)
        {
            var bytes = Encoding.UTF8.GetBytes(c.Text);
            Assert.True(bytes.Length <= 5000, $"chunk of {bytes.Length} bytes");
            Assert.Equal(c.Text, Encoding.UTF8.GetString(bytes));
            Assert.False(char.IsHighSurrogate(c.Text[^1]));
        }
        // split between sentences: every chunk but the last ends a sentence
        Assert.All(chunks.SkipLast(1), c => Assert.EndsWith(".", c.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Chunk_SingleHugeWord_SplitsAtUtf8Boundaries()
    {
        var huge = string.Concat(Enumerable.Repeat("é😀中", 1000)); // 9 bytes per repeat
        var t = Make(new TranscriptWord(1, 5, 9, huge, 0.5));

        var chunks = TranscriptChunker.Chunk(t, new ChunkingOptions { MaxBytes = 100 });

        Assert.Equal(huge, string.Concat(chunks.Select(c => c.Text)));
        Assert.All(chunks, c =>
        {
            Assert.True(Encoding.UTF8.GetByteCount(c.Text) <= 100);
            Assert.False(char.IsHighSurrogate(c.Text[^1]));
            Assert.False(char.IsLowSurrogate(c.Text[0]));
            Assert.Equal((5.0, 9.0), (c.Start, c.End));
        });
    }
}
