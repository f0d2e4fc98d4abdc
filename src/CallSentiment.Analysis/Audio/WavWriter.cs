using System.Buffers.Binary;

namespace CallSentiment.Analysis.Audio;

/// <summary>
/// Writes small WAV files in memory in every layout <see cref="AudioReader"/> reads (PCM 8–32, float, µ-law,
/// A-law; plain, extensible or RF64): demo recordings, test fixtures and fuzzing seeds.
/// </summary>
public static class WavWriter
{
    /// <summary>The WAV format tag and bytes per sample of an encoding.</summary>
    public static (int FormatTag, int BytesPerSample) Layout(SampleEncoding encoding) => encoding switch
    {
        SampleEncoding.PcmUnsigned8 => (1, 1),
        SampleEncoding.Pcm16 => (1, 2),
        SampleEncoding.Pcm24 => (1, 3),
        SampleEncoding.Pcm32 => (1, 4),
        SampleEncoding.Float32 => (3, 4),
        SampleEncoding.Float64 => (3, 8),
        SampleEncoding.ALaw => (6, 1),
        SampleEncoding.MuLaw => (7, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "not a WAV sample encoding"),
    };

    /// <summary>Encodes channels of samples in [-1, 1] as a complete WAV file in memory.</summary>
    public static byte[] Build(float[][] channels, int rate, SampleEncoding encoding, bool extensible = false, bool rf64 = false, bool extraChunks = false)
    {
        var frames = channels[0].Length;
        var nch = channels.Length;
        var (tag, bytes) = Layout(encoding);
        var data = new byte[frames * nch * bytes];
        for (var f = 0; f < frames; f++)
        {
            for (var c = 0; c < nch; c++)
            {
                var x = Math.Clamp(channels[c][f], -1f, 1f);
                var o = (f * nch + c) * bytes;
                var s = data.AsSpan(o);
                switch (encoding)
                {
                    case SampleEncoding.PcmUnsigned8: s[0] = (byte)Math.Clamp(Math.Round(x * 128 + 128), 0, 255); break;
                    case SampleEncoding.Pcm16: BinaryPrimitives.WriteInt16LittleEndian(s, (short)Math.Clamp(Math.Round(x * 32768), -32768, 32767)); break;
                    case SampleEncoding.Pcm24:
                        var v = (int)Math.Clamp(Math.Round(x * 8388608.0), -8388608, 8388607);
                        s[0] = (byte)v;
                        s[1] = (byte)(v >> 8);
                        s[2] = (byte)(v >> 16);
                        break;
                    case SampleEncoding.Pcm32: BinaryPrimitives.WriteInt32LittleEndian(s, (int)Math.Clamp(Math.Round(x * 2147483648.0), int.MinValue, int.MaxValue)); break;
                    case SampleEncoding.Float32: BinaryPrimitives.WriteSingleLittleEndian(s, x); break;
                    case SampleEncoding.Float64: BinaryPrimitives.WriteDoubleLittleEndian(s, x); break;
                    case SampleEncoding.MuLaw: s[0] = G711.LinearToMuLaw((short)Math.Clamp(Math.Round(x * 32768), -32768, 32767)); break;
                    case SampleEncoding.ALaw: s[0] = G711.LinearToALaw((short)Math.Clamp(Math.Round(x * 32768), -32768, 32767)); break;
                }
            }
        }
        return Container(data, rate, nch, tag, bytes, extensible, rf64, extraChunks);
    }

    /// <summary>Wraps already-encoded sample bytes in RIFF (or RF64) headers; optional LIST/fact chunks.</summary>
    public static byte[] Container(byte[] data, int rate, int channels, int tag, int bytesPerSample, bool extensible = false, bool rf64 = false, bool extraChunks = false)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(rf64 ? "RF64"u8 : "RIFF"u8);
        w.Write(rf64 ? uint.MaxValue : 0u); // patched below for RIFF
        w.Write("WAVE"u8);
        if (rf64)
        {
            w.Write("ds64"u8);
            w.Write(28u);
            w.Write(0L); // riff size (not used by the reader)
            w.Write((long)data.Length);
            w.Write((long)(data.Length / (channels * bytesPerSample)));
            w.Write(0u);
        }
        if (extraChunks)
        {
            w.Write("LIST"u8);
            w.Write(5u);
            w.Write("INFOx"u8);
            w.Write((byte)0); // pad byte of the odd-sized chunk
        }
        w.Write("fmt "u8);
        w.Write(extensible ? 40u : 16u);
        w.Write((ushort)(extensible ? 0xFFFE : tag));
        w.Write((ushort)channels);
        w.Write((uint)rate);
        w.Write((uint)(rate * channels * bytesPerSample));
        w.Write((ushort)(channels * bytesPerSample));
        w.Write((ushort)(bytesPerSample * 8));
        if (extensible)
        {
            w.Write((ushort)22);
            w.Write((ushort)(bytesPerSample * 8));
            w.Write(channels == 2 ? 3u : 4u);
            w.Write((ushort)tag);
            w.Write(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 });
        }
        if (extraChunks)
        {
            w.Write("fact"u8);
            w.Write(4u);
            w.Write((uint)(data.Length / (channels * bytesPerSample)));
        }
        w.Write("data"u8);
        w.Write(rf64 ? uint.MaxValue : (uint)data.Length);
        w.Write(data);
        if ((data.Length & 1) == 1) w.Write((byte)0);
        w.Flush();
        var bytes = ms.ToArray();
        if (!rf64) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

}
