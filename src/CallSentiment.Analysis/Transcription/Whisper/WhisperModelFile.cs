using System.Buffers.Binary;
using System.Text;

namespace CallSentiment.Analysis.Transcription.Whisper;

/// <summary>What a ggml Whisper model file says about itself.</summary>
public sealed record WhisperModelInfo(string Path, long Bytes, int Vocab, int AudioState, int AudioLayers, int TextLayers, int Tensors)
{
    /// <summary>English-only models (*.en) have 51,864 tokens; multilingual ones more.</summary>
    public bool EnglishOnly => Vocab < 51865;

    /// <summary>The size class whisper.cpp names by encoder depth (tiny, base, small, medium, large).</summary>
    public string Size => AudioLayers switch { 4 => "tiny", 6 => "base", 12 => "small", 24 => "medium", 32 => "large", _ => "custom" };

    /// <summary>"base.en (ggml-base.en.bin, 148 MB)".</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Size}{(EnglishOnly ? ".en" : "")} ({System.IO.Path.GetFileName(Path)}, {Bytes / 1e6:0} MB)");
}

/// <summary>
/// Checks a model file before whisper.cpp sees it: whisper.cpp reports a wrong or cut file only as "failed to load", or
/// aborts the process on some malformed files. The walk reads headers only (a seek per tensor), so it costs milliseconds.
/// </summary>
public static class WhisperModelFile
{
    private const uint GgmlMagic = 0x67676d6c;

    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a ggml Whisper model, or is cut short or damaged.</exception>
    public static WhisperModelInfo Inspect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Whisper model not found: {System.IO.Path.GetFullPath(path)} (scripts/setup --whisper base.en fetches one, " +
                "or place a ggml model such as ggml-base.en.bin there by hand)", path);
        using var stream = File.OpenRead(path);
        var length = stream.Length;
        var name = System.IO.Path.GetFileName(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (length < 4) throw Bad(name, "is empty or a few bytes long, not a ggml Whisper model");
        var magicBytes = r.ReadBytes(4);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(magicBytes);
        if (magic != GgmlMagic) throw Bad(name, $"is not a ggml Whisper model ({Kind(magicBytes)}); whisper.cpp needs a ggml-*.bin file such as ggml-base.en.bin");
        try
        {
            var h = new int[11];
            for (var i = 0; i < h.Length; i++) h[i] = r.ReadInt32();
            int vocab = h[0], audioCtx = h[1], audioState = h[2], audioHead = h[3], audioLayers = h[4], textCtx = h[5], textState = h[6],
                textHead = h[7], textLayers = h[8], mels = h[9];
            if (vocab is < 51864 or > 52000 || audioCtx is <= 0 or > 1500 || audioState <= 0 || audioHead <= 0 || audioLayers is <= 0 or > 64
                || textCtx is <= 0 or > 448 || textState != audioState || textHead <= 0 || textLayers is <= 0 or > 64 || mels is not (80 or 128))
                throw Bad(name, "is a ggml file but not a Whisper model (its hyper-parameters are not Whisper's)");
            var nMel = r.ReadInt32();
            var nFft = r.ReadInt32();
            if (nMel != mels || nFft is <= 0 or > 4096) throw Bad(name, "has a damaged mel filter bank");
            Skip(stream, (long)nMel * nFft * 4, name);
            var words = r.ReadInt32();
            if (words < 0 || words > vocab) throw Bad(name, "has a damaged vocabulary");
            for (var i = 0; i < words; i++)
            {
                var len = r.ReadUInt32();
                if (len > 1024) throw Bad(name, "has a damaged vocabulary");
                Skip(stream, len, name);
            }
            var tensors = 0;
            while (stream.Position < length)
            {
                var dims = r.ReadInt32();
                var nameLength = r.ReadInt32();
                var type = r.ReadInt32();
                if (dims is < 1 or > 4 || nameLength is < 1 or > 256) throw Bad(name, $"has a damaged tensor header (tensor {tensors + 1})");
                long elements = 1;
                for (var d = 0; d < dims; d++) elements *= r.ReadInt32();
                Skip(stream, nameLength, name);
                var bytes = type switch
                {
                    0 => elements * 4,
                    1 => elements * 2,
                    // Quantised types: ggml blocks of 32 elements.
                    2 => elements / 32 * 18, 3 => elements / 32 * 20, 6 => elements / 32 * 22, 7 => elements / 32 * 24, 8 => elements / 32 * 34,
                    _ => throw Bad(name, $"uses a tensor type ({type}) this check does not know"),
                };
                Skip(stream, bytes, name);
                tensors++;
            }
            // 7 encoder and 4 decoder tensors outside the blocks; 15 per encoder block, 24 per decoder block (with cross-attention).
            var expected = 11 + 15 * audioLayers + 24 * textLayers;
            if (tensors != expected)
                throw Bad(name, $"holds {tensors} of the {expected} tensors a Whisper model of its size has: the file is incomplete (download it again)");
            return new WhisperModelInfo(path, length, vocab, audioState, audioLayers, textLayers, tensors);
        }
        catch (EndOfStreamException)
        {
            throw Bad(name, "ends in the middle of its data: the file is cut short (download it again)");
        }
    }

    private static void Skip(Stream stream, long bytes, string name)
    {
        if (bytes < 0 || stream.Position + bytes > stream.Length)
            throw Bad(name, "ends in the middle of its data: the file is cut short (download it again)");
        stream.Seek(bytes, SeekOrigin.Current);
    }

    private static string Kind(byte[] magic) => magic switch
    {
        [(byte)'G', (byte)'G', (byte)'U', (byte)'F'] => "it is a GGUF file, e.g. a language model",
        [(byte)'P', (byte)'K', 3, 4] => "it is a zip archive, e.g. a PyTorch checkpoint",
        [0x08, ..] => "it looks like an ONNX model",
        [(byte)'<', ..] or [(byte)'{', ..] => "it is text, e.g. an HTML error page saved by a failed download",
        _ => "its first bytes are not the ggml magic",
    };

    private static InvalidDataException Bad(string name, string problem) => new($"Whisper model {name} {problem}.");
}
