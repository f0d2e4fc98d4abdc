using System.Net;
using System.Text.RegularExpressions;

namespace CallSentiment.Web.Tests.Infrastructure;

/// <summary>Signing in the way a browser does: the login form's antiforgery token, then the form post.</summary>
public static class SignIn
{
    public const string Password = "correct horse battery staple";

    /// <summary>Posts the login form; returns the response (302 on success, 200 with the form's error otherwise).</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string userName, string password, string? returnUrl = null)
    {
        var token = TokenOf(await http.GetStringAsync(new Uri("login", UriKind.Relative)));
        var fields = new Dictionary<string, string> { ["userName"] = userName, ["password"] = password, ["__RequestVerificationToken"] = token };
        if (returnUrl is not null) fields["returnUrl"] = returnUrl;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("login", UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
        return await http.SendAsync(request);
    }

    /// <summary>The antiforgery token of the (first) form on a page.</summary>
    public static string TokenOf(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"") is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException("the page has no form with an antiforgery token");

    /// <summary>Signs in and checks it worked (the client must keep cookies and not follow redirects, or follow them).</summary>
    public static async Task AsAsync(HttpClient http, string userName, string password = Password)
    {
        using var response = await PostAsync(http, userName, password);
        var ok = response.StatusCode == HttpStatusCode.Redirect
                 || (response.StatusCode == HttpStatusCode.OK && response.RequestMessage?.RequestUri?.AbsolutePath != "/login");
        if (!ok) throw new InvalidOperationException($"sign-in as {userName} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A plain HttpClient with its own cookie jar, signed in (for app processes).</summary>
    public static async Task<HttpClient> ClientAsync(Uri baseAddress, string userName, string password = Password, TimeSpan? timeout = null)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        await AsAsync(http, userName, password);
        return http;
    }
}
