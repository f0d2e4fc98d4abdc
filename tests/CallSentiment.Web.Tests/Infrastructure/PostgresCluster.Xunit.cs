namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>One cluster for all PostgreSQL tests of a run, started and stopped by xunit.</summary>
public sealed partial class PostgresCluster : IAsyncLifetime;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
