using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CallSentiment.Analysis.Onnx;

/// <summary>A named tensor: float or int64 data in row-major order with its shape.</summary>
public sealed record NamedTensor(string Name, Array Data, long[] Shape)
{
    public static NamedTensor Float(string name, float[] data, params long[] shape) => new(name, data, shape);

    public static NamedTensor Int64(string name, long[] data, params long[] shape) => new(name, data, shape);

    public float[] Floats => Data as float[] ?? throw new InvalidOperationException($"tensor '{Name}' is not float");
}

/// <summary>Name, element type (ONNX TensorProto code: 1 float, 7 int64) and shape (-1 = free) of a model input or output.</summary>
public sealed record OnnxTensorInfo(string Name, int ElementType, long[] Shape);

public sealed record OnnxSessionOptions
{
    /// <summary>Threads one Run may use. 1 suits many concurrent runs (one recording per worker).</summary>
    public int IntraOpThreads { get; init; } = 1;
}

/// <summary>
/// An ONNX model loaded in ONNX Runtime (the Microsoft.ML.OnnxRuntime package). <see cref="Run"/> may be called from
/// several threads at once (ORT sessions are thread-safe for Run). Inputs are checked against the model's signature
/// first, so a wrong name or shape fails with a message naming the model's inputs instead of a native error.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private const int ElementFloat = (int)TensorElementType.Float, ElementInt64 = (int)TensorElementType.Int64;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    // Runs in flight (from entry to return), and whether Dispose was asked for: the native session is released by
    // whichever of Dispose and the last running Run comes last, so disposing while another thread runs (a host that gave
    // up waiting for a job) never frees memory under it.
    private int _active;
    private int _disposed;
    private int _released;

    private OnnxSession(InferenceSession session, string path)
    {
        _session = session;
        ModelPath = path;
        Inputs = [.. session.InputNames.Select(n => Describe(n, session.InputMetadata[n]))];
        Outputs = [.. session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n]))];
    }

    public string ModelPath { get; }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>Version of the loaded native runtime; null until a model has been loaded.</summary>
    public static string? RuntimeVersion { get; private set; }

    /// <exception cref="OnnxRuntimeException">The file is missing or not a loadable model, or the native runtime cannot be loaded.</exception>
    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        options ??= new OnnxSessionOptions();
        if (!File.Exists(modelPath)) throw new OnnxRuntimeException($"Model file not found: {modelPath}");
        try
        {
            using var sessionOptions = new SessionOptions
            {
                IntraOpNumThreads = options.IntraOpThreads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                // Warnings about unused initializers etc. are not operator news.
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                LogId = "callsentiment",
            };
            var session = new InferenceSession(Path.GetFullPath(modelPath), sessionOptions);
            RuntimeVersion ??= OrtEnv.Instance().GetVersionString();
            return new OnnxSession(session, modelPath);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new OnnxRuntimeException($"ONNX Runtime error loading {modelPath}: {e.Message}", e);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw NativeLibraryMissing(e);
        }
    }

    private static OnnxRuntimeException NativeLibraryMissing(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return new OnnxRuntimeException(
            "The ONNX Runtime native library (libonnxruntime.so from the Microsoft.ML.OnnxRuntime package) could not be loaded: " +
            $"{inner.Message} The build keeps only the natives of one platform (MSBuild property OnnxRuntimeRid, default linux-x64): " +
            "build for this platform with dotnet build -p:OnnxRuntimeRid=<rid>, or run scripts/setup to rebuild.", e);
    }

    private static OnnxTensorInfo Describe(string name, NodeMetadata m) =>
        m.IsTensor ? new OnnxTensorInfo(name, (int)m.ElementDataType, [.. m.Dimensions.Select(d => (long)d)]) : new OnnxTensorInfo(name, 0, []);

    /// <summary>Runs the model. Outputs default to all of the model's outputs; only float outputs are returned.</summary>
    /// <exception cref="OnnxRuntimeException">An input is unknown, missing or has the wrong shape, or the run fails.</exception>
    public IReadOnlyDictionary<string, NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        // The call counts as running from here: a Dispose from now on leaves the session to this call to release.
        Interlocked.Increment(ref _active);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            foreach (var t in inputs) Validate(t);
            foreach (var expected in Inputs)
                if (!inputs.Any(t => t.Name == expected.Name))
                    throw new OnnxRuntimeException($"input '{expected.Name}' is missing (model {Path.GetFileName(ModelPath)} needs: {Describe(Inputs)})");
            outputNames ??= [.. Outputs.Select(o => o.Name)];
            foreach (var o in outputNames)
                if (!Outputs.Any(x => x.Name == o))
                    throw new OnnxRuntimeException($"the model has no output '{o}' (it has: {Describe(Outputs)})");

            // The values wrap the pinned managed arrays: no copy of the inputs.
            foreach (var t in inputs)
                values.Add(t.Data is float[] f ? OrtValue.CreateTensorValueFromMemory(f, t.Shape) : OrtValue.CreateTensorValueFromMemory((long[])t.Data, t.Shape));
            using var outputs = _session.Run(_runOptions, [.. inputs.Select(t => t.Name)], values, outputNames);
            var result = new Dictionary<string, NamedTensor>(outputNames.Count, StringComparer.Ordinal);
            var j = 0;
            foreach (var value in outputs)
            {
                var name = outputNames[j++];
                var info = value.GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                    throw new OnnxRuntimeException($"output '{name}' has element type {(int)info.ElementDataType}; only float outputs are supported.");
                result[name] = new NamedTensor(name, value.GetTensorDataAsSpan<float>().ToArray(), info.Shape);
            }
            return result;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new OnnxRuntimeException($"ONNX Runtime error running {Path.GetFileName(ModelPath)}: {e.Message}", e);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
            if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _disposed) != 0) Release();
        }
    }

    private void Validate(NamedTensor t)
    {
        var spec = Inputs.FirstOrDefault(i => i.Name == t.Name)
            ?? throw new OnnxRuntimeException($"the model has no input '{t.Name}' (it has: {Describe(Inputs)})");
        if (t.Data is not (float[] or long[]))
            throw new OnnxRuntimeException($"input '{t.Name}': only float and int64 tensors are supported");
        var expectedType = t.Data is float[] ? ElementFloat : ElementInt64;
        if (spec.ElementType != expectedType)
            throw new OnnxRuntimeException($"input '{t.Name}' must have element type {spec.ElementType}, got {expectedType}");
        long count = 1;
        foreach (var d in t.Shape)
        {
            if (d < 0) throw new OnnxRuntimeException($"input '{t.Name}': negative dimension in shape [{string.Join(",", t.Shape)}]");
            count *= d;
        }
        if (count != t.Data.Length)
            throw new OnnxRuntimeException($"input '{t.Name}': shape [{string.Join(",", t.Shape)}] needs {count} values, got {t.Data.Length}");
        var shapeOk = spec.Shape.Length == t.Shape.Length;
        for (var i = 0; shapeOk && i < t.Shape.Length; i++) shapeOk = spec.Shape[i] < 0 || spec.Shape[i] == t.Shape[i];
        if (!shapeOk)
            throw new OnnxRuntimeException(
                $"input '{t.Name}' has shape [{string.Join(",", t.Shape)}] but the model expects [{string.Join(",", spec.Shape.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture)))}]");
    }

    private static string Describe(IEnumerable<OnnxTensorInfo> list) =>
        string.Join(", ", list.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]"));

    /// <summary>
    /// Refuses new runs (<see cref="ObjectDisposedException"/>) and frees the native session once no run is in flight: now,
    /// or when the last run under way returns. Never frees it under a running call.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _active) == 0) Release();
    }

    /// <summary>Whether the native session has been freed (Dispose called and no run left in flight).</summary>
    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        _session.Dispose();
        _runOptions.Dispose();
    }
}
