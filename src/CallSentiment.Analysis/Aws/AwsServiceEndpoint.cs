using System.Text.RegularExpressions;
using Amazon.Runtime.Internal.Endpoints.StandardLibrary;

namespace CallSentiment.Analysis.Aws;

/// <summary>
/// A service that speaks AWS JSON 1.1: its SigV4 signing name, its <c>X-Amz-Target</c> prefix, the region, and
/// optionally an explicit endpoint (tests, VPC endpoints) or the FIPS endpoint of the region.
/// </summary>
/// <remarks>
/// Host names follow the services' endpoint rule sets (botocore <c>data/&lt;service&gt;/*/endpoint-rule-set-1.json</c>);
/// the partition of a region (its DNS suffix, whether it has FIPS endpoints) comes from AWSSDK.Core's own partition
/// data, the table every AWS SDK resolves regions with, so a new region or partition arrives with an SDK update.
/// </remarks>
public sealed partial record AwsServiceEndpoint(string SigningName, string TargetPrefix, string Region, Uri? ServiceUrl = null, bool UseFips = false)
{
    /// <summary>The endpoint to call; throws <see cref="ArgumentException"/> for a combination the service's rules refuse.</summary>
    public Uri Url => ServiceUrl is { } explicitUrl
        ? UseFips ? throw new ArgumentException($"{SigningName}: a FIPS endpoint and an explicit service URL exclude each other (the service's rules refuse both at once); give the FIPS URL itself as the service URL, or leave the service URL out") : explicitUrl
        : new Uri($"https://{Host(SigningName, Region, UseFips)}/");

    /// <summary>The partition ("aws", "aws-cn", "aws-us-gov", ...) a region belongs to, by AWSSDK.Core's partition table.</summary>
    public static string PartitionOf(string region) => Partition(region).Name;

    internal static string Host(string service, string region, bool fips)
    {
        var partition = Partition(region);
        if (fips)
        {
            if (!partition.SupportsFips)
                throw new ArgumentException($"{service}: FIPS endpoints were asked for, but the {partition.Name} partition of region {region} has none");
            // Transcribe's rule set names its own FIPS hosts in the commercial and GovCloud partitions.
            if (service == "transcribe" && partition.Name is "aws" or "aws-us-gov")
                return $"fips.transcribe.{region}.amazonaws.com";
            return $"{service}-fips.{region}.{partition.DnsSuffix}";
        }
        // Transcribe's rule set: the two China regions have host names of their own.
        if (service == "transcribe" && region is "cn-north-1" or "cn-northwest-1")
            return $"cn.transcribe.{region}.amazonaws.com.cn";
        return $"{service}.{region}.{partition.DnsSuffix}";
    }

    private sealed record PartitionInfo(string Name, string DnsSuffix, bool SupportsFips);

    private static PartitionInfo Partition(string region)
    {
        // The region becomes part of a host name: only a valid DNS label may go there.
        if (string.IsNullOrWhiteSpace(region) || !RegionPattern().IsMatch(region))
            throw new ArgumentException($"'{region}' is not an AWS region name (e.g. eu-west-2)", nameof(region));
        var p = Fn.Partition(region) ?? throw new ArgumentException($"region {region} belongs to no AWS partition", nameof(region));
        return new PartitionInfo((string)p["name"], (string)p["dnsSuffix"], p["supportsFIPS"] is true);
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex RegionPattern();
}
