using System.Globalization;
using System.Text;
using System.Text.Json;
using CallSentiment.Analysis.Audio;
using CallSentiment.Cli.TextSentiment;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// build-call-corpus: the development call corpus for evaluate-calls, built from ../shared (never committed).
/// Two-channel 8 kHz µ-law telephone calls (agent channel 0, customer channel 1) of three kinds:
/// <list type="bullet">
/// <item><b>voice</b>: the customer's turns are acted clips of one speaker in one emotion (RAVDESS, EmoDB, EMOVO), whose
/// words are neutral by design: only the voice carries the mood;</item>
/// <item><b>words</b>: the customer's lines carry the sentiment in the words and are spoken by a flat Festival voice;</item>
/// <item><b>mixed</b>: acted clips and spoken lines alternate on the customer's channel, agreeing or with one side
/// neutral (never positive against negative, which has no right answer).</item>
/// </list>
/// Agents are Festival voices saying polite, neutral lines, with apologies and fixes on calls that go wrong; an agent
/// is labelled neutral. Every speaker (acted speaker or TTS voice) is in one part only: calls whose speakers are all
/// in models/report-speakers.csv are the reporting part, the others the fitting part, and no call mixes the two.
/// The layout follows the product's default key pattern with sidecars, so the folder can also be ingested as is.
/// </summary>
internal static class BuildCallCorpusCommand
{
    private static readonly string[] NegativeEmotions = ["angry", "sad", "fear", "disgust"];
    private static readonly string[] NeutralEmotions = ["neutral", "calm"];
    private static readonly string[] PositiveEmotions = ["happy"];
    private static readonly string[] ActedCorpora = ["ravdess", "emodb", "emovo"];
    private const int Rate = Festival.Rate;

