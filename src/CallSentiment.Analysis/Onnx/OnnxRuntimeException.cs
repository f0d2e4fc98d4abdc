namespace CallSentiment.Analysis.Onnx;

/// <summary>The native library is missing, the model cannot be loaded, or a run was refused (e.g. a wrong input shape).</summary>
public sealed class OnnxRuntimeException(string message, int errorCode = 1) : Exception(message)
{
    /// <summary>OrtErrorCode (2 = INVALID_ARGUMENT, 3 = NO_SUCHFILE, ...), or 1 for errors found before calling the runtime.</summary>
    public int ErrorCode { get; } = errorCode;
}
