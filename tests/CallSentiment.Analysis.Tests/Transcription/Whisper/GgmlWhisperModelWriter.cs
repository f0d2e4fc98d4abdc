using System.Text;

namespace CallSentiment.Analysis.Tests.Transcription.Whisper;

/// <summary>
/// Writes a Whisper model in the legacy ggml container whisper.cpp loads: magic, eleven int32 hyper-parameters, the mel
/// filter bank, the vocabulary, then every tensor as (dims, name length, type, shape, name, data). Weights are random,
/// so the model decodes arbitrary tokens; what the tests need is the real file layout and the real decoding path.
/// </summary>
public sealed record GgmlWhisperDimensions(int Vocab, int AudioCtx, int AudioState, int AudioHead, int AudioLayers,
    int TextCtx, int TextState, int TextHead, int TextLayers, int Mels = 80)
{
    /// <summary>English-only vocabulary size (tiny.en, base.en, small.en).</summary>
    public const int EnglishVocab = 51864;

    /// <summary>Multilingual vocabulary size (tiny, base, small, ...: the language tokens follow the start token).</summary>
    public const int MultilingualVocab = 51865;

    public static GgmlWhisperDimensions Small => new(EnglishVocab, 1500, 64, 2, 4, 448, 64, 2, 1);
    public static GgmlWhisperDimensions TinyEn => new(EnglishVocab, 1500, 384, 6, 4, 448, 384, 6, 4);
    public static GgmlWhisperDimensions BaseEn => new(EnglishVocab, 1500, 512, 8, 6, 448, 512, 8, 6);
}

public static class GgmlWhisperModelWriter
{
    private const uint Magic = 0x67676d6c; // "ggml" read as a little-endian uint32
    private const int F32 = 0, F16 = 1;

    /// <summary>
    /// Writes the model; regular tokens are readable (see <see cref="TokenText"/>) so decoded text can be checked.
    /// <paramref name="omitLastTensors"/> leaves tensors out, as an interrupted conversion would.
    /// </summary>
    public static void Write(string path, GgmlWhisperDimensions d, int seed = 1, int regularTokens = 50256, int omitLastTensors = 0)
    {
        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: false);
        var rng = new TensorWriter(seed, 11 + 15 * d.AudioLayers + 24 * d.TextLayers - omitLastTensors);
        w.Write(Magic);
        foreach (var v in new[] { d.Vocab, d.AudioCtx, d.AudioState, d.AudioHead, d.AudioLayers, d.TextCtx, d.TextState, d.TextHead, d.TextLayers, d.Mels, F16 })
            w.Write(v);

        // Mel filter bank: triangular filters over the 201 bins of a 400-point FFT.
        const int Fft = 201;
        w.Write(d.Mels);
        w.Write(Fft);
        for (var m = 0; m < d.Mels; m++)
        {
            var centre = 1 + m * (Fft - 2) / (double)d.Mels;
            var width = Math.Max(1.5, Fft / (double)d.Mels);
            for (var k = 0; k < Fft; k++) w.Write((float)Math.Max(0, 1 - Math.Abs(k - centre) / width) * 0.01f);
        }

        // Vocabulary: only the regular tokens; whisper.cpp names the special tokens itself up to n_vocab.
        w.Write(regularTokens);
        for (var i = 0; i < regularTokens; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(TokenText(i));
            w.Write((uint)bytes.Length);
            w.Write(bytes);
        }

