using CallSentiment.Analysis.Onnx;
using CallSentiment.Analysis.SpeechEmotion;

namespace CallSentiment.Analysis.Tests;

public class OnnxSessionTests
{
    private static string SileroVad => Path.Combine(Paths.Shared, "models", "silero-vad", "silero_vad.onnx");

    private static string EmotionOnnx => Path.Combine(Paths.SpeechEmotionModel, SpeechEmotionModel.OnnxFile);

    [Fact]
    public void Load_ThirdPartyModel_DescribesNamedInputsAndOutputs()
    {
        using var session = OnnxSession.Load(SileroVad);
        Assert.Equal(["input", "state", "sr"], session.Inputs.Select(i => i.Name));
        Assert.Equal(7, session.Inputs.Single(i => i.Name == "sr").ElementType); // int64
        Assert.Equal([2, -1, 128], session.Inputs.Single(i => i.Name == "state").Shape);
        Assert.Contains(session.Outputs, o => o.Name == "stateN");
    }

    [Fact]
    public void Run_FloatAndInt64Inputs_ReturnsNamedOutputsOfTheRightShape()
    {
        using var session = OnnxSession.Load(SileroVad);
        var tone = TestWav.Sine(200, 16000, 576, 0.3);
        var outputs = session.Run(
        [
            NamedTensor.Float("input", tone, 1, 576),
            NamedTensor.Float("state", new float[2 * 128], 2, 1, 128),
            NamedTensor.Int64("sr", [16000]),
        ]);
        var probability = outputs["output"].Floats.Single();
        Assert.InRange(probability, 0f, 1f);
        Assert.Equal([2L, 1, 128], outputs["stateN"].Shape);
        Assert.Contains(outputs["stateN"].Floats, v => v != 0f); // the state really was computed
    }

    [Fact]
    public void Run_WrongShape_ThrowsClearError()
    {
        using var session = OnnxSession.Load(EmotionOnnx);
        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run([NamedTensor.Float("features", new float[10 * 40], 1, 10, 40)]));
        Assert.Contains("shape [1,10,40]", e.Message, StringComparison.Ordinal);
        Assert.Contains("expects [?,300,40]", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<OnnxRuntimeException>(() => session.Run([NamedTensor.Float("features", new float[5], 1, 300, 40)]));
        Assert.Contains("needs 12000 values", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<OnnxRuntimeException>(() => session.Run([NamedTensor.Float("nope", new float[1], 1)]));
        Assert.Contains("no input 'nope'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingOrCorruptModel_ThrowsClearError()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load("/nonexistent/model.onnx"));
        Assert.Contains("Model file not found: /nonexistent/model.onnx", e.Message, StringComparison.Ordinal);
        using var dir = new TempDir();
        var bogus = Path.Combine(dir.Path, "bogus.onnx");
        File.WriteAllText(bogus, "this is not a protobuf");
        e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Load(bogus));
        Assert.Contains($"ONNX Runtime error loading {bogus}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Protobuf parsing failed", e.Message, StringComparison.Ordinal);
        Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(e.InnerException);
    }

    [Fact]
    public void Run_FromManyThreadsAtOnce_GivesTheSameAnswersAsOneThread()
    {
        using var session = OnnxSession.Load(EmotionOnnx);
        var rng = new Random(5);
        var inputs = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 300 * 40).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var sequential = inputs.Select(x => session.Run([NamedTensor.Float("features", x, 1, 300, 40)])["probabilities"].Floats).ToArray();
        var parallel = new float[16][];
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var r = session.Run([NamedTensor.Float("features", inputs[i % 16], 1, 300, 40)])["probabilities"].Floats;
            if (i < 16) parallel[i] = r;
            else Assert.Equal(sequential[i % 16], r);
        });
        Assert.Equal(sequential, parallel);
        Assert.All(sequential, p => Assert.Equal(1.0, p.Sum(), 4));
    }

    [Fact]
    public void Dispose_ThenRun_ThrowsObjectDisposed()
    {
        var session = OnnxSession.Load(EmotionOnnx);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run([NamedTensor.Float("features", new float[12000], 1, 300, 40)]));
    }

    [Fact]
    public async Task Dispose_WhileOtherThreadsRun_RunsInFlightFinishAndLaterOnesThrowObjectDisposed()
    {
        var session = OnnxSession.Load(EmotionOnnx);
        var input = Enumerable.Range(0, 300 * 40).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        var expected = session.Run([NamedTensor.Float("features", input, 1, 300, 40)])["probabilities"].Floats;
        int completed = 0, refused = 0;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            started.Signal();
            while (true)
            {
                try
                {
                    Assert.Equal(expected, session.Run([NamedTensor.Float("features", input, 1, 300, 40)])["probabilities"].Floats);
                    Interlocked.Increment(ref completed);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();
        started.Wait();
        await Task.Delay(200);
        session.Dispose();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, refused);
        Assert.True(completed > 0);
    }

    [Fact]
    public async Task Dispose_WhileARunIsInFlight_TheRunCompletesAndTheSessionIsFreedAfterIt()
    {
        var session = OnnxSession.Load(EmotionOnnx);
        var input = Enumerable.Range(0, 300 * 40).Select(i => (float)Math.Cos(i * 0.02)).ToArray();
        var expected = session.Run([NamedTensor.Float("features", input, 1, 300, 40)])["probabilities"].Floats;
        using var inputs = new HeldInputs([NamedTensor.Float("features", input, 1, 300, 40)]);
        // The run holds at its first look at the inputs: it is under way, on a thread of its own, at a known point.
        var run = Task.Factory.StartNew(() => session.Run(inputs)["probabilities"].Floats, CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(inputs.Reached.Wait(TimeSpan.FromSeconds(30)), "the run never looked at its inputs");

        session.Dispose();
        // Freed now, the run would go on into a session that no longer exists: the check stops here, the run left held.
        Assert.False(session.IsReleased, "Dispose freed the native session under a run in flight");
        inputs.Resume();

        Assert.Equal(expected, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(session.IsReleased, "the native session was not freed when the last run ended");
        Assert.Throws<ObjectDisposedException>(() => session.Run([NamedTensor.Float("features", input, 1, 300, 40)]));
    }

    /// <summary>Inputs whose first enumeration waits until <see cref="Resume"/>: a run held at a known point.</summary>
    private sealed class HeldInputs(IReadOnlyList<NamedTensor> inner) : IReadOnlyList<NamedTensor>, IDisposable
    {
        private readonly ManualResetEventSlim _resume = new();
        private int _enumerations;

        public ManualResetEventSlim Reached { get; } = new();

        public void Resume() => _resume.Set();

        public NamedTensor this[int index] => inner[index];

        public int Count => inner.Count;

        public IEnumerator<NamedTensor> GetEnumerator()
        {
            if (Interlocked.Increment(ref _enumerations) == 1)
            {
                Reached.Set();
                _resume.Wait();
            }
            return inner.GetEnumerator();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public void Dispose()
        {
            Reached.Dispose();
            _resume.Dispose();
        }
    }
}
