using CallSentiment.Web.Recordings;

namespace CallSentiment.Web.Tests;

public class RecordingKeyTests
{
    private static readonly KeyPattern Default = new("{agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.{ext}");

    [Fact]
    public void TryParse_DefaultPattern_ReadsAgentTimeCallAndExtension()
    {
        Assert.True(Default.TryParse("alice-moreau/2026-11-20/093015_c00042.wav", out var f, out var error), error);
        Assert.Equal(new KeyFields("alice-moreau", new DateTime(2026, 11, 20, 9, 30, 15), "c00042", null, "wav"), f);
    }

    [Fact]
    public void TryParse_CallIdWithDots_KeepsThemInTheId()
    {
        Assert.True(Default.TryParse("bob/2026-01-02/120000_x.1.2.mp3", out var f, out _));
        Assert.Equal(("x.1.2", "mp3"), (f!.CallId, f.Extension));
    }

    [Theory]
    [InlineData("alice/2026-13-01/093000_c1.wav", "is not a valid date")]
    [InlineData("alice/2026-02-30/093000_c1.wav", "is not a valid date")]
    [InlineData("alice/2026-02-03/256000_c1.wav", "is not a valid date")]
    [InlineData("alice/2026-02-03/c1.wav", "does not match")]
    [InlineData("alice/c1.wav", "does not match")]
    [InlineData("alice/2026-02-03/093000_c1", "does not match")]
    public void TryParse_BadKey_ReasonNotGuess(string key, string reason)
    {
        Assert.False(Default.TryParse(key, out var f, out var error));
        Assert.Null(f);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Pattern_OtherLayout_WithCustomerAndSplitTime()
    {
        var p = new KeyPattern("calls/{yyyy}/{MM}/{dd}/{agent}-{HH}{mm}{ss}-{customerId}-{callId}.{ext}");
        Assert.True(p.TryParse("calls/2026/05/04/carol-235959-cust9-c7.flac", out var f, out var e), e);
        Assert.Equal(new KeyFields("carol", new DateTime(2026, 5, 4, 23, 59, 59), "c7", "cust9", "flac"), f);
        Assert.Null(p.PrefixFor("carol", new DateOnly(2026, 5, 4))); // agent is not first: prefixes cannot narrow
    }

    [Theory]
    [InlineData("{agent}/{nope}.{ext}", "unknown token")]
    [InlineData("{agent}/{callId}", "must end in")]
    [InlineData("{agent}/{agent}.{ext}", "appears twice")]
    [InlineData("{agent/{callId}.{ext}", "unknown token")]
    public void Pattern_Invalid_ExplainsWhy(string pattern, string message)
    {
        Assert.False(KeyPattern.TryCreate(pattern, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void PrefixFor_AgentAndDay_NarrowsListing()
    {
        Assert.Equal("alice/2026-11-20/", Default.PrefixFor("alice", new DateOnly(2026, 11, 20)));
        Assert.Equal("alice/", Default.PrefixFor("alice", null));
    }

    [Fact]
    public void Render_RoundTripsThroughParse()
    {
        var key = Default.Render("dave", new DateTime(2026, 1, 2, 3, 4, 5), "up-1", "m4a");
        Assert.Equal("dave/2026-01-02/030405_up-1.m4a", key);
        Assert.True(Default.TryParse(key, out var f, out _));
        Assert.Equal("up-1", f!.CallId);
    }

    [Theory]
    [InlineData("../etc/passwd.wav")]
    [InlineData("a/../../b.wav")]
    [InlineData("/abs/path.wav")]
    [InlineData("a//b.wav")]
    [InlineData("a\\b.wav")]
    [InlineData("./a.wav")]
    [InlineData("")]
    public void IsSafe_EscapingKeys_Rejected(string key)
    {
        Assert.False(RecordingKey.IsSafe(key, out var reason));
        Assert.NotNull(reason);
    }

    /// <summary>Deleting (a call, or retention) must not fail because someone already removed the recording's folder.</summary>
    [Fact]
    public async Task LocalFolder_DeleteWhenTheFileOrItsFolderIsGone_NoError()
    {
        var root = Path.Combine(Path.GetTempPath(), "cs-keys-" + Guid.NewGuid().ToString("N")[..8]);
        var source = new LocalFolderSource(root);
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "alice", "2026-03-02"));
            await File.WriteAllTextAsync(Path.Combine(root, "alice", "2026-03-02", "090000_a.wav"), "x");
            await source.DeleteAsync("alice/2026-03-02/090000_a.wav", CancellationToken.None);
            Assert.False(File.Exists(Path.Combine(root, "alice", "2026-03-02", "090000_a.wav")));
            await source.DeleteAsync("alice/2026-03-02/090000_a.wav", CancellationToken.None);
            await source.DeleteAsync("bob/2026-03-03/100000_b.wav", CancellationToken.None);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void LocalFolder_KeyOutsideRoot_Throws()
    {
        var root = Path.Combine(Path.GetTempPath(), "cs-keys-" + Guid.NewGuid().ToString("N")[..8]);
        var source = new LocalFolderSource(root);
        try
        {
            Assert.Throws<ArgumentException>(() => source.PathOf("../outside.wav"));
            Assert.Throws<ArgumentException>(() => source.PathOf("a/../../outside.wav"));
            Assert.StartsWith(Path.GetFullPath(root), source.PathOf("a/b.wav"), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void SidecarOf_ReplacesExtension() =>
        Assert.Equal("a/2026-01-01/090000_c1.json", RecordingKey.SidecarOf("a/2026-01-01/090000_c1.wav"));
}

public class CallMetadataTests
{
    private static readonly KeyPattern Default = new("{agent}/{yyyy}-{MM}-{dd}/{HHmmss}_{callId}.{ext}");
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Fact]
    public void Resolve_KeyOnly_LocalTimeInSourceZoneToUtc()
    {
        Assert.True(CallMetadataResolver.TryResolve("alice/2026-07-01/093000_c1.wav", Default, null, London, 0, 1, out var m, out var e), e);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 30, 0, TimeSpan.Zero), m!.StartedAt); // BST = UTC+1
        Assert.Equal(("alice", "c1", 0, 1), (m.Agent, m.CallId, m.AgentChannel, m.CustomerChannel));
    }

    [Fact]
    public void Resolve_SidecarWins_AndRescuesUnparseableKey()
    {
        var sidecar = Sidecar.Parse("""{"agent":"bob","agentName":"Bob Stone","callId":"X-9","customerId":"cust-1","startedAt":"2026-02-03T10:00:00-05:00","channels":{"agent":1,"customer":0}}"""u8);
        Assert.True(CallMetadataResolver.TryResolve("inbox/recording-17.wav", Default, sidecar, London, 0, 1, out var m, out var e), e);
        Assert.Equal(new CallMetadata("bob", "Bob Stone", new DateTimeOffset(2026, 2, 3, 15, 0, 0, TimeSpan.Zero), "X-9", "cust-1", 1, 0), m);
    }

    [Fact]
    public void Resolve_SidecarLocalTimeWithZone()
    {
        var sidecar = Sidecar.Parse("""{"startedAt":"2026-01-15T09:00:00","timeZone":"America/New_York"}"""u8);
        Assert.True(CallMetadataResolver.TryResolve("carol/2026-01-15/090000_c5.wav", Default, sidecar, London, 0, 1, out var m, out _));
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 14, 0, 0, TimeSpan.Zero), m!.StartedAt);
    }

    [Theory]
    [InlineData("""{"startedAt":"next tuesday"}""", "is not an ISO 8601")]
    [InlineData("""{"timeZone":"Mars/Olympus"}""", "is unknown")]
    [InlineData("""{"channels":{"agent":1,"customer":1}}""", "are not two different channels")]
    public void Resolve_BadSidecar_Reported(string json, string message)
    {
        var sidecar = Sidecar.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.False(CallMetadataResolver.TryResolve("alice/2026-07-01/093000_c1.wav", Default, sidecar, London, 0, 1, out _, out var e));
        Assert.Contains(message, e);
    }

    [Fact]
    public void Resolve_UnparseableKeyWithoutSidecar_Reported()
    {
        Assert.False(CallMetadataResolver.TryResolve("loose.wav", Default, null, London, 0, 1, out var m, out var e));
        Assert.Null(m);
        Assert.Contains("does not match", e);
    }

    [Fact]
    public void SidecarParse_NotJson_FormatException() =>
        Assert.Throws<FormatException>(() => Sidecar.Parse("{not json"u8));
}