    public static int Run(Args args)
    {
        var outDir = Path.GetFullPath(args.Required("out"));
        var ser = args.Get("ser") ?? Shared.Find("datasets", "ser");
        var reportFile = args.Get("report-speakers") ?? Shared.FindInRepository("models", "report-speakers.csv");
        var perSpeaker = args.Int("voice-calls-per-speaker", 6, 1, 40);
        var wordCalls = args.Int("word-calls", 96, 0, 10000);
        var mixedCalls = args.Int("mixed-calls", 72, 0, 10000);
        var speakersPerCorpus = args.Int("speakers-per-corpus", 0, 0, 1000);
        var seed = args.Int("seed", 1);
        var force = args.Flag("force");
        var mono = args.Flag("mono");
        var echo = args.Get("echo") is not null ? args.Double("echo", 15, 0, 60) : (double?)null;
        args.EnsureAllUsed();
        if (mono && echo is not null) throw new UsageException("--echo adds one channel's echo to the other: it needs two channels, not --mono");

        var report = ReadReportSpeakers(reportFile);
        var reportVoice = Festival.Voices.Where(v => report.Contains("tts_" + v.Split('_')[0])).ToList();
        var fitVoices = Festival.Voices.Except(reportVoice).ToList();
        if (reportVoice.Count == 0 || fitVoices.Count < 2)
            throw new UsageException($"{reportFile}: name one Festival voice for reporting (tts_kal, tts_ked or tts_cmu) and leave two for fitting");
        Festival.EnsureInstalled(Festival.Voices);
        if (Directory.Exists(Path.Combine(outDir, "recordings")))
        {
            if (!force) throw new UsageException($"{outDir} already holds a corpus; pass --force to rebuild it");
            Directory.Delete(Path.Combine(outDir, "recordings"), recursive: true);
        }

        var rng = new Random(seed);
        var acted = ReadActed(ser, speakersPerCorpus, report);
        var tts = new Festival(Path.Combine(outDir, ".tts-cache"));
        var builder = new CorpusWriter(outDir, tts, mono, echo);
        var ci = CultureInfo.InvariantCulture;

        // Voice-carried: per acted speaker, negative, neutral and positive calls in a fixed rotation.
        CallLabel[] rotation = [CallLabel.Negative, CallLabel.Neutral, CallLabel.Negative, CallLabel.Positive, CallLabel.Negative, CallLabel.Neutral];
        foreach (var speaker in acted.Speakers.OrderBy(s => s, StringComparer.Ordinal))
        {
            var split = report.Contains(speaker) ? "report" : "fit";
            var negIndex = rng.Next(NegativeEmotions.Length);
            for (var k = 0; k < perSpeaker; k++)
            {
                var label = rotation[k % rotation.Length];
                var emotion = acted.PickEmotion(speaker, label, ref negIndex);
                if (emotion is null) continue;
                var clips = acted.Clips(speaker, emotion, 3, rng);
                var agentVoice = split == "report" ? reportVoice[0] : fitVoices[rng.Next(fitVoices.Count)];
                var script = new List<CallTurn> { CallTurn.Agent(Pick(CorpusLines.AgentGreeting, rng)) };
                foreach (var clip in clips)
                {
                    script.Add(CallTurn.Acted(clip));
                    script.Add(CallTurn.Agent(AgentReply(label, rng)));
                }
                script.Add(CallTurn.Agent(Pick(CorpusLines.AgentClosing, rng)));
                builder.Add(new CorpusCall("voice", split, label, speaker, agentVoice, acted.CorpusOf(speaker), emotion, "", agentVoice, script), rng);
            }
        }

        // Word-carried: polarity in the words, flat TTS voices; sentences split between the parts.
        for (var n = 0; n < wordCalls; n++)
        {
            var split = n % 3 == 2 ? "report" : "fit";
            var label = (CallLabel)(n % 3 == 2 ? (n / 3) % 3 : (n / 3 + n % 3) % 3);
            var (customerVoice, agentVoice) = Voices(split, reportVoice[0], fitVoices, rng);
            var lines = Lines(label, split, 3, rng);
            var script = new List<CallTurn> { CallTurn.Agent(Pick(CorpusLines.AgentGreeting, rng)) };
            foreach (var line in lines)
            {
                script.Add(CallTurn.Spoken(line));
                script.Add(CallTurn.Agent(AgentReply(label, rng)));
            }
            script.Add(CallTurn.Agent(Pick(CorpusLines.AgentClosing, rng)));
            builder.Add(new CorpusCall("words", split, label, "tts_" + customerVoice.Split('_')[0], agentVoice, "festival", "",
                Polarity(label), customerVoice, script), rng);
        }

        // Mixed: acted clips and spoken lines alternate; the label follows the side that is not neutral.
        (CallLabel Voice, CallLabel Words)[] combos =
        [
            (CallLabel.Negative, CallLabel.Neutral), (CallLabel.Neutral, CallLabel.Negative), (CallLabel.Positive, CallLabel.Neutral),
            (CallLabel.Neutral, CallLabel.Positive), (CallLabel.Negative, CallLabel.Negative), (CallLabel.Neutral, CallLabel.Neutral),
            (CallLabel.Positive, CallLabel.Positive),
        ];
        var fitActed = acted.Speakers.Where(s => !report.Contains(s)).Order(StringComparer.Ordinal).ToList();
        var reportActed = acted.Speakers.Where(report.Contains).Order(StringComparer.Ordinal).ToList();
        for (var n = 0; n < mixedCalls; n++)
        {
            var split = n % 3 == 2 ? "report" : "fit";
            var pool = split == "report" ? reportActed : fitActed;
            if (pool.Count == 0) continue;
            var (voiceLabel, wordsLabel) = combos[(split == "report" ? n / 3 : n - n / 3) % combos.Length];
            var label = voiceLabel == CallLabel.Neutral ? wordsLabel : voiceLabel;
            string? emotion = null, speaker = null;
            for (var tries = 0; tries < 20 && emotion is null; tries++)
            {
                speaker = pool[rng.Next(pool.Count)];
                var negIndex = rng.Next(NegativeEmotions.Length);
                emotion = acted.PickEmotion(speaker, voiceLabel, ref negIndex);
            }
            if (emotion is null || speaker is null) continue;
            var (customerVoice, agentVoice) = Voices(split, reportVoice[0], fitVoices, rng);
            var clips = acted.Clips(speaker, emotion, 2, rng);
            var lines = Lines(wordsLabel, split, 2, rng);
            var script = new List<CallTurn> { CallTurn.Agent(Pick(CorpusLines.AgentGreeting, rng)) };
            for (var t = 0; t < 2; t++)
            {
                script.Add(CallTurn.Acted(clips[t % clips.Count]));
                script.Add(CallTurn.Agent(AgentReply(label, rng)));
                script.Add(CallTurn.Spoken(lines[t]));
                script.Add(CallTurn.Agent(AgentReply(label, rng)));
            }
            script.Add(CallTurn.Agent(Pick(CorpusLines.AgentClosing, rng)));
            builder.Add(new CorpusCall("mixed", split, label, speaker + "+tts_" + customerVoice.Split('_')[0], agentVoice,
                acted.CorpusOf(speaker), emotion, Polarity(wordsLabel), customerVoice, script), rng);
        }

        var manifest = builder.WriteManifest();
        var calls = builder.Calls;
        Console.WriteLine(string.Create(ci, $"{calls.Count} calls, {calls.Sum(c => c.Seconds) / 60:0} min of audio, in {outDir}; manifest {manifest}"));
        foreach (var g in calls.GroupBy(c => (c.Call.Kind, c.Call.Split)).OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Split, StringComparer.Ordinal))
            Console.WriteLine(string.Create(ci, $"  {g.Key.Kind,-6} {g.Key.Split,-7} {g.Count(),4} calls: " +
                $"{g.Count(c => c.Call.Customer == CallLabel.Negative)} negative, {g.Count(c => c.Call.Customer == CallLabel.Neutral)} neutral, " +
                $"{g.Count(c => c.Call.Customer == CallLabel.Positive)} positive customers"));
        return 0;
    }

    private static (string Customer, string Agent) Voices(string split, string reportVoice, List<string> fitVoices, Random rng)
    {
        if (split == "report") return (reportVoice, reportVoice);
        var c = rng.Next(fitVoices.Count);
        return (fitVoices[c], fitVoices[(c + 1) % fitVoices.Count]);
    }

    private static string Polarity(CallLabel label) => label.ToString().ToLowerInvariant();

    private static string AgentReply(CallLabel customer, Random rng) => Pick(customer switch
    {
        CallLabel.Negative => CorpusLines.AgentAfterNegative,
        CallLabel.Positive => CorpusLines.AgentAfterPositive,
        _ => CorpusLines.AgentAfterNeutral,
    }, rng);

    /// <summary>Distinct customer lines of one polarity from the part's half of the sentences.</summary>
    private static List<string> Lines(CallLabel label, string split, int count, Random rng)
    {
        var all = label switch { CallLabel.Negative => CorpusLines.Negative, CallLabel.Positive => CorpusLines.Positive, _ => CorpusLines.Neutral };
        var half = all.Where((_, i) => i % 2 == (split == "report" ? 1 : 0)).ToList();
        return half.OrderBy(_ => rng.Next()).Take(count).ToList();
    }

    private static string Pick(string[] lines, Random rng) => lines[rng.Next(lines.Length)];

    private static HashSet<string> ReadReportSpeakers(string file)
    {
        var table = TextTable.Read(file);
        var col = table.Column("speaker");
        return table.Rows.Where(r => r.Length > col && r[col].Trim().Length > 0).Select(r => r[col].Trim()).ToHashSet(StringComparer.Ordinal);
    }

    private static ActedClips ReadActed(string ser, int speakersPerCorpus, HashSet<string> report)
    {
        var rows = new List<(ManifestRow Row, string Root)>();
        foreach (var corpus in ActedCorpora)
        {
            var manifest = Path.Combine(ser, corpus, "MANIFEST.csv");
            if (!File.Exists(manifest)) throw new UsageException($"{manifest} not found (the shared speech-emotion corpora)");
            var corpusRows = Manifest.Read(manifest).Where(r => NegativeEmotions.Concat(NeutralEmotions).Concat(PositiveEmotions).Contains(r.Emotion)).ToList();
            if (speakersPerCorpus > 0)
            {
                // A small corpus (tests): the first speakers of each part, so both parts stay represented.
                var keep = corpusRows.Select(r => r.Speaker).Distinct().Order(StringComparer.Ordinal)
                    .GroupBy(report.Contains).SelectMany(g => g.Take(speakersPerCorpus)).ToHashSet(StringComparer.Ordinal);
                corpusRows = corpusRows.Where(r => keep.Contains(r.Speaker)).ToList();
            }
            rows.AddRange(corpusRows.Select(r => (r, Path.Combine(ser, corpus))));
        }
        return new ActedClips(rows);
    }

    /// <summary>The acted clips by speaker and emotion (paths only; audio is read when a call uses it).</summary>
    private sealed class ActedClips(List<(ManifestRow Row, string Root)> rows)
    {
        private readonly Dictionary<(string Speaker, string Emotion), List<string>> _clips = rows
            .GroupBy(r => (r.Row.Speaker, r.Row.Emotion))
            .ToDictionary(g => g.Key, g => g.Select(r => Path.Combine(r.Root, r.Row.Path)).Order(StringComparer.Ordinal).ToList());

        private readonly Dictionary<string, string> _corpus = rows.GroupBy(r => r.Row.Speaker).ToDictionary(g => g.Key, g => g.First().Row.Corpus);

        public IEnumerable<string> Speakers => _corpus.Keys;

        public string CorpusOf(string speaker) => _corpus[speaker];

        /// <summary>An emotion of that valence the speaker recorded; negative emotions rotate so all four are used.</summary>
        public string? PickEmotion(string speaker, CallLabel label, ref int negIndex)
        {
            var choices = label switch { CallLabel.Negative => NegativeEmotions, CallLabel.Positive => PositiveEmotions, _ => NeutralEmotions };
            for (var i = 0; i < choices.Length; i++)
            {
                var e = label == CallLabel.Negative ? choices[(negIndex + i) % choices.Length] : choices[i];
                if (!_clips.ContainsKey((speaker, e))) continue;
                if (label == CallLabel.Negative) negIndex = (negIndex + i + 1) % choices.Length;
                return e;
            }
            return null;
        }

        public List<string> Clips(string speaker, string emotion, int count, Random rng)
        {
            var pool = new List<string>(_clips[(speaker, emotion)]);
            // Neutral and calm are both the neutral state: pool them where a speaker has few of either.
            if (NeutralEmotions.Contains(emotion))
                foreach (var other in NeutralEmotions.Where(e => e != emotion))
                    if (_clips.TryGetValue((speaker, other), out var more)) pool.AddRange(more);
            var shuffled = pool.OrderBy(_ => rng.Next()).ToList();
            return Enumerable.Range(0, count).Select(i => shuffled[i % shuffled.Count]).ToList();
        }
    }
}

