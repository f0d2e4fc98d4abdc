using System.Diagnostics;
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

    /// <summary>As <see cref="TranscribeAsync"/>, with the time spent in each stage.</summary>
    public async Task<(Transcript Transcript, OfflineTranscriptionStats Stats)> TranscribeWithStatsAsync(TranscriptionRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sw = Stopwatch.StartNew();
        var channels = await Task.Run(() => ReadChannels16k(request.AudioPath, cancellationToken), cancellationToken).ConfigureAwait(false);
        var decoding = sw.Elapsed;
        var (transcript, stats) = await TranscribeSamplesAsync(channels, request.MaxSpeakers, cancellationToken).ConfigureAwait(false);
        return (transcript, stats with { AudioDecoding = decoding });
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

        ChannelResult[] results;
        SpeakerSeparation separation;
        List<TranscriptSpeaker> speakers;
        if (channels.Count > 1)
        {
            separation = SpeakerSeparation.Channels;
            results = await Task.WhenAll(channels.Select((samples, c) =>
                Task.Run(() => TranscribeChannelAsync(samples, c, diarize: false, maxSpeakers, cancellationToken), cancellationToken))).ConfigureAwait(false);
            speakers = [.. channels.Select((_, c) => new TranscriptSpeaker(c, c, $"ch_{c}"))];
        }
        else
        {
            var diarize = _diarizer is not null && maxSpeakers > 1;
            separation = diarize ? SpeakerSeparation.Diarization : SpeakerSeparation.None;
            results = [await Task.Run(() => TranscribeChannelAsync(channels[0], 0, diarize, maxSpeakers, cancellationToken), cancellationToken).ConfigureAwait(false)];
            var ids = diarize ? results[0].Speech.Select(s => s.Speaker).Distinct().Order().ToList() : [0];
            speakers = [.. ids.Select(id => new TranscriptSpeaker(id, diarize ? null : 0, diarize ? $"spk_{id}" : "ch_0"))];
        }

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

    private async Task<ChannelResult> TranscribeChannelAsync(float[] samples, int channel, bool diarize, int maxSpeakers,
        CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var probabilities = _vad.Probabilities(samples, cancellationToken);
        var duration = (double)samples.Length / SileroVad.SampleRate;
        var regions = SileroVad.Segment(probabilities, duration, _options.Vad);
        var vadTime = sw.Elapsed;

        sw.Restart();
        IReadOnlyList<SpeechSegment> labelled = diarize
            ? _diarizer!.Segment(samples, regions, maxSpeakers, cancellationToken)
            : [.. regions.Select(r => new SpeechSegment(channel, r.Start, r.End))];
        var diarizationTime = diarize ? sw.Elapsed : TimeSpan.Zero;

        sw.Restart();
        var words = new List<TranscriptWord>();
        var utterances = 0;
        using (var lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            var decoder = lease.Decoder;
            decoder.Reset();
            foreach (var segment in labelled)
            {
                foreach (var (start, end) in SplitLong(probabilities, segment.Start, segment.End, _options.MaxUtteranceSeconds))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    utterances++;
                    words.AddRange(DecodeUtterance(decoder, samples, segment.Speaker, start, end));
                }
            }
        }
        return new ChannelResult(words, [.. labelled], vadTime, diarizationTime, sw.Elapsed, utterances);
    }

    private static IEnumerable<TranscriptWord> DecodeUtterance(PocketSphinxDecoder decoder, float[] samples, int speaker, double start, double end)
    {
        var from = Math.Clamp((int)Math.Round(start * SileroVad.SampleRate), 0, samples.Length);
        var to = Math.Clamp((int)Math.Round(end * SileroVad.SampleRate), from, samples.Length);
        if (to - from < SileroVad.SampleRate / 10) yield break;
        var span = samples.AsSpan(from, to - from);
        var audio = decoder.SampleRate == SileroVad.SampleRate ? span.ToArray() : Resampler.ResampleAll(span, SileroVad.SampleRate, decoder.SampleRate);
        var t0 = (double)from / SileroVad.SampleRate;
        var t1 = (double)to / SileroVad.SampleRate;
        foreach (var w in decoder.Decode(audio))
        {
            var text = CleanWord(w.Word);
            if (text is null) continue;
            var ws = Math.Min(t1, t0 + (double)w.StartFrame / decoder.FrameRate);
            var we = Math.Clamp(t0 + (double)(w.EndFrame + 1) / decoder.FrameRate, ws, t1);
            yield return new TranscriptWord(speaker, ws, we, text, w.Posterior);
        }
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

    private float[][] ReadChannels16k(string path, CancellationToken cancellationToken)
    {
        using var reader = AudioReader.Open(path, _options.Audio);
        var info = reader.Info;
        var n = info.Channels;
        var resamplers = Enumerable.Range(0, n).Select(_ => new Resampler(info.SampleRate, SileroVad.SampleRate)).ToArray();
        var outputs = Enumerable.Range(0, n).Select(_ => new List<float>()).ToArray();
        const int Block = 8192;
        var interleaved = new float[Block * n];
        var channel = new float[Block];
        var resampled = new float[resamplers[0].MaxOutput(Block) + 16];
        var maxFrames = (long)(_options.MaxRecordingSeconds * info.SampleRate);
        long total = 0;
        int frames;
        while ((frames = reader.Read(interleaved)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += frames;
            if (total > maxFrames)
                throw new AudioFormatException(AudioErrorKind.InvalidHeader,
                    $"{Path.GetFileName(path)} is longer than the {_options.MaxRecordingSeconds:0} s the offline transcriber accepts.");
            for (var c = 0; c < n; c++)
            {
                for (var f = 0; f < frames; f++) channel[f] = interleaved[f * n + c];
                var k = resamplers[c].Process(channel.AsSpan(0, frames), resampled);
                outputs[c].AddRange(resampled.AsSpan(0, k));
            }
        }
        var tail = new float[resamplers[0].MaxOutput(0) + 64];
        for (var c = 0; c < n; c++)
        {
            var k = resamplers[c].Flush(tail);
            outputs[c].AddRange(tail.AsSpan(0, k));
        }
        return [.. outputs.Select(o => o.ToArray())];
    }

    public void Dispose()
    {
        _pool.Dispose();
        if (_ownsVad) _vad.Dispose();
    }
}
