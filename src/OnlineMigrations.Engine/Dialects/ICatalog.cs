using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>A column as the live catalog describes it.</summary>
public sealed record ColumnInfo(string Name, string Type, bool Nullable, string? Collation, string? Default, bool Identity, bool Computed);

/// <summary>An index as the live catalog describes it.</summary>
public sealed record IndexInfo(string Name, bool Unique, bool PrimaryKey, bool UniqueConstraint, IReadOnlyList<string> Columns,
    IReadOnlyList<string> Include, string? Filter)
{
    public bool Covers(string column) =>
        Columns.Contains(column, StringComparer.OrdinalIgnoreCase) || Include.Contains(column, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Compares table names with a database's identifier comparison.</summary>
public sealed class QualifiedNameComparer(StringComparer names, bool ignoreSchema = false) : IEqualityComparer<QualifiedName>
{
    public bool Equals(QualifiedName? x, QualifiedName? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && names.Equals(x.Name, y.Name) && (ignoreSchema || names.Equals(x.Schema, y.Schema)));

    public int GetHashCode(QualifiedName obj) => ignoreSchema ? names.GetHashCode(obj.Name) : HashCode.Combine(names.GetHashCode(obj.Schema), names.GetHashCode(obj.Name));
}

/// <summary>What the server can do, asked of the server (SERVERPROPERTY, and which catalog views it
/// has), never guessed. The language features below default to what every supported SQL Server has;
/// a T-SQL engine that lacks one says so (see SqlServerCatalog.FromServerProperties), and the dialect
/// then takes a path that is equally right on SQL Server, or refuses with <see cref="Lacks"/>.</summary>
public sealed record ServerCapabilities(string Product, int EngineEdition, int MajorVersion, bool OnlineIndex, bool ResumableIndex, bool WaitAtLowPriority)
{
    public static readonly ServerCapabilities Sqlite = new("SQLite", 0, 3, OnlineIndex: true, ResumableIndex: false, WaitAtLowPriority: false);

    /// <summary>TRIGGER_NESTLEVEL(object_id): a trigger can tell its own recursion from other triggers.</summary>
    public bool TriggerNestLevelOfObject { get; init; } = true;
    /// <summary>CREATE SYNONYM.</summary>
    public bool Synonyms { get; init; } = true;
    /// <summary>ALTER TABLE ... WITH NOCHECK ADD CONSTRAINT and WITH CHECK CHECK CONSTRAINT (untrusted constraints).</summary>
    public bool UntrustedConstraints { get; init; } = true;
    /// <summary>ALTER TABLE ... ALTER COLUMN with an explicit NULL or NOT NULL.</summary>
    public bool AlterColumnNullability { get; init; } = true;
    /// <summary>ALTER TABLE ... DROP CONSTRAINT of a default constraint (without it, dropping the column drops its default).</summary>
    public bool DropDefaultConstraints { get; init; } = true;
    /// <summary>sp_rename of an index.</summary>
    public bool RenameIndex { get; init; } = true;
    /// <summary>sys.dm_sql_referenced_entities (column references of modules that are not schema-bound).</summary>
    public bool ReferencedEntities { get; init; } = true;
    /// <summary>sys.sql_expression_dependencies is maintained (lists what modules reference).</summary>
    public bool ExpressionDependencies { get; init; } = true;
    /// <summary>sys.stats_columns.</summary>
    public bool StatsColumns { get; init; } = true;
    /// <summary>sys.indexes.name is the name the index was created with (not an internal, suffixed one).</summary>
    public bool IndexNamesAsDeclared { get; init; } = true;
    /// <summary>sys.indexes reports a filtered index's filter.</summary>
    public bool IndexFilters { get; init; } = true;
    /// <summary>HAS_PERMS_BY_NAME answers truly for database permissions.</summary>
    public bool PermissionFunctions { get; init; } = true;

    /// <summary>A refusal naming what this server lacks, for an operation that cannot run without it.</summary>
    public string Lacks(string feature) => $"this server ({Product}) does not support {feature}";
}

/// <summary>Reads the live catalog; every method is read-only.</summary>
public interface ICatalog
{
    ServerCapabilities Capabilities { get; }
    bool TableExists(QualifiedName table);
    IReadOnlyList<ColumnInfo> Columns(QualifiedName table);
    ColumnInfo? Column(QualifiedName table, string column) =>
        Columns(table).FirstOrDefault(c => Names.Equals(c.Name, column));
    /// <summary>How this database compares identifiers: SQL Server by the database's collation, SQLite
    /// case-insensitively for ASCII letters only.</summary>
    StringComparer Names => StringComparer.OrdinalIgnoreCase;
    /// <summary>Table names compared as this database compares them.</summary>
    IEqualityComparer<QualifiedName> Tables => new QualifiedNameComparer(Names);
    /// <summary>What on the table would make dropping or renaming <paramref name="column"/> fail: indexes that list
    /// it, expression and partial indexes, CHECKs and generated columns that use it. Objects in
    /// <paramref name="ignoreObjects"/> are dropped by contract itself.</summary>
    IReadOnlyList<string> ColumnBlockers(QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) => [];
    /// <summary>Whether an index name need only be unique on its table (SQL Server), not in the whole database (SQLite).</summary>
    bool IndexNamesPerTable => false;
    /// <summary>The primary key's columns, else those of a unique clustered index; empty when the table has neither.</summary>
    IReadOnlyList<string> KeyColumns(QualifiedName table);
    /// <summary>When <see cref="KeyColumns"/> is empty: why the key the table has cannot be walked (it allows NULL, ...), naming it; else null.</summary>
    string? UnusableKey(QualifiedName table) => null;
    IReadOnlyList<IndexInfo> Indexes(QualifiedName table);
    /// <summary>Names of the user triggers on the table.</summary>
    IReadOnlyList<string> Triggers(QualifiedName table);
    /// <summary>Why the method cannot treat the table as ordinary (temporal, CDC, replicated, ...); each
    /// entry is (refuse, reason).</summary>
    IReadOnlyList<(bool Refuse, string Reason)> TableFeatures(QualifiedName table);
    /// <summary>Objects that still reference what contract drops, described for a person; our own sync
    /// triggers (<paramref name="ignoreTriggers"/>) and objects contract itself drops are not counted.</summary>
    IReadOnlyList<string> Dependents(DroppedObject dropped, IReadOnlySet<string> ignoreObjects);
    /// <summary>Whether a non-table object (synonym, view) of this name exists.</summary>
    bool ObjectExists(QualifiedName name);
    /// <summary>The existing object that already holds <paramref name="name"/> where a new index on
    /// <paramref name="table"/> needs it, described for a person ("index IX_A on dbo.T"); null when the name is free.</summary>
    string? IndexNameHolder(QualifiedName table, string name) => null;
    /// <summary>The existing object that already holds the schema-scoped <paramref name="name"/> a new constraint or
    /// trigger needs, described for a person; null when the name is free.</summary>
    string? ObjectNameHolder(QualifiedName name) => null;
}

/// <summary>Checks of <see cref="ICatalog.ColumnBlockers"/> that read the catalog the same way on every engine.</summary>
internal static class ColumnChecks
{
    /// <summary>Indexes that contract leaves in place and that list the column: no engine drops a column under one.</summary>
    public static List<string> CoveringIndexes(ICatalog catalog, QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) =>
        catalog.Indexes(table).Where(i => !ignoreObjects.Contains(i.Name) && (i.Columns.Contains(column, catalog.Names) || i.Include.Contains(column, catalog.Names)))
            .Select(i => i.PrimaryKey ? $"the primary key {i.Name}" : $"the index {i.Name}").ToList();

}
