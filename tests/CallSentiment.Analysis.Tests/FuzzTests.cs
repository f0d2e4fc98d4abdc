using CallSentiment.Cli.Diagnostics;

namespace CallSentiment.Analysis.Tests;

public class FuzzTests
{
    [Fact]
    public void WavDecoder_100000MutatedFiles_NoUnhandledException()
    {
        var result = WavFuzzer.Run(iterations: 100_000, seed: 20261121);
        Assert.True(result.Findings.Count == 0, string.Join("\n", result.Findings.Select(f => f.Error)));
        Assert.Equal(100_000, result.Decoded + result.Rejected);
        // The mutations really exercise both outcomes and several error kinds.
        Assert.True(result.Decoded > 1000 && result.Rejected > 1000);
        Assert.True(result.RejectedByKind.Count >= 4);
    }
}
