using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Vad;
using Whisper.net;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>
/// Whisper transcription: the recording's channels are kept apart (one speaker per channel), Silero VAD finds the speech
/// of each channel, and only those stretches (cut to at most <see cref="WhisperSettings.MaxSegmentSeconds"/>) go to
/// whisper.cpp, so silence and hold music cost nothing and Whisper never hallucinates over silence. Words carry Whisper's
/// casing and punctuation; their times come from whisper.cpp's token timestamps, their confidence from token
/// probabilities. Each channel is streamed twice (speech probabilities first, then the pieces as the stream reaches them),
/// so what is held does not grow with the call but for the transcript and 4 bytes of VAD output per 32 ms; the decoders'
/// memory is fixed. Thread-safe; the processor pool is shared by every job.
/// </summary>
public sealed class WhisperTranscriber : ITranscriber, IDisposable
{
    public const string EngineName = "whisper";

    /// <summary>The language of a transcript in which Whisper decoded nothing and none was configured (BCP 47 "undetermined").</summary>
    public const string UndeterminedLanguage = "und";

    private const int Block = 8192;
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

    /// <summary>Processors the shared pool has built so far (at most <see cref="WhisperSettings.MaxDecoders"/>).</summary>
    internal int ProcessorsBuilt => _pool.Built;

    /// <summary>Builds one processor now, so a model whisper.cpp cannot run fails at start rather than on the first call.</summary>
    public void WarmUp()
    {
        using var lease = _pool.RentAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private WhisperProcessorBuilder Build(WhisperFactory factory)
    {
        var b = factory.CreateBuilder()
            .WithThreads(_settings.Threads)
            .WithTokenTimestamps()
            .WithProbabilities()
            // Each VAD segment is decoded on its own: no text carried over, so one bad segment cannot derail the next.
            .WithNoContext()
            .WithTemperatureInc(0);
        b = _settings.Language == WhisperLanguages.Auto ? b.WithLanguageDetection() : b.WithLanguage(_settings.Language);
        if (_settings.MaxTokensPerSegment > 0) b = b.WithMaxTokensPerSegment(_settings.MaxTokensPerSegment);
        if (_settings.SuppressRegex is { Length: > 0 } suppress) b = b.WithSuppressRegex(suppress);
        if (_settings.BeamSize > 1) b = b.WithBeamSearchSamplingStrategy(s => ((BeamSearchSamplingStrategyBuilder)s).WithBeamSize(_settings.BeamSize));
        return b;
    }

    public async Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.AudioPath;
        AudioInfo info;
        using (var reader = AudioReader.Open(path, _settings.Audio)) info = reader.Info;
        if (info.TotalFrames > (long)(_settings.MaxRecordingSeconds * info.SampleRate)) throw TooLong(path);
        var channels = Enumerable.Range(0, info.Channels)
            .Select(c => (Func<IEnumerable<ReadOnlyMemory<float>>>)(() => StreamChannel16k(path, c, cancellationToken))).ToList();
        return (await TranscribeChannelsAsync(channels, request.LanguageCode, cancellationToken).ConfigureAwait(false)).Transcript;
    }

