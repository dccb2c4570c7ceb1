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
        Columns(table).FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase));
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
    /// <summary>The existing object that already holds <paramref name="name"/> where a new index on
    /// <paramref name="table"/> needs it, described for a person ("index IX_A on dbo.T"); null when the name is free.</summary>
    string? IndexNameHolder(QualifiedName table, string name) => null;
    /// <summary>The existing object that already holds the schema-scoped <paramref name="name"/> a new constraint or
    /// trigger needs, described for a person; null when the name is free.</summary>
    string? ObjectNameHolder(QualifiedName name) => null;
}
