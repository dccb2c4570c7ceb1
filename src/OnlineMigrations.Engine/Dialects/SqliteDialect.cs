using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>
/// The embedded engine. SQLite has no schemas (dbo.Instances is the table Instances), no online
/// index options (a build takes the database's single write lock), and no ALTER COLUMN; SQL it
/// emits works with SQLite 3.40 or newer.
/// </summary>
public sealed class SqliteDialect : IDialect
{
    public static readonly SqliteDialect Instance = new();

    /// <summary>A table the backfill fills inside its own transaction, so sync triggers can tell its writes apart.</summary>
    internal const string BackfillMark = "[OnlineMigrations_BackfillMark]";

    private readonly KeysetStatements _keyset = new(QuoteName, t => QuoteName(t.Name), top: false, count: "COUNT(*)", end: "");

    public Provider Provider => Provider.Sqlite;
    public StoreSql Store { get; } = new SqliteStoreSql();

    // SQLite's [brackets] cannot contain ']' at all (doubling it is T-SQL, not SQLite): such a name
    // is quoted the standard way, in double quotes with '"' doubled.
    public string Quote(string identifier) => QuoteName(identifier);

    // SQLite's brackets cannot escape ']': a name containing one is double-quoted instead.
    private static string QuoteName(string identifier) => identifier.Contains(']', StringComparison.Ordinal)
        ? "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : "[" + identifier + "]";
    public string Table(QualifiedName table) => Quote(table.Name);
    public string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    public string Column(string column) => Quote(column);

    public static MigrationException NotSupported(string what, string instead) =>
        new(ErrorIds.NotSupportedOnSqlite, $"{what} is not supported on SQLite.", instead);

    private string ColumnSql(ColumnDefinition c)
    {
        var sb = new StringBuilder($"{Quote(c.Name)} {c.Type}");
        if (c.PrimaryKey) sb.Append(" PRIMARY KEY");
        if (c.Identity) sb.Append(" AUTOINCREMENT");
        if (!c.Nullable) sb.Append(" NOT NULL");
        if (c.Collation is not null) sb.Append(" COLLATE ").Append(c.Collation);
        if (c.Default is not null) sb.Append(" DEFAULT (").Append(c.Default).Append(')');
        return sb.ToString();
    }

    public string CreateTable(QualifiedName table, IReadOnlyList<ColumnDefinition> columns, IReadOnlyList<string> primaryKey)
    {
        var parts = columns.Select(ColumnSql).ToList();
        if (primaryKey.Count > 0) parts.Add($"PRIMARY KEY ({string.Join(", ", primaryKey.Select(Quote))})");
        return $"CREATE TABLE {Table(table)} (\n    {string.Join(",\n    ", parts)}\n)";
    }

    public string DropTable(QualifiedName table) => $"DROP TABLE IF EXISTS {Table(table)}";
    public string AddColumn(QualifiedName table, ColumnDefinition column) => $"ALTER TABLE {Table(table)} ADD COLUMN {ColumnSql(column)}";
    public IReadOnlyList<string> DropColumn(QualifiedName table, string column) => [$"ALTER TABLE {Table(table)} DROP COLUMN {Quote(column)}"];

