// Version floors of the T-SQL this dialect and SqlServerStoreSql emit (checked by the ScriptDom tests in
// tests/OnlineMigrations.Engine.Tests/TSql, which parse every statement with the SQL Server 2016 parser):
//   SQL Server 2016 (13.x) RTM: DROP TABLE / TRIGGER / SYNONYM IF EXISTS, SESSION_CONTEXT and
//     sp_set_session_context (sync triggers, backfill), sys.tables.temporal_type (catalog).
//   SQL Server 2016 SP1 (13.0.4001): CREATE OR ALTER (store view and Heartbeat procedure): the product floor.
//   SQL Server 2014: inline INDEX in CREATE TABLE (store Journal); sys.tables.is_memory_optimized.
//   SQL Server 2019 (15.x), Enterprise: RESUMABLE = ON for CREATE INDEX (ResumableIndex), sys.index_resumable_operations.
//   SQL Server 2022 (16.x), Enterprise: WAIT_AT_LOW_PRIORITY on CREATE INDEX (WaitAtLowPriority).
//   Azure SQL Database (EngineEdition 5) and Managed Instance (8) have all of the above.
// Gated statements are emitted only when SqlServerCatalog.FromServerProperties says the server has them.
// IS DISTINCT FROM (2022) is deliberately not used: Differ() uses EXISTS (SELECT a EXCEPT SELECT b).
// CREATE TRIGGER / VIEW / PROCEDURE are each returned as their own string: each must be alone in its batch.
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.SqlClient;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>
/// SQL Server and Azure SQL: the product. Every identifier is bracket-quoted; every statement is
/// short; what can run online runs online, as far as the server says it can (SERVERPROPERTY).
/// </summary>
public sealed class SqlServerDialect(string storeSchema = SqlServerStoreSql.DefaultSchema) : IDialect
{
    /// <summary>The SESSION_CONTEXT key a backfill sets so sync triggers skip their reverse direction.</summary>
    internal const string BackfillContextKey = "OnlineMigrations.Backfill";

    private readonly KeysetStatements _keyset = new(QuoteName, t => $"{QuoteName(t.Schema)}.{QuoteName(t.Name)}", top: true, count: "COUNT_BIG(*)", end: ";");

    public Provider Provider => Provider.SqlServer;

    /// <summary>What the connected server can do; read by <see cref="Catalog"/> when a session opens, so
    /// every statement this dialect emits afterwards fits the server. Until then: every feature.</summary>
    public ServerCapabilities Capabilities { get; internal set; } = SqlServerCatalog.FromServerProperties(3, 16, "SQL Server");

    /// <summary>The refusal for a statement this server lacks.</summary>
    private MigrationException Lacking(string feature, string what, string instead) =>
        new(ErrorIds.NotSupportedByServer, $"{what}: {Capabilities.Lacks(feature)}.", instead);
    public StoreSql Store { get; } = new SqlServerStoreSql(storeSchema);

    public string Quote(string identifier) => QuoteName(identifier);
    public string Table(QualifiedName table) => $"{Quote(table.Schema)}.{Quote(table.Name)}";
    private static string QuoteName(string identifier) => "[" + identifier.Replace("]", "]]", StringComparison.Ordinal) + "]";
    public string Literal(string text) => "N'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    public string Column(string column) => Quote(column);

    private string ColumnSql(QualifiedName table, ColumnDefinition c, bool inCreateTable)
    {
        var sb = new StringBuilder($"{Quote(c.Name)} {c.Type}");
        if (c.Collation is not null) sb.Append(" COLLATE ").Append(c.Collation);
        if (c.Identity) sb.Append(" IDENTITY(1, 1)");
        sb.Append(c.Nullable ? " NULL" : " NOT NULL");
        if (c.Default is not null)
            sb.Append(" CONSTRAINT ").Append(Quote(Names.Internal($"DF_{table.Name}_{c.Name}", "om"))).Append(" DEFAULT (").Append(c.Default).Append(')');
        if (c.PrimaryKey && inCreateTable) sb.Append(" CONSTRAINT ").Append(Quote(PrimaryKeyName(table))).Append(" PRIMARY KEY");
        return sb.ToString();
    }

    // PK_{table}, shortened with a hash when the table's name is near the 128-character limit.
    private static string PrimaryKeyName(QualifiedName table)
    {
        var name = $"PK_{table.Name}";
        return name.Length <= QualifiedName.MaxIdentifierLength ? name : $"{name[..(QualifiedName.MaxIdentifierLength - 9)]}_{Names.ShortHash(name)}";
    }

