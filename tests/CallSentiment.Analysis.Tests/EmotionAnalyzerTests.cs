using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Features;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Analysis.Tests;

public class EmotionAnalyzerTests
{
    private static readonly Lazy<SpeechEmotionModel> Model = new(() => SpeechEmotionModel.Load(Paths.SpeechEmotionModel));

    private static float[] Clip(string name, int rate) => AudioLoader.LoadMono(Paths.Dataset("ser/ravdess/Actor_01/" + name), rate);

    [Fact]
    public void Analyze_StereoMuLawCallRecording_GivesATimelinePerChannelOverVoicedAudioOnly()
    {
        const int rate = 8000;
        float[] neutral = Clip("03-01-01-01-01-01-01.flac", rate), neutral2 = Clip("03-01-01-01-02-01-01.flac", rate);
        float[] angry = Clip("03-01-05-02-01-01-01.flac", rate), angry2 = Clip("03-01-05-02-02-01-01.flac", rate);
        var silence3 = new float[3 * rate];
        var gap = new float[2 * rate];
        var agent = Concat(silence3, neutral, gap, neutral2, gap);
        var customer = Concat(angry, gap, angry2, gap, silence3);
        var length = Math.Max(agent.Length, customer.Length);
        Array.Resize(ref agent, length);
        Array.Resize(ref customer, length);
        var wav = TestWav.Build([agent, customer, new float[length]], rate, SampleEncoding.MuLaw);

        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        var result = new EmotionAnalyzer(Model.Value).Analyze(reader);

        Assert.Equal(3, result.Channels.Count);
        Assert.Equal((double)length / rate, result.DurationSeconds, 3);
        var (a, c, silent) = (result.Channels[0], result.Channels[1], result.Channels[2]);
        Assert.NotEmpty(a.Timeline);
        Assert.NotEmpty(c.Timeline);
        // Nothing voiced in the leading 3 s of the agent channel: its first window starts with the speech.
        Assert.True(a.Timeline[0].StartSeconds >= 2.5, $"first agent window starts at {a.Timeline[0].StartSeconds}");
        // Voiced time is the speech, not the recording: the clips hold ~6-8 s of speech (with their own pauses).
        var speechSeconds = (neutral.Length + neutral2.Length) / (double)rate;
        Assert.InRange(a.VoicedSeconds, 0.3 * speechSeconds, speechSeconds);
        Assert.Empty(silent.Timeline);
        Assert.Equal(-1, silent.Dominant);
        Assert.Equal(0, silent.VoicedSeconds);
        // The angry customer sounds more negative than the neutral agent.
        var model = Model.Value;
        Assert.True(ValenceScores.From(c.Mean, model).Negative > ValenceScores.From(a.Mean, model).Negative);
        Assert.All(result.Channels.SelectMany(ch => ch.Timeline), w => Assert.Equal(1.0, w.Probabilities.Sum(), 3));
    }

    [Fact]
    public void Analyze_ContinuousSpeech_ProducesOverlappingWindowsCoveringIt()
    {
        const int rate = 16000;
        // EmoDB utterances are cut tight: joined, they make one long stretch of speech without long pauses.
        var files = Directory.GetFiles(Paths.Dataset("ser/emodb"), "03a0*.flac").Order(StringComparer.Ordinal).Take(6);
        var speech = Concat([.. files.Select(f => AudioLoader.LoadMono(f, rate))]);
        var wav = TestWav.Build([speech], rate, SampleEncoding.Pcm16);
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        var channel = new EmotionAnalyzer(Model.Value).Analyze(reader).Channels.Single();
        var window = Model.Value.Card.WindowFrames / Model.Value.Features.FramesPerSecond;
        Assert.True(channel.Timeline.Count >= 4, $"{channel.Timeline.Count} windows over {speech.Length / (double)rate:0.0} s");
        var overlapping = 0;
        for (var i = 1; i < channel.Timeline.Count; i++)
        {
            Assert.True(channel.Timeline[i].StartSeconds > channel.Timeline[i - 1].StartSeconds);
            if (channel.Timeline[i].StartSeconds < channel.Timeline[i - 1].EndSeconds) overlapping++;
        }
        Assert.True(overlapping >= channel.Timeline.Count / 2, "windows within a stretch of speech overlap");
        Assert.True(channel.Timeline[^1].EndSeconds > speech.Length / (double)rate - 1.0, "the end of the speech is covered");
    }

