using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using CallSentiment.Web.Access;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Admin;

[Authorize(Policy = Policies.Admin)]
public sealed class AuditModel(AuditLog audit, IOptions<DashboardOptions> dashboard) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "user")] public string? UserFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "action")] public string? ActionFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "target")] public string? TargetFilter { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Entries = await audit.ListAsync(Blank(UserFilter)?.ToLowerInvariant(), Blank(ActionFilter), Blank(TargetFilter), 500, cancellationToken).ConfigureAwait(false);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public string Local(long ms) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), dashboard.Value.Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