    /// <summary>Transcribes 16 kHz channels (16-bit samples, equal lengths): one speaker per channel.</summary>
    public Task<(Transcript Transcript, TimeSpan Recognition, double SpeechSeconds)> TranscribeSamplesAsync(IReadOnlyList<short[]> channels16k,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels16k);
        return TranscribeChannelsAsync([.. channels16k.Select(samples => (Func<IEnumerable<ReadOnlyMemory<float>>>)(() => Blocks(samples)))], null, cancellationToken);
    }

    // channels: per channel, its 16 kHz audio from the start, block by block (a block is valid until the next is asked for).
    private async Task<(Transcript Transcript, TimeSpan Recognition, double SpeechSeconds)> TranscribeChannelsAsync(
        List<Func<IEnumerable<ReadOnlyMemory<float>>>> channels, string? configuredLanguage, CancellationToken cancellationToken)
    {
        if (channels.Count == 0) throw new ArgumentException("no audio channels", nameof(channels));
        var results = await Task.WhenAll(channels.Select((audio, c) =>
            Task.Run(() => TranscribeChannelAsync(audio, c, cancellationToken), cancellationToken))).ConfigureAwait(false);
        var duration = (double)results[0].Samples / SileroVad.SampleRate;
        var words = results.SelectMany(r => r.Words).OrderBy(w => w.Start).ThenBy(w => w.Speaker).ToList();
        var speech = results.SelectMany(r => r.Speech).OrderBy(s => s.Start).ThenBy(s => s.Speaker).ToList();
        // The language whisper.cpp reported for the most speech (detected when the setting is "auto"), and each channel's own.
        var language = WhisperLanguages.Choose(results.Select(r => r.Languages), configuredLanguage)
            ?? (_settings.Language == WhisperLanguages.Auto ? UndeterminedLanguage : WhisperLanguages.Code(_settings.Language, configuredLanguage));
        var speakers = results.Select((r, c) => new TranscriptSpeaker(c, c, $"ch_{c}", WhisperLanguages.Choose([r.Languages], configuredLanguage))).ToList();
        var transcript = new Transcript(EngineName, language, channels.Count > 1 ? SpeakerSeparation.Channels : SpeakerSeparation.None,
            speakers, words, speech, duration);
        return (transcript, TimeSpan.FromTicks(results.Sum(r => r.Recognition.Ticks)), speech.Sum(s => s.Duration));
    }

    // Languages: seconds of decoded speech per language whisper.cpp reported.
    private sealed record ChannelResult(List<TranscriptWord> Words, List<SpeechSegment> Speech, TimeSpan Recognition, long Samples,
        Dictionary<string, double> Languages);

    private async Task<ChannelResult> TranscribeChannelAsync(Func<IEnumerable<ReadOnlyMemory<float>>> audio, int channel, CancellationToken cancellationToken)
    {
        // First pass: the speech probabilities (4 bytes per 32 ms window) and the length, nothing else kept.
        var scanner = new SileroVad.Scanner(_vad);
        long count = 0;
        foreach (var block in audio())
        {
            scanner.Push(block.Span, cancellationToken);
            count += block.Length;
        }
        var probabilities = scanner.Finish().ToArray();
        var duration = (double)count / SileroVad.SampleRate;
        var regions = SileroVad.Segment(probabilities, duration, _settings.Vad);
        var speech = regions.Select(r => new SpeechSegment(channel, r.Start, r.End)).ToList();
        var pieces = new List<(long From, long To)>();
        foreach (var region in regions)
        {
            foreach (var (start, end) in OfflineTranscriber.SplitLong(probabilities, region.Start, region.End, _settings.MaxSegmentSeconds))
            {
                var from = Math.Clamp((long)Math.Round(start * SileroVad.SampleRate), 0, count);
                var to = Math.Clamp((long)Math.Round(end * SileroVad.SampleRate), from, count);
                if (to - from >= SileroVad.SampleRate / 10) pieces.Add((from, to));
            }
        }
        var words = new List<TranscriptWord>();
        var languages = new Dictionary<string, double>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        if (pieces.Count == 0) return new ChannelResult(words, speech, sw.Elapsed, count, languages);

        // Second pass: each piece is gathered as the stream passes it and decoded once complete; one piece is held at a time.
        using (var lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            var piece = new float[(int)pieces.Max(p => p.To - p.From)];
            var next = 0;
            long position = 0;
            foreach (var block in audio())
            {
                var end = position + block.Length;
                while (next < pieces.Count && pieces[next].From < end)
                {
                    var (from, to) = pieces[next];
                    var a = Math.Max(from, position);
                    var b = Math.Min(to, end);
                    block.Span[(int)(a - position)..(int)(b - position)].CopyTo(piece.AsSpan((int)(a - from)));
                    if (to > end) break;
                    cancellationToken.ThrowIfCancellationRequested();
                    var segments = await lease.DecodeAsync(piece.AsMemory(0, (int)(to - from)), cancellationToken).ConfigureAwait(false);
                    NativeHeap.Trim();
                    Interlocked.Increment(ref _windows);
                    Interlocked.Add(ref _tokens, segments.Sum(s => s.Tokens?.Length ?? 0));
                    var seconds = (double)(to - from) / SileroVad.SampleRate;
                    words.AddRange(WhisperWords.From(segments, channel, (double)from / SileroVad.SampleRate, (double)to / SileroVad.SampleRate));
                    if (WhisperLanguages.Reported(segments) is { } language)
                        languages[language] = languages.GetValueOrDefault(language) + seconds;
                    next++;
                }
                position = end;
                if (next == pieces.Count) break;
            }
            if (next < pieces.Count) throw new InvalidDataException("the recording ended sooner on its second reading: it changed while it was transcribed");
        }
        return new ChannelResult(words, speech, sw.Elapsed, count, languages);
    }

    private static IEnumerable<ReadOnlyMemory<float>> Blocks(short[] samples)
    {
        var block = new float[Block];
        for (var offset = 0; offset < samples.Length; offset += Block)
        {
            var n = Math.Min(Block, samples.Length - offset);
            for (var i = 0; i < n; i++) block[i] = samples[offset + i] / 32768f;
            yield return block.AsMemory(0, n);
        }
    }

    /// <summary>One channel of the recording at 16 kHz, block by block, as the recogniser should hear it (enhanced when so configured).</summary>
    private IEnumerable<ReadOnlyMemory<float>> StreamChannel16k(string path, int channel, CancellationToken cancellationToken)
    {
        using var reader = OfflineTranscriber.OpenForRecognition(path, _settings.Audio, _settings.Enhancement, cancellationToken);
        var info = reader.Info;
        var n = info.Channels;
        var resampler = new Resampler(info.SampleRate, SileroVad.SampleRate);
        var interleaved = new float[Block * n];
        var samples = new float[Block];
        var resampled = new float[resampler.MaxOutput(Block) + 64];
        var maxFrames = (long)(_settings.MaxRecordingSeconds * info.SampleRate);
        long total = 0;
        int frames;
        while ((frames = reader.Read(interleaved)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += frames;
            if (total > maxFrames) throw TooLong(path);
            for (var f = 0; f < frames; f++) samples[f] = interleaved[f * n + channel];
            yield return resampled.AsMemory(0, resampler.Process(samples.AsSpan(0, frames), resampled));
        }
        var tail = new float[resampler.MaxOutput(0) + 64];
        yield return tail.AsMemory(0, resampler.Flush(tail));
    }

    private AudioFormatException TooLong(string path) => new(AudioErrorKind.LimitExceeded,
        $"{Path.GetFileName(path)} is longer than the {_settings.MaxRecordingSeconds.ToString("0", CultureInfo.InvariantCulture)} s the Whisper transcriber accepts.");

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsVad) _vad.Dispose();
    }
}
