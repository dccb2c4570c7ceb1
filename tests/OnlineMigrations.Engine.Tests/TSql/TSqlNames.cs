using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>Identifiers that need quoting, and the distinctive part of each that must only ever appear
/// inside [brackets] or N'' literals in generated SQL.</summary>
public static class TSqlNames
{
    public static readonly string Long128 = "L128_" + new string('x', 119) + "_end";

    /// <summary>(name, marker): the marker survives both bracket and literal escaping verbatim.</summary>
    public static readonly (string Name, string Marker)[] All =
    [
        ("we]ird", "we]"),
        ("it's", "it'"),
        ("has space", "has space"),
        ("Ünïcødé_名前", "Ünïcødé_名前"),
        (";--drop", ";--drop"),
        (Long128, Long128),
        // A reserved word: unquoted it would not parse at all.
        ("Order", "Order"),
    ];

    public static IEnumerable<object[]> Data => All.Select(n => new object[] { n.Name, n.Marker });

    /// <summary>A table whose schema and name are both the given identifier.</summary>
    public static QualifiedName Table(string name) => new(name, name);
}
