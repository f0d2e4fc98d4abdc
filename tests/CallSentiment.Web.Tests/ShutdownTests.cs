using CallSentiment.Web.Ingestion;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The app disposed while a job is inside a stage, with a host that does not wait for its background services at all
/// (shutdown timeout zero): the engines the stage uses must outlive it, and the job must go back to the queue.
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Dispose_ZeroShutdownTimeoutWhileAJobIsInAStage_JobHandedBackNotFailedForADisposedEngine()
    {
        await using var app = new CallSentimentApp(settings: new Dictionary<string, string?>
        {
            ["Transcription:Engine"] = "None",
            ["Ingestion:Concurrency"] = "1",
        });
        var stage = new StageHold();
        var logs = app.Logs;
        var probe = new DisposalProbe();
        var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.Zero);
            // Built before every other hosted service, so before the engines: the container disposes it after them.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(_ => probe));
            // Each stage is held at its start, then runs on whatever it is given, deaf to the stop as a native call is.
            foreach (var d in services.Where(d => d.ServiceType == typeof(IAnalysisStage)).ToList())
            {
                services.Remove(d);
                services.AddSingleton<IAnalysisStage>(sp =>
                    new HeldStage((IAnalysisStage)(d.ImplementationFactory ?? throw new InvalidOperationException("stage without a factory"))(sp), stage));
            }
        }));
        TestCalls.Write(app.Recordings, "agent1", new DateTime(2026, 4, 6, 9, 0, 0), "held", CustomerMood.Angry);
        // The model the held stage will use is loaded now, while it is held (not loaded afresh after the app is gone).
        _ = host.Services.GetRequiredService<SpeechEmotionModelProvider>().Model;
        var worker = host.Services.GetRequiredService<AnalysisWorker>();
        if (await Task.WhenAny(stage.Entered.Task, Task.Delay(TimeSpan.FromMinutes(2))) != stage.Entered.Task)
            Assert.Fail("the job never reached a stage; the app logged:\n" + string.Join('\n', logs.Messages));

        var disposing = Task.Run(async () => await host.DisposeAsync());
        // The stage goes on once the host has given up on the worker: after the engines are disposed, or while disposal
        // waits for the job (the host's own disposal runs on the app's thread, after the factory's Dispose returns).
        await Task.WhenAny(probe.Disposed.Task, logs.Seen("Waiting up to")).WaitAsync(TimeSpan.FromMinutes(2));
        stage.Resume();
        await disposing.WaitAsync(TimeSpan.FromMinutes(3));
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromMinutes(3));
        await probe.Disposed.Task.WaitAsync(TimeSpan.FromMinutes(3));

        await using var c = new SqliteConnection($"Data Source={Path.Combine(app.Root, "test.db")}");
        var job = await c.QuerySingleAsync<(string Status, string? LastError)>("SELECT status, last_error FROM jobs");
        Assert.True(job.Status is "queued" or "done", $"job {job.Status}: {job.LastError}; logs:\n" + string.Join('\n', logs.Messages));
        Assert.Null(job.LastError);
        Assert.DoesNotContain(logs.Messages, m => m.Contains("ObjectDisposedException", StringComparison.Ordinal));
    }

    private sealed class DisposalProbe : IHostedService, IDisposable
    {
        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => Disposed.TrySetResult();
    }

    private sealed class StageHold
    {
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Resumed => _resume.Task;

        public void Resume() => _resume.TrySetResult();
    }

    private sealed class HeldStage(IAnalysisStage inner, StageHold hold) : IAnalysisStage
    {
        public string Name => inner.Name;

        public async Task<StageOutput> RunAsync(AnalysisContext context, CancellationToken cancellationToken)
        {
            hold.Entered.TrySetResult();
            await hold.Resumed.ConfigureAwait(false);
            return await inner.RunAsync(context, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
