using System.Data.Common;
using System.Text.RegularExpressions;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>The SQLite catalog, read through sqlite_master and the table-valued pragma functions.</summary>
internal sealed class SqliteCatalog(SqliteDialect dialect, Connections.Session connection) : ICatalog
{
    public ServerCapabilities Capabilities => ServerCapabilities.Sqlite;

    public bool TableExists(QualifiedName table) =>
        connection.Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name COLLATE NOCASE", new { name = table.Name }) > 0;

    public bool ObjectExists(QualifiedName name) =>
        connection.Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = @name COLLATE NOCASE", new { name = name.Name }) > 0;

    public IReadOnlyList<ColumnInfo> Columns(QualifiedName table)
    {
        var tableSql = connection.Scalar<string?>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @name COLLATE NOCASE", new { name = table.Name }) ?? "";
        var autoincrement = tableSql.Contains("AUTOINCREMENT", StringComparison.OrdinalIgnoreCase);
        return connection.Query("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(@name)", new { name = table.Name },
            r => new ColumnInfo(
                Name: r.GetString(0),
                Type: r.GetString(1),
                Nullable: r.GetInt64(2) == 0,
                Collation: CollationOf(tableSql, r.GetString(0)),
                Default: r.IsDBNull(3) ? null : r.GetString(3),
                Identity: r.GetInt64(4) == 1 && autoincrement,
                Computed: r.GetInt64(5) is 2 or 3));
    }

