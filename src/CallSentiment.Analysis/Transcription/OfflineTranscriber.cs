using System.Diagnostics;
using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Diarization;
using CallSentiment.Analysis.Transcription.PocketSphinx;
using CallSentiment.Analysis.Vad;

namespace CallSentiment.Analysis.Transcription;

/// <summary>Where the time of one transcription went (summed over channels decoded in parallel).</summary>
public sealed record OfflineTranscriptionStats(TimeSpan AudioDecoding, TimeSpan VoiceActivity, TimeSpan Diarization,
    TimeSpan Recognition, double SpeechSeconds, int Utterances);

/// <summary>
/// Offline transcription: decode the recording, keep its channels apart, find speech with Silero VAD, and decode
/// each speech segment (cut to at most <see cref="OfflineTranscriberOptions.MaxUtteranceSeconds"/>) as one
/// pocketsphinx utterance. Stereo recordings have one speaker per channel; a mono recording is split into speakers by
/// the optional <see cref="ISpeakerSegmenter"/>, or is one speaker without it. Thread-safe.
/// </summary>
public sealed class OfflineTranscriber : ITranscriber, IDisposable
{
    public const string EngineName = "pocketsphinx";
    private readonly OfflineTranscriberOptions _options;
    private readonly SileroVad _vad;
    private readonly bool _ownsVad;
    private readonly ISpeakerSegmenter? _diarizer;
    private readonly PocketSphinxDecoderPool _pool;

    /// <param name="options">Model paths and decoder settings.</param>
    /// <param name="vad">A loaded Silero VAD (shared; not disposed by the transcriber).</param>
    /// <param name="diarizer">Speaker separation for mono recordings; null = one speaker.</param>
    /// <exception cref="PocketSphinxException">The recogniser library or its model is missing.</exception>
    public OfflineTranscriber(OfflineTranscriberOptions options, SileroVad vad, ISpeakerSegmenter? diarizer = null)
        : this(options, vad, diarizer, ownsVad: false)
    {
    }