/// <summary>A turn of a corpus call: an agent line, a customer line (spoken by TTS) or an acted clip (the customer).</summary>
internal sealed record CallTurn(bool IsAgent, string? Text, string? ClipPath)
{
    public static CallTurn Agent(string text) => new(true, text, null);

    public static CallTurn Spoken(string text) => new(false, text, null);

    public static CallTurn Acted(string path) => new(false, null, path);
}

internal sealed record CorpusCall(string Kind, string Split, CallLabel Customer, string CustomerSpeaker, string AgentVoice, string Corpus,
    string Emotion, string Words, string CustomerVoice, List<CallTurn> Script);

/// <summary>
/// Lays out the turns on two channels, puts them through the telephone line and writes recording, sidecar and manifest.
/// <paramref name="mono"/>: the two lines mixed into one channel, as a recorder on a single line hears the call, and a
/// sidecar that names no channels, so the analysis finds the speakers itself (diarization and the agent rule).
/// <paramref name="echoDb"/>: crosstalk between the channels as real lines have it: the agent's voice returned into the
/// customer's channel by the far end's line, that many dB down after a delay of 40–250 ms (drawn per call), and the
/// customer picked up by the agent's headset 30 dB down.
/// </summary>
internal sealed class CorpusWriter(string outDir, Festival tts, bool mono = false, double? echoDb = null)
{
    private const double HeadsetLeakDb = 30;

