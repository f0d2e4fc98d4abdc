using System.Diagnostics;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Vad;
using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>
/// Whisper transcription: the recording's channels are kept apart (one speaker per channel), Silero VAD finds the speech
/// of each channel, and only those stretches (cut to at most <see cref="WhisperSettings.MaxSegmentSeconds"/>) go to
/// whisper.cpp, so silence and hold music cost nothing and Whisper never hallucinates over silence. Words carry Whisper's
/// casing and punctuation; their times come from whisper.cpp's token timestamps, their confidence from token
/// probabilities. Audio is held at 16 kHz as 16-bit samples (115 MB per channel-hour); the decoders' memory is fixed.
/// Thread-safe; the processor pool is shared by every job.
/// </summary>
public sealed class WhisperTranscriber : ITranscriber, IDisposable
{
    public const string EngineName = "whisper";
    private const int VadBlockSamples = SileroVad.WindowSamples * 18750; // 10 minutes
    private readonly WhisperSettings _settings;
    private readonly SileroVad _vad;
    private readonly bool _ownsVad;
    private readonly WhisperProcessorPool _pool;

    private WhisperTranscriber(WhisperSettings settings, WhisperModelInfo model, SileroVad vad, bool ownsVad)
    {
        _settings = settings;
        Model = model;
        _vad = vad;
        _ownsVad = ownsVad;
        WhisperFactory factory;
        try
        {
            factory = WhisperFactory.FromPath(settings.ModelPath);
        }
        catch (WhisperModelLoadException e)
        {
            throw new InvalidDataException($"whisper.cpp could not load {Path.GetFileName(settings.ModelPath)}: {e.Message}", e);
        }
        _pool = new WhisperProcessorPool(factory, Build, settings.MaxDecoders);
    }

