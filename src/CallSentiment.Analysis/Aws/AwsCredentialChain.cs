using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace CallSentiment.Analysis.Aws;

/// <summary>
/// Credentials for one request: the given ones (tests, explicit keys), else AWSSDK.Core's standard chain
/// (environment, shared profile, web identity, container and instance roles). Asked for every request, because
/// role and session credentials rotate; the SDK caches and refreshes them itself.
/// </summary>
public static class AwsCredentialChain
{
    public static async Task<ImmutableCredentials> ResolveAsync(AWSCredentials? explicitCredentials, CancellationToken cancellationToken)
    {
        var source = explicitCredentials
            ?? await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("no AWS credentials found (environment, shared profile, container or instance role)");
        var credentials = await source.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(credentials?.AccessKey) || string.IsNullOrEmpty(credentials.SecretKey))
            throw new InvalidOperationException($"the AWS credentials from {source.GetType().Name} have no access key or secret key");
        return credentials;
    }
}