        int a = d.AudioState, t = d.TextState;
        Tensor(w, rng, "encoder.positional_embedding", F32, a, d.AudioCtx);
        Tensor(w, rng, "encoder.conv1.weight", F16, 3, d.Mels, a);
        Tensor(w, rng, "encoder.conv1.bias", F32, 1, a);
        Tensor(w, rng, "encoder.conv2.weight", F16, 3, a, a);
        Tensor(w, rng, "encoder.conv2.bias", F32, 1, a);
        Tensor(w, rng, "encoder.ln_post.weight", F32, a);
        Tensor(w, rng, "encoder.ln_post.bias", F32, a);
        for (var i = 0; i < d.AudioLayers; i++) Block(w, rng, $"encoder.blocks.{i}.", a, cross: false);
        Tensor(w, rng, "decoder.positional_embedding", F32, t, d.TextCtx);
        Tensor(w, rng, "decoder.token_embedding.weight", F16, t, d.Vocab);
        Tensor(w, rng, "decoder.ln.weight", F32, t);
        Tensor(w, rng, "decoder.ln.bias", F32, t);
        for (var i = 0; i < d.TextLayers; i++) Block(w, rng, $"decoder.blocks.{i}.", t, cross: true);
    }

    /// <summary>
    /// The text of regular token <paramref name="id"/>: mostly words with a leading space (" w17"), some pieces that
    /// continue the previous word ("x21"), some punctuation, and the lone space of GPT-2's vocabulary (id 220), which
    /// whisper.cpp looks up by text when it suppresses blanks.
    /// </summary>
    public static string TokenText(int id) => id switch
    {
        220 => " ",
        _ when id % 13 == 0 => id % 2 == 0 ? "." : ",",
        _ when id % 5 == 1 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"x{id}"),
        _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $" W{id}"),
    };

    private static void Block(BinaryWriter w, TensorWriter rng, string prefix, int n, bool cross)
    {
        Tensor(w, rng, prefix + "mlp_ln.weight", F32, n);
        Tensor(w, rng, prefix + "mlp_ln.bias", F32, n);
        Tensor(w, rng, prefix + "mlp.0.weight", F16, n, 4 * n);
        Tensor(w, rng, prefix + "mlp.0.bias", F32, 4 * n);
        Tensor(w, rng, prefix + "mlp.2.weight", F16, 4 * n, n);
        Tensor(w, rng, prefix + "mlp.2.bias", F32, n);
        Attention(w, rng, prefix + "attn", n);
        if (cross) Attention(w, rng, prefix + "cross_attn", n);
    }

    private static void Attention(BinaryWriter w, TensorWriter rng, string prefix, int n)
    {
        Tensor(w, rng, prefix + "_ln.weight", F32, n);
        Tensor(w, rng, prefix + "_ln.bias", F32, n);
        Tensor(w, rng, prefix + ".query.weight", F16, n, n);
        Tensor(w, rng, prefix + ".query.bias", F32, n);
        Tensor(w, rng, prefix + ".key.weight", F16, n, n);
        Tensor(w, rng, prefix + ".value.weight", F16, n, n);
        Tensor(w, rng, prefix + ".value.bias", F32, n);
        Tensor(w, rng, prefix + ".out.weight", F16, n, n);
        Tensor(w, rng, prefix + ".out.bias", F32, n);
    }

    private sealed class TensorWriter(int seed, int limit)
    {
        public Random Random { get; } = new(seed);

        public int Remaining { get; set; } = limit;
    }

    /// <summary>Shape in ggml order (fastest-varying dimension first), as whisper.cpp compares it.</summary>
    private static void Tensor(BinaryWriter w, TensorWriter state, string name, int type, params int[] shape)
    {
        if (state.Remaining-- <= 0) return;
        var rng = state.Random;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        w.Write(shape.Length);
        w.Write(nameBytes.Length);
        w.Write(type);
        foreach (var s in shape) w.Write(s);
        w.Write(nameBytes);
        long count = 1;
        foreach (var s in shape) count *= s;
        // Layer norms start near 1 like trained ones; everything else is small noise so activations stay finite.
        var isNormWeight = name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal);
        var scale = 1 / Math.Sqrt(shape[0]);
        var buffer = new byte[checked((int)count * (type == F16 ? 2 : 4))];
        var span = buffer.AsSpan();
        for (long i = 0; i < count; i++)
        {
            var v = isNormWeight ? 1 + 0.1 * (rng.NextDouble() - 0.5) : scale * (2 * rng.NextDouble() - 1);
            if (type == F16) BitConverter.TryWriteBytes(span.Slice((int)i * 2), (Half)v);
            else BitConverter.TryWriteBytes(span.Slice((int)i * 4), (float)v);
        }
        w.Write(buffer);
    }
}
