namespace CallSentiment.Analysis.Audio;

/// <summary>What is wrong with an input that could not be decoded.</summary>
public enum AudioErrorKind
{
    /// <summary>The file has no bytes, or its data chunk holds no samples.</summary>
    Empty,
    /// <summary>The bytes are not a recognised audio container.</summary>
    NotAudio,
    /// <summary>The file ends before its header or its declared data.</summary>
    Truncated,
    /// <summary>A header field is impossible or inconsistent.</summary>
    InvalidHeader,
    /// <summary>A valid container with an encoding this decoder does not handle.</summary>
    UnsupportedEncoding,
    /// <summary>A tool the format needs (ffmpeg) is not installed.</summary>
    ToolMissing,
    /// <summary>An external decoder failed on the file.</summary>
    DecoderFailed,
    /// <summary>A readable recording that is longer, or has more channels, than the configured limits allow.</summary>
    LimitExceeded,
}

/// <summary>
/// The one error type audio decoding throws for bad input. <see cref="Kind"/> says what class of problem it is,
/// the message says what exactly, in words an operator can act on.
/// </summary>
public sealed class AudioFormatException(AudioErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public AudioErrorKind Kind { get; } = kind;
}
