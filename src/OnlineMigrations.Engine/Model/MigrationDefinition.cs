using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Model;

/// <summary>One migration file, parsed and validated.</summary>
public sealed class MigrationDefinition
{
    public required string Id { get; init; }
    public string? Description { get; init; }
    /// <summary>The version the new application code stamps on rows; null when the migration tracks none.</summary>
    public string? ObjectVersion { get; init; }
    public TimeSpan DeprecationWindow { get; init; }
    public required IReadOnlyList<Operation> Operations { get; init; }
    /// <summary>SHA-256 of the file's text with line endings normalised, as lower-case hex.</summary>
    public required string Checksum { get; init; }
    /// <summary>The file it came from; null when it was read back from the state store.</summary>
    public string? Path { get; init; }
    /// <summary>The file's text, stored with the applied migration so later phases run from the database alone.</summary>
    public required string Source { get; init; }

    public ObjectVersion? Version => ObjectVersion is null ? null : Model.ObjectVersion.Parse(ObjectVersion);

    /// <summary>Orders ids the way operators number files: by the leading number, then ordinally.</summary>
    /// <summary>The number an id starts with (its version, as Flyway would say), or null.</summary>
    public static long? Number(string id)
    {
        var i = 0;
        while (i < id.Length && char.IsAsciiDigit(id[i])) i++;
        return i == 0 || i > 18 ? null : long.Parse(id[..i], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int CompareIds(string a, string b)
    {
        static (long? n, string rest) Split(string s)
        {
            var i = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            return i == 0 || i > 18 ? (null, s) : (long.Parse(s[..i], System.Globalization.CultureInfo.InvariantCulture), s[i..]);
        }
        var (na, ra) = Split(a);
        var (nb, rb) = Split(b);
        if (na is not null && nb is not null && na != nb) return na.Value.CompareTo(nb.Value);
        if (na is not null && nb is null) return -1;
        if (na is null && nb is not null) return 1;
        var c = string.CompareOrdinal(ra, rb);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    public override string ToString() => Id;
}
