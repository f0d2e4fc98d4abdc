using CallSentiment.Web.Categories;

namespace CallSentiment.Web.Tests;

/// <summary>The category rule language: precise errors on save, and what a rule matches on a call (with the words to highlight).</summary>
public sealed class CategoryRuleTests
{
    /// <summary>A call of 60 s: each line is a chunk (seq = its index), words 400 ms apart from the line's start.</summary>
    private static CallFacts Call(string? customer = "NEGATIVE", long silenceMs = 0, double? change = null, params (string Role, long StartMs, string Text)[] lines)
    {
        var chunks = lines.Select((l, i) => new ChunkFact(i, l.Role, "[" + string.Join(',', l.Text.Split(' ').Select((w, j) =>
            FormattableString.Invariant($"[{System.Text.Json.JsonSerializer.Serialize(w)},{l.StartMs + 400 * j},{l.StartMs + 400 * j + 300},0.9]"))) + "]")).ToList();
        return new CallFacts(1, 60_000, customer, customer, "NEUTRAL", change, silenceMs, silenceMs, 0, 2,
            [new SpeakerFact(Roles.Agent, 40_000, 2), new SpeakerFact(Roles.Customer, 10_000, 0)], chunks);
    }

    private static RuleException ParseError(string rule) => Assert.Throws<RuleException>(() => CategoryRule.Parse(rule));

    [Fact]
    public void Parse_PhraseWithoutQuotes_SaysWhereAndWhatWasExpected()
    {
        var e = ParseError("customer says cancel");
        Assert.Equal(15, e.Position);
        Assert.Equal("at character 15: expected a quoted phrase after 'says' (customer says \"cancel my contract\"), found 'cancel'", e.Message);
    }