    private static readonly DateTime Start = new(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc);

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public List<(CorpusCall Call, string Path, double Seconds)> Calls { get; } = [];

    public void Add(CorpusCall call, Random rng)
    {
        var agent = new List<float>();
        var customer = new List<float>();
        void Silence(double seconds)
        {
            var n = (int)(seconds * Festival.Rate);
            agent.AddRange(new float[n]);
            customer.AddRange(new float[n]);
        }
        Silence(0.3);
        foreach (var turn in call.Script)
        {
            var audio = turn.ClipPath is { } clip ? Trim(AudioLoader.LoadMono(clip, Festival.Rate))
                : tts.Speak(turn.IsAgent ? call.AgentVoice : call.CustomerVoice, turn.Text!);
            audio = Level(audio);
            (turn.IsAgent ? agent : customer).AddRange(audio);
            (turn.IsAgent ? customer : agent).AddRange(new float[audio.Length]);
            Silence(0.4 + 0.6 * rng.NextDouble());
        }
        float[][] line = [ToLine([.. agent], rng), ToLine([.. customer], rng)];
        if (echoDb is { } erl) line = Crosstalk(line[0], line[1], erl, new Random(Calls.Count + 1));
        if (mono) line = [[.. line[0].Zip(line[1], (a, c) => Math.Clamp(a + c, -1f, 1f))]];

        var n = Calls.Count;
        var when = Start.AddDays(n / 40).AddMinutes(n % 40 * 12);
        var callId = string.Create(CultureInfo.InvariantCulture, $"{call.Kind[0]}{n + 1:0000}");
        var agentName = "agent-" + call.AgentVoice.Split('_')[0];
        var key = string.Create(CultureInfo.InvariantCulture, $"recordings/{agentName}/{when:yyyy-MM-dd}/{when:HHmmss}_{callId}.wav");
        var path = Path.Combine(outDir, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, WavWriter.Build(line, TelephoneChannel.LineRate, SampleEncoding.MuLaw));
        File.WriteAllText(Path.ChangeExtension(path, ".json"), JsonSerializer.Serialize(new
        {
            agent = agentName, callId, customerId = call.CustomerSpeaker, startedAt = when.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            channels = mono ? null : new { agent = 0, customer = 1 },
        }, SkipNulls));
        Calls.Add((call, key, (double)line[0].Length / TelephoneChannel.LineRate));
    }

