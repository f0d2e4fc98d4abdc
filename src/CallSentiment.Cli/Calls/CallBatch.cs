using System.Globalization;
using CallSentiment.Analysis.Audio;
using CallSentiment.Analysis.Calls;

namespace CallSentiment.Cli.Calls;

/// <summary>
/// The worker's analysis (<see cref="CallPipeline"/>) over the rows of a call manifest, a few calls at a time, with the
/// stage cache when one is given. A recording that cannot be read is a failure with its reason; the rest carry on.
/// </summary>
internal static class CallBatch
{
    public static (CallAnalysis?[] Results, string?[] Failures) Analyse(CallPipeline pipeline, string? cacheDir, IReadOnlyList<LabelledCall> calls,
        string dataFolder, int parallel, Func<LabelledCall, CallAnalysis, string> describe)
    {
        var cache = new StageCache(cacheDir, pipeline.Fingerprints);
        var results = new CallAnalysis?[calls.Count];
        var failures = new string?[calls.Count];
        var done = 0;
        Parallel.ForEachAsync(Enumerable.Range(0, calls.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
        {
            var call = calls[i];
            var path = Path.Combine(dataFolder, call.Path);
            try
            {
                var context = Context(path);
                var outputs = cacheDir is null
                    ? await pipeline.Analyzer.RunStagesAsync(context, ct).ConfigureAwait(false)
                    : await cache.RunAsync(pipeline.Analyzer, context, ct).ConfigureAwait(false);
                results[i] = pipeline.Analyzer.Fuse(outputs);
            }
            catch (Exception e) when (e is AudioFormatException or FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException)
            {
                failures[i] = e.Message;
            }
            var n = Interlocked.Increment(ref done);
            await Console.Error.WriteLineAsync(results[i] is { } r
                ? string.Create(CultureInfo.InvariantCulture, $"[{n}/{calls.Count}] {call.Path}: {describe(call, r)}")
                : $"[{n}/{calls.Count}] {call.Path}: failed: {failures[i]}").ConfigureAwait(false);
        }).GetAwaiter().GetResult();
        return (results, failures);
    }

    /// <summary>The recording's channel roles from its sidecar (as ingestion reads them), else the product's defaults.</summary>
    private static AnalysisContext Context(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"recording not found: {path}", path);
        var sidecarPath = Path.ChangeExtension(path, ".json");
        var sidecar = File.Exists(sidecarPath) ? Sidecar.Parse(File.ReadAllBytes(sidecarPath)) : null;
        return new AnalysisContext(path, sidecar?.CallId ?? Path.GetFileNameWithoutExtension(path),
            sidecar?.Channels?.Agent ?? 0, sidecar?.Channels?.Customer ?? 1);
    }
}
