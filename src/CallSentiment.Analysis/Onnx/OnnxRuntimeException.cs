namespace CallSentiment.Analysis.Onnx;

/// <summary>The native runtime cannot be loaded, the model cannot be loaded, or a run was refused (e.g. a wrong input shape).
/// ONNX Runtime's own exception, when there is one, is the inner exception.</summary>
public sealed class OnnxRuntimeException(string message, Exception? innerException = null) : Exception(message, innerException);