    private static string? CollationOf(string tableSql, string column)
    {
        var m = Regex.Match(tableSql, $@"[\[""`]?{Regex.Escape(column)}[\]""`]?\s[^,]*?COLLATE\s+(\w+)", RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static readonly string[] RowIdNames = ["rowid", "_rowid_", "oid"];

    private (List<(string Name, string Type, bool NotNull)> Pk, HashSet<string> Columns, bool WithoutRowId) KeyFacts(QualifiedName table)
    {
        var columns = connection.Query("SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(@name)", new { name = table.Name },
            r => (Name: r.GetString(0), Type: r.GetString(1), NotNull: r.GetInt64(2) == 1, Pk: r.GetInt64(3)));
        var pk = columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => (c.Name, c.Type, c.NotNull)).ToList();
        var withoutRowId = connection.Scalar<string?>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @name COLLATE NOCASE", new { name = table.Name })
            ?.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase) ?? false;
        return (pk, columns.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase), withoutRowId);
    }

    public IReadOnlyList<string> KeyColumns(QualifiedName table)
    {
        var (pk, columns, withoutRowId) = KeyFacts(table);
        // WITHOUT ROWID tables enforce NOT NULL on their key; an INTEGER PRIMARY KEY is the rowid itself.
        if (withoutRowId) return pk.Select(c => c.Name).ToList();
        var rowIdAlias = pk.Count == 1 && pk[0].Type.Equals("INTEGER", StringComparison.OrdinalIgnoreCase);
        if (pk.Count > 0 && (rowIdAlias || pk.All(c => c.NotNull))) return pk.Select(c => c.Name).ToList();
        // No primary key, or one that SQLite lets hold NULL (a walk "key > @lo" never reaches those rows):
        // walk the rowid, clustered, unique and never NULL, under a name no user column hides.
        var free = RowIdNames.FirstOrDefault(n => !columns.Contains(n));
        return free is null ? [] : [free];
    }

    public string? UnusableKey(QualifiedName table)
    {
        var (pk, _, withoutRowId) = KeyFacts(table);
        if (withoutRowId) return null;
        var key = pk.Count > 0 ? $"its primary key ({string.Join(", ", pk.Select(c => c.Name))}) allows NULL, and " : "";
        return $"{key}user columns named rowid, _rowid_ and oid hide SQLite's rowid, so no key reaches every row";
    }

    public IReadOnlyList<IndexInfo> Indexes(QualifiedName table)
    {
        var list = connection.Query("SELECT name, \"unique\", origin FROM pragma_index_list(@name)", new { name = table.Name },
            r => (Name: r.GetString(0), Unique: r.GetInt64(1) == 1, Origin: r.GetString(2)));
        var result = new List<IndexInfo>();
        foreach (var (name, unique, origin) in list)
        {
            var columns = connection.Query("SELECT name FROM pragma_index_info(@name) ORDER BY seqno", new { name }, r => r.IsDBNull(0) ? "" : r.GetString(0));
            var sql = connection.Scalar<string?>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = @name", new { name });
            var where = sql is null ? null : Regex.Match(sql, @"\bWHERE\b(.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline) is { Success: true } m ? m.Groups[1].Value.Trim() : null;
            result.Add(new IndexInfo(name, unique, origin == "pk", origin == "u", columns, [], where));
        }
        return result;
    }

    public IReadOnlyList<string> Triggers(QualifiedName table) =>
        connection.Query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = @name COLLATE NOCASE ORDER BY name", new { name = table.Name }, r => r.GetString(0));

    public IReadOnlyList<(bool Refuse, string Reason)> TableFeatures(QualifiedName table) => [];

    public IReadOnlyList<string> Dependents(DroppedObject dropped, IReadOnlySet<string> ignoreObjects)
    {
        var found = new List<string>();
        var word = dropped.Column ?? dropped.Index ?? dropped.Table.Name;
        var pattern = new Regex($@"(?<![\w]){Regex.Escape(word)}(?![\w])", RegexOptions.IgnoreCase);
        // Views and triggers: SQLite keeps their text only, so the check is a word match on it.
        foreach (var (type, name, tbl, sql) in connection.Query(
                     "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL", null,
                     r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3))))
        {
            if (ignoreObjects.Contains(name) || name.StartsWith(SqliteStoreSql.Prefix, StringComparison.Ordinal)) continue;
            if (dropped.Column is not null && !string.Equals(tbl, dropped.Table.Name, StringComparison.OrdinalIgnoreCase)
                && !Regex.IsMatch(sql, $@"(?<![\w]){Regex.Escape(dropped.Table.Name)}(?![\w])", RegexOptions.IgnoreCase)) continue;
            if (pattern.IsMatch(sql)) found.Add($"{type} {name}");
        }
        if (dropped.Column is not null)
        {
            foreach (var index in Indexes(dropped.Table))
                if (!ignoreObjects.Contains(index.Name) && index.Covers(dropped.Column))
                    found.Add(index.PrimaryKey ? $"the primary key of {dropped.Table}" : $"index {index.Name}");
        }
        // Foreign keys of other tables that point at the dropped table or column.
        foreach (var other in connection.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'OnlineMigrations\\_%' ESCAPE '\\'", null, r => r.GetString(0)))
        {
            foreach (var (refTable, from, to) in connection.Query("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(@name)", new { name = other },
                         r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2))))
            {
                if (!string.Equals(refTable, dropped.Table.Name, StringComparison.OrdinalIgnoreCase)) continue;
                if (dropped.Column is null && dropped.Index is null && !string.Equals(other, dropped.Table.Name, StringComparison.OrdinalIgnoreCase))
                    found.Add($"foreign key of table {other} ({from})");
                else if (dropped.Column is not null && string.Equals(to, dropped.Column, StringComparison.OrdinalIgnoreCase))
                    found.Add($"foreign key of table {other} ({from})");
            }
            if (dropped.Column is not null && string.Equals(other, dropped.Table.Name, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var from in connection.Query("SELECT \"from\" FROM pragma_foreign_key_list(@name)", new { name = other }, r => r.GetString(0)))
                    if (string.Equals(from, dropped.Column, StringComparison.OrdinalIgnoreCase)) found.Add($"foreign key on {other}.{from}");
            }
        }
        _ = dialect;
        return found.Distinct().ToList();
    }
}