    private OfflineTranscriber(OfflineTranscriberOptions options, SileroVad vad, ISpeakerSegmenter? diarizer, bool ownsVad)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vad);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxUtteranceSeconds, 2.0);
        _options = options;
        _vad = vad;
        _ownsVad = ownsVad;
        _diarizer = diarizer;
        // Fail now, not on the first recording, when the recogniser is not installed.
        PocketSphinxLibrary.Load(options.Recognizer.LibraryPath);
        options.Recognizer.EnsureModelExists();
        _pool = new PocketSphinxDecoderPool(options.Recognizer, options.MaxDecoders);
    }

    /// <summary>Loads the VAD from <see cref="OfflineTranscriberOptions.VadModelPath"/> (owned and disposed by the transcriber).</summary>
    /// <exception cref="FileNotFoundException">The Silero VAD model file is missing.</exception>
    public static OfflineTranscriber Load(OfflineTranscriberOptions options, ISpeakerSegmenter? diarizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(options.VadModelPath))
            throw new FileNotFoundException(
                $"Silero VAD model not found: {Path.GetFullPath(options.VadModelPath)} (set the VAD model path, e.g. --vad-model, to silero_vad.onnx)",
                options.VadModelPath);
        var vad = SileroVad.Load(options.VadModelPath);
        try
        {
            return new OfflineTranscriber(options, vad, diarizer, ownsVad: true);
        }
        catch
        {
            vad.Dispose();
            throw;
        }
    }

    public string Name => EngineName;

    /// <summary>Loads all pooled decoders now rather than on the first recordings.</summary>
    /// <summary>Loads the recogniser's models now: <paramref name="decoders"/> decoders (all by default); the rest come when first needed.</summary>
    public void WarmUp(int decoders = int.MaxValue) => _pool.WarmUp(decoders);

    public OfflineTranscriberOptions Options => _options;

    public async Task<Transcript> TranscribeAsync(TranscriptionRequest request, CancellationToken cancellationToken) =>
        (await TranscribeWithStatsAsync(request, cancellationToken).ConfigureAwait(false)).Transcript;

    /// <summary>
    /// As <see cref="TranscribeAsync"/>, with the time spent in each stage. Several channels are streamed, each on its own
    /// (the file is read once per channel and pass), so memory does not grow with channels × duration: a channel's speech
    /// probabilities and one utterance at a time are all that is kept. A mono recording (which the diarizer needs whole)
    /// is held at 16 kHz: 230 MB per hour, within <see cref="OfflineTranscriberOptions.MaxRecordingSeconds"/>.
    /// </summary>
    public async Task<(Transcript Transcript, OfflineTranscriptionStats Stats)> TranscribeWithStatsAsync(TranscriptionRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        AudioInfo info;
        using (var reader = AudioReader.Open(request.AudioPath, _options.Audio)) info = reader.Info;
        var maxFrames = (long)(_options.MaxRecordingSeconds * info.SampleRate);
        if (info.TotalFrames > maxFrames) throw TooLong(request.AudioPath);

        if (info.Channels > 1)
        {
            var scans = await Task.WhenAll(Enumerable.Range(0, info.Channels).Select(c =>
                Task.Run(() => ScanChannel(request.AudioPath, c, cancellationToken), cancellationToken))).ConfigureAwait(false);
            if (!scans.Skip(1).All(s => s.SameAsFirst))
            {
                var results = await Task.WhenAll(scans.Select(scan =>
                    Task.Run(() => RecogniseChannelAsync(request.AudioPath, scan, cancellationToken), cancellationToken))).ConfigureAwait(false);
                var decoding = TimeSpan.FromTicks(scans.Sum(x => x.Decoding.Ticks) + results.Sum(r => r.Decoding.Ticks));
                var (multi, multiStats) = Assemble(results.Select(r => r.Result).ToArray(), SpeakerSeparation.Channels,
                    [.. scans.Select(x => new TranscriptSpeaker(x.Channel, x.Channel, $"ch_{x.Channel}"))], (double)scans[0].Samples / SileroVad.SampleRate);
                return (multi, multiStats with { AudioDecoding = decoding });
            }
            // One mix stored on every channel: a mono recording, diarized as one below.
        }

        var sw = Stopwatch.StartNew();
        var mono = await Task.Run(() => ReadChannel16k(request.AudioPath, 0, info, cancellationToken), cancellationToken).ConfigureAwait(false);
        var monoDecoding = sw.Elapsed;
        var (transcript, stats) = await TranscribeMonoAsync(mono, request.MaxSpeakers, cancellationToken).ConfigureAwait(false);
        return (transcript, stats with { AudioDecoding = monoDecoding });
    }

    /// <summary>
    /// Transcribes channels already at 16 kHz (one array per channel, equal lengths). One channel with a diarizer gives
    /// diarized speakers; several channels give one speaker per channel.
    /// </summary>
    public async Task<(Transcript Transcript, OfflineTranscriptionStats Stats)> TranscribeSamplesAsync(IReadOnlyList<float[]> channels16k,
        int maxSpeakers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels16k);
        if (channels16k.Count == 0) throw new ArgumentException("no audio channels", nameof(channels16k));
        var channels = DropDuplicateChannels(channels16k);
        var duration = (double)channels16k[0].Length / SileroVad.SampleRate;
        if (channels.Count == 1) return await TranscribeMonoAsync(channels[0], maxSpeakers, cancellationToken).ConfigureAwait(false);
        var results = await Task.WhenAll(channels.Select((samples, c) =>
            Task.Run(() => TranscribeChannelAsync(samples, c, diarize: false, maxSpeakers, cancellationToken), cancellationToken))).ConfigureAwait(false);
        return Assemble(results, SpeakerSeparation.Channels, [.. channels.Select((_, c) => new TranscriptSpeaker(c, c, $"ch_{c}"))], duration);
    }

    private async Task<(Transcript Transcript, OfflineTranscriptionStats Stats)> TranscribeMonoAsync(ReadOnlyMemory<float> samples,
        int maxSpeakers, CancellationToken cancellationToken)
    {
        var diarize = _diarizer is not null && maxSpeakers > 1;
        var separation = diarize ? SpeakerSeparation.Diarization : SpeakerSeparation.None;
        ChannelResult[] results = [await Task.Run(() => TranscribeChannelAsync(samples, 0, diarize, maxSpeakers, cancellationToken), cancellationToken).ConfigureAwait(false)];
        var ids = diarize ? results[0].Speech.Select(s => s.Speaker).Distinct().Order().ToList() : [0];
        List<TranscriptSpeaker> speakers = [.. ids.Select(id => new TranscriptSpeaker(id, diarize ? null : 0, diarize ? $"spk_{id}" : "ch_0"))];
        return Assemble(results, separation, speakers, (double)samples.Length / SileroVad.SampleRate);
    }

    private static (Transcript Transcript, OfflineTranscriptionStats Stats) Assemble(ChannelResult[] results, SpeakerSeparation separation,
        List<TranscriptSpeaker> speakers, double duration)
    {
        var words = results.SelectMany(r => r.Words).OrderBy(w => w.Start).ThenBy(w => w.Speaker).ToList();
        var speech = results.SelectMany(r => r.Speech).OrderBy(s => s.Start).ThenBy(s => s.Speaker).ToList();
        var transcript = new Transcript(EngineName, "en-US", separation, speakers, words, speech, duration);
        var stats = new OfflineTranscriptionStats(TimeSpan.Zero,
            Sum(results, r => r.Vad), Sum(results, r => r.Diarization), Sum(results, r => r.Recognition),
            speech.Sum(s => s.Duration), results.Sum(r => r.Utterances));
        return (transcript, stats);
    }

    private static TimeSpan Sum(ChannelResult[] results, Func<ChannelResult, TimeSpan> f) =>
        TimeSpan.FromTicks(results.Sum(r => f(r).Ticks));

    private sealed record ChannelResult(List<TranscriptWord> Words, List<SpeechSegment> Speech, TimeSpan Vad, TimeSpan Diarization,
        TimeSpan Recognition, int Utterances);

    private async Task<ChannelResult> TranscribeChannelAsync(ReadOnlyMemory<float> samples, int channel, bool diarize, int maxSpeakers,
        CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var probabilities = _vad.Probabilities(samples.Span, cancellationToken);
        var duration = (double)samples.Length / SileroVad.SampleRate;
        var regions = SileroVad.Segment(probabilities, duration, _options.Vad);
        var vadTime = sw.Elapsed;

        sw.Restart();
        IReadOnlyList<SpeechSegment> labelled = diarize
            ? _diarizer!.Segment(samples.Span, regions, maxSpeakers, cancellationToken)
            : [.. regions.Select(r => new SpeechSegment(channel, r.Start, r.End))];
        var diarizationTime = diarize ? sw.Elapsed : TimeSpan.Zero;

        sw.Restart();
        var words = new List<TranscriptWord>();
        var utterances = 0;
        using (var lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            var decoder = lease.Decoder;
            decoder.Reset();
            foreach (var u in Utterances(probabilities, labelled, samples.Length))
            {
                cancellationToken.ThrowIfCancellationRequested();
                utterances++;
                if (u.IsDecoded) words.AddRange(DecodeUtterance(decoder, samples.Span[(int)u.From..(int)u.To], u));
            }
        }
        return new ChannelResult(words, [.. labelled], vadTime, diarizationTime, sw.Elapsed, utterances);
    }

    /// <summary>One pocketsphinx utterance: 16 kHz sample indexes [From, To) of a channel, for a speaker.</summary>
    private readonly record struct Utterance(long From, long To, int Speaker)
    {
        // Shorter pieces carry no word worth decoding.
        public bool IsDecoded => To - From >= SileroVad.SampleRate / 10;
    }

    /// <summary>The speech segments cut into utterances no longer than the limit, in time order, clamped to the signal.</summary>
    private List<Utterance> Utterances(IReadOnlyList<float> probabilities, IEnumerable<SpeechSegment> segments, long samples)
    {
        var p = probabilities as float[] ?? [.. probabilities];
        var result = new List<Utterance>();
        foreach (var segment in segments)
        {
            foreach (var (start, end) in SplitLong(p, segment.Start, segment.End, _options.MaxUtteranceSeconds))
            {
                var from = Math.Clamp((long)Math.Round(start * SileroVad.SampleRate), 0, samples);
                var to = Math.Clamp((long)Math.Round(end * SileroVad.SampleRate), from, samples);
                result.Add(new Utterance(from, to, segment.Speaker));
            }
        }
        return result;
    }

    private static List<TranscriptWord> DecodeUtterance(PocketSphinxDecoder decoder, ReadOnlySpan<float> span, Utterance u)
    {
        var words = new List<TranscriptWord>();
        var audio = decoder.SampleRate == SileroVad.SampleRate ? span.ToArray() : Resampler.ResampleAll(span, SileroVad.SampleRate, decoder.SampleRate);
        var t0 = (double)u.From / SileroVad.SampleRate;
        var t1 = (double)u.To / SileroVad.SampleRate;
        foreach (var w in decoder.Decode(audio))
        {
            var text = CleanWord(w.Word);
            if (text is null) continue;
            var ws = Math.Min(t1, t0 + (double)w.StartFrame / decoder.FrameRate);
            var we = Math.Clamp(t0 + (double)(w.EndFrame + 1) / decoder.FrameRate, ws, t1);
            words.Add(new TranscriptWord(u.Speaker, ws, we, text, w.Posterior));
        }
        return words;
    }

    /// <summary>The spoken word of a dictionary entry, or null for silence, noise and filler tokens.</summary>
    public static string? CleanWord(string word)
    {
        if (word.Length == 0 || word[0] is '<' or '[' || word.StartsWith("++", StringComparison.Ordinal)) return null;
        // Alternate pronunciations are entries "word(2)", "word(3)".
        var paren = word.IndexOf('(', StringComparison.Ordinal);
        if (paren > 0 && word[^1] == ')') word = word[..paren];
        return word;
    }

    /// <summary>Cuts a speech region longer than <paramref name="maxSeconds"/> at its least speech-like VAD windows.</summary>
    internal static List<(double Start, double End)> SplitLong(ReadOnlySpan<float> probabilities, double start, double end, double maxSeconds)
    {
        var result = new List<(double Start, double End)>();
        while (end - start > maxSeconds)
        {
            // Search the second half of the allowed span, so pieces stay between max/2 and max long.
            var lo = (int)Math.Ceiling((start + maxSeconds / 2) / SileroVad.WindowSeconds);
            var hi = Math.Min(probabilities.Length - 1, (int)Math.Floor((start + maxSeconds) / SileroVad.WindowSeconds) - 1);
            var cut = hi;
            for (var i = lo; i <= hi; i++)
                if (probabilities[i] < probabilities[cut]) cut = i;
            var t = (cut + 0.5) * SileroVad.WindowSeconds;
            if (t <= start || t >= end) t = start + maxSeconds;
            result.Add((start, t));
            start = t;
        }
        result.Add((start, end));
        return result;
    }

    private List<float[]> DropDuplicateChannels(IReadOnlyList<float[]> channels)
    {
        var kept = new List<float[]> { channels[0] };
        for (var c = 1; c < channels.Count; c++)
        {
            var ch = channels[c];
            double diff = 0, energy = 0;
            for (var i = 0; i < ch.Length; i++)
            {
                diff += Math.Abs(ch[i] - channels[0][i]);
                energy += Math.Abs(channels[0][i]);
            }
            if (diff > _options.DuplicateChannelTolerance * Math.Max(energy, 1e-9)) kept.Add(ch);
        }
        return kept.Count == 1 && channels.Count > 1 ? kept : [.. channels];
    }

    /// <summary>
    /// The recording as the recogniser should hear it: each channel without the other parties' crosstalk (echo of the
    /// agent in the customer's line), then enhanced when so configured (SpeechEnhancement:Mode).
    /// </summary>
    internal static AudioReader OpenForRecognition(string path, AudioDecodeOptions? audio, Enhancement.SpeechEnhancement? enhancement,
        CancellationToken cancellationToken)
    {
        var reader = CrosstalkGate.Wrap(AudioReader.Open(path, audio));
        return enhancement is null ? reader : enhancement.Wrap(reader, enhancement.ForTranscript, cancellationToken);
    }

    private AudioFormatException TooLong(string path) => new(AudioErrorKind.LimitExceeded,
        $"{Path.GetFileName(path)} is longer than the {_options.MaxRecordingSeconds.ToString("0", CultureInfo.InvariantCulture)} s the offline transcriber accepts.");

    /// <summary>
    /// Decodes the recording once and hands <paramref name="channel"/> (and, when <paramref name="alsoFirst"/>, channel 0)
    /// at 16 kHz to <paramref name="sink"/> block by block. Returns the time spent decoding and resampling.
    /// </summary>
    private TimeSpan StreamChannel16k(string path, int channel, bool alsoFirst, Action<ReadOnlySpan<float>, ReadOnlySpan<float>> sink,
        CancellationToken cancellationToken)
    {
        var decoding = Stopwatch.StartNew();
        using var reader = OpenForRecognition(path, _options.Audio, _options.Enhancement, cancellationToken);
        var info = reader.Info;
        var n = info.Channels;
        var resampler = new Resampler(info.SampleRate, SileroVad.SampleRate);
        var first = alsoFirst ? new Resampler(info.SampleRate, SileroVad.SampleRate) : null;
        const int Block = 8192;
        var interleaved = new float[Block * n];
        var samples = new float[Block];
        var resampled = new float[resampler.MaxOutput(Block) + 64];
        var resampledFirst = new float[alsoFirst ? resampled.Length : 0];
        var maxFrames = (long)(_options.MaxRecordingSeconds * info.SampleRate);
        long total = 0;
        int frames;
        while ((frames = reader.Read(interleaved)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += frames;
            if (total > maxFrames) throw TooLong(path);
            for (var f = 0; f < frames; f++) samples[f] = interleaved[f * n + channel];
            var k = resampler.Process(samples.AsSpan(0, frames), resampled);
            if (first is not null)
            {
                for (var f = 0; f < frames; f++) samples[f] = interleaved[f * n];
                first.Process(samples.AsSpan(0, frames), resampledFirst);
            }
            decoding.Stop();
            sink(resampled.AsSpan(0, k), resampledFirst.AsSpan(0, first is null ? 0 : k));
            decoding.Start();
        }
        var tail = new float[resampler.MaxOutput(0) + 64];
        var tailFirst = new float[first is null ? 0 : tail.Length];
        var m = resampler.Flush(tail);
        first?.Flush(tailFirst);
        decoding.Stop();
        sink(tail.AsSpan(0, m), tailFirst.AsSpan(0, first is null ? 0 : m));
        return decoding.Elapsed;
    }

    /// <summary>What the first pass over one channel of a multi-channel recording found.</summary>
    private sealed record ChannelScan(int Channel, float[] Probabilities, long Samples, bool SameAsFirst, TimeSpan Vad, TimeSpan Decoding);

    /// <summary>First pass: the channel's speech probabilities, and whether it is channel 0 stored again.</summary>
    private ChannelScan ScanChannel(string path, int channel, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var scanner = new SileroVad.Scanner(_vad);
        long count = 0;
        double diff = 0, energy = 0;
        var decoding = StreamChannel16k(path, channel, alsoFirst: channel > 0, (samples, first) =>
        {
            count += samples.Length;
            scanner.Push(samples, cancellationToken);
            for (var i = 0; i < first.Length; i++)
            {
                diff += Math.Abs(samples[i] - first[i]);
                energy += Math.Abs(first[i]);
            }
        }, cancellationToken);
        var probabilities = scanner.Finish().ToArray();
        var same = channel > 0 && !(diff > _options.DuplicateChannelTolerance * Math.Max(energy, 1e-9));
        return new ChannelScan(channel, probabilities, count, same, sw.Elapsed - decoding, decoding);
    }

    /// <summary>Second pass: the channel's utterances decoded as the stream passes them, one held at a time.</summary>
    private async Task<(ChannelResult Result, TimeSpan Decoding)> RecogniseChannelAsync(string path, ChannelScan scan, CancellationToken cancellationToken)
    {
        var duration = (double)scan.Samples / SileroVad.SampleRate;
        var regions = SileroVad.Segment(scan.Probabilities, duration, _options.Vad);
        List<SpeechSegment> labelled = [.. regions.Select(r => new SpeechSegment(scan.Channel, r.Start, r.End))];
        var utterances = Utterances(scan.Probabilities, labelled, scan.Samples);
        var sw = Stopwatch.StartNew();
        var words = new List<TranscriptWord>();
        TimeSpan decoding;
        using (var lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            var decoder = lease.Decoder;
            decoder.Reset();
            var next = 0;
            long position = 0; // 16 kHz index of the next sample the stream brings
            var held = new float[SileroVad.SampleRate]; // samples from heldFrom on
            var heldCount = 0;
            long heldFrom = 0;
            decoding = StreamChannel16k(path, scan.Channel, alsoFirst: false, (samples, _) =>
            {
                var end = position + samples.Length;
                // Keep what the pending utterances need (they are in time order); decode each once it is complete.
                while (next < utterances.Count && !utterances[next].IsDecoded) next++;
                if (next < utterances.Count)
                {
                    if (heldCount == 0) heldFrom = Math.Max(position, utterances[next].From);
                    var from = Math.Max(position, heldFrom + heldCount);
                    if (from < end)
                    {
                        var part = samples[(int)(from - position)..];
                        if (held.Length < heldCount + part.Length) Array.Resize(ref held, Math.Max(2 * held.Length, heldCount + part.Length));
                        part.CopyTo(held.AsSpan(heldCount));
                        heldCount += part.Length;
                    }
                    while (next < utterances.Count && (!utterances[next].IsDecoded || utterances[next].To <= end))
                    {
                        var u = utterances[next];
                        if (u.IsDecoded)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            words.AddRange(DecodeUtterance(decoder, held.AsSpan((int)(u.From - heldFrom), (int)(u.To - u.From)), u));
                        }
                        next++;
                        // Drop what no later utterance needs.
                        var keepFrom = next < utterances.Count ? Math.Min(utterances[next].From, heldFrom + heldCount) : heldFrom + heldCount;
                        var drop = (int)Math.Clamp(keepFrom - heldFrom, 0, heldCount);
                        held.AsSpan(drop, heldCount - drop).CopyTo(held);
                        heldCount -= drop;
                        heldFrom += drop;
                    }
                }
                position = end;
            }, cancellationToken);
        }
        var recognition = sw.Elapsed - decoding;
        return (new ChannelResult(words, labelled, scan.Vad, TimeSpan.Zero, recognition, utterances.Count), decoding);
    }

    /// <summary>One channel at 16 kHz, whole (sized from the header when it states the length, so it is never copied to grow).</summary>
    private ReadOnlyMemory<float> ReadChannel16k(string path, int channel, AudioInfo info, CancellationToken cancellationToken)
    {
        var expected = info.TotalFrames is { } t ? (int)Math.Min(Array.MaxLength, (long)Math.Ceiling((double)t * SileroVad.SampleRate / info.SampleRate) + 64) : 1 << 20;
        var samples = new float[expected];
        var count = 0;
        StreamChannel16k(path, channel, alsoFirst: false, (block, _) =>
        {
            if (samples.Length < count + block.Length) Array.Resize(ref samples, (int)Math.Min(Array.MaxLength, Math.Max(2L * samples.Length, count + block.Length)));
            block.CopyTo(samples.AsSpan(count));
            count += block.Length;
        }, cancellationToken);
        // A slice, not a trimmed copy: a copy would hold the recording twice for a moment.
        return samples.AsMemory(0, count);
    }

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsVad) _vad.Dispose();
    }
}
