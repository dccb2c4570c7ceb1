using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// The schema as the operations of one migration leave it while expand plans them (the role of pgroll's
/// pkg/schema). It starts from the live catalog; each operation, once planned, records what its expand
/// steps add (<see cref="Operation.Apply"/>), so that the next operation is checked against the schema
/// those steps will have made: a table created and then indexed, a column added and then indexed or
/// renamed. It describes the database as it physically is after the steps planned so far: what an
/// operation only retires (a dropped column stays until contract) is still there, and the planner
/// refuses a later operation of the same migration that builds on it.
/// </summary>
public sealed class PlannedSchema(ICatalog live) : ICatalog
{
    private sealed class Shape
    {
        public required List<ColumnInfo> Columns { get; init; }
        public required List<string> Keys { get; set; }
        public required List<IndexInfo> Indexes { get; init; }
        public bool Created { get; init; }
    }

    private readonly Dictionary<QualifiedName, Shape> _tables = new(live.Tables);
    // Schema-scoped names the planned steps take (constraints, synonyms), each described for a person.
    private readonly Dictionary<QualifiedName, string> _names = new(live.Tables);

    public ServerCapabilities Capabilities => live.Capabilities;
    public StringComparer Names => live.Names;
    public IEqualityComparer<QualifiedName> Tables => live.Tables;

    /// <summary>The tables this migration creates (they have no rows, triggers or dependents yet).</summary>
    public bool Creates(QualifiedName table) => _tables.TryGetValue(table, out var s) && s.Created;

    public void CreateTable(QualifiedName table, IEnumerable<ColumnInfo> columns, IEnumerable<string> keys) =>
        _tables[table] = new Shape { Columns = columns.ToList(), Keys = keys.ToList(), Indexes = [], Created = true };

    public void AddColumn(QualifiedName table, ColumnInfo column) => Planned(table)?.Columns.Add(column);

    public void AddIndex(QualifiedName table, IndexInfo index)
    {
        Planned(table)?.Indexes.Add(index);
        _newIndexes.Add((table, index.Name));
    }

    // The indexes the planned steps create; a name must be free on its table, or in the whole database (SQLite).
    private readonly List<(QualifiedName Table, string Name)> _newIndexes = [];
    public bool IndexNamesPerTable => live.IndexNamesPerTable;

    public void TakeName(QualifiedName name, string holder) => _names[name] = holder;

    // The planned shape of a table, copied from the live catalog the first time an operation changes it.
    private Shape? Planned(QualifiedName table)
    {
        if (_tables.TryGetValue(table, out var shape)) return shape;
        if (!live.TableExists(table)) return null;
        return _tables[table] = new Shape { Columns = live.Columns(table).ToList(), Keys = live.KeyColumns(table).ToList(), Indexes = live.Indexes(table).ToList() };
    }

    public bool TableExists(QualifiedName table) => _tables.ContainsKey(table) || live.TableExists(table);
    public IReadOnlyList<ColumnInfo> Columns(QualifiedName table) => _tables.TryGetValue(table, out var s) ? s.Columns : live.Columns(table);
    public IReadOnlyList<string> KeyColumns(QualifiedName table) => _tables.TryGetValue(table, out var s) ? s.Keys : live.KeyColumns(table);
    public string? UnusableKey(QualifiedName table) => Creates(table) ? null : live.UnusableKey(table);
    public IReadOnlyList<IndexInfo> Indexes(QualifiedName table) => _tables.TryGetValue(table, out var s) ? s.Indexes : live.Indexes(table);
    public IReadOnlyList<string> Triggers(QualifiedName table) => Creates(table) ? [] : live.Triggers(table);
    public IReadOnlyList<(bool Refuse, string Reason)> TableFeatures(QualifiedName table) => Creates(table) ? [] : live.TableFeatures(table);
    public IReadOnlyList<string> ColumnBlockers(QualifiedName table, string column, IReadOnlySet<string> ignoreObjects) =>
        Creates(table) ? [] : live.ColumnBlockers(table, column, ignoreObjects);
    public IReadOnlyList<string> Dependents(DroppedObject dropped, IReadOnlySet<string> ignoreObjects) => live.Dependents(dropped, ignoreObjects);
    public bool ObjectExists(QualifiedName name) => _names.ContainsKey(name) || live.ObjectExists(name);

    public string? IndexNameHolder(QualifiedName table, string name) =>
        _newIndexes.Any(n => Names.Equals(n.Name, name) && (!live.IndexNamesPerTable || Tables.Equals(n.Table, table)))
            ? $"index {name}, which an earlier operation of this migration creates" : live.IndexNameHolder(table, name);

    public string? ObjectNameHolder(QualifiedName name) =>
        _names.TryGetValue(name, out var holder) ? $"{holder}, which an earlier operation of this migration creates"
        : Creates(name) ? $"table {name}, which an earlier operation of this migration creates"
        : live.ObjectNameHolder(name);
}
