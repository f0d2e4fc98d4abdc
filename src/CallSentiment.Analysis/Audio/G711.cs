namespace CallSentiment.Analysis.Audio;

/// <summary>ITU-T G.711 companding (µ-law and A-law), as call recorders and telephone channels use it.</summary>
public static class G711
{
    private static readonly float[] MuLawTable = BuildTable(MuLawToLinear);
    private static readonly float[] ALawTable = BuildTable(ALawToLinear);

    public static float DecodeMuLaw(byte b) => MuLawTable[b];

    public static float DecodeALaw(byte b) => ALawTable[b];

    private static float[] BuildTable(Func<byte, short> decode)
    {
        var t = new float[256];
        for (var i = 0; i < 256; i++) t[i] = decode((byte)i) / 32768f;
        return t;
    }

    public static short MuLawToLinear(byte u)
    {
        u = (byte)~u;
        var t = ((u & 0x0F) << 3) + 0x84;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    public static short ALawToLinear(byte a)
    {
        a ^= 0x55;
        var t = (a & 0x0F) << 4;
        var seg = (a & 0x70) >> 4;
        t = seg switch
        {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (seg - 1),
        };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    /// <summary>Encodes a 16-bit linear sample to µ-law (the Sun reference algorithm).</summary>
    public static byte LinearToMuLaw(short pcm)
    {
        const int bias = 0x84, clip = 32635;
        int sample = pcm;
        var sign = (sample >> 8) & 0x80;
        if (sign != 0) sample = -sample;
        if (sample > clip) sample = clip;
        sample += bias;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
        var mantissa = (sample >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    private static readonly int[] ALawSegmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

    /// <summary>Encodes a 16-bit linear sample to A-law (the ITU reference algorithm).</summary>
    public static byte LinearToALaw(short pcm)
    {
        var value = pcm >> 3;
        int mask;
        if (value >= 0) mask = 0xD5;
        else
        {
            mask = 0x55;
            value = -value - 1;
        }
        var seg = 0;
        while (seg < 8 && value > ALawSegmentEnds[seg]) seg++;
        if (seg >= 8) return (byte)(0x7F ^ mask);
        var aval = seg << 4;
        aval |= seg < 2 ? (value >> 1) & 0x0F : (value >> seg) & 0x0F;
        return (byte)(aval ^ mask);
    }
}