    public string CreateTable(QualifiedName table, IReadOnlyList<ColumnDefinition> columns, IReadOnlyList<string> primaryKey)
    {
        var parts = columns.Select(c => ColumnSql(table, c, inCreateTable: true)).ToList();
        if (primaryKey.Count > 0) parts.Add($"CONSTRAINT {Quote(PrimaryKeyName(table))} PRIMARY KEY ({string.Join(", ", primaryKey.Select(Quote))})");
        return $"CREATE TABLE {Table(table)} (\n    {string.Join(",\n    ", parts)}\n);";
    }

    public string DropTable(QualifiedName table) => $"DROP TABLE IF EXISTS {Table(table)};";

    // A nullable column (with or without a default) is a metadata-only change: existing rows are not rewritten.
    public string AddColumn(QualifiedName table, ColumnDefinition column) => $"ALTER TABLE {Table(table)} ADD {ColumnSql(table, column, false)};";

    public IReadOnlyList<string> DropColumn(QualifiedName table, string column) => !Capabilities.DropDefaultConstraints
        ? [$"ALTER TABLE {Table(table)} DROP COLUMN {Quote(column)};"]
        :
    [
        $"""
        DECLARE @default sysname = (SELECT d.name FROM sys.default_constraints AS d
            INNER JOIN sys.columns AS c ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id
            WHERE d.parent_object_id = OBJECT_ID({Literal(Table(table))}) AND c.name = {Literal(column)});
        DECLARE @drop nvarchar(max) = N'ALTER TABLE {Table(table).Replace("'", "''", StringComparison.Ordinal)} DROP CONSTRAINT ' + QUOTENAME(@default);
        IF @default IS NOT NULL EXEC sys.sp_executesql @drop;
        """,
        $"ALTER TABLE {Table(table)} DROP COLUMN {Quote(column)};",
    ];

    private static string TypeWithCollation(ColumnInfo c) => c.Collation is null ? c.Type : $"{c.Type} COLLATE {c.Collation}";

    public bool ChangesNullability => Capabilities.AlterColumnNullability;
    public bool AddsDefaultLater => true;
    // A T-SQL engine that names default constraints itself cannot drop one by the name it was given.
    public bool DropsDefaultByName => Capabilities.DropDefaultConstraints;
    // Adding a NOT NULL column with a default is metadata-only on Enterprise editions only (elsewhere it writes
    // every row under a schema-modification lock): SQL Server adds it nullable and makes it NOT NULL at contract.
    public bool AddsNotNullColumnWithDefault => false;
    public bool RelaxesIndexedColumn(string type) =>
        type.StartsWith("var", StringComparison.OrdinalIgnoreCase) || type.StartsWith("nvar", StringComparison.OrdinalIgnoreCase);
    public bool DropsUniqueConstraints => true;
    public MigrationException CannotChangeColumn(string what, string instead) =>
        new(ErrorIds.NotSupportedByServer, $"{what}: " + Capabilities.Lacks(Capabilities.AlterColumnNullability
            ? "dropping a default constraint by the name it was given" : "changing an existing column's nullability (ALTER COLUMN ... NULL / NOT NULL)") + ".", instead);

    public string MakeNullable(QualifiedName table, ColumnInfo column) => Capabilities.AlterColumnNullability
        ? $"ALTER TABLE {Table(table)} ALTER COLUMN {Quote(column.Name)} {TypeWithCollation(column)} NULL;"
        : throw Lacking("ALTER COLUMN ... NULL", $"Making the NOT NULL column {table}.{column.Name} nullable (so that code which no longer writes it keeps working)",
            "Give the column a default first (old and new code can then omit it), or run this change on SQL Server.");

    public string AddDefault(QualifiedName table, string column, string constraintName, string expression) =>
        $"ALTER TABLE {Table(table)} ADD CONSTRAINT {Quote(constraintName)} DEFAULT ({expression}) FOR {Quote(column)};";

    public string Placeholder(string type)
    {
        var t = type.ToLowerInvariant();
        if (t.Contains("char", StringComparison.Ordinal) || t.Contains("text", StringComparison.Ordinal)) return "N''";
        if (t.Contains("binary", StringComparison.Ordinal) || t.StartsWith("image", StringComparison.Ordinal)) return "0x";
        if (t.StartsWith("uniqueidentifier", StringComparison.Ordinal)) return "'00000000-0000-0000-0000-000000000000'";
        if (t.StartsWith("datetimeoffset", StringComparison.Ordinal)) return "'0001-01-01T00:00:00+00:00'";
        if (t.StartsWith("date", StringComparison.Ordinal) || t.StartsWith("smalldatetime", StringComparison.Ordinal)) return "'19000101'";
        if (t.StartsWith("time", StringComparison.Ordinal)) return "'00:00:00'";
        return "0";
    }

