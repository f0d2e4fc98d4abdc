using CallSentiment.Analysis.Audio;
using CallSentiment.Cli.Diagnostics;

namespace CallSentiment.Analysis.Tests;

public class WavReaderTests
{
    private static readonly float[][] Stereo = [TestWav.Sine(440, 8000, 1000, 0.5), TestWav.Sine(1000, 8000, 1000, -0.25)];

    [Theory]
    [InlineData(SampleEncoding.PcmUnsigned8, 1.0 / 64)]
    [InlineData(SampleEncoding.Pcm16, 1e-4)]
    [InlineData(SampleEncoding.Pcm24, 1e-6)]
    [InlineData(SampleEncoding.Pcm32, 1e-8)]
    [InlineData(SampleEncoding.Float32, 1e-7)]
    [InlineData(SampleEncoding.Float64, 1e-7)]
    [InlineData(SampleEncoding.MuLaw, 0.02)]
    [InlineData(SampleEncoding.ALaw, 0.02)]
    public void Read_EveryEncoding_DecodesBothChannelsApart(SampleEncoding encoding, double tolerance)
    {
        foreach (var extensible in new[] { false, true })
        {
            var wav = TestWav.Build(Stereo, 8000, encoding, extensible: extensible);
            using var reader = AudioReader.OpenWav(new MemoryStream(wav));
            Assert.Equal(8000, reader.Info.SampleRate);
            Assert.Equal(2, reader.Info.Channels);
            Assert.Equal(encoding, reader.Info.Encoding);
            Assert.Equal(1000, reader.Info.TotalFrames);
            var ch = reader.ReadAllChannels();
            for (var c = 0; c < 2; c++)
            {
                Assert.Equal(1000, ch[c].Length);
                var maxError = ch[c].Zip(Stereo[c], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(maxError <= tolerance, $"{encoding} ch{c} extensible={extensible}: max error {maxError}");
            }
        }
    }

    [Fact]
    public void Read_Rf64WithExtraChunks_UsesDs64DataSize()
    {
        var wav = TestWav.Build(Stereo, 8000, SampleEncoding.Pcm16, rf64: true, extraChunks: true);
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        Assert.Equal("RF64", reader.Info.Container);
        Assert.Equal(1000, reader.Info.TotalFrames);
        Assert.Equal(1000, reader.ReadAllChannels()[0].Length);
    }

    [Fact]
    public void Read_NonSeekableStreamWithUnknownDataSize_ReadsToTheEnd()
    {
        var wav = TestWav.Build([TestWav.Sine(300, 16000, 5000)], 16000, SampleEncoding.Pcm16);
        // As ffmpeg writes to a pipe: sizes 0xFFFFFFFF.
        BitConverter.TryWriteBytes(wav.AsSpan(4), uint.MaxValue);
        BitConverter.TryWriteBytes(wav.AsSpan(40), uint.MaxValue);
        using var reader = AudioReader.OpenWav(new ChunkedStream(wav, 37));
        Assert.Null(reader.Info.TotalFrames);
        Assert.Equal(5000, reader.ReadAllChannels()[0].Length);
    }

    [Fact]
    public void Read_InSmallBlocks_YieldsWholeFramesInOrder()
    {
        var wav = TestWav.Build(Stereo, 8000, SampleEncoding.Pcm16);
        using var reader = AudioReader.OpenWav(new MemoryStream(wav));
        var block = new float[2 * 7];
        var left = new List<float>();
        int n;
        while ((n = reader.Read(block)) > 0)
            for (var i = 0; i < n; i++) left.Add(block[2 * i]);
        Assert.Equal(1000, left.Count);
        Assert.Equal(Stereo[0][999], left[^1], 3);
    }

    public static TheoryData<string, byte[], AudioErrorKind> BadInputs()
    {
        var good = TestWav.Build([TestWav.Sine(300, 8000, 100)], 8000, SampleEncoding.Pcm16);
        byte[] With(int offset, params byte[] bytes)
        {
            var copy = (byte[])good.Clone();
            bytes.CopyTo(copy, offset);
            return copy;
        }
        return new TheoryData<string, byte[], AudioErrorKind>
        {
            { "empty file", [], AudioErrorKind.Empty },
            { "text file", "hello, this is not audio at all"u8.ToArray(), AudioErrorKind.NotAudio },
            { "RIFF but AVI", With(8, "AVI "u8.ToArray()), AudioErrorKind.NotAudio },
            { "header only", good[..12], AudioErrorKind.Truncated },
            { "cut inside fmt", good[..30], AudioErrorKind.Truncated },
            { "no data chunk", good[..36], AudioErrorKind.Truncated },
            { "cut inside data", good[..100], AudioErrorKind.Truncated },
            { "zero-length data", TestWav.Container([], 8000, 1, 1, 2), AudioErrorKind.Empty },
            { "zero channels", With(22, 0, 0), AudioErrorKind.InvalidHeader },
            { "300 channels", With(22, 0x2C, 0x01), AudioErrorKind.InvalidHeader },
            { "sample rate 0", With(24, 0, 0, 0, 0), AudioErrorKind.InvalidHeader },
            { "sample rate 4 GHz", With(24, 0xFF, 0xFF, 0xFF, 0xFF), AudioErrorKind.InvalidHeader },
            { "block align 0", With(32, 0, 0), AudioErrorKind.InvalidHeader },
            { "12-byte samples", With(32, 12, 0), AudioErrorKind.InvalidHeader },
            { "ADPCM", With(20, 2, 0), AudioErrorKind.UnsupportedEncoding },
            { "huge fmt chunk", With(16, 0xF0, 0xFF, 0xFF, 0x7F), AudioErrorKind.Truncated },
            { "garbage chunk id", With(36, 0x00, 0x01, 0x02, 0x03), AudioErrorKind.InvalidHeader },
            { "data larger than file", With(40, 0x00, 0x00, 0x00, 0x70), AudioErrorKind.Truncated },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Open_BadInput_ThrowsTypedErrorSayingWhatIsWrong(string name, byte[] bytes, AudioErrorKind expected)
    {
        var e = Assert.Throws<AudioFormatException>(() =>
        {
            using var reader = AudioReader.OpenWav(new MemoryStream(bytes), name: name);
            reader.ReadAllChannels();
        });
        Assert.Equal(expected, e.Kind);
        Assert.StartsWith(name + ":", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedNonSeekableStream_ThrowsTruncatedWhenTheDataRunsOut()
    {
        var wav = TestWav.Build([TestWav.Sine(300, 8000, 1000)], 8000, SampleEncoding.Pcm16);
        using var reader = AudioReader.OpenWav(new ChunkedStream(wav[..1000], 37));
        var e = Assert.Throws<AudioFormatException>(() => reader.ReadAllChannels());
        Assert.Equal(AudioErrorKind.Truncated, e.Kind);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FloatWithNaNAndHugeValues_IsSanitised()
    {
        var wav = TestWav.Build([[float.NaN, float.PositiveInfinity, 1e30f, -5f, 0.25f]], 8000, SampleEncoding.Float32);
        // TestWav clamps; write the raw values back in.
        var data = wav.AsSpan(44);
        BitConverter.TryWriteBytes(data, float.NaN);
        BitConverter.TryWriteBytes(data[4..], float.PositiveInfinity);
        BitConverter.TryWriteBytes(data[8..], 1e30f);
        var x = TestWav.ReadAll(wav)[0];
        Assert.Equal([0f, 0f, 1f, -1f, 0.25f], x);
    }

    [Fact]
    public void G711_KnownCodesAndRoundTrip()
    {
        Assert.Equal(0, G711.MuLawToLinear(0xFF));
        Assert.Equal(-32124, G711.MuLawToLinear(0x00));
        Assert.Equal(32124, G711.MuLawToLinear(0x80));
        Assert.Equal(-8, G711.ALawToLinear(0x55));
        Assert.Equal(32256, G711.ALawToLinear(0xAA));
        for (var v = -32768; v <= 32767; v += 7)
        {
            var s = v;
            int mu = G711.MuLawToLinear(G711.LinearToMuLaw((short)v));
            int a = G711.ALawToLinear(G711.LinearToALaw((short)v));
            // Companding error grows with magnitude: about 1/32 of the value plus a small step.
            Assert.True(Math.Abs(mu - s) <= Math.Abs(s) / 16 + 8, $"mu-law {s} -> {mu}");
            Assert.True(Math.Abs(a - s) <= Math.Abs(s) / 16 + 16, $"A-law {s} -> {a}");
        }
    }
}