    [Theory]
    [InlineData("silence > 30", 11, "'30' needs a unit: 30s, 30m or 30ms")]
    [InlineData("silense > 30s", 1, "unknown field 'silense'")]
    [InlineData("customer.sentiment = ANGRY", 22, "expected POSITIVE, NEGATIVE, NEUTRAL or MIXED")]
    [InlineData("customer.sentiment > NEGATIVE", 20, "is a label: compare it with = or !=")]
    [InlineData("(silence > 30s or overlap > 2s", 31, "expected ')' to close the '(' at character 1, found the end of the rule")]
    [InlineData("silence > 30s)", 14, "this ')' closes no '('")]
    [InlineData("customer says \"cancel", 15, "no closing quote")]
    [InlineData("agent.talk_ratio > 70", 20, "write 70%")]
    [InlineData("customer says \"cancel*\" near/500 \"contract\"", 30, "at most near/50")]
    [InlineData("silence > 30s and", 18, "expected a condition")]
    [InlineData("", 1, "the rule is empty")]
    [InlineData("interruptions > 2.5", 17, "a count")]
    public void Parse_BadRule_PositionAndReason(string rule, int position, string reason)
    {
        var e = ParseError(rule);
        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_WildcardNearAnotherPhrase_BothSpansHighlighted()
    {
        var rule = CategoryRule.Parse("customer says \"cancel*\" near/3 \"contract\"");
        var call = Call(lines: [(Roles.Agent, 0, "how can I help"), (Roles.Customer, 2000, "I want to Cancel, my old contract today")]);
        var spans = new List<MatchSpan>();
        Assert.True(rule.Matches(call, spans));
        Assert.Equal([new MatchSpan(1, 3, 3, 3200), new MatchSpan(1, 6, 6, 4400)], spans);
        Assert.Equal("cancel", call.Quote(spans[0]));
        Assert.True(rule.ReadsTranscript);
    }

    [Fact]
    public void Matches_PhraseSaidByTheOtherSpeakerOrTooFarApart_NoMatch()
    {
        var call = Call(lines: [(Roles.Agent, 0, "you can cancel the contract online"), (Roles.Customer, 4000, "cancel it now because I never liked this contract")]);
        Assert.False(CategoryRule.Parse("customer says \"cancel*\" near/3 \"contract\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("agent says \"cancel*\" near/3 \"contract\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("anyone says \"cancel the contract\"").Matches(call, []));
    }

    [Fact]
    public void Matches_NotOrAndParentheses_CombineAsWrittenAndNegatedPartsAreNotHighlighted()
    {
        var call = Call("NEGATIVE", silenceMs: 45_000, lines: [(Roles.Agent, 0, "hello"), (Roles.Customer, 1000, "I need a manager")]);
        var spans = new List<MatchSpan>();
        Assert.True(CategoryRule.Parse("customer.sentiment = NEGATIVE and (silence > 30s or customer says \"refund\") and not agent says \"thank* for calling\"")
            .Matches(call, spans));
        Assert.Empty(spans);
        Assert.False(CategoryRule.Parse("customer.sentiment = NEGATIVE and not customer says \"manager\"").Matches(call, spans));
        Assert.Empty(spans);
        Assert.True(CategoryRule.Parse("customer says \"refund\" or customer says \"manag*\"").Matches(call, spans));
        Assert.Equal([new MatchSpan(1, 3, 3, 2200)], spans);
    }

    [Fact]
    public void Matches_ConversationFacts_ComparedInTheirUnits()
    {
        var call = Call("POSITIVE", silenceMs: 31_000, change: -0.6);
        Assert.True(CategoryRule.Parse("silence > 30s and longest_silence >= 0.5m and duration = 60000ms").Matches(call, []));
        Assert.True(CategoryRule.Parse("agent.talk_ratio = 80% and customer.talk_ratio < 25%").Matches(call, []));
        Assert.True(CategoryRule.Parse("sentiment_change < -0.5 and interruptions >= 2 and agent.interruptions = 2 and customer.interruptions = 0").Matches(call, []));
        Assert.False(CategoryRule.Parse("customer.sentiment = NEGATIVE").Matches(call, []));
        Assert.True(CategoryRule.Parse("customer.sentiment != negative").Matches(call, []));
    }

    [Fact]
    public void Matches_NoTranscriptOrNoVerdict_PhraseAndSideConditionsAreFalse()
    {
        var call = Call(customer: null);
        Assert.False(CategoryRule.Parse("customer.sentiment = NEGATIVE").Matches(call, []));
        Assert.False(CategoryRule.Parse("customer.sentiment != NEGATIVE").Matches(call, []));
        Assert.False(CategoryRule.Parse("anyone says \"hello\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("not anyone says \"hello\"").Matches(call, []));
    }

    /// <summary>A call whose one customer chunk has the words JSON exactly as given (a hand-written row, or another writer's escaping).</summary>
    private static CallFacts Stored(string wordsJson) => new(1, 60_000, "NEGATIVE", "NEGATIVE", "NEUTRAL", null, 0, 0, 0, 0,
        [new SpeakerFact(Roles.Customer, 10_000, 0)], [new ChunkFact(0, Roles.Customer, wordsJson)]);

    [Theory]
    [InlineData("""[["I",0,300,0.9],["\u0063ancel",400,700,0.9],["it",800,1100,0.9]]""", "customer says \"cancel*\"")]
    [InlineData("""[["I",0,300,0.9],["CANCEL,",400,700,0.9],["it",800,1100,0.9]]""", "customer says \"cancel*\"")]
    [InlineData("""[["the",0,300,0.9],["Caf\u00E9",400,700,0.9]]""", "customer says \"café\"")]
    [InlineData("[[\"the\",0,300,0.9],[\"Café\",400,700,0.9]]", "customer says \"café\"")]
    [InlineData("[[\"I\",0,300,0.9],[\"\u212AANCEL\",400,700,0.9]]", "customer says \"kancel\"")]
    public void Matches_WordEscapedCasedOrNotAsciiInTheStoredJson_FoundAsWhenWrittenPlainly(string wordsJson, string rule)
    {
        // Calls whose transcript cannot hold a phrase are passed over without reading their words: these must still be read.
        var spans = new List<MatchSpan>();
        Assert.True(CategoryRule.Parse(rule).Matches(Stored(wordsJson), spans));
        Assert.Equal(new MatchSpan(0, 1, 1, 400), spans[0]);
        Assert.False(CategoryRule.Parse("customer says \"refund\"").Matches(Stored(wordsJson), []));
    }

    [Fact]
    public void Matches_PhraseNotInTheSpeakersTranscript_FalseAndItsNegationTrue()
    {
        var call = Call(lines: [(Roles.Agent, 0, "thank you for calling"), (Roles.Customer, 2000, "my contract ends soon"), (Roles.Agent, 4000, "cancelled")]);
        Assert.False(CategoryRule.Parse("customer says \"cancel*\" near/5 \"contract\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("not customer says \"cancel*\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("anyone says \"cancel*\" near/5 \"contract\"").Matches(call, []));
        Assert.True(CategoryRule.Parse("customer says \"contract\" and agent says \"thank* you\"").Matches(call, []));
    }

    [Fact]
    public void Matches_InFirstOrLastSeconds_OnlyWordsOfThatPartCount()
    {
        var call = Call(lines: [(Roles.Agent, 500, "thanks for calling"), (Roles.Agent, 58_000, "goodbye now")]);
        Assert.True(CategoryRule.Parse("agent says \"thank* for calling\" in first 10s").Matches(call, []));
        Assert.False(CategoryRule.Parse("agent says \"thank* for calling\" in last 10s").Matches(call, []));
        Assert.True(CategoryRule.Parse("agent says \"goodbye\" in last 10s").Matches(call, []));
        Assert.False(CategoryRule.Parse("agent says \"goodbye\" in first 30s").Matches(call, []));
        Assert.True(CategoryRule.Parse("agent says \"g??dbye\"").Matches(call, []));
    }
}