    public string WriteManifest()
    {
        var sb = new StringBuilder("path,customer,agent,kind,split,customer_speaker,agent_speaker,corpus,emotion,words,customer_text\n");
        foreach (var (c, path, _) in Calls)
        {
            var said = string.Join(" | ", c.Script.Where(t => !t.IsAgent && t.Text is not null).Select(t => t.Text));
            sb.Append(CultureInfo.InvariantCulture,
                $"{path},{c.Customer.ToString().ToLowerInvariant()},neutral,{c.Kind},{c.Split},{c.CustomerSpeaker},tts_{c.AgentVoice.Split('_')[0]},{c.Corpus},{c.Emotion},{c.Words},\"{said.Replace("\"", "\"\"")}\"\n");
        }
        var manifest = Path.Combine(outDir, "calls.csv");
        File.WriteAllText(manifest, sb.ToString());
        return manifest;
    }

    private static float[][] Crosstalk(float[] agent, float[] customer, double echoDb, Random rng)
    {
        var delay = (int)Math.Round((0.040 + 0.210 * rng.NextDouble()) * TelephoneChannel.LineRate);
        float echo = (float)Math.Pow(10, -echoDb / 20), leak = (float)Math.Pow(10, -HeadsetLeakDb / 20);
        var a = new float[agent.Length];
        var c = new float[customer.Length];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = Math.Clamp(agent[i] + leak * customer[i], -1f, 1f);
            c[i] = Math.Clamp(customer[i] + (i >= delay ? echo * agent[i - delay] : 0f), -1f, 1f);
        }
        return [a, c];
    }

    /// <summary>Cuts the silence an acted clip starts and ends with (keeps 0.15 s around the speech).</summary>
    private static float[] Trim(float[] x)
    {
        const int frame = Festival.Rate / 100;
        var frames = x.Length / frame;
        if (frames == 0) return x;
        var rms = new double[frames];
        for (var f = 0; f < frames; f++)
        {
            double s = 0;
            for (var i = f * frame; i < (f + 1) * frame; i++) s += x[i] * x[i];
            rms[f] = Math.Sqrt(s / frame);
        }
        var threshold = rms.Max() * 0.05;
        var first = Array.FindIndex(rms, r => r > threshold);
        var last = Array.FindLastIndex(rms, r => r > threshold);
        var from = Math.Max(0, (first - 15) * frame);
        var to = Math.Min(x.Length, (last + 16) * frame);
        return x[from..to];
    }

    /// <summary>A call recorder's level: speech at about −22 dBFS RMS, peaks kept below full scale.</summary>
    private static float[] Level(float[] x)
    {
        double s = 0;
        foreach (var v in x) s += v * v;
        var rms = Math.Sqrt(s / Math.Max(1, x.Length));
        if (rms <= 0) return x;
        var gain = 0.08 / rms;
        var peak = x.Max(MathF.Abs) * gain;
        if (peak > 0.95) gain *= 0.95 / peak;
        return x.Select(v => (float)(v * gain)).ToArray();
    }

    /// <summary>Line noise, 300–3400 Hz band and 8 kHz (µ-law quantisation happens when the WAV is written).</summary>
    private static float[] ToLine(float[] samples16k, Random rng)
    {
        for (var i = 0; i < samples16k.Length; i++) samples16k[i] += (float)((rng.NextDouble() - 0.5) * 6e-4);
        foreach (var f in Biquad.Butterworth4(Festival.Rate, 300, highPass: true)) f.Process(samples16k);
        foreach (var f in Biquad.Butterworth4(Festival.Rate, 3400, highPass: false)) f.Process(samples16k);
        return Resampler.ResampleAll(samples16k, Festival.Rate, TelephoneChannel.LineRate);
    }
}
