using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CallSentiment.Web.Tests.Infrastructure;
using Dapper;

namespace CallSentiment.Web.Tests;

/// <summary>
/// The whole app with its recordings in an S3 bucket (s3rver) under a prefix: discovery, sidecars, problems,
/// analysis, audio served from the bucket, and re-analysis of a replaced recording.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3IngestionTests(S3Server s3)
{
    [Fact]
    public async Task S3Source_CallsSidecarAndStrayKey_AnalysedServedAndReanalysedWhenReplaced()
    {
        var bucket = await s3.CreateBucketAsync();
        const string AliceKey = "alice/2026-03-02/090000_a1.wav";
        var alice = TestCalls.Build(CustomerMood.Angry, turns: 3, seed: 1);
        var bob = TestCalls.Build(CustomerMood.Calm, turns: 3, seed: 2);
        await s3.PutAsync(bucket, "calls/" + AliceKey, alice);
        await s3.PutAsync(bucket, "calls/bob/2026-03-03/101500_b1.wav", bob);
        // Not in the key pattern, but its sidecar names agent, call and start time.
        await s3.PutAsync(bucket, "calls/imports/legacy-7.wav", TestCalls.Build(CustomerMood.Happy, turns: 2, seed: 3));
        await s3.PutAsync(bucket, "calls/imports/legacy-7.json",
            """{ "agent": "carol", "agentName": "Carol Jones", "callId": "L7", "startedAt": "2026-03-04T08:30:00+01:00" }""");
        await s3.PutAsync(bucket, "calls/misc/recording.wav", TestCalls.Build(CustomerMood.Calm, turns: 1, seed: 4));
        // Outside the configured prefix: never seen.
        await s3.PutAsync(bucket, "elsewhere/dave/2026-03-03/101500_d1.wav", bob);

        var settings = s3.Settings(bucket, "calls/");
        // Between full listings, polls list the recent days of each agent found by a delimiter listing, which s3rver
        // answers incompletely for the agent/day/ layout (see S3RecordingSourceTests); the replaced recording is
        // therefore found by the next full listing, at the shortest interval allowed.
        settings["Ingestion:FullScanInterval"] = "00:00:10";
        await using var app = new CallSentimentApp(settings: settings);
        _ = app.Server;
        await app.WaitForJobsAsync(3);

        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            var calls = (await c.QueryAsync<(string Agent, string? AgentName, string CallRef, long StartedAt, string SourceKey)>("""
                SELECT a.name, a.display_name, c.call_ref, c.started_at, c.source_key FROM calls c JOIN agents a ON a.id = c.agent_id
                ORDER BY a.name
                """)).ToList();
            Assert.Equal(
                [
                    ("alice", null, "a1", Ms("2026-03-02T09:00:00Z"), AliceKey),
                    ("bob", null, "b1", Ms("2026-03-03T10:15:00Z"), "bob/2026-03-03/101500_b1.wav"),
                    ("carol", "Carol Jones", "L7", Ms("2026-03-04T07:30:00Z"), "imports/legacy-7.wav"),
                ],
                calls);
            Assert.Equal(["done", "done", "done"], await c.QueryAsync<string>("SELECT status FROM jobs"));
            var problem = await c.QuerySingleAsync<(string Key, string Reason)>("SELECT source_key, reason FROM source_problems");
            Assert.Equal("misc/recording.wav", problem.Key);
            Assert.Contains("does not match the key pattern", problem.Reason, StringComparison.Ordinal);
        }

        using var http = await app.SignedInClientAsync();
        var aliceId = await CallIdAsync(app, AliceKey);
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/calls/{aliceId}/audio"))
        {
            request.Headers.Range = new RangeHeaderValue(44, 143);
            using var partial = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal($"bytes 44-143/{alice.Length}", partial.Content.Headers.ContentRange?.ToString());
            Assert.Equal(alice[44..144], await partial.Content.ReadAsByteArrayAsync());
        }

        // The recording is replaced under the same key: a new version, analysed again, still one call for the key.
        var (firstRecording, firstDuration) = await CallRowAsync(app, AliceKey);
        var replaced = TestCalls.Build(CustomerMood.Happy, turns: 2, seed: 5);
        await s3.PutAsync(bucket, "calls/" + AliceKey, replaced);
        await app.WaitForJobsAsync(4);

        string newVersion;
        await using (var c = await app.Db.OpenAsync(CancellationToken.None))
        {
            var versions = (await c.QueryAsync<(long Id, string Version)>(
                "SELECT id, version FROM recordings WHERE source_key = @key ORDER BY id", new { key = AliceKey })).ToList();
            Assert.Equal(2, versions.Count);
            newVersion = versions[1].Version;
            Assert.Equal(await s3.ETagAsync(bucket, "calls/" + AliceKey), newVersion);
            var (recording, duration) = await CallRowAsync(app, AliceKey);
            Assert.Equal(firstRecording, versions[0].Id);
            Assert.Equal(versions[1].Id, recording);
            Assert.NotEqual(firstDuration, duration);
            Assert.Equal(3, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM calls"));
            Assert.Equal(4, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'done'"));
        }
        using (var whole = await http.GetAsync($"/calls/{await CallIdAsync(app, AliceKey)}/audio"))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal($"\"{newVersion}\"", whole.Headers.ETag?.ToString());
            Assert.Equal(replaced, await whole.Content.ReadAsByteArrayAsync());
        }
    }

    private static async Task<long> CallIdAsync(CallSentimentApp app, string key)
    {
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleAsync<long>("SELECT id FROM calls WHERE source_key = @key", new { key });
    }

    private static async Task<(long RecordingId, long DurationMs)> CallRowAsync(CallSentimentApp app, string key)
    {
        await using var c = await app.Db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleAsync<(long, long)>("SELECT recording_id, duration_ms FROM calls WHERE source_key = @key", new { key });
    }

    private static long Ms(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
}