    /// <summary>Checks the model file, loads the VAD and the model (the processors come with the first calls).</summary>
    /// <exception cref="FileNotFoundException">The model or the VAD file is missing.</exception>
    /// <exception cref="InvalidDataException">The model file is cut short, damaged or not a ggml Whisper model.</exception>
    public static WhisperTranscriber Load(WhisperSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxSegmentSeconds, 2.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.MaxSegmentSeconds, 30.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BeamSize, 1);
        var model = WhisperModelFile.Inspect(settings.ModelPath);
        if (model.EnglishOnly && settings.Language is not "en")
            throw new ArgumentException($"{model.Describe()} is an English-only model; language '{settings.Language}' needs a multilingual one (e.g. ggml-base.bin)");
        if (!File.Exists(settings.VadModelPath))
            throw new FileNotFoundException($"Silero VAD model not found: {Path.GetFullPath(settings.VadModelPath)}", settings.VadModelPath);
        var vad = SileroVad.Load(settings.VadModelPath);
        try
        {
            return new WhisperTranscriber(settings, model, vad, ownsVad: true);
        }
        catch
        {
            vad.Dispose();
            throw;
        }
    }

    /// <summary>"whisper base.en": the engine and the model size, as the call's stage detail shows it.</summary>
    public string Name => $"{EngineName} {Model.Size}{(Model.EnglishOnly ? ".en" : "")}";

    /// <summary>The model file in use.</summary>
    public WhisperModelInfo Model { get; }

    public WhisperSettings Settings => _settings;

    private long _windows, _tokens;

    /// <summary>Speech pieces decoded and tokens whisper.cpp produced for them, since the transcriber was loaded.</summary>
    public (long Windows, long Tokens) Decoded => (Interlocked.Read(ref _windows), Interlocked.Read(ref _tokens));

    /// <summary>Builds one processor now, so a model whisper.cpp cannot run fails at start rather than on the first call.</summary>
    public void WarmUp()
    {
        using var lease = _pool.RentAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private WhisperProcessor Build(WhisperFactory factory)
    {
        var b = factory.CreateBuilder()
            .WithThreads(_settings.Threads)
            .WithTokenTimestamps()
            .WithProbabilities()
            // Each VAD segment is decoded on its own: no text carried over, so one bad segment cannot derail the next.
            .WithNoContext()
            .WithTemperatureInc(0);
        b = _settings.Language == "auto" ? b.WithLanguageDetection() : b.WithLanguage(_settings.Language);
        if (_settings.MaxTokensPerSegment > 0) b = b.WithMaxTokensPerSegment(_settings.MaxTokensPerSegment);
        if (_settings.SuppressRegex is { Length: > 0 } suppress) b = b.WithSuppressRegex(suppress);
        if (_settings.BeamSize > 1) b = b.WithBeamSearchSamplingStrategy(s => ((BeamSearchSamplingStrategyBuilder)s).WithBeamSize(_settings.BeamSize));
        return b.Build();
    }

    public async Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var channels = await Task.Run(() => ReadChannels16k(request.AudioPath, cancellationToken), cancellationToken).ConfigureAwait(false);
        return (await TranscribeSamplesAsync(channels, cancellationToken).ConfigureAwait(false)).Transcript;
    }

    /// <summary>Transcribes 16 kHz channels (16-bit samples, equal lengths): one speaker per channel.</summary>
    public async Task<(Transcript Transcript, TimeSpan Recognition, double SpeechSeconds)> TranscribeSamplesAsync(IReadOnlyList<short[]> channels16k,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels16k);
        if (channels16k.Count == 0) throw new ArgumentException("no audio channels", nameof(channels16k));
        var duration = (double)channels16k[0].Length / SileroVad.SampleRate;
        var results = await Task.WhenAll(channels16k.Select((samples, c) =>
            Task.Run(() => TranscribeChannelAsync(samples, c, cancellationToken), cancellationToken))).ConfigureAwait(false);
        var speakers = channels16k.Select((_, c) => new TranscriptSpeaker(c, c, $"ch_{c}")).ToList();
        var words = results.SelectMany(r => r.Words).OrderBy(w => w.Start).ThenBy(w => w.Speaker).ToList();
        var speech = results.SelectMany(r => r.Speech).OrderBy(s => s.Start).ThenBy(s => s.Speaker).ToList();
        var language = _settings.Language == "auto" ? "auto" : _settings.Language + (_settings.Language == "en" ? "-US" : "");
        var transcript = new Transcript(EngineName, language, channels16k.Count > 1 ? SpeakerSeparation.Channels : SpeakerSeparation.None,
            speakers, words, speech, duration);
        return (transcript, TimeSpan.FromTicks(results.Sum(r => r.Recognition.Ticks)), speech.Sum(s => s.Duration));
    }

    private sealed record ChannelResult(List<TranscriptWord> Words, List<SpeechSegment> Speech, TimeSpan Recognition);

    private async Task<ChannelResult> TranscribeChannelAsync(short[] samples, int channel, CancellationToken cancellationToken)
    {
        var probabilities = VadProbabilities(samples, cancellationToken);
        var duration = (double)samples.Length / SileroVad.SampleRate;
        var regions = SileroVad.Segment(probabilities, duration, _settings.Vad);
        var speech = regions.Select(r => new SpeechSegment(channel, r.Start, r.End)).ToList();
        var sw = Stopwatch.StartNew();
        var words = new List<TranscriptWord>();
        using (var lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var region in regions)
            {
                foreach (var (start, end) in OfflineTranscriber.SplitLong(probabilities, region.Start, region.End, _settings.MaxSegmentSeconds))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var from = Math.Clamp((int)Math.Round(start * SileroVad.SampleRate), 0, samples.Length);
                    var to = Math.Clamp((int)Math.Round(end * SileroVad.SampleRate), from, samples.Length);
                    if (to - from < SileroVad.SampleRate / 10) continue;
                    var piece = ToFloat(samples.AsSpan(from, to - from));
                    var segments = new List<SegmentData>();
                    await foreach (var s in lease.Processor.ProcessAsync(piece, cancellationToken).ConfigureAwait(false)) segments.Add(s);
                    Interlocked.Increment(ref _windows);
                    Interlocked.Add(ref _tokens, segments.Sum(s => s.Tokens?.Length ?? 0));
                    words.AddRange(WhisperWords.From(segments, channel, (double)from / SileroVad.SampleRate, (double)to / SileroVad.SampleRate));
                }
            }
        }
        return new ChannelResult(words, speech, sw.Elapsed);
    }

    // The VAD runs over 10-minute blocks, so only one block is ever held as floats.
    private float[] VadProbabilities(short[] samples, CancellationToken cancellationToken)
    {
        var result = new List<float>(samples.Length / SileroVad.WindowSamples + 1);
        for (var offset = 0; offset < samples.Length; offset += VadBlockSamples)
        {
            var block = ToFloat(samples.AsSpan(offset, Math.Min(VadBlockSamples, samples.Length - offset)));
            result.AddRange(_vad.Probabilities(block, cancellationToken));
        }
        return [.. result];
    }

    private static float[] ToFloat(ReadOnlySpan<short> pcm)
    {
        var result = new float[pcm.Length];
        for (var i = 0; i < pcm.Length; i++) result[i] = pcm[i] / 32768f;
        return result;
    }

    private short[][] ReadChannels16k(string path, CancellationToken cancellationToken)
    {
        using var reader = OfflineTranscriber.OpenForRecognition(path, _settings.Audio, _settings.Enhancement, cancellationToken);
        var info = reader.Info;
        var n = info.Channels;
        var resamplers = Enumerable.Range(0, n).Select(_ => new Resampler(info.SampleRate, SileroVad.SampleRate)).ToArray();
        var outputs = Enumerable.Range(0, n).Select(_ => new List<short>()).ToArray();
        const int Block = 8192;
        var interleaved = new float[Block * n];
        var channel = new float[Block];
        var resampled = new float[resamplers[0].MaxOutput(Block) + 16];
        var maxFrames = (long)(_settings.MaxRecordingSeconds * info.SampleRate);
        long total = 0;
        int frames;
        while ((frames = reader.Read(interleaved)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += frames;
            if (total > maxFrames)
                throw new AudioFormatException(AudioErrorKind.InvalidHeader,
                    $"{Path.GetFileName(path)} is longer than the {_settings.MaxRecordingSeconds:0} s the Whisper transcriber accepts.");
            for (var c = 0; c < n; c++)
            {
                for (var f = 0; f < frames; f++) channel[f] = interleaved[f * n + c];
                var k = resamplers[c].Process(channel.AsSpan(0, frames), resampled);
                Append(outputs[c], resampled.AsSpan(0, k));
            }
        }
        var tail = new float[resamplers[0].MaxOutput(0) + 64];
        for (var c = 0; c < n; c++) Append(outputs[c], tail.AsSpan(0, resamplers[c].Flush(tail)));
        return [.. outputs.Select(o => o.ToArray())];
    }

    private static void Append(List<short> to, ReadOnlySpan<float> samples)
    {
        foreach (var s in samples) to.Add((short)Math.Clamp(MathF.Round(s * 32767f), short.MinValue, short.MaxValue));
    }

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsVad) _vad.Dispose();
    }
}
