using System.Globalization;

namespace OnlineMigrations.Engine.Model;

/// <summary>A row object version: dotted non-negative numbers compared numerically (1.10 &gt; 1.9, 2 = 2.0).</summary>
public sealed class ObjectVersion : IComparable<ObjectVersion>, IEquatable<ObjectVersion>
{
    /// <summary>The width of the object-version column.</summary>
    public const int MaxLength = 32;

    private readonly long[] _parts;

    private ObjectVersion(string text, long[] parts) { Text = text; _parts = parts; }

    public string Text { get; }

    public static bool TryParse(string? text, out ObjectVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength) return false;
        var pieces = text.Split('.');
        var parts = new long[pieces.Length];
        for (var i = 0; i < pieces.Length; i++)
        {
            if (pieces[i].Length == 0 || pieces[i].Length > 9 || !pieces[i].All(char.IsAsciiDigit)) return false;
            parts[i] = long.Parse(pieces[i], CultureInfo.InvariantCulture);
        }
        version = new ObjectVersion(text, parts);
        return true;
    }

    public static ObjectVersion Parse(string text) =>
        TryParse(text, out var v) ? v! : throw new FormatException($"'{text}' is not an object version; write dotted numbers such as '2.0' or '1.10'");

    /// <summary>True when <paramref name="rowVersion"/> is older than this version. NULL and text that is
    /// not a version count as older: such a row was not written by code that knows this version.</summary>
    public bool IsNewerThan(string? rowVersion) =>
        rowVersion is null || !TryParse(rowVersion, out var row) || CompareTo(row) > 0;

    public int CompareTo(ObjectVersion? other)
    {
        if (other is null) return 1;
        var n = Math.Max(_parts.Length, other._parts.Length);
        for (var i = 0; i < n; i++)
        {
            var a = i < _parts.Length ? _parts[i] : 0;
            var b = i < other._parts.Length ? other._parts[i] : 0;
            if (a != b) return a.CompareTo(b);
        }
        return 0;
    }

    public bool Equals(ObjectVersion? other) => other is not null && CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is ObjectVersion v && Equals(v);
    public override int GetHashCode() => Enumerable.Reverse(_parts).SkipWhile(p => p == 0).Aggregate(17, (h, p) => h * 31 + p.GetHashCode());
    public override string ToString() => Text;
}
