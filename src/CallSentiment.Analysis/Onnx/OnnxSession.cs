using System.Runtime.InteropServices;

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

    /// <summary>Path of libonnxruntime; null uses <see cref="OnnxRuntimeLocator"/>.</summary>
    public string? LibraryPath { get; init; }
}

/// <summary>
/// An ONNX model loaded in ONNX Runtime. <see cref="Run"/> may be called from several threads at once (ORT sessions
/// are thread-safe for Run); every native object is released, the session itself through a SafeHandle.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly SessionHandle _handle;

    private OnnxSession(SessionHandle handle, string path)
    {
        _handle = handle;
        ModelPath = path;
        var h = handle.DangerousGetHandle();
        Inputs = Describe(h, OrtNative.InputCount(h), input: true);
        Outputs = Describe(h, OrtNative.OutputCount(h), input: false);
    }

    public string ModelPath { get; }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    public static string? RuntimeVersion => OrtNative.RuntimeVersion;

    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        options ??= new OnnxSessionOptions();
        if (!File.Exists(modelPath)) throw new OnnxRuntimeException($"Model file not found: {modelPath}", 3);
        OrtNative.EnsureInitialized(options.LibraryPath);
        var handle = new SessionHandle();
        var raw = OrtNative.CreateSession(Path.GetFullPath(modelPath), options.IntraOpThreads);
        Marshal.InitHandle(handle, raw);
        return new OnnxSession(handle, modelPath);
    }

    private static List<OnnxTensorInfo> Describe(IntPtr session, int count, bool input)
    {
        var list = new List<OnnxTensorInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var name = OrtNative.Name(session, i, input);
            var info = OrtNative.TypeInfo(session, i, input);
            list.Add(new OnnxTensorInfo(name, info?.ElementType ?? 0, info?.Shape ?? []));
        }
        return list;
    }

    /// <summary>Runs the model. Outputs default to all of the model's outputs; only float outputs are returned.</summary>
    /// <exception cref="OnnxRuntimeException">An input is unknown, missing or has the wrong shape, or the run fails.</exception>
    public IReadOnlyDictionary<string, NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        foreach (var t in inputs) Validate(t);
        foreach (var expected in Inputs)
            if (!inputs.Any(t => t.Name == expected.Name))
                throw new OnnxRuntimeException($"input '{expected.Name}' is missing (model {Path.GetFileName(ModelPath)} needs: {Describe(Inputs)})");
        outputNames ??= [.. Outputs.Select(o => o.Name)];
        foreach (var o in outputNames)
            if (!Outputs.Any(x => x.Name == o))
                throw new OnnxRuntimeException($"the model has no output '{o}' (it has: {Describe(Outputs)})");

        var n = inputs.Count;
        var m = outputNames.Count;
        var pins = new GCHandle[n];
        var names = new IntPtr[n + m];
        var values = new IntPtr[n];
        var outputs = new IntPtr[m];
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            for (var i = 0; i < n; i++)
            {
                var t = inputs[i];
                names[i] = Marshal.StringToCoTaskMemUTF8(t.Name);
                pins[i] = GCHandle.Alloc(t.Data, GCHandleType.Pinned);
                var elementSize = t.Data is float[] ? 4 : 8;
                fixed (long* shape = t.Shape)
                {
                    values[i] = OrtNative.CreateTensor((void*)pins[i].AddrOfPinnedObject(), (long)t.Data.Length * elementSize,
                        shape, t.Shape.Length, t.Data is float[] ? OrtNative.ElementFloat : OrtNative.ElementInt64);
                }
            }
            for (var j = 0; j < m; j++) names[n + j] = Marshal.StringToCoTaskMemUTF8(outputNames[j]);
            fixed (IntPtr* pn = names)
            fixed (IntPtr* pv = values)
            fixed (IntPtr* po = outputs)
            {
                OrtNative.Run(_handle.DangerousGetHandle(), pn, pv, n, pn + n, m, po);
            }
            var result = new Dictionary<string, NamedTensor>(m, StringComparer.Ordinal);
            for (var j = 0; j < m; j++)
            {
                var (data, shape) = OrtNative.ReadFloatTensor(outputs[j], outputNames[j]);
                result[outputNames[j]] = new NamedTensor(outputNames[j], data, shape);
            }
            return result;
        }
        finally
        {
            foreach (var o in outputs)
                if (o != IntPtr.Zero) OrtNative.ReleaseValue(o);
            foreach (var v in values)
                if (v != IntPtr.Zero) OrtNative.ReleaseValue(v);
            foreach (var p in pins)
                if (p.IsAllocated) p.Free();
            foreach (var s in names)
                if (s != IntPtr.Zero) Marshal.FreeCoTaskMem(s);
            if (added) _handle.DangerousRelease();
        }
    }

    private void Validate(NamedTensor t)
    {
        var spec = Inputs.FirstOrDefault(i => i.Name == t.Name)
            ?? throw new OnnxRuntimeException($"the model has no input '{t.Name}' (it has: {Describe(Inputs)})");
        if (t.Data is not (float[] or long[]))
            throw new OnnxRuntimeException($"input '{t.Name}': only float and int64 tensors are supported");
        var expectedType = t.Data is float[] ? OrtNative.ElementFloat : OrtNative.ElementInt64;
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
                $"input '{t.Name}' has shape [{string.Join(",", t.Shape)}] but the model expects [{string.Join(",", spec.Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]", 2);
    }

    private static string Describe(IEnumerable<OnnxTensorInfo> list) =>
        string.Join(", ", list.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]"));

    public void Dispose() => _handle.Dispose();

    private sealed class SessionHandle() : SafeHandle(IntPtr.Zero, ownsHandle: true)
    {
        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            OrtNative.ReleaseSession(handle);
            return true;
        }
    }
}
