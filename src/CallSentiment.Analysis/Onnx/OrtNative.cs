using System.Runtime.InteropServices;

namespace CallSentiment.Analysis.Onnx;

/// <summary>
/// ONNX Runtime's C API, reached through <c>OrtGetApiBase()</c> and the <c>OrtApi</c> function table. Indices are
/// member positions in <c>struct OrtApi</c> (onnxruntime_c_api.h); the table is append-only across releases, so
/// asking for API version 13 works with any newer runtime.
/// </summary>
internal static unsafe class OrtNative
{
    public const uint ApiVersion = 13;

    // struct OrtApi member indices (onnxruntime_c_api.h, ORT_API_VERSION 13).
    private const int GetErrorCodeIx = 1, GetErrorMessageIx = 2, CreateEnvIx = 3, CreateSessionIx = 7, RunIx = 9,
        CreateSessionOptionsIx = 10, SetSessionExecutionModeIx = 13, SetSessionGraphOptimizationLevelIx = 23,
        SetIntraOpNumThreadsIx = 24, SetInterOpNumThreadsIx = 25, SessionGetInputCountIx = 30, SessionGetOutputCountIx = 31,
        SessionGetInputTypeInfoIx = 33, SessionGetOutputTypeInfoIx = 34, SessionGetInputNameIx = 36, SessionGetOutputNameIx = 37,
        CreateTensorWithDataAsOrtValueIx = 49, GetTensorMutableDataIx = 51, CastTypeInfoToTensorInfoIx = 55,
        GetTensorElementTypeIx = 60, GetDimensionsCountIx = 61, GetDimensionsIx = 62, GetTensorTypeAndShapeIx = 65,
        CreateCpuMemoryInfoIx = 69, AllocatorFreeIx = 76, GetAllocatorWithDefaultOptionsIx = 78, ReleaseEnvIx = 92,
        ReleaseStatusIx = 93, ReleaseMemoryInfoIx = 94, ReleaseSessionIx = 95, ReleaseValueIx = 96, ReleaseTypeInfoIx = 98,
        ReleaseTensorTypeAndShapeInfoIx = 99, ReleaseSessionOptionsIx = 100;

    public const int ElementFloat = 1, ElementInt64 = 7;

    private static readonly Lock InitLock = new();
    private static IntPtr* _api;
    private static IntPtr _env;
    private static IntPtr _cpuMemoryInfo;

    public static string? LoadedFrom { get; private set; }

    public static string? RuntimeVersion { get; private set; }