    [Fact]
    public void Analyze_TurnsSeparatedByLongPauses_NeverShareAWindow()
    {
        const int rate = 16000;
        var turn = Clip("03-01-05-02-01-01-01.flac", rate);
        Array.Resize(ref turn, (turn.Length / 160 + 1) * 160); // whole hops, so every turn starts on a frame boundary
        var speech = Concat(turn, new float[4 * rate], turn, new float[4 * rate], turn);
        using var reader = AudioReader.OpenWav(new MemoryStream(TestWav.Build([speech], rate, SampleEncoding.Pcm16)));
        var channel = new EmotionAnalyzer(Model.Value).Analyze(reader).Channels.Single();
        var turnSeconds = turn.Length / (double)rate;
        // A window may start up to the 200 ms hang-over before its turn.
        var byTurn = channel.Timeline.GroupBy(w => (int)((w.StartSeconds + 0.25) / (turnSeconds + 4))).ToList();
        Assert.Equal(3, byTurn.Count);
        foreach (var group in byTurn)
        {
            var turnStart = group.Key * (turnSeconds + 4);
            // Every window lies inside its own turn: none spans the pause into the next one.
            Assert.All(group, w => Assert.InRange(w.StartSeconds, turnStart - 0.21, turnStart + turnSeconds));
            Assert.All(group, w => Assert.InRange(w.EndSeconds, turnStart, turnStart + turnSeconds + 0.011));
        }
        // The second and third turns follow identical silence: identical windows, identical answers.
        Assert.Equal(byTurn[1].Select(w => w.Probabilities), byTurn[2].Select(w => w.Probabilities));
    }

    [Fact]
    public void Analyze_ShortTurn_IsReadAsTrainingAndEvaluateEmotionReadIt()
    {
        const int rate = 16000;
        var model = Model.Value;
        var fps = model.Features.FramesPerSecond;
        var said = Clip("03-01-01-01-01-01-01.flac", rate);
        var (from, frames) = VoicedSpan.Find(new FeatureExtractor(model.Features).ComputeAll(said), fps);
        var hop = (int)(rate / fps);
        var speech = said[(from * hop)..((from + frames) * hop)];
        // One turn with a 0.4 s pause inside it, between silences longer than any pause inside a turn.
        var audio = Concat(new float[rate], speech, new float[rate * 4 / 10], speech, new float[rate]);
        // What export-features trains on: the voiced span, its pauses included, with VoicedSpan.MarginFrames either side.
        var (start, count) = VoicedSpan.Find(new FeatureExtractor(model.Features).ComputeAll(audio), fps);
        using var reader = AudioReader.OpenWav(new MemoryStream(TestWav.Build([audio], rate, SampleEncoding.Pcm16)));

        var channel = new EmotionAnalyzer(model).Analyze(reader).Channels.Single();

        // Wider margins filled the turn's windows with silence the model never saw there, and a shortened pause gave
        // them a rhythm it never heard: the worker must read a turn as training and evaluate-emotion do.
        Assert.Equal(start / fps, channel.Timeline[0].StartSeconds, 0.011);
        Assert.Equal((start + count) / fps, channel.Timeline[^1].EndSeconds, 0.011);
        var clip = new EmotionAnalyzer(model).AnalyzeClip(audio);
        for (var k = 0; k < clip.Length; k++) Assert.Equal(clip[k], channel.Mean[k], 1e-4);
    }

