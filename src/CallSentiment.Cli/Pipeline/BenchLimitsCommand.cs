using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Calls;
using CallSentiment.Analysis.TextSentiment;
using CallSentiment.Cli.Calls;

namespace CallSentiment.Cli.Pipeline;

/// <summary>
/// bench-limits: the largest recording the worker accepts (--channels x --minutes, µ-law or 16-bit PCM), analysed as the
/// worker analyses it (header check, voice and transcript stages, fusion), with the process's peak RSS; and the same
/// layout ten hours long, which must be refused from its header.
/// </summary>
internal static class BenchLimitsCommand
{
    public static int Run(Args args)
    {
        var channels = args.Int("channels", 16, 1, 64);
        var minutes = args.Double("minutes", 30, 0.5, 24 * 60);
        var rate = args.Int("rate", 1000, 1000, 48000);
        var encoding = args.Get("encoding") ?? "mulaw";
        if (encoding is not ("mulaw" or "pcm16")) throw new UsageException("--encoding is mulaw or pcm16");
        var limits = new AudioLimits(TimeSpan.FromMinutes(args.Double("max-minutes", 60, 1, 24 * 60)), args.Int("max-channels", 16, 1, 64));
        var speechFolder = args.Get("speech") ?? Shared.Find("datasets", "asr", "speech");
        var speechEvery = args.Double("speech-every", 600, 5, 36_000);
        using var pipeline = CallPipeline.Load(args, withTranscript: true, parallelCalls: 1, limits: limits);
        args.EnsureAllUsed();
        var ci = CultureInfo.InvariantCulture;

        var dir = Directory.CreateTempSubdirectory("callsentiment-limits-");
        try
        {
            var tag = encoding == "mulaw" ? 7 : 1;
            var bytesPerSample = encoding == "mulaw" ? 1 : 2;
            var refused = Path.Combine(dir.FullName, "ten-hours.wav");
            WriteHeader(refused, channels, rate, tag, bytesPerSample, (long)36_000 * rate, sparse: true);
            var clock = Stopwatch.StartNew();
            string verdict;
            try
            {
                limits.Check(refused);
                verdict = "accepted";
            }
            catch (AudioFormatException e)
            {
                verdict = $"refused: {e.Message}";
            }
            Console.WriteLine(string.Create(ci, $"limits: {AudioLimits.Describe(limits.MaxDuration)}, {limits.MaxChannels} channels"));
            Console.WriteLine(string.Create(ci, $"10 h x {channels} ch {rate} Hz {encoding} ({(long)36_000 * rate * channels * bytesPerSample / 1e6:0} MB): {verdict} in {clock.Elapsed.TotalMilliseconds:0} ms"));

            var path = Path.Combine(dir.FullName, "worst.wav");
            var frames = (long)(minutes * 60 * rate);
            Console.WriteLine(string.Create(ci, $"writing {minutes:0.#} min x {channels} ch {rate} Hz {encoding} ({frames * channels * bytesPerSample / 1e6:0} MB): a speech clip every {speechEvery:0} s per channel ({speechFolder}) in noise"));
            WriteRecording(path, channels, rate, encoding == "mulaw", frames, speechFolder, speechEvery);

            var before = PeakRssMb();
            clock.Restart();
            var context = new AnalysisContext(path, "worst", AgentChannel: 0, CustomerChannel: Math.Min(1, channels - 1));
            var analysis = pipeline.Analyzer.AnalyseAsync(context, CancellationToken.None).GetAwaiter().GetResult();
            var wall = clock.Elapsed.TotalSeconds;
            var words = analysis.Conversation?.Chunks.Sum(c => c.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length) ?? 0;
            Console.WriteLine(string.Create(ci,
                $"analysed {analysis.DurationMs / 60000.0:0.#} min x {analysis.ChannelCount} ch in {wall:0} s: {analysis.Verdict.Sentiment.ToLabel()}, {words} words"));
            Console.WriteLine(string.Create(ci,
                $"process peak RSS {PeakRssMb():0} MB (after loading the models: {before:0} MB); managed heap now {GC.GetTotalMemory(false) / 1048576.0:0} MB"));
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Faint noise on every channel, and on each channel a speech clip every <paramref name="speechEvery"/> seconds (channels
    /// take turns). Speech is sparse so the recogniser's time stays reasonable; memory does not depend on how much there is.
    /// </summary>
    private static void WriteRecording(string path, int channels, int rate, bool muLaw, long frames, string speechFolder, double speechEvery)
    {
        var clips = Directory.GetFiles(speechFolder, "*.wav").Order(StringComparer.Ordinal).Select(f => AudioLoader.LoadMono(f, rate)).ToArray();
        if (clips.Length == 0) throw new UsageException($"no .wav speech clips in {speechFolder}");
        var bytesPerSample = muLaw ? 1 : 2;
        WriteHeader(path, channels, rate, muLaw ? 7 : 1, bytesPerSample, frames, sparse: false);
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16);
        var rng = new Random(1);
        var period = (long)(speechEvery * rate);
        const int Block = 4096;
        var bytes = new byte[Block * channels * bytesPerSample];
        for (long f0 = 0; f0 < frames; f0 += Block)
        {
            var n = (int)Math.Min(Block, frames - f0);
            for (var i = 0; i < n; i++)
            {
                var f = f0 + i;
                for (var c = 0; c < channels; c++)
                {
                    var local = (f + c * period / channels) % period;
                    var clip = clips[(int)((f + c * period / channels) / period + c) % clips.Length];
                    var v = (rng.NextDouble() - 0.5) * 4e-4 + (local < clip.Length ? clip[local] : 0);
                    var pcm = (short)Math.Clamp(Math.Round(v * 32767), short.MinValue, short.MaxValue);
                    var o = (i * channels + c) * bytesPerSample;
                    if (muLaw) bytes[o] = G711.LinearToMuLaw(pcm);
                    else BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(o), pcm);
                }
            }
            file.Write(bytes, 0, n * channels * bytesPerSample);
        }
    }

    /// <summary>A RIFF header declaring <paramref name="frames"/>; sparse: the samples are left a hole of that size.</summary>
    private static void WriteHeader(string path, int channels, int rate, int tag, int bytesPerSample, long frames, bool sparse)
    {
        var dataBytes = frames * channels * bytesPerSample;
        if (dataBytes > uint.MaxValue - 64) throw new UsageException("the recording would need RF64 (over 4 GB of samples)");
        var header = WavWriter.Container([], rate, channels, tag, bytesPerSample);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), (uint)dataBytes);
        using var file = new FileStream(path, FileMode.Create);
        file.Write(header);
        if (sparse) file.SetLength(header.Length + dataBytes);
    }

    private static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }
}
