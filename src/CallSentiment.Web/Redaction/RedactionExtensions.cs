using System.Data.Common;
using System.Globalization;
using CallSentiment.Analysis.Redaction;
using CallSentiment.Web.Access;
using Dapper;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Redaction;

public static class RedactionExtensions
{
    /// <summary>Redaction:* validated at start; the redactor the transcript stage runs (null when Redaction:Enabled is false).</summary>
    public static IHostApplicationBuilder AddRedaction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedactionOptions>().BindConfiguration(RedactionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var types = sp.GetRequiredService<IOptions<RedactionOptions>>().Value.Types;
            return new RedactorHolder(types.Count == 0 ? null : new PiiRedactor(types));
        });
        builder.Services.AddSingleton<RedactedAudio>();
        return builder;
    }

    /// <summary>The transcript stage's redactor, or null when redaction is off.</summary>
    internal static PiiRedactor? Redactor(this IServiceProvider services) => services.GetRequiredService<RedactorHolder>().Redactor;

    internal sealed class RedactorHolder(PiiRedactor? redactor)
    {
        public PiiRedactor? Redactor { get; } = redactor;
    }
}

/// <summary>One audit row per analysed call with redactions: how many of each type, never the values.</summary>
public static class RedactionAudit
{
    /// <summary>"CARD=1 PHONE=2": the counts in the audit row's detail.</summary>
    public static string Describe(IReadOnlyList<PiiSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        return string.Join(' ', PiiTypes.All.Select(t => (t, n: spans.Count(s => s.Type == t))).Where(x => x.n > 0)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{PiiTypes.Label(x.t)}={x.n}")));
    }

    /// <summary>Written in the transaction that stores the analysis, so a stored redacted transcript always has its row.</summary>
    public static async Task WriteAsync(DbConnection connection, DbTransaction transaction, long callId, CallAnalysis analysis, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(analysis);
        const string Insert = """
            INSERT INTO audit_log (at, user_name, action, target, detail, remote_ip) VALUES (@now, NULL, @action, @target, @detail, NULL)
            """;
        var spans = analysis.Conversation?.Redactions ?? [];
        if (spans.Count == 0) return;
        await connection.ExecuteAsync(new CommandDefinition(Insert, new { now, action = AuditLog.Actions.Redaction, target = $"call:{callId}", detail = Describe(spans) },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