    [Fact]
    public void Analyze_SpeakerChanges_EndTheTurnSoEachVoiceIsReadAlone()
    {
        const int rate = 16000;
        var model = Model.Value;
        var fps = model.Features.FramesPerSecond;
        var hop = (int)(rate / fps);
        float[] Voiced(float[] clip)
        {
            var (from, frames) = VoicedSpan.Find(new FeatureExtractor(model.Features).ComputeAll(clip), fps);
            return clip[(from * hop)..((from + frames) * hop)];
        }
        var agent = Voiced(Clip("03-01-01-01-01-01-01.flac", rate));
        var customer = Voiced(AudioLoader.LoadMono(Paths.Dataset("ser/ravdess/Actor_02/03-01-05-02-02-01-02.flac"), rate));
        // A diarized mono call: the agent, a 0.3 s gap (a pause short enough to be inside one turn), the customer, the agent.
        var gap = new float[rate * 3 / 10];
        var audio = Concat(new float[rate], agent, gap, customer, gap, agent, new float[rate]);
        double customerStart = (rate + agent.Length + gap.Length) / (double)rate, customerEnd = customerStart + customer.Length / (double)rate;
        double[] changes = [customerStart - 0.15, customerEnd + 0.15]; // mid-gap, where SpeakerChanges puts them

        EmotionWindow[] Read(IReadOnlyList<double>? speakerChanges)
        {
            using var reader = AudioReader.OpenWav(new MemoryStream(TestWav.Build([audio], rate, SampleEncoding.Pcm16)));
            return [.. new EmotionAnalyzer(model).Analyze(reader, speakerChanges).Channels.Single().Timeline];
        }
        var merged = Read(null);
        var cut = Read(changes);

        // Without the changes the turns run together and a window hears both voices; with them none does.
        Assert.Contains(merged, w => w.StartSeconds < changes[0] && w.EndSeconds > changes[0]);
        Assert.All(cut, w => Assert.DoesNotContain(changes, t => w.StartSeconds < t && w.EndSeconds > t));
        // The customer's turn is read as training and evaluate-emotion read the customer's clip alone.
        var turn = cut.Where(w => w.StartSeconds > changes[0] && w.EndSeconds < changes[1]).ToList();
        Assert.NotEmpty(turn);
        var alone = new EmotionAnalyzer(model).AnalyzeClip(Concat(new float[rate / 2], customer, new float[rate / 2]));
        var mean = EmotionAnalyzer.MeanRows([.. turn.SelectMany(w => w.Probabilities)], turn.Count, model.Labels.Count);
        for (var k = 0; k < alone.Length; k++) Assert.Equal(alone[k], mean[k], 1e-4);
    }

    [Fact]
    public void AnalyzeClip_StronglyAngryUtterance_IsAngryAndNegative()
    {
        var model = Model.Value;
        var p = new EmotionAnalyzer(model).AnalyzeClip(Clip("03-01-05-02-01-01-01.flac", 16000));
        Assert.Equal(model.Labels.Count, p.Length);
        Assert.Equal(1.0, p.Sum(), 3);
        Assert.Equal("angry", model.Labels[Array.IndexOf(p, p.Max())]);
        Assert.True(ValenceScores.From(p, model).Negative > 0.5);
        var calm = new EmotionAnalyzer(model).AnalyzeClip(Clip("03-01-01-01-01-01-01.flac", 16000));
        Assert.True(ValenceScores.From(calm, model).Negative < ValenceScores.From(p, model).Negative);
    }

    [Fact]
    public void Load_CardWithAliases_ScoresFoldedLabelsAsTheirTarget()
    {
        using var dir = new TempDir();
        File.Copy(Path.Combine(Paths.SpeechEmotionModel, SpeechEmotionModel.OnnxFile), Path.Combine(dir.Path, SpeechEmotionModel.OnnxFile));
        var card = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Paths.SpeechEmotionModel, SpeechEmotionModel.CardFile)))!;
        card["aliases"] = new System.Text.Json.Nodes.JsonObject { ["calm"] = "neutral", ["annoyed"] = "angry" };
        File.WriteAllText(Path.Combine(dir.Path, SpeechEmotionModel.CardFile), card.ToJsonString());

        using var model = SpeechEmotionModel.Load(dir.Path);

        var neutral = model.Labels.ToList().IndexOf("neutral");
        Assert.Equal(neutral, model.IndexOfLabel("calm"));
        Assert.Equal(Valence.Neutral, model.ValenceOf(model.IndexOfLabel("calm")));
        Assert.Equal(Valence.Negative, model.ValenceOf(model.IndexOfLabel("annoyed")));
        Assert.Equal(neutral, model.IndexOfLabel("neutral"));
        Assert.Equal(-1, model.IndexOfLabel("boredom"));
    }

    [Fact]
    public void WindowStarts_LastWindowIsAlignedToTheEnd()
    {
        Assert.Equal([0], EmotionAnalyzer.WindowStarts(120, 300, 150));
        Assert.Equal([0], EmotionAnalyzer.WindowStarts(300, 300, 150));
        Assert.Equal([0, 100], EmotionAnalyzer.WindowStarts(400, 300, 150));
        Assert.Equal([0, 150, 300, 350], EmotionAnalyzer.WindowStarts(650, 300, 150));
    }

    private static float[] Concat(params float[][] parts) => [.. parts.SelectMany(p => p)];
}
