using System.ComponentModel.DataAnnotations;

namespace CallSentiment.Web.Access;

/// <summary>The three roles. Admin may do everything the others may.</summary>
public static class AppRoles
{
    public const string Supervisor = "Supervisor";
    public const string QA = "QA";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Supervisor, QA, Admin];

    public static bool IsRole(string? role) => role is Supervisor or QA or Admin;
}

/// <summary>Authorization policies by what a person does, not by who they are.</summary>
public static class Policies
{
    /// <summary>Dashboards, trends, CSV, the ingestion status: supervisors (and admins).</summary>
    public const string Dashboard = "dashboard";

    /// <summary>A call's page, its audio and pictures: supervisors and QA (and admins).</summary>
    public const string Calls = "calls";

    /// <summary>The service-recovery queue: QA staff (and admins).</summary>
    public const string Qa = "qa";

    /// <summary>Users, audit log, settings, deletion.</summary>
    public const string Admin = "admin";

    /// <summary>Anyone with a role (the API's description).</summary>
    public const string AnyRole = "any-role";
}

public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Access";

    /// <summary>Failed sign-ins in a row before the account is locked.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A sign-in lasts this long without activity (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Shortest password accepted for new passwords.</summary>
    [Range(8, 128)]
    public int MinPasswordLength { get; set; } = 12;

    /// <summary>
    /// The first administrator: created at start when no user exists yet (and only then), e.g. from environment
    /// variables Access__BootstrapAdmin__UserName / Access__BootstrapAdmin__Password. Remove them once signed in.
    /// </summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>
    /// Send the sign-in cookie over HTTPS only, even when a request arrives over HTTP. Off by default: the cookie is
    /// then Secure whenever the request is HTTPS (behind a TLS-terminating proxy set ASPNETCORE_FORWARDEDHEADERS_ENABLED=true).
    /// </summary>
    public bool SecureCookies { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LockoutDuration <= TimeSpan.Zero)
            yield return new ValidationResult("Access:LockoutDuration must be positive", [nameof(LockoutDuration)]);
        if (SessionLifetime < TimeSpan.FromMinutes(1))
            yield return new ValidationResult("Access:SessionLifetime must be at least a minute", [nameof(SessionLifetime)]);
        var (name, password) = (BootstrapAdmin.UserName, BootstrapAdmin.Password);
        if (string.IsNullOrWhiteSpace(name) != string.IsNullOrEmpty(password))
            yield return new ValidationResult("Access:BootstrapAdmin needs both UserName and Password (or neither)", [nameof(BootstrapAdmin)]);
        if (!string.IsNullOrWhiteSpace(name) && UserStore.CheckUserName(name) is { } nameProblem)
            yield return new ValidationResult($"Access:BootstrapAdmin:UserName: {nameProblem}", [nameof(BootstrapAdmin)]);
        if (!string.IsNullOrEmpty(password) && password.Length < MinPasswordLength)
            yield return new ValidationResult($"Access:BootstrapAdmin:Password must have at least {MinPasswordLength} characters", [nameof(BootstrapAdmin)]);
    }
}

public sealed class BootstrapAdminOptions
{
    public string? UserName { get; set; }

    public string? Password { get; set; }
}
