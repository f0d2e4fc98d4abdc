using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>Everything the app logs (with exceptions), and a way to wait until a message has been logged.</summary>
public sealed class LogCapture : ILoggerProvider, ILogger
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Messages { get; } = new();

    public Task Seen(string text)
    {
        var seen = _awaited.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Messages.Any(m => m.Contains(text, StringComparison.Ordinal))) seen.TrySetResult();
        return seen.Task;
    }

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception) + (exception is null ? "" : " " + exception);
        Messages.Enqueue(message);
        foreach (var (text, seen) in _awaited)
            if (message.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
    }

    public void Dispose()
    {
    }
}
