using System.Globalization;
using CallSentiment.Web.Calls;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace CallSentiment.Web.Pages.Calls;

public sealed class DetailsModel(CallDetails details, IOptions<DashboardOptions> options) : PageModel
{
    public CallView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var view = await details.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (view is null) return NotFound();
        View = view;
        return Page();
    }

    public string Local(DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, options.Value.Zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    public static string Seconds(long ms) => (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static string P(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>Position on the timeline in percent of the call.</summary>
    public static string X(long ms, long durationMs) => (100.0 * ms / Math.Max(1, durationMs)).ToString("0.###", CultureInfo.InvariantCulture);
}
