using System.Buffers.Binary;
using System.Diagnostics;
using CallSentiment.Analysis.Audio;

namespace CallSentiment.Analysis.Tests;

public class AudioLimitsTests
{
    private static readonly AudioLimits TwoHoursSixteenChannels = new(TimeSpan.FromHours(2), 16);

    [Fact]
    public void Check_SixteenChannelTenHourMuLaw_RefusedFromTheHeaderWithinASecond()
    {
        using var dir = new TempDir();
        // 16 channels of 1 kHz µ-law for 10 hours: 576 MB of samples (a sparse file: only the header is written).
        var path = SparseWav(dir.Path, "long.wav", channels: 16, rate: 1000, tag: 7, bytesPerSample: 1, TimeSpan.FromHours(10));
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<AudioFormatException>(() => TwoHoursSixteenChannels.Check(path));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refusal took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(AudioErrorKind.LimitExceeded, e.Kind);
        Assert.Equal("long.wav: 10 h 00 min long; recordings longer than 2 h 00 min are not analysed.", e.Message);
    }

    [Fact]
    public void Check_MoreChannelsThanTheLimit_RefusedNamingTheCount()
    {
        using var dir = new TempDir();
        var path = SparseWav(dir.Path, "wide.wav", channels: 24, rate: 8000, tag: 1, bytesPerSample: 2, TimeSpan.FromSeconds(30));

        var e = Assert.Throws<AudioFormatException>(() => TwoHoursSixteenChannels.Check(path));

        Assert.Equal(AudioErrorKind.LimitExceeded, e.Kind);
        Assert.Equal("wide.wav: 24 channels; recordings with more than 16 channels are not analysed.", e.Message);
    }

    [Fact]
    public void Check_RiffWithOpenSize_DurationFromTheFileLength()
    {
        using var dir = new TempDir();
        // A WAV written to a pipe: the data size is 0xFFFFFFFF, the length is the file's.
        var path = SparseWav(dir.Path, "piped.wav", channels: 2, rate: 8000, tag: 1, bytesPerSample: 2, TimeSpan.FromHours(3), openSize: true);

        var e = Assert.Throws<AudioFormatException>(() => TwoHoursSixteenChannels.Check(path));

        Assert.Contains("3 h 00 min long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CompressedLongerThanTheLimit_RefusedFromFfprobesDuration()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "long.flac");
        Ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=stereo", "-t", "180", "-c:a", "flac", path);
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<AudioFormatException>(() => new AudioLimits(TimeSpan.FromMinutes(1), 16).Check(path));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refusal took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal("long.flac: 3 min 00 s long; recordings longer than 1 min 00 s are not analysed.", e.Message);
    }

    [Fact]
    public void Check_WithinTheLimits_ReturnsWhatTheHeaderSays()
    {
        using var dir = new TempDir();
        var path = SparseWav(dir.Path, "call.wav", channels: 16, rate: 1000, tag: 7, bytesPerSample: 1, TimeSpan.FromMinutes(30));

        var info = TwoHoursSixteenChannels.Check(path);

        Assert.Equal((16, 1000, SampleEncoding.MuLaw), (info.Channels, info.SampleRate, info.Encoding));
        Assert.Equal(TimeSpan.FromMinutes(30), info.Duration);
    }

    [Fact]
    public void Check_NotAudio_TheDecodersOwnReason()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "notes.wav");
        File.WriteAllText(path, "this is not audio");

        var e = Assert.Throws<AudioFormatException>(() => TwoHoursSixteenChannels.Check(path));

        Assert.Equal(AudioErrorKind.NotAudio, e.Kind);
    }

    /// <summary>A plain RIFF header declaring <paramref name="duration"/> of samples; the samples are a hole in a sparse file.</summary>
    internal static string SparseWav(string dir, string name, int channels, int rate, int tag, int bytesPerSample, TimeSpan duration, bool openSize = false)
    {
        var path = Path.Combine(dir, name);
        var dataBytes = (long)(duration.TotalSeconds * rate) * channels * bytesPerSample;
        var header = WavWriter.Container([], rate, channels, tag, bytesPerSample);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), openSize ? uint.MaxValue : checked((uint)dataBytes));
        using var file = new FileStream(path, FileMode.CreateNew);
        file.Write(header);
        file.SetLength(header.Length + dataBytes);
        return path;
    }

    private static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }
}
