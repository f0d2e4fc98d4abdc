namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>A server per test class (IClassFixture), started and stopped by xunit.</summary>
public sealed partial class MariaDbServer : IAsyncLifetime;