    // SQLite: "Cannot add a column with non-constant default" — CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP
    // and function calls are not constant.
    public bool CanAddColumnWithDefault(string expression)
    {
        var tokens = SqlText.Tokenize(expression).Where(t => t.Kind is not (SqlTokenKind.Space or SqlTokenKind.Comment)).ToList();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind != SqlTokenKind.Word) continue;
            if (tokens[i].Text.StartsWith("CURRENT_", StringComparison.OrdinalIgnoreCase)) return false;
            if (i + 1 < tokens.Count && tokens[i + 1].Text == "(") return false;
        }
        return true;
    }

    // SQLite has no ALTER COLUMN: a column keeps the nullability and default it was added with; a UNIQUE
    // constraint of CREATE TABLE is part of the table, and no column it covers can be dropped.
    public bool ChangesNullability => false;
    public bool AddsDefaultLater => false;
    public bool DropsDefaultByName => false;
    public bool AddsNotNullColumnWithDefault => true;
    public bool DropsUniqueConstraints => false;
    public MigrationException CannotChangeColumn(string what, string instead) => NotSupported(what, instead);

    public string MakeNullable(QualifiedName table, ColumnInfo column) =>
        throw NotSupported($"Making the NOT NULL column {table}.{column.Name} nullable",
            "SQLite cannot change a column's nullability in place; give the column a default or make it nullable in an earlier release, or use SQL Server.");

    public string AddDefault(QualifiedName table, string column, string constraintName, string expression) =>
        throw NotSupported($"Adding a default to the existing column {table}.{column}", "Give the column a default in an earlier release, or make it nullable.");

    public string Placeholder(string type) => "0";

    public string MakeNotNull(QualifiedName table, string column, string type) =>
        throw NotSupported($"Making {table}.{column} NOT NULL after it was added",
            "SQLite cannot change a column's nullability in place; keep the column nullable on SQLite (\"nullable\": true).");

    public string RenameColumn(QualifiedName table, string from, string to) => $"ALTER TABLE {Table(table)} RENAME COLUMN {Quote(from)} TO {Quote(to)}";
    public string RenameTable(QualifiedName from, QualifiedName to) => $"ALTER TABLE {Table(from)} RENAME TO {Quote(to.Name)}";

    private string IndexSql(IndexSpec index, string name) =>
        $"CREATE {(index.Unique ? "UNIQUE " : "")}INDEX IF NOT EXISTS {Quote(name)} ON {Table(index.Table)} ({string.Join(", ", index.Columns.Select(Quote))})" +
        (index.Where is null ? "" : $" WHERE {index.Where}");

    public Step CreateIndex(string stepName, IndexSpec index, ServerCapabilities capabilities, bool allowOffline)
    {
        if (index.Include.Count > 0)
            throw NotSupported($"INCLUDE columns on index {index.Name}", "Remove \"include\" for SQLite, or add those columns to \"columns\".");
        return new Step(stepName, [IndexSql(index, index.Name)]);
    }

    public string DropIndex(QualifiedName table, string name) => $"DROP INDEX IF EXISTS {Quote(name)}";
    // An index build is one transaction on SQLite: it never stops half way.
    public string? AbortIndexBuild(QualifiedName table, string name, ServerCapabilities capabilities) => null;

    // SQLite cannot rename an index: build it again under the final name and drop the interim one.
    public IReadOnlyList<string> RenameIndex(QualifiedName table, string from, IndexSpec renamedTo) =>
        [IndexSql(renamedTo, renamedTo.Name), DropIndex(table, from)];

    public string CreateSynonym(QualifiedName name, QualifiedName target) =>
        throw NotSupported("renameTable (it needs a synonym for the old name while old code runs)", "Use SQL Server, or create the new table and copy data with createTable and a sql operation.");
    public string DropSynonym(QualifiedName name) => CreateSynonym(name, name);

    public string AddForeignKey(QualifiedName table, string name, IReadOnlyList<string> columns, QualifiedName referenced, IReadOnlyList<string> referencedColumns) =>
        throw NotSupported($"Adding the foreign key {name} to the existing table {table}", "SQLite can only declare foreign keys in CREATE TABLE; declare it in a createTable, or use SQL Server.");
    public string AddCheckConstraint(QualifiedName table, string name, string expression) =>
        throw NotSupported($"Adding the check constraint {name} to the existing table {table}", "SQLite can only declare check constraints in CREATE TABLE; declare it in a createTable, or use SQL Server.");
    public string TrustConstraint(QualifiedName table, string name) => AddCheckConstraint(table, name, "");
    public string DropConstraint(QualifiedName table, string name) => AddCheckConstraint(table, name, "");

    /// <summary>Where a sync trigger notes, for the row being updated, that the statement writes a new
    /// column: SQLite's triggers cannot ask UPDATE(column), but a BEFORE UPDATE OF trigger fires exactly
    /// when the column is in the SET list, and always before the row's AFTER trigger.</summary>
    internal const string WriteMark = "[OnlineMigrations_SyncWriteMark]";

    /// <summary>The new columns whose writes a trigger must see (a write to them wins, even unchanged).</summary>
    private static List<string> WrittenColumns(IReadOnlyList<SyncRule>? rules) =>
        (rules ?? []).Select(r => r switch { FillRule f => f.Column, MirrorRule m => m.To, _ => null })
            .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public IReadOnlyList<string> SyncTriggerObjects(string triggerName, IReadOnlyList<SyncRule>? rules = null) =>
        [triggerName + "_insert", triggerName + "_update", .. WrittenColumns(rules).Select((_, i) => $"{triggerName}_writes{i + 1}")];

    public IReadOnlyList<string> CreateSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule> rules, IReadOnlyList<string> keyColumns)
    {
        var t = Table(table);
        var thisRow = string.Join(" AND ", keyColumns.Select(k => $"{Quote(k)} = NEW.{Quote(k)}"));
        var rowKey = string.Join(" || ',' || ", keyColumns.Select(k => $"quote(NEW.{Quote(k)})"));
        // A backfill's own UPDATE (its batch holds the mark row, seen only inside its transaction, and SQLite has
        // one writer at a time) fires none of the update triggers: it sets the new columns from the old ones
        // itself, so the reverse direction must not run, and the forward ones have nothing to do (their old
        // columns are unchanged; a value one new column derives from another is caught by the next pass and
        // the verification). Skipping them spares every row of a batch a write mark, its delete and the rules.
        const string notBackfill = "WHEN NOT EXISTS (SELECT 1 FROM " + BackfillMark + ")";
        var names = SyncTriggerObjects(triggerName, rules);
        var written = WrittenColumns(rules);
        string MarkName(string column) => names[2 + written.FindIndex(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase))];
        string Wrote(string column) => $"EXISTS (SELECT 1 FROM {WriteMark} WHERE Name = {Literal(MarkName(column))} AND Row = {rowKey})";
        var onInsert = new List<string>();
        var onUpdate = new List<string>();
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case FillRule f:
                    var (column, fill) = (Quote(f.Column), $"({f.Up})");
                    var unwritten = f.Default is null ? $"{column} IS NULL" : $"({column} IS NULL OR NOT {Differ(column, $"({f.Default})")})";
                    onInsert.Add($"UPDATE {t} SET {column} = {fill} WHERE {thisRow} AND {unwritten} AND {fill} IS NOT NULL AND {Differ(column, fill)};");
                    // Old code (the statement did not write the new column) changed what up is computed from:
                    // up over the row before and after the statement differ.
                    // Only the columns up names: a trigger naming a column keeps SQLite from dropping it.
                    var read = ReferencedColumns(f.Up, f.OldShape);
                    string UpOver(string row) => $"(SELECT {fill} FROM (SELECT {string.Join(", ", read.Select(x => $"{row}.{Quote(x)} AS {Quote(x)}"))}))";
                    var changed = read.Count == 0 ? "1" : Differ(UpOver("NEW"), UpOver("OLD"));
                    var keepsNotNull = f.NotNull ? $" AND {fill} IS NOT NULL" : "";
                    onUpdate.Add($"UPDATE {t} SET {column} = {fill} WHERE {thisRow} AND NOT {Wrote(f.Column)} AND {Differ(column, fill)}{keepsNotNull} AND ({column} IS NULL OR {changed});");
                    break;
                case MirrorRule m:
                    var (from, to) = (Quote(m.From), Quote(m.To));
                    // New code wrote the new column: it wins. Otherwise old code wrote the old one.
                    var toUnwritten = m.ToDefault is null ? $"{to} IS NULL" : $"({to} IS NULL OR NOT {Differ(to, $"({m.ToDefault})")})";
                    onInsert.Add($"UPDATE {t} SET {from} = {to} WHERE {thisRow} AND NOT {toUnwritten} AND {Differ(from, to)};");
                    onInsert.Add($"UPDATE {t} SET {to} = {from} WHERE {thisRow} AND {toUnwritten} AND {from} IS NOT NULL AND {Differ(to, from)};");
                    onUpdate.Add($"UPDATE {t} SET {from} = {to} WHERE {thisRow} AND {Wrote(m.To)} AND {Differ(from, to)};");
                    onUpdate.Add($"UPDATE {t} SET {to} = {from} WHERE {thisRow} AND NOT {Wrote(m.To)} AND {Differ("NEW." + from, "OLD." + from)} AND {Differ(to, from)};");
                    break;
                case ShadowRule s:
                    var (col, shadow) = (Quote(s.Column), Quote(s.Shadow));
                    var upKeepsNotNull = s.NotNull ? $" AND ({s.Up}) IS NOT NULL" : "";
                    if (s.Down is null)
                        onInsert.Add($"UPDATE {t} SET {shadow} = ({s.Up}) WHERE {thisRow} AND {Differ(shadow, $"({s.Up})")}{upKeepsNotNull};");
                    else
                    {
                        // New code inserted the new shape (the shadow holds a value of its own): the old column takes down of it.
                        var shadowWritten = $"({shadow} IS NOT NULL{(s.Default is null ? "" : $" AND {Differ(shadow, $"({s.Default})")}")})";
                        onInsert.Add($"UPDATE {t} SET {col} = ({s.Down}) WHERE {thisRow} AND {shadowWritten} AND {Differ(col, $"({s.Down})")};");
                        onInsert.Add($"UPDATE {t} SET {shadow} = ({s.Up}) WHERE {thisRow} AND NOT {shadowWritten} AND {Differ(shadow, $"({s.Up})")}{upKeepsNotNull};");
                        onUpdate.Add($"UPDATE {t} SET {col} = ({s.Down}) WHERE {thisRow} AND {Differ("NEW." + shadow, "OLD." + shadow)} AND NOT {Differ("NEW." + col, "OLD." + col)} AND {Differ(col, $"({s.Down})")};");
                    }
                    onUpdate.Add($"UPDATE {t} SET {shadow} = ({s.Up}) WHERE {thisRow} AND {Differ("NEW." + col, "OLD." + col)} AND {Differ(shadow, $"({s.Up})")}{upKeepsNotNull};");
                    break;
            }
        }
        if (written.Count > 0)
            onUpdate.Add($"DELETE FROM {WriteMark} WHERE Name IN ({string.Join(", ", written.Select(c => Literal(MarkName(c))))}) AND Row = {rowKey};");
        var statements = new List<string>();
        if (written.Count > 0) statements.Add($"CREATE TABLE IF NOT EXISTS {WriteMark} (Name TEXT NOT NULL, Row TEXT NOT NULL)");
        statements.AddRange(written.Select(c =>
            $"CREATE TRIGGER {Quote(MarkName(c))} BEFORE UPDATE OF {Quote(c)} ON {t} FOR EACH ROW {notBackfill}\nBEGIN\n    INSERT INTO {WriteMark} (Name, Row) VALUES ({Literal(MarkName(c))}, {rowKey});\nEND"));
        statements.Add($"CREATE TRIGGER {Quote(names[0])} AFTER INSERT ON {t} FOR EACH ROW\nBEGIN\n    {string.Join("\n    ", onInsert)}\nEND");
        statements.Add($"CREATE TRIGGER {Quote(names[1])} AFTER UPDATE ON {t} FOR EACH ROW {notBackfill}\nBEGIN\n    {string.Join("\n    ", onUpdate)}\nEND");
        return statements;
    }

    /// <summary>The columns among <paramref name="columns"/> that <paramref name="expression"/> names (quoted or
    /// bare, outside string literals); a function of the same name counts too, which costs nothing.</summary>
    internal static List<string> ReferencedColumns(string expression, IEnumerable<string> columns)
    {
        var withoutLiterals = System.Text.RegularExpressions.Regex.Replace(expression, "'(?:[^']|'')*'", "''");
        var names = System.Text.RegularExpressions.Regex.Matches(withoutLiterals, "\\[([^\\]]*)\\]|\"((?:[^\"]|\"\")*)\"|`([^`]*)`|([A-Za-z_\\u0080-\\uFFFF][\\w$\\u0080-\\uFFFF]*)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value.Replace("\"\"", "\"", StringComparison.Ordinal)
                : m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return columns.Where(names.Contains).ToList();
    }

    public IReadOnlyList<string> DropSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule>? rules = null) =>
        SyncTriggerObjects(triggerName, rules).Select(n => $"DROP TRIGGER IF EXISTS {Quote(n)}").ToList();

    // BINARY: a column's own collation (NOCASE, RTRIM) would make 'alice' and 'ALICE', or 'a' and 'a ', one value.
    public string Differ(string a, string b, string? type = null) => $"(({a}) COLLATE BINARY IS NOT ({b}) COLLATE BINARY)";

    public string VersionOlder(string versionColumn, IReadOnlyList<string> olderVersionParameters) => _keyset.VersionOlder(versionColumn, olderVersionParameters);
    public string BatchEnd(QualifiedName table, IReadOnlyList<string> keys, bool hasLower) => _keyset.BatchEnd(table, keys, hasLower);
    public string MaxKey(QualifiedName table, IReadOnlyList<string> keys) => _keyset.MaxKey(table, keys);
    public string UpdateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, IReadOnlyList<(string Column, string Value)> set, string where) =>
        _keyset.UpdateRange(table, keys, hasLower, set, where);
    public string CountRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string where) => _keyset.CountRange(table, keys, hasLower, where);
    public string CountWhere(QualifiedName table, string where) => _keyset.CountWhere(table, where);
    public string CompileExpression(QualifiedName table, string expression, IReadOnlyList<string> plannedColumns) => _keyset.CompileExpression(table, expression, plannedColumns);
    public string EvaluateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string expression) => _keyset.EvaluateRange(table, keys, hasLower, expression);
    // SQLite stores what it is given (type affinity): an assignment never fails a conversion.
    public string Converted(string expression, string type) => $"({expression})";
    public string CountRows(QualifiedName table) => _keyset.CountRows(table);
    public string VersionHistogram(QualifiedName table, string versionColumn, string? counting = null) => _keyset.VersionHistogram(table, versionColumn, counting);
    public string VersionHistogramRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string versionColumn, string? counting = null) =>
        _keyset.VersionHistogramRange(table, keys, hasLower, versionColumn, counting);
    // WAL: a reader holds no lock that blocks a writer, however long it reads.
    public string? TallyBatch(QualifiedName table, ColumnInfo key, bool hasLower, string? groupBy, IReadOnlyList<string> counts) =>
        _keyset.TallyBatch(table, key.Name, hasLower, groupBy, counts);
    public bool BatchedReads => false;

    public int MaxBatchRows => 20_000;
    // One write lock for the whole database: a writer waiting in its busy handler gets it only in a gap
    // between batches (bench/results.md: without the gap, writers wait seconds), so a quarter of the batch.
    public TimeSpan DefaultBatchPause(TimeSpan batch) => TimeSpan.FromTicks(batch.Ticks / 4);
    public bool AnsiKeyParameters => false;
    public string FirstTriggerWarning(QualifiedName table) =>
        $"{table} gets its first trigger. On SQLite it runs inside every INSERT, UPDATE and upsert of the table (RETURNING and sqlite3 .import included), so each write takes a little longer while holding SQLite's single write lock: applications must wait for a busy database rather than fail (PRAGMA busy_timeout, or 'Default Timeout' in Microsoft.Data.Sqlite). See the README, \"What applications must do\".";

    public string ObjectVersionType => "TEXT";
    public string ScriptStatement(string statement) => statement.EndsWith(';') ? statement + "\n" : statement + ";\n";
    public string EstimateRows(QualifiedName table) => CountRows(table);

    public IReadOnlyList<string> BeginBackfillSession() => [$"INSERT INTO {BackfillMark} (Mark) VALUES (1)"];
    public IReadOnlyList<string> EndBackfillBatch() => [$"DELETE FROM {BackfillMark}"];

    public string? ThrottleProbe(ServerCapabilities capabilities) => null;

    // SQLite's lock timeout is its busy timeout: how long a statement waits for the database's write lock.
    public IReadOnlyList<string> DdlPreamble(TimeSpan lockTimeout) =>
        [$"PRAGMA busy_timeout = {(long)Math.Min(int.MaxValue, lockTimeout.TotalMilliseconds)}"];

    public bool IsRetryable(Exception error) =>
        error is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    public bool IsTransientConnectionError(Exception error) => false;

    // SQLITE_READONLY (8) and SQLITE_CANTOPEN (14: the -wal or -shm file cannot be made beside a
    // read-only file) are a database that cannot be written; SQLITE_FULL (13) is a full disk.
    public StorageFault? StorageFault(Exception error) => error switch
    {
        SqliteException { SqliteErrorCode: 8 or 14 } => Dialects.StorageFault.ReadOnly,
        SqliteException { SqliteErrorCode: 13 } => Dialects.StorageFault.Full,
        SqliteException { SqliteErrorCode: 10 } => Dialects.StorageFault.Io, // SQLITE_IOERR
        _ => null,
    };

    public IReadOnlyList<LintFinding> LintExpand(string script) => SqliteLint.Find(script);

    public IReadOnlyList<string> SplitScript(string script) => [script];

    public string? LoginQuery => null;
    // SQLite's runner lock is an operating-system lock on a file beside the database (RunnerLock).
    public string? AcquireRunnerLock => null;
    public string? CheckRunnerLock => null;
    public string? ReleaseRunnerLock => null;

    public ICatalog Catalog(Connections.Session session) => new SqliteCatalog(this, session);
}
