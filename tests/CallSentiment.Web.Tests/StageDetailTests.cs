using CallSentiment.Web.Calls;

namespace CallSentiment.Web.Tests;

public class StageDetailTests
{
    [Fact]
    public void Describe_VoiceStageThatQuietedEcho_SaysHowMuchOfTheOtherPartyWasTakenOut()
    {
        const string Detail = """{"judgedChannel":1,"judgedRole":"customer","windows":9,"voicedSeconds":12.4,"note":null,"enhanced":false,"speakerChanges":null,"crosstalkSeconds":14.27}""";

        var text = StageDetail.Describe(VoiceEmotionStage.StageName, Detail);

        Assert.Equal("The emotion model listened to channel 1 (customer): 9 windows of speech, 12.4 s voiced. "
            + "14.3 s of the other party heard on this channel (echo or crosstalk) were replaced by the line's own noise first.", text);
    }

    [Fact]
    public void Describe_VoiceStageOnCleanLines_SaysNothingAboutCrosstalk()
    {
        var text = StageDetail.Describe(VoiceEmotionStage.StageName,
            """{"judgedChannel":1,"judgedRole":"customer","windows":9,"voicedSeconds":12.4,"crosstalkSeconds":0}""");

        Assert.DoesNotContain("crosstalk", text, StringComparison.Ordinal);
    }
}
