using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Binds a key's values as parameters of the same kind as the key columns. A varchar or char key
/// must be compared with a varchar parameter: an nvarchar one converts the column, and under a SQL
/// collation nvarchar sorts some strings differently ('a-c' and 'ab'), so a keyset walk could skip rows.
/// </summary>
public sealed class KeyParameters
{
    private readonly bool[] _ansi;

    private KeyParameters(bool[] ansi) => _ansi = ansi;

    /// <summary>For tests: which key columns are varchar or char.</summary>
    internal static KeyParameters FromFlags(params bool[] ansi) => new(ansi);

    public static KeyParameters For(TargetDatabase target, QualifiedName table, IReadOnlyList<string> keys)
    {
        if (!target.Dialect.AnsiKeyParameters) return new KeyParameters(new bool[keys.Count]);
        var columns = target.Catalog.Columns(table);
        return new KeyParameters(keys.Select(k =>
        {
            var type = columns.FirstOrDefault(c => string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase))?.Type ?? "";
            return type.StartsWith("varchar", StringComparison.OrdinalIgnoreCase) || type.StartsWith("char", StringComparison.OrdinalIgnoreCase);
        }).ToArray());
    }

    /// <summary>Adds @{prefix}_0.. for <paramref name="key"/> to <paramref name="parameters"/>.</summary>
    public void Add(IDictionary<string, object?> parameters, string prefix, object?[] key)
    {
        for (var i = 0; i < key.Length; i++)
            parameters[$"@{prefix}_{i}"] = key[i] is string s && i < _ansi.Length && _ansi[i] ? new AnsiText(s) : key[i];
    }
}