    // NEWID() is allowed in a DEFAULT constraint; as text it needs 36 characters.
    public string? UniquePlaceholder(string type)
    {
        var t = type.Trim().ToLowerInvariant();
        if (t.StartsWith("uniqueidentifier", StringComparison.Ordinal)) return "NEWID()";
        var m = System.Text.RegularExpressions.Regex.Match(t, @"^(n?(?:var)?char)\s*\(\s*(max|\d+)\s*\)");
        if (m.Success && (m.Groups[2].Value == "max" || int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 36))
            return $"CONVERT({m.Groups[1].Value}(36), NEWID())";
        return null;
    }

    public string MakeNotNull(QualifiedName table, string column, string type) => Capabilities.AlterColumnNullability
        ? $"ALTER TABLE {Table(table)} ALTER COLUMN {Quote(column)} {type} NOT NULL;"
        : throw Lacking("ALTER COLUMN ... NOT NULL", $"Making {table}.{column} NOT NULL",
            "Leave the column nullable (drop \"nullable\": false from the migration), or run this change on SQL Server.");

    public string RenameColumn(QualifiedName table, string from, string to) =>
        $"EXEC sys.sp_rename @objname = {Literal($"{Table(table)}.{Quote(from)}")}, @newname = {Literal(to)}, @objtype = N'COLUMN';";

    public string RenameTable(QualifiedName from, QualifiedName to) =>
        $"EXEC sys.sp_rename @objname = {Literal(Table(from))}, @newname = {Literal(to.Name)}, @objtype = N'OBJECT';";

    private string IndexBody(IndexSpec index, string name) =>
        $"CREATE {(index.Unique ? "UNIQUE " : "")}NONCLUSTERED INDEX {Quote(name)} ON {Table(index.Table)} ({string.Join(", ", index.Columns.Select(Quote))})" +
        (index.Include.Count > 0 ? $" INCLUDE ({string.Join(", ", index.Include.Select(Quote))})" : "") +
        (index.Where is null ? "" : $" WHERE {index.Where}");

    private static string IndexOptions(ServerCapabilities caps, bool filtered)
    {
        if (!caps.OnlineIndex) return "";
        var online = caps.WaitAtLowPriority ? "ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF))" : "ONLINE = ON";
        // A resumable build survives a lock timeout or a killed session: ALTER INDEX ... RESUME continues it.
        var resumable = caps.ResumableIndex && !filtered ? ", RESUMABLE = ON" : "";
        return $" WITH ({online}{resumable})";
    }

    public Step CreateIndex(string stepName, IndexSpec index, ServerCapabilities caps, bool allowOffline)
    {
        if (!caps.OnlineIndex && !allowOffline)
            throw new MigrationException(ErrorIds.OfflineStepRefused,
                $"Index {index.Name} on {index.Table} cannot be built online: this server ({caps.Product}, engine edition {caps.EngineEdition}) has no online index operations, and an offline build blocks writes to {index.Table} for its whole duration.",
                "Run in a maintenance window with -AllowOffline, or on an edition with online index builds (Enterprise, Developer, Azure SQL).");
        var resumable = caps.OnlineIndex && caps.ResumableIndex && index.Where is null;
        if (index.Where == SqlServerCatalog.UnknownFilter)
            throw Lacking("reporting the filter of a filtered index", $"Copying the filtered index {index.Name} on {index.Table} to a new column",
                "Drop and recreate the index by hand around this change, or run it on SQL Server.");
        var exists = $"SELECT COUNT(*) FROM sys.indexes WHERE object_id = OBJECT_ID({Literal(Table(index.Table))}) AND {IndexNamed(index.Table, index.Name)}";
        var sql = new StringBuilder();
        if (resumable)
        {
            sql.Append($"IF EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE object_id = OBJECT_ID({Literal(Table(index.Table))}) AND name = {Literal(index.Name)})\n");
            sql.Append($"    ALTER INDEX {Quote(index.Name)} ON {Table(index.Table)} RESUME;\nELSE ");
        }
        // No IF NOT EXISTS: an index of that name that expand did not build is an error, never a silent no-op
        // (rollback would then drop the user's index). A crash after the build is caught by the checkpoint
        // (transactional) or by DoneProbe (resumable).
        sql.Append(IndexBody(index, index.Name)).Append(IndexOptions(caps, index.Where is not null)).Append(';');
        return new Step(stepName, [sql.ToString()])
        {
            // A resumable build cannot run inside a user transaction.
            Transactional = !resumable,
            DoneProbe = resumable ? exists + $" AND NOT EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE object_id = OBJECT_ID({Literal(Table(index.Table))}) AND name = {Literal(index.Name)})" : null,
            OfflineReason = caps.OnlineIndex ? null : $"index {index.Name} is built offline",
        };
    }

