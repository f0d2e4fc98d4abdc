using CallSentiment.Analysis.Transcription;
using CallSentiment.Analysis.Transcription.PocketSphinx;

namespace CallSentiment.Cli.Transcription;

/// <summary>The options every transcription command shares: --vad-model, --decoder-args, --max-utterance.</summary>
internal static class TranscriberFactory
{
    public static OfflineTranscriberOptions Options(Args args, int decoders = 2)
    {
        var vad = SharedModelLocator.SileroVad(args.Get("vad-model"));
        var extra = args.Get("decoder-args");
        var maxUtterance = args.Double("max-utterance", 20, 2, 600);
        Dictionary<string, string?> decoderArgs;
        try
        {
            decoderArgs = extra is null ? [] : PocketSphinxSettings.ParseArguments(extra);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--decoder-args: {e.Message}");
        }
        return new OfflineTranscriberOptions
        {
            VadModelPath = vad,
            Recognizer = new PocketSphinxSettings { Arguments = decoderArgs },
            MaxUtteranceSeconds = maxUtterance,
            MaxDecoders = decoders,
        };
    }
}
