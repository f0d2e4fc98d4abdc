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
        var decoder = args.Get("decoder") switch
        {
            null or "own" => WavFuzzer.WavDecoder.Own,
            "naudio" => WavFuzzer.WavDecoder.NAudio,
            var other => throw new UsageException($"--decoder must be own or naudio, not '{other}'"),
        };
        args.EnsureAllUsed();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = WavFuzzer.Run(count, seed, decoder: decoder);
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{result.Iterations} mutated WAV files in {sw.Elapsed.TotalSeconds:0.0} s: {result.Decoded} decoded, {result.Rejected} rejected with a typed error"));
        foreach (var (kind, n) in result.RejectedByKind.OrderByDescending(k => k.Value))
            Console.WriteLine(string.Create(ci, $"  {kind,-20} {n}"));
        Console.WriteLine(string.Create(ci, $"most allocated for one file: {result.MaxBytesAllocated / 1048576.0:0.0} MB"));
        foreach (var (kind, n) in result.FindingsByKind.OrderByDescending(k => k.Value))
            Console.WriteLine(string.Create(ci, $"  finding: {kind,-50} {n}"));
        if (result.Findings.Count == 0)
        {
            Console.WriteLine("no unhandled exceptions, runaway reads or header-driven allocations");
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