    public string? AbortIndexBuild(QualifiedName table, string name, ServerCapabilities capabilities) => capabilities.ResumableIndex
        ? $"IF EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE object_id = OBJECT_ID({Literal(Table(table))}) AND name = {Literal(name)})\n    ALTER INDEX {Quote(name)} ON {Table(table)} ABORT;"
        : null;

    public string DropIndex(QualifiedName table, string name) =>
        $"IF EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID({Literal(Table(table))}) AND {IndexNamed(table, name)})\n    DROP INDEX {Quote(name)} ON {Table(table)};";

    // sys.indexes.name is the declared name on SQL Server; some T-SQL engines report it lower-cased with
    // the table's name and a 32-digit hash appended, the two names together cut to 31 bytes.
    private string IndexNamed(QualifiedName table, string name) => Capabilities.IndexNamesAsDeclared
        ? $"name = {Literal(name)}"
        : $"(name = {Literal(name)} OR name LIKE {Literal(EscapeLike(SqlServerCatalog.ReportedIndexPrefix(name, table.Name)) + new string('_', 32))} ESCAPE N'\\')";

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal);

    // Where the server cannot rename an index, the index keeps its interim name: it has the same columns,
    // uniqueness and filter, and building it again under the old name would block writes a second time.
    public IReadOnlyList<string> RenameIndex(QualifiedName table, string from, IndexSpec renamedTo) => Capabilities.RenameIndex
        ? [$"EXEC sys.sp_rename @objname = {Literal($"{Table(table)}.{Quote(from)}")}, @newname = {Literal(renamedTo.Name)}, @objtype = N'INDEX';"]
        : [];

    public string CreateSynonym(QualifiedName name, QualifiedName target) => Capabilities.Synonyms
        ? $"CREATE SYNONYM {Table(name)} FOR {Table(target)};"
        : throw Lacking("CREATE SYNONYM", $"renameTable {target} to {name} (old code keeps using the old name through a synonym until contract)",
            "Create the new table and copy the data with createTable and a sql operation, or run this change on SQL Server.");
    public string DropSynonym(QualifiedName name) => Capabilities.Synonyms ? $"DROP SYNONYM IF EXISTS {Table(name)};" : CreateSynonym(name, name);

    public string AddForeignKey(QualifiedName table, string name, IReadOnlyList<string> columns, QualifiedName referenced, IReadOnlyList<string> referencedColumns) =>
        !Capabilities.UntrustedConstraints ? throw UntrustedLacking(table, name) : $"ALTER TABLE {Table(table)} WITH NOCHECK ADD CONSTRAINT {Quote(name)} FOREIGN KEY ({string.Join(", ", columns.Select(Quote))}) REFERENCES {Table(referenced)} ({string.Join(", ", referencedColumns.Select(Quote))});";

    private MigrationException UntrustedLacking(QualifiedName table, string name) =>
        Lacking("WITH NOCHECK ADD CONSTRAINT", $"Adding the constraint {name} to {table} without checking every row under a lock",
            "Add it in a maintenance window with a sql operation, or run this change on SQL Server.");

    public string AddCheckConstraint(QualifiedName table, string name, string expression) =>
        !Capabilities.UntrustedConstraints ? throw UntrustedLacking(table, name) : $"ALTER TABLE {Table(table)} WITH NOCHECK ADD CONSTRAINT {Quote(name)} CHECK ({expression});";

    public string TrustConstraint(QualifiedName table, string name) => !Capabilities.UntrustedConstraints ? throw UntrustedLacking(table, name) : $"ALTER TABLE {Table(table)} WITH CHECK CHECK CONSTRAINT {Quote(name)};";

    public string DropConstraint(QualifiedName table, string name) =>
        $"IF OBJECT_ID({Literal($"{Quote(table.Schema)}.{Quote(name)}")}) IS NOT NULL\n    ALTER TABLE {Table(table)} DROP CONSTRAINT {Quote(name)};";

    public IReadOnlyList<string> SyncTriggerObjects(string triggerName, IReadOnlyList<SyncRule>? rules = null) => [triggerName];

    public IReadOnlyList<string> CreateSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule> rules, IReadOnlyList<string> keyColumns)
    {
        var t = Table(table);
        string Match(string alias) => string.Join(" AND ", keyColumns.Select(k => $"{alias}.{Quote(k)} = {t}.{Quote(k)}"));
        string Joined() => string.Join(" AND ", keyColumns.Select(k => $"i.{Quote(k)} = d.{Quote(k)}"));
        var inserted = $"EXISTS (SELECT 1 FROM inserted AS i WHERE {Match("i")})";
        // Rows the statement inserted: in inserted with no row before them in deleted. Branching on
        // rows rather than on the statement keeps a MERGE that both inserts and updates right.
        var insertedOnly = $"EXISTS (SELECT 1 FROM inserted AS i WHERE {Match("i")} AND NOT EXISTS (SELECT 1 FROM deleted AS d WHERE {Joined()}))";
        var updatedOnly = $"EXISTS (SELECT 1 FROM inserted AS i INNER JOIN deleted AS d ON {Joined()} WHERE {Match("i")})";
        // Changes are compared exactly (Differ): a change of case or trailing spaces under a _CI_ collation is a change.
        string ChangedRows(string column, string? type) =>
            $"EXISTS (SELECT 1 FROM inserted AS i INNER JOIN deleted AS d ON {Joined()} WHERE {Match("i")} AND {Differ($"i.{Quote(column)}", $"d.{Quote(column)}", type)})";
        string UnchangedRows(string column, string? type) =>
            $"EXISTS (SELECT 1 FROM inserted AS i INNER JOIN deleted AS d ON {Joined()} WHERE {Match("i")} AND NOT {Differ($"i.{Quote(column)}", $"d.{Quote(column)}", type)})";
        // Rows where up, evaluated over the row as the statement left it and as it was before, gives
        // another value: old code changed what the new column is derived from. (up's column names bind
        // to the innermost FROM, inserted or deleted.)
        string UpChanged(string up, string? type) =>
            $"EXISTS (SELECT {Comparable($"({up})", type)} FROM inserted WHERE {Match("inserted")} EXCEPT SELECT {Comparable($"({up})", type)} FROM deleted WHERE {Match("deleted")})";

        var onInsert = new List<string>();
        var onUpdate = new List<string>();
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case FillRule f:
                    var (column, fill) = (Quote(f.Column), $"({f.Up})");
                    var unwritten = f.Default is null ? $"{column} IS NULL" : $"({column} IS NULL OR NOT {Differ(column, $"({f.Default})", f.Type)})";
                    onInsert.Add($"UPDATE {t} SET {column} = {fill} WHERE {unwritten} AND {fill} IS NOT NULL AND {Differ(column, fill, f.Type)} AND {insertedOnly};");
                    // A statement that writes the new column keeps its value (even an unchanged one); one that
                    // does not is old code, and the new column follows up of what it changed.
                    var keepsNotNull = f.NotNull ? $" AND {fill} IS NOT NULL" : "";
                    onUpdate.Add($"IF NOT UPDATE({column})\n        UPDATE {t} SET {column} = {fill} WHERE {Differ(column, fill, f.Type)}{keepsNotNull} AND {updatedOnly} AND ({column} IS NULL OR {UpChanged(f.Up, f.Type)});");
                    break;
                case MirrorRule m:
                    var (from, to) = (Quote(m.From), Quote(m.To));
                    onInsert.Add($"UPDATE {t} SET {from} = {to} WHERE {to} IS NOT NULL AND {Differ(from, to, m.Type)} AND {insertedOnly};");
                    onInsert.Add($"UPDATE {t} SET {to} = {from} WHERE {to} IS NULL AND {from} IS NOT NULL AND {insertedOnly};");
                    // A statement that wrote the new column wins, even with an unchanged value; one that wrote
                    // only the old column is copied forward.
                    onUpdate.Add($"IF UPDATE({to})\n    BEGIN\n        IF @backfill = 0 UPDATE {t} SET {from} = {to} WHERE {Differ(from, to, m.Type)} AND {updatedOnly};\n    END\n    " +
                                 $"ELSE IF UPDATE({from})\n        UPDATE {t} SET {to} = {from} WHERE {Differ(to, from, m.Type)} AND {updatedOnly};");
                    break;
                case ShadowRule s:
                    var (col, shadow) = (Quote(s.Column), Quote(s.Shadow));
                    var upKeepsNotNull = s.NotNull ? $" AND ({s.Up}) IS NOT NULL" : "";
                    if (s.Down is null)
                        onInsert.Add($"UPDATE {t} SET {shadow} = ({s.Up}) WHERE {Differ(shadow, $"({s.Up})", s.Type)}{upKeepsNotNull} AND {insertedOnly};");
                    else
                    {
                        // New code inserted the new shape (the shadow holds a value of its own): the old column takes down of it.
                        var shadowWritten = $"({shadow} IS NOT NULL{(s.Default is null ? "" : $" AND {Differ(shadow, $"({s.Default})", s.Type)}")})";
                        onInsert.Add($"UPDATE {t} SET {col} = ({s.Down}) WHERE {shadowWritten} AND {Differ(col, $"({s.Down})", s.ColumnType)} AND {insertedOnly};");
                        onInsert.Add($"UPDATE {t} SET {shadow} = ({s.Up}) WHERE NOT {shadowWritten} AND {Differ(shadow, $"({s.Up})", s.Type)}{upKeepsNotNull} AND {insertedOnly};");
                    }
                    if (s.Down is not null)
                        onUpdate.Add($"IF UPDATE({shadow}) AND @backfill = 0\n        UPDATE {t} SET {col} = ({s.Down}) WHERE {Differ(col, $"({s.Down})", s.ColumnType)} AND {ChangedRows(s.Shadow, s.Type)} AND {UnchangedRows(s.Column, s.ColumnType)};");
                    onUpdate.Add($"IF UPDATE({col})\n        UPDATE {t} SET {shadow} = ({s.Up}) WHERE {Differ(shadow, $"({s.Up})", s.Type)}{upKeepsNotNull} AND {ChangedRows(s.Column, s.ColumnType)};");
                    break;
            }
        }
        var body = $"""
            CREATE TRIGGER {Quote(table.Schema)}.{Quote(triggerName)} ON {t}
            AFTER INSERT, UPDATE
            AS
            BEGIN
                -- Maintained by OnlineMigrations: keeps the old and the new shape of {CommentText(table.ToString())} in step until contract.
                SET NOCOUNT ON;
                IF {NestLevelGuard} > 1 RETURN;
                IF NOT EXISTS (SELECT 1 FROM inserted) RETURN;
                DECLARE @backfill bit = CASE WHEN CAST(SESSION_CONTEXT(N'{BackfillContextKey}') AS int) = 1 THEN 1 ELSE 0 END;
                {string.Join("\n    ", onInsert.Concat(onUpdate))}
            END
            """;
        return [body];
    }

    // TRIGGER_NESTLEVEL(@@PROCID) counts only this trigger's own nesting, so an application's trigger that
    // writes this table still gets synced. Without it (some T-SQL engines), the total nesting level is the
    // closest guard: a sync done by another trigger's write is then left to the backfill and the gates.
    private string NestLevelGuard => Capabilities.TriggerNestLevelOfObject ? "TRIGGER_NESTLEVEL(@@PROCID)" : "TRIGGER_NESTLEVEL()";

    // Text written into a -- comment: no character may end the comment early (CR, LF, NEL, LS, PS).
    private static string CommentText(string text) =>
        string.Concat(text.Select(ch => char.IsControl(ch) || ch is '\u2028' or '\u2029' ? ' ' : ch));

    public IReadOnlyList<string> DropSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule>? rules = null) =>
        [$"DROP TRIGGER IF EXISTS {Quote(table.Schema)}.{Quote(triggerName)};"];

    // NULL-safe inequality that works on every supported version (IS DISTINCT FROM needs SQL Server 2022),
    // over the values' bytes: EXCEPT alone compares by collation, so under a _CI_ collation 'alice' and
    // 'ALICE' would be one value, and under any collation 'a' and 'a ' would.
    // Character and binary values are compared by their bytes; values of other known types (numbers, dates,
    // bit, uniqueidentifier) compare exactly by value, which is also what T-SQL engines that cannot convert
    // every type to varbinary accept. An unknown type is compared by bytes, which SQL Server allows for all.
    public string Differ(string a, string b, string? type = null) =>
        $"EXISTS (SELECT {Comparable(a, type, cast: false)} EXCEPT SELECT {Comparable(b, type)})";

    private static string Comparable(string value, string? type, bool cast = true)
    {
        var typed = type is null || !cast ? value : $"CAST({value} AS {type})";
        return type is not null && ComparesByValue(type) ? typed : $"CONVERT(varbinary(max), {typed})";
    }

    private static bool ComparesByValue(string type)
    {
        var name = type.Split('(')[0].Trim().Trim('[', ']').ToLowerInvariant();
        return name is "bit" or "tinyint" or "smallint" or "int" or "bigint" or "decimal" or "numeric" or "money" or "smallmoney"
            or "float" or "real" or "date" or "time" or "datetime" or "datetime2" or "smalldatetime" or "datetimeoffset" or "uniqueidentifier";
    }

    public string VersionOlder(string versionColumn, IReadOnlyList<string> olderVersionParameters) => _keyset.VersionOlder(versionColumn, olderVersionParameters);
    public string BatchEnd(QualifiedName table, IReadOnlyList<string> keys, bool hasLower) => _keyset.BatchEnd(table, keys, hasLower);
    public string MaxKey(QualifiedName table, IReadOnlyList<string> keys) => _keyset.MaxKey(table, keys);
    public string UpdateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, IReadOnlyList<(string Column, string Value)> set, string where) =>
        _keyset.UpdateRange(table, keys, hasLower, set, where);
    public string CountRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string where) => _keyset.CountRange(table, keys, hasLower, where);
    public string CountWhere(QualifiedName table, string where) => _keyset.CountWhere(table, where);
    public string CompileExpression(QualifiedName table, string expression, IReadOnlyList<string> plannedColumns) => _keyset.CompileExpression(table, expression, plannedColumns);
    public string EvaluateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string expression) => _keyset.EvaluateRange(table, keys, hasLower, expression);
    public string Converted(string expression, string type) => $"CAST(({expression}) AS {type})";
    public string CountRows(QualifiedName table) => _keyset.CountRows(table);
    public string VersionHistogram(QualifiedName table, string versionColumn, string? counting = null) => _keyset.VersionHistogram(table, versionColumn, counting);
    public string VersionHistogramRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string versionColumn, string? counting = null) =>
        _keyset.VersionHistogramRange(table, keys, hasLower, versionColumn, counting);
    public string? TallyBatch(QualifiedName table, ColumnInfo key, bool hasLower, string? groupBy, IReadOnlyList<string> counts) =>
        // MAX takes every type a key can have but bit.
        key.Type.Split('(')[0].Trim().Trim('[', ']').Equals("bit", StringComparison.OrdinalIgnoreCase) ? null : _keyset.TallyBatch(table, key.Name, hasLower, groupBy, counts);
    public bool BatchedReads => true;

    /// <summary>Below the lock-escalation threshold (about 5,000 locks on one object).</summary>
    internal const int MaxBatch = 4_000;
    public int MaxBatchRows => MaxBatch;
    // A batch locks only its own rows: writers wait for nothing but those.
    public TimeSpan DefaultBatchPause(TimeSpan batch) => TimeSpan.Zero;
    public bool AnsiKeyParameters => true;
    public string FirstTriggerWarning(QualifiedName table) =>
        $"{table} gets its first trigger. Applications that write it with OUTPUT but without INTO (EF Core 7 and later does) must declare the trigger (EF Core: HasTrigger), and bulk loads must fire triggers (SqlBulkCopyOptions.FireTriggers, BULK INSERT ... FIRE_TRIGGERS) or old and new columns drift apart. See the README, \"What applications must do\".";

    public string ObjectVersionType => $"varchar({ObjectVersion.MaxLength})";
    public string ScriptStatement(string statement) => statement + "\nGO\n";

    // The storage engine's row count of the heap or clustered index: no scan, good enough for progress.
    public string EstimateRows(QualifiedName table) =>
        $"SELECT CAST(ISNULL(SUM(p.rows), 0) AS bigint) FROM sys.partitions AS p WHERE p.object_id = OBJECT_ID({Literal(Table(table))}) AND p.index_id IN (0, 1);";

    public IReadOnlyList<string> BeginBackfillSession() =>
        [$"EXEC sys.sp_set_session_context @key = N'{BackfillContextKey}', @value = 1;"];
    // Cleared before each commit, so no later write on this (pooled) connection skips the reverse sync.
    public IReadOnlyList<string> EndBackfillBatch() =>
        [$"EXEC sys.sp_set_session_context @key = N'{BackfillContextKey}', @value = NULL;"];

    public string? ThrottleProbe(ServerCapabilities caps)
    {
        var azure = caps.EngineEdition is 5 or 8;
        var hadr = azure ? "NULL" : """
            (SELECT MAX(log_send_queue_size) FROM sys.dm_hadr_database_replica_states WHERE database_id = DB_ID() AND is_local = 0)
            """;
        var redo = azure ? "NULL" : """
            (SELECT MAX(redo_queue_size) FROM sys.dm_hadr_database_replica_states WHERE database_id = DB_ID() AND is_local = 0)
            """;
        var logWrite = caps.EngineEdition == 5 ? "(SELECT TOP (1) avg_log_write_percent FROM sys.dm_db_resource_stats ORDER BY end_time DESC)" : "NULL";
        return $"SELECT {hadr.Trim()} AS LogSendQueueKb, {redo.Trim()} AS RedoQueueKb, (SELECT used_log_space_in_percent FROM sys.dm_db_log_space_usage) AS LogUsedPercent, {logWrite} AS LogWritePercent;";
    }

    public IReadOnlyList<string> DdlPreamble(TimeSpan lockTimeout) =>
        [$"SET LOCK_TIMEOUT {(long)lockTimeout.TotalMilliseconds}; SET XACT_ABORT ON;"];

    // 1222 lock timeout, 1205 deadlock victim. Some T-SQL engines report both under one generic number
    // (33557097) with PostgreSQL's message; that number never comes from SQL Server. Under the same number
    // they report a catalog read that met an object another session dropped at that moment ("could not
    // open relation with OID"), which a second try does not meet.
    public bool IsRetryable(Exception error) =>
        error is SqlException e && e.Errors.Cast<SqlError>().Any(x => x.Number is 1222 or 1205
            || x.Number == 33557097 && (x.Message.Contains("lock timeout", StringComparison.OrdinalIgnoreCase) || x.Message.Contains("deadlock", StringComparison.OrdinalIgnoreCase)
                                        || x.Message.Contains("could not open relation with OID", StringComparison.OrdinalIgnoreCase)));

    // Connection-level failures and the Azure SQL transient set (failover, reconfiguration, throttling).
    private static readonly HashSet<int> TransientNumbers = [-2, 20, 64, 233, 10053, 10054, 10060, 40143, 40197, 40501, 40613, 42108, 42109, 49918, 49919, 49920, 4221, 615, 926, 4060, 1421];

    public bool IsTransientConnectionError(Exception error) =>
        error is SqlException e && e.Errors.Cast<SqlError>().Any(x => TransientNumbers.Contains(x.Number))
        || error is InvalidOperationException { Message: var m } && m.Contains("connection", StringComparison.OrdinalIgnoreCase) && m.Contains("closed", StringComparison.OrdinalIgnoreCase);

    // 3906: the database is read-only; 1101/1105: a filegroup is full; 9002: the transaction log is full.
    public StorageFault? StorageFault(Exception error) =>
        error is not SqlException e ? null
        : e.Errors.Cast<SqlError>().Any(x => x.Number is 3906) ? Dialects.StorageFault.ReadOnly
        : e.Errors.Cast<SqlError>().Any(x => x.Number is 1101 or 1105 or 9002) ? Dialects.StorageFault.Full
        : null;

    public IReadOnlyList<LintFinding> LintExpand(string script) => SqlServerLint.Find(script);

    public IReadOnlyList<string> SplitScript(string script) =>
        Regex.Split(script, @"^\s*GO\s*(?:--.*)?$", RegexOptions.Multiline | RegexOptions.IgnoreCase)
            .Select(b => b.Trim()).Where(b => b.Length > 0).ToList();

    public string? LoginQuery => "SELECT SUSER_SNAME();";

    // A session-owned application lock: it lives exactly as long as the dedicated connection, so a
    // killed runner never leaves it behind.
    public string? AcquireRunnerLock => """
        DECLARE @result int;
        EXEC @result = sys.sp_getapplock @Resource = @resource, @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = @timeoutMs, @DbPrincipal = N'public';
        SELECT @result;
        """;
    public string? CheckRunnerLock => "SELECT CASE WHEN APPLOCK_MODE(N'public', @resource, N'Session') = N'Exclusive' THEN 1 ELSE 0 END;";
    public string? ReleaseRunnerLock => "EXEC sys.sp_releaseapplock @Resource = @resource, @LockOwner = N'Session', @DbPrincipal = N'public';";

    public ICatalog Catalog(Connections.Session session)
    {
        var catalog = new SqlServerCatalog(this, session);
        Capabilities = catalog.Capabilities;
        return catalog;
    }
}
