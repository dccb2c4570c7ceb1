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

    // Tables, indexes, views and triggers share one namespace in SQLite.
    public string? IndexNameHolder(QualifiedName table, string name) => ObjectNameHolder(new QualifiedName(table.Schema, name));

    public string? ObjectNameHolder(QualifiedName name) =>
        connection.Query("SELECT type, name, tbl_name FROM sqlite_master WHERE name = @name COLLATE NOCASE", new { name = name.Name },
            r => r.GetString(0) is "table" or "view" ? $"{r.GetString(0)} {r.GetString(1)}" : $"{r.GetString(0)} {r.GetString(1)} on {r.GetString(2)}").FirstOrDefault();

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

    public StringComparer Names => AsciiIgnoreCaseComparer.Instance;

    // SQLite has no schemas: dbo.Instances and other.Instances are the one table Instances.
    public IEqualityComparer<QualifiedName> Tables => new QualifiedNameComparer(Names, ignoreSchema: true);

    // The column's own definition in CREATE TABLE, found by its name token: a pattern over the whole
    // text would find "xHost ... COLLATE" for Host, or a COLLATE inside a CHECK or a literal.
    private string? CollationOf(string tableSql, string column)
    {
        var definition = ColumnDefinition(tableSql, column);
        if (definition is null) return null;
        for (var i = 1; i + 1 < definition.Count; i++)
            if (definition[i].Kind == SqlTokenKind.Word && string.Equals(definition[i].Text, "COLLATE", StringComparison.OrdinalIgnoreCase))
                return definition[i + 1].Name;
        return null;
    }

    private List<SqlToken>? ColumnDefinition(string tableSql, string column) =>
        SqlText.TableItems(tableSql).FirstOrDefault(item => !SqlText.IsTableConstraint(item) && Names.Equals(item[0].Name, column));

    public IReadOnlyList<string> ColumnBlockers(QualifiedName table, string column, IReadOnlySet<string> ignoreObjects)
    {
        var found = ColumnChecks.CoveringIndexes(this, table, column, ignoreObjects);
        var tableSql = connection.Scalar<string?>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @name COLLATE NOCASE", new { name = table.Name }) ?? "";
        foreach (var item in SqlText.TableItems(tableSql))
        {
            if (SqlText.IsTableConstraint(item))
            {
                // PRIMARY KEY, UNIQUE and FOREIGN KEY are refused at expand or found by Dependents.
                var check = item.FindIndex(t => t.Kind == SqlTokenKind.Word && string.Equals(t.Text, "CHECK", StringComparison.OrdinalIgnoreCase));
                if (check >= 0 && SqlText.ColumnNames(item[(check + 1)..]).Any(t => Names.Equals(t.Name, column)))
                    found.Add($"a CHECK constraint of table {table.Name} ({Text(tableSql, item[check..])})");
                continue;
            }
            if (Names.Equals(item[0].Name, column)) continue; // its own CHECK goes with it
            if (!SqlText.ColumnNames(item[1..]).Any(t => Names.Equals(t.Name, column))) continue;
            var generated = item.Any(t => t.Kind == SqlTokenKind.Word && (string.Equals(t.Text, "GENERATED", StringComparison.OrdinalIgnoreCase) || string.Equals(t.Text, "AS", StringComparison.OrdinalIgnoreCase)));
            found.Add(generated ? $"the generated column {item[0].Name}" : $"the CHECK constraint of column {item[0].Name}");
        }
        foreach (var (name, sql) in connection.Query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = @name COLLATE NOCASE AND sql IS NOT NULL",
                     new { name = table.Name }, r => (r.GetString(0), r.GetString(1))))
        {
            if (ignoreObjects.Contains(name)) continue;
            var tokens = SqlText.Tokenize(sql);
            var open = tokens.ToList().FindIndex(t => t.Kind == SqlTokenKind.Symbol && t.Text == "(");
            if (open < 0) continue;
            var body = tokens.Skip(open + 1).ToList();
            var where = body.FindIndex(t => t.Kind == SqlTokenKind.Word && string.Equals(t.Text, "WHERE", StringComparison.OrdinalIgnoreCase));
            var columns = where < 0 ? body : body[..where];
            var plain = SqlText.TopLevelItems(columns, 0).All(c => c.Count == 1 || (c.Count >= 2 && c[1].Kind == SqlTokenKind.Word));
            if (!plain && SqlText.ColumnNames(columns).Any(t => Names.Equals(t.Name, column))) found.Add($"the expression index {name}");
            else if (where >= 0 && SqlText.ColumnNames(body[(where + 1)..]).Any(t => Names.Equals(t.Name, column))) found.Add($"the partial index {name} (WHERE{Text(sql, body[(where + 1)..])})");
        }
        return found;
    }

    private static string Text(string sql, List<SqlToken> tokens) =>
        tokens.Count == 0 ? "" : sql[tokens[0].Start..(tokens[^1].Start + tokens[^1].Text.Length)];

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
            var where = sql is null ? null : Filter(sql);
            result.Add(new IndexInfo(name, unique, origin == "pk", origin == "u", columns, [], where));
        }
        return result;
    }

    // The WHERE keyword after the column list, not a "where" inside an index name, a quoted name or a literal.
    private static string? Filter(string indexSql)
    {
        var tokens = SqlText.Tokenize(indexSql);
        var depth = 0;
        foreach (var t in tokens)
        {
            if (t.Kind == SqlTokenKind.Symbol && t.Text == "(") depth++;
            else if (t.Kind == SqlTokenKind.Symbol && t.Text == ")") depth--;
            else if (depth == 0 && t.Kind == SqlTokenKind.Word && string.Equals(t.Text, "WHERE", StringComparison.OrdinalIgnoreCase))
                return indexSql[(t.Start + t.Text.Length)..].Trim();
        }
        return null;
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
