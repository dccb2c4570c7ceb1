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

/// <summary>What the server can do online, asked of the server (SERVERPROPERTY), never guessed.</summary>
public sealed record ServerCapabilities(string Product, int EngineEdition, int MajorVersion, bool OnlineIndex, bool ResumableIndex, bool WaitAtLowPriority)
{
    public static readonly ServerCapabilities Sqlite = new("SQLite", 0, 3, OnlineIndex: true, ResumableIndex: false, WaitAtLowPriority: false);
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
    /// <summary>What on the table would make dropping or renaming <paramref name="column"/> fail and is not a
    /// <see cref="Dependents"/> finding: expression and partial indexes, table CHECKs, generated columns
    /// that use it. Objects in <paramref name="ignoreObjects"/> are dropped by contract itself.</summary>
    IReadOnlyList<string> ColumnBlockers(QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) => [];
    /// <summary>The primary key's columns, else those of a unique clustered index; empty when the table has neither.</summary>
    IReadOnlyList<string> KeyColumns(QualifiedName table);
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
}

/// <summary>Checks of <see cref="ICatalog.ColumnBlockers"/> that read the catalog the same way on every engine.</summary>
internal static class ColumnChecks
{
    /// <summary>Indexes that contract leaves in place and that list the column: no engine drops a column under one.</summary>
    public static List<string> CoveringIndexes(ICatalog catalog, QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) =>
        catalog.Indexes(table).Where(i => !ignoreObjects.Contains(i.Name) && (i.Columns.Contains(column, catalog.Names) || i.Include.Contains(column, catalog.Names)))
            .Select(i => i.PrimaryKey ? $"the primary key {i.Name}" : $"the index {i.Name}").ToList();

}
