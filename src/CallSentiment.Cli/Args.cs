using System.Globalization;

namespace CallSentiment.Cli;

/// <summary>Minimal "--name value" / "--flag" parser: unknown options are an error, not ignored.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) _values[pending] = null;
                pending = a[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = a;
                pending = null;
            }
            else
            {
                Positional.Add(a);
            }
        }
        if (pending is not null) _values[pending] = null;
    }

    public List<string> Positional { get; } = [];

    public string? Get(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v ?? throw new UsageException($"--{name} needs a value") : null;
    }

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return false;
        return v is null ? true : throw new UsageException($"--{name} takes no value (got '{v}')");
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = Get(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be a whole number {min}..{max} (got '{s}')");
        return v;
    }

    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = Get(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be a number {min}..{max} (got '{s}')");
        return v;
    }

    /// <summary>Call after reading every option: rejects options the command does not know.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

internal sealed class UsageException(string message) : Exception(message);
