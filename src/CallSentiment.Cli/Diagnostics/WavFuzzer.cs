using System.Buffers.Binary;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Cli.Diagnostics;

/// <summary>
/// Mutation fuzzer for the WAV decoder: valid files in every supported layout are corrupted (bit flips, random
/// bytes, truncation, size fields set to extremes, chunks duplicated/removed) and decoded, seekable and not.
/// Any exception other than <see cref="AudioFormatException"/>, a read that does not end, or an allocation that grows
/// with a header field instead of with the file is a finding. The same inputs can be given to NAudio's WaveFileReader
/// (<see cref="WavDecoder.NAudio"/>), which is how src/CallSentiment.Analysis/Audio/README.md measured it.
/// </summary>
public static class WavFuzzer
{
    public sealed record Finding(int Iteration, string Error, byte[] Input);

    // FindingsByKind counts every finding (Findings keeps only the first ones) by exception type, or "allocation", and
    // whether the stream was seekable; MaxBytesAllocated is the most one file made the decoder allocate.
    public sealed record Result(int Iterations, int Decoded, int Rejected, IReadOnlyList<Finding> Findings, IReadOnlyDictionary<AudioErrorKind, int> RejectedByKind,
        IReadOnlyDictionary<string, int> FindingsByKind, long MaxBytesAllocated);

    public enum WavDecoder
    {
        /// <summary>The product's decoder, <see cref="AudioReader.OpenWav"/>.</summary>
        Own,

        /// <summary>NAudio.Core's WaveFileReader (chunk parsing only: it hands out the data chunk's bytes). Its
        /// FormatException, InvalidDataException and EndOfStreamException count as typed rejections.</summary>
        NAudio,
    }

    // A decoder may keep one block of 8192 frames of at most 64 channels x 8 bytes (4 MB) whatever the file says; more
    // than this per file means a size field chose an allocation.
    private const long MaxBytesAllocatedPerFile = 8L << 20;

    private static readonly SampleEncoding[] Encodings =
    [
        SampleEncoding.PcmUnsigned8, SampleEncoding.Pcm16, SampleEncoding.Pcm24, SampleEncoding.Pcm32,
        SampleEncoding.Float32, SampleEncoding.Float64, SampleEncoding.MuLaw, SampleEncoding.ALaw,
    ];

    // Upper bound of frames a fuzzed file may yield: mutated sizes must never make the decoder produce more
    // than the bytes that are there.
    private const int MaxFramesPerFile = 1 << 16;

    public static Result Run(int iterations, int seed, int maxFindings = 20, WavDecoder decoder = WavDecoder.Own)
    {
        var rng = new Random(seed);
        var seeds = BuildSeeds(rng);
        var findings = new List<Finding>();
        var byKind = new Dictionary<AudioErrorKind, int>();
        var findingsByKind = new Dictionary<string, int>(StringComparer.Ordinal);
        long maxAllocated = 0;
        int decoded = 0, rejected = 0;
        var block = new float[4096];
        for (var i = 0; i < iterations; i++)
        {
            var input = Mutate(seeds[rng.Next(seeds.Count)], rng);
            var seekable = rng.Next(4) != 0;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Stream stream = seekable ? new MemoryStream(input, writable: false) : new ChunkedStream(input, 1 + rng.Next(64));
                if (decoder == WavDecoder.Own) DecodeOwn(stream, input.Length, block);
                else DecodeWithNAudio(stream, input.Length);
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
                var key = $"{e.GetType().Name} ({(seekable ? "seekable" : "non-seekable")} stream)";
                findingsByKind[key] = findingsByKind.GetValueOrDefault(key) + 1;
                // the first of each kind is kept even past maxFindings, so a rare kind is not hidden by a common one
                if (findings.Count < maxFindings || findingsByKind[key] == 1) findings.Add(new Finding(i, e.ToString(), input));
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            maxAllocated = Math.Max(maxAllocated, allocated);
            if (allocated > MaxBytesAllocatedPerFile)
            {
                var key = $"allocation over {MaxBytesAllocatedPerFile >> 20} MB ({(seekable ? "seekable" : "non-seekable")} stream)";
                findingsByKind[key] = findingsByKind.GetValueOrDefault(key) + 1;
                if (findings.Count < maxFindings || findingsByKind[key] == 1)
                    findings.Add(new Finding(i, $"the decoder allocated {allocated:N0} bytes for a {input.Length}-byte file", input));
            }
        }
        return new Result(iterations, decoded, rejected, findings, byKind, findingsByKind, maxAllocated);
    }

    private static void DecodeOwn(Stream stream, int inputLength, float[] block)
    {
        using var reader = AudioReader.OpenWav(stream, name: "fuzz");
        long frames = 0;
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            frames += n;
            if (frames > MaxFramesPerFile || frames * reader.Info.Channels > inputLength)
                throw new InvalidOperationException($"decoder produced {frames} frames from {inputLength} bytes");
        }
    }

    private static void DecodeWithNAudio(Stream stream, int inputLength)
    {
        try
        {
            using var reader = new NAudio.Wave.WaveFileReader(stream);
            // whole blocks only (NAudio refuses partial ones), and never more than 64 KB whatever the header says
            var blockAlign = Math.Max(1, reader.BlockAlign);
            var buffer = new byte[blockAlign * Math.Max(1, 4096 / blockAlign)];
            long bytes = 0;
            int n;
            while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                bytes += n;
                if (bytes > inputLength) throw new InvalidOperationException($"reader produced {bytes} bytes from {inputLength} bytes");
            }
        }
        catch (FormatException e)
        {
            throw new AudioFormatException(AudioErrorKind.InvalidHeader, e.Message);
        }
        catch (InvalidDataException e)
        {
            throw new AudioFormatException(AudioErrorKind.InvalidHeader, e.Message);
        }
        catch (EndOfStreamException e)
        {
            throw new AudioFormatException(AudioErrorKind.Truncated, e.Message);
        }
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