    /// <summary>Loads the native library once per process and creates the process-wide OrtEnv.</summary>
    public static void EnsureInitialized(string? libraryPath)
    {
        if (_api != null) return;
        lock (InitLock)
        {
            if (_api != null) return;
            var candidates = OnnxRuntimeLocator.Candidates(libraryPath).ToList();
            IntPtr lib = IntPtr.Zero;
            var tried = new List<string>();
            foreach (var c in candidates)
            {
                tried.Add(c);
                if (NativeLibrary.TryLoad(c, out lib))
                {
                    LoadedFrom = c;
                    break;
                }
            }
            if (lib == IntPtr.Zero)
                throw new OnnxRuntimeException(
                    "The ONNX Runtime native library (libonnxruntime.so.1) was not found. Run scripts/setup, or set " +
                    $"{OnnxRuntimeLocator.EnvironmentVariable} to its path. Tried: {string.Join(", ", tried)}");
            if (!NativeLibrary.TryGetExport(lib, "OrtGetApiBase", out var getApiBase))
                throw new OnnxRuntimeException($"{LoadedFrom} is not an ONNX Runtime library (no OrtGetApiBase export).");
            var apiBase = ((delegate* unmanaged<IntPtr*>)getApiBase)();
            var api = ((delegate* unmanaged<uint, IntPtr*>)apiBase[0])(ApiVersion);
            RuntimeVersion = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)apiBase[1])());
            if (api == null)
                throw new OnnxRuntimeException($"ONNX Runtime {RuntimeVersion} at {LoadedFrom} does not offer C API version {ApiVersion}.");
            _api = api;
            IntPtr env;
            var logId = "callsentiment"u8;
            fixed (byte* id = logId)
            {
                // ORT_LOGGING_LEVEL_ERROR = 3: warnings about unused initializers etc. are not operator news.
                Check(((delegate* unmanaged<int, byte*, IntPtr*, IntPtr>)api[CreateEnvIx])(3, id, &env));
            }
            _env = env;
            IntPtr mem;
            Check(((delegate* unmanaged<int, int, IntPtr*, IntPtr>)api[CreateCpuMemoryInfoIx])(0 /* device allocator */, 0 /* default */, &mem));
            _cpuMemoryInfo = mem;
        }
    }

    public static void Check(IntPtr status)
    {
        if (status == IntPtr.Zero) return;
        var code = ((delegate* unmanaged<IntPtr, int>)_api[GetErrorCodeIx])(status);
        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr, IntPtr>)_api[GetErrorMessageIx])(status)) ?? "";
        ((delegate* unmanaged<IntPtr, void>)_api[ReleaseStatusIx])(status);
        throw new OnnxRuntimeException($"ONNX Runtime error {ErrorName(code)}: {message}", code);
    }

    private static string ErrorName(int code) => code switch
    {
        1 => "FAIL",
        2 => "INVALID_ARGUMENT",
        3 => "NO_SUCHFILE",
        4 => "NO_MODEL",
        5 => "ENGINE_ERROR",
        6 => "RUNTIME_EXCEPTION",
        7 => "INVALID_PROTOBUF",
        8 => "MODEL_LOADED",
        9 => "NOT_IMPLEMENTED",
        10 => "INVALID_GRAPH",
        11 => "EP_FAIL",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static IntPtr CreateSession(string modelPath, int intraOpThreads)
    {
        IntPtr options;
        Check(((delegate* unmanaged<IntPtr*, IntPtr>)_api[CreateSessionOptionsIx])(&options));
        try
        {
            Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_api[SetIntraOpNumThreadsIx])(options, intraOpThreads));
            Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_api[SetInterOpNumThreadsIx])(options, 1));
            Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_api[SetSessionExecutionModeIx])(options, 0 /* sequential */));
            Check(((delegate* unmanaged<IntPtr, int, IntPtr>)_api[SetSessionGraphOptimizationLevelIx])(options, 99 /* all */));
            var path = Utf8(modelPath);
            IntPtr session;
            fixed (byte* p = path)
                Check(((delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)_api[CreateSessionIx])(_env, p, options, &session));
            return session;
        }
        finally
        {
            ((delegate* unmanaged<IntPtr, void>)_api[ReleaseSessionOptionsIx])(options);
        }
    }

    public static void ReleaseSession(IntPtr session) => ((delegate* unmanaged<IntPtr, void>)_api[ReleaseSessionIx])(session);

    public static void ReleaseValue(IntPtr value) => ((delegate* unmanaged<IntPtr, void>)_api[ReleaseValueIx])(value);

    public static int InputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_api[SessionGetInputCountIx])(session, &n));
        return (int)n;
    }

    public static int OutputCount(IntPtr session)
    {
        nuint n;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_api[SessionGetOutputCountIx])(session, &n));
        return (int)n;
    }

    public static string Name(IntPtr session, int index, bool input)
    {
        IntPtr allocator;
        Check(((delegate* unmanaged<IntPtr*, IntPtr>)_api[GetAllocatorWithDefaultOptionsIx])(&allocator));
        IntPtr name;
        Check(((delegate* unmanaged<IntPtr, nuint, IntPtr, IntPtr*, IntPtr>)_api[input ? SessionGetInputNameIx : SessionGetOutputNameIx])(
            session, (nuint)index, allocator, &name));
        try
        {
            return Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            Check(((delegate* unmanaged<IntPtr, IntPtr, IntPtr>)_api[AllocatorFreeIx])(allocator, name));
        }
    }

    /// <summary>Element type and shape (-1 for a free dimension) of a session input or output; null if not a tensor.</summary>
    public static (int ElementType, long[] Shape)? TypeInfo(IntPtr session, int index, bool input)
    {
        IntPtr typeInfo;
        Check(((delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)_api[input ? SessionGetInputTypeInfoIx : SessionGetOutputTypeInfoIx])(
            session, (nuint)index, &typeInfo));
        try
        {
            IntPtr tensorInfo;
            Check(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_api[CastTypeInfoToTensorInfoIx])(typeInfo, &tensorInfo));
            return tensorInfo == IntPtr.Zero ? null : ShapeOf(tensorInfo);
        }
        finally
        {
            ((delegate* unmanaged<IntPtr, void>)_api[ReleaseTypeInfoIx])(typeInfo);
        }
    }

    private static (int, long[]) ShapeOf(IntPtr tensorInfo)
    {
        int type;
        Check(((delegate* unmanaged<IntPtr, int*, IntPtr>)_api[GetTensorElementTypeIx])(tensorInfo, &type));
        nuint rank;
        Check(((delegate* unmanaged<IntPtr, nuint*, IntPtr>)_api[GetDimensionsCountIx])(tensorInfo, &rank));
        var dims = new long[(int)rank];
        fixed (long* d = dims)
            Check(((delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)_api[GetDimensionsIx])(tensorInfo, d, rank));
        return (type, dims);
    }

    /// <summary>Wraps caller-owned (pinned) memory as a tensor value without copying.</summary>
    public static IntPtr CreateTensor(void* data, long bytes, long* shape, int rank, int elementType)
    {
        IntPtr value;
        Check(((delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)_api[CreateTensorWithDataAsOrtValueIx])(
            _cpuMemoryInfo, data, (nuint)bytes, shape, (nuint)rank, elementType, &value));
        return value;
    }

    public static void Run(IntPtr session, IntPtr* inputNames, IntPtr* inputs, int inputCount, IntPtr* outputNames, int outputCount, IntPtr* outputs) =>
        Check(((delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)_api[RunIx])(
            session, IntPtr.Zero, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs));

    /// <summary>Copies a float tensor value out to managed memory.</summary>
    public static (float[] Data, long[] Shape) ReadFloatTensor(IntPtr value, string name)
    {
        IntPtr info;
        Check(((delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)_api[GetTensorTypeAndShapeIx])(value, &info));
        (int type, long[] shape) result;
        try
        {
            result = ShapeOf(info);
        }
        finally
        {
            ((delegate* unmanaged<IntPtr, void>)_api[ReleaseTensorTypeAndShapeInfoIx])(info);
        }
        if (result.type != ElementFloat)
            throw new OnnxRuntimeException($"output '{name}' has element type {result.type}; only float outputs are supported.");
        long count = 1;
        foreach (var d in result.shape) count *= d;
        void* data;
        Check(((delegate* unmanaged<IntPtr, void**, IntPtr>)_api[GetTensorMutableDataIx])(value, &data));
        var managed = new float[count];
        new ReadOnlySpan<float>(data, (int)count).CopyTo(managed);
        return (managed, result.shape);
    }

    public static byte[] Utf8(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
