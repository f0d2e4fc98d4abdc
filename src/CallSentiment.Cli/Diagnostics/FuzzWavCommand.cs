using System.Globalization;

namespace CallSentiment.Cli.Diagnostics;

/// <summary>fuzz-wav: runs the WAV mutation fuzzer; exit code 1 and the offending inputs saved when anything escapes.</summary>
internal static class FuzzWavCommand
{
    public static int Run(Args args)
    {
        var count = args.Int("count", 100_000, 1, int.MaxValue);
        var seed = args.Int("seed", 1);
        var saveDir = args.Get("save") ?? "fuzz-findings";
        args.EnsureAllUsed();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = WavFuzzer.Run(count, seed);
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{result.Iterations} mutated WAV files in {sw.Elapsed.TotalSeconds:0.0} s: {result.Decoded} decoded, {result.Rejected} rejected with a typed error"));
        foreach (var (kind, n) in result.RejectedByKind.OrderByDescending(k => k.Value))
            Console.WriteLine(string.Create(ci, $"  {kind,-20} {n}"));
        if (result.Findings.Count == 0)
        {
            Console.WriteLine("no unhandled exceptions");
            return 0;
        }
        Directory.CreateDirectory(saveDir);
        foreach (var f in result.Findings)
        {
            var path = Path.Combine(saveDir, string.Create(ci, $"finding-{f.Iteration}.wav"));
            File.WriteAllBytes(path, f.Input);
            Console.WriteLine($"FINDING (saved {path}): {f.Error}");
        }
        return 1;
    }
}
