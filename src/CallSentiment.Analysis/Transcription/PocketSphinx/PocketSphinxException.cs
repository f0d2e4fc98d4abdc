namespace CallSentiment.Analysis.Transcription.PocketSphinx;

/// <summary>The pocketsphinx library or its model is missing, or the decoder refused its configuration or audio.</summary>
public sealed class PocketSphinxException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What to do when the recogniser itself is not installed.</summary>
    public const string InstallHint = "install libpocketsphinx3 and pocketsphinx-en-us (scripts/setup)";
}
