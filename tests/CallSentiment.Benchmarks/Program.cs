using CallSentiment.Benchmarks.Dashboard;
using CallSentiment.Benchmarks.Ingestion;
using CallSentiment.Cli;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    await Console.Out.WriteLineAsync("""
        callsentiment-bench <command> [options]   (build the solution in Release first: the app runs as a process)

          dashboard --db sqlite|postgres|mysql|both|all [--calls 1000000] [--agents 500] [--years 2] [--iterations 50]
                    [--warmup 5] [--seed 1] [--reuse] [--dir /tmp/callsentiment-bench]
          search    --db sqlite|postgres|mysql|all [--calls 1000000] [--agents 500] [--years 2] [--chunks 8] [--iterations 30]
                    [--warmup 5] [--seed 1] [--scan-calls N] [--reuse] [--dir /tmp/callsentiment-search-bench]
          ingest    [--calls 40] [--minutes 2]
          latency   [--minutes 5] [--repeat 1] [--timeout 300]
          categories --db sqlite|postgres|mysql|all [--calls 100000] [--sample 10000] [--batch 1000] [--reuse] [--dir /tmp/callsentiment-bench]
          whisper   [--seconds 300] [--cores 2] [--sizes tiny.en,base.en] [--real ggml-base.en.bin] [--vad-model PATH]
                    [--memory-hours 2 [--memory-size test|tiny.en|base.en]]
        """);
    return 0;
}

try
{
    var rest = new Args(args.Skip(1));
    return args[0] switch
    {
        "dashboard" => await DashboardCommand.RunAsync(rest),
        "search" => await CallSentiment.Benchmarks.Search.SearchCommand.RunAsync(rest),
        "ingest" => await IngestCommand.RunAsync(rest),
        "latency" => await LatencyCommand.RunAsync(rest),
        "categories" => await CallSentiment.Benchmarks.Categories.CategoriesCommand.RunAsync(rest),
        "whisper" => await CallSentiment.Benchmarks.Transcription.WhisperBenchCommand.RunAsync(rest),
        _ => throw new UsageException($"unknown command '{args[0]}' (see --help)"),
    };
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}
