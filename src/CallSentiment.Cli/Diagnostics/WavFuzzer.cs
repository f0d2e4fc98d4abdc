using System.Buffers.Binary;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Diagnostics;

/// <summary>
/// Mutation fuzzer for the WAV decoder: valid files in every supported layout are corrupted (bit flips, random
/// bytes, truncation, size fields set to extremes, chunks duplicated/removed) and decoded, seekable and not.
/// Any exception other than <see cref="AudioFormatException"/>, or a read that does not end, is a finding.
/// </summary>
public static class WavFuzzer
{
    public sealed record Finding(int Iteration, string Error, byte[] Input);

    public sealed record Result(int Iterations, int Decoded, int Rejected, IReadOnlyList<Finding> Findings, IReadOnlyDictionary<AudioErrorKind, int> RejectedByKind);

    private static readonly SampleEncoding[] Encodings =
    [
        SampleEncoding.PcmUnsigned8, SampleEncoding.Pcm16, SampleEncoding.Pcm24, SampleEncoding.Pcm32,
        SampleEncoding.Float32, SampleEncoding.Float64, SampleEncoding.MuLaw, SampleEncoding.ALaw,
    ];

    // Upper bound of frames a fuzzed file may yield: mutated sizes must never make the decoder produce more
    // than the bytes that are there.
    private const int MaxFramesPerFile = 1 << 16;

    public static Result Run(int iterations, int seed, int maxFindings = 20)
    {
        var rng = new Random(seed);
        var seeds = BuildSeeds(rng);
        var findings = new List<Finding>();
        var byKind = new Dictionary<AudioErrorKind, int>();
        int decoded = 0, rejected = 0;
        var block = new float[4096];
        for (var i = 0; i < iterations; i++)
        {
            var input = Mutate(seeds[rng.Next(seeds.Count)], rng);
            var seekable = rng.Next(4) != 0;
            try
            {
                Stream stream = seekable ? new MemoryStream(input, writable: false) : new ChunkedStream(input, 1 + rng.Next(64));
                using var reader = AudioReader.OpenWav(stream, name: "fuzz");
                long frames = 0;
                int n;
                while ((n = reader.Read(block)) > 0)
                {
                    frames += n;
                    if (frames > MaxFramesPerFile || frames * reader.Info.Channels > input.Length)
                        throw new InvalidOperationException($"decoder produced {frames} frames from {input.Length} bytes");
                }
                decoded++;
            }
            catch (AudioFormatException e)
            {
                rejected++;
                byKind[e.Kind] = byKind.GetValueOrDefault(e.Kind) + 1;
                if (string.IsNullOrWhiteSpace(e.Message) && findings.Count < maxFindings)
                    findings.Add(new Finding(i, "AudioFormatException without a message", input));
            }
            catch (Exception e)
            {
                if (findings.Count < maxFindings) findings.Add(new Finding(i, e.ToString(), input));
            }
        }
        return new Result(iterations, decoded, rejected, findings, byKind);
    }

    private static List<byte[]> BuildSeeds(Random rng)
    {
        var seeds = new List<byte[]>();
        foreach (var encoding in Encodings)
        {
            foreach (var channels in new[] { 1, 2 })
            {
                var frames = 20 + rng.Next(300);
                var ch = new float[channels][];
                for (var c = 0; c < channels; c++)
                {
                    ch[c] = new float[frames];
                    for (var f = 0; f < frames; f++) ch[c][f] = (float)(0.8 * Math.Sin(f * (0.05 + 0.1 * c)));
                }
                seeds.Add(Write(ch, encoding, extensible: false, rf64: false));
                seeds.Add(Write(ch, encoding, extensible: true, rf64: rng.Next(2) == 0));
            }
        }
        return seeds;
    }

    private static byte[] Write(float[][] ch, SampleEncoding encoding, bool extensible, bool rf64)
    {
        var (tag, bytes) = WavWriter.Layout(encoding);
        // Random sample bytes: every bit pattern is a legal sample, the parser is what is being fuzzed.
        var data = new byte[ch[0].Length * ch.Length * bytes];
        new Random(ch[0].Length).NextBytes(data);
        return WavWriter.Container(data, 8000, ch.Length, tag, bytes, extensible, rf64, extraChunks: true);
    }

    private static readonly uint[] InterestingSizes = [0, 1, 2, 3, 4, 15, 16, 17, 39, 40, 41, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0xFFFF];

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var data = (byte[])seed.Clone();
        var ops = 1 + rng.Next(4);
        for (var o = 0; o < ops; o++)
        {
            switch (rng.Next(9))
            {
                case 0: // flip bits
                    for (var k = 0; k < 1 + rng.Next(8); k++) data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1: // random byte in the header area
                    data[rng.Next(Math.Min(data.Length, 100))] = (byte)rng.Next(256);
                    break;
                case 2: // truncate
                    Array.Resize(ref data, rng.Next(data.Length + 1));
                    break;
                case 3: // an interesting 32-bit value at a 4-aligned header offset (size fields, rates)
                    if (data.Length >= 8)
                    {
                        var at = 4 * rng.Next(Math.Min(data.Length, 100) / 4);
                        if (at + 4 <= data.Length) BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), InterestingSizes[rng.Next(InterestingSizes.Length)]);
                    }
                    break;
                case 4: // an interesting 16-bit value (channels, block align, bits, format tag)
                    if (data.Length >= 36)
                    {
                        var at = 20 + 2 * rng.Next(8);
                        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(at), (ushort)(rng.Next(3) switch { 0 => 0, 1 => 0xFFFF, _ => rng.Next(70) }));
                    }
                    break;
                case 5: // duplicate a slice (repeated chunks)
                    if (data.Length > 16)
                    {
                        var start = rng.Next(data.Length - 8);
                        var len = 1 + rng.Next(Math.Min(64, data.Length - start));
                        data = [.. data[..start], .. data[start..(start + len)], .. data[start..]];
                    }
                    break;
                case 6: // delete a slice
                    if (data.Length > 16)
                    {
                        var start = rng.Next(data.Length - 8);
                        var len = 1 + rng.Next(Math.Min(64, data.Length - start));
                        data = [.. data[..start], .. data[(start + len)..]];
                    }
                    break;
                case 7: // append garbage
                    var tail = new byte[rng.Next(64)];
                    rng.NextBytes(tail);
                    data = [.. data, .. tail];
                    break;
                default: // random bytes anywhere
                    for (var k = 0; k < 1 + rng.Next(16); k++) data[rng.Next(data.Length == 0 ? 1 : data.Length) % Math.Max(1, data.Length)] = (byte)rng.Next(256);
                    break;
            }
            if (data.Length == 0) break;
        }
        return data;
    }
}

/// <summary>A pipe-like stream: not seekable, short reads.</summary>
internal sealed class ChunkedStream(byte[] bytes, int maxRead) : ForwardOnlyStream
{
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, maxRead), bytes.Length - _position);
        bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
