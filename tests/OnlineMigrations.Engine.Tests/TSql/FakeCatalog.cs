using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>An in-memory catalog for planning operations in tests: declare tables with their columns,
/// key, indexes and triggers; everything else answers "nothing there".</summary>
public sealed class FakeCatalog(ServerCapabilities capabilities) : ICatalog
{
    public sealed class TableDef
    {
        public List<ColumnInfo> Columns { get; } = [];
        public List<string> Key { get; } = [];
        public List<IndexInfo> Indexes { get; } = [];
        public List<string> Triggers { get; } = [];
        public List<(bool Refuse, string Reason)> Features { get; } = [];
    }

    private readonly Dictionary<QualifiedName, TableDef> _tables = new(NameComparer.Instance);
    private readonly HashSet<QualifiedName> _objects = new(NameComparer.Instance);

    public ServerCapabilities Capabilities { get; } = capabilities;
    public List<string> DependentsFound { get; } = [];

    /// <summary>Declares a table; columns are (name, type, nullable) with no default, collation or identity.</summary>
    public FakeCatalog Table(QualifiedName table, IEnumerable<string> key, params (string Name, string Type, bool Nullable)[] columns)
    {
        var t = new TableDef();
        t.Columns.AddRange(columns.Select(c => new ColumnInfo(c.Name, c.Type, c.Nullable, null, null, false, false)));
        t.Key.AddRange(key);
        if (t.Key.Count > 0) t.Indexes.Add(new IndexInfo("PK_" + table.Name, true, true, false, t.Key.ToList(), [], null));
        _tables[table] = t;
        return this;
    }

    public FakeCatalog Column(QualifiedName table, ColumnInfo column) { _tables[table].Columns.Add(column); return this; }
    public FakeCatalog Index(QualifiedName table, IndexInfo index) { _tables[table].Indexes.Add(index); return this; }
    public FakeCatalog Object(QualifiedName name) { _objects.Add(name); return this; }
    public TableDef this[QualifiedName table] => _tables[table];

    public bool TableExists(QualifiedName table) => _tables.ContainsKey(table);
    public IReadOnlyList<ColumnInfo> Columns(QualifiedName table) => _tables.TryGetValue(table, out var t) ? t.Columns : [];
    public IReadOnlyList<string> KeyColumns(QualifiedName table) => _tables.TryGetValue(table, out var t) ? t.Key : [];
    public IReadOnlyList<IndexInfo> Indexes(QualifiedName table) => _tables.TryGetValue(table, out var t) ? t.Indexes : [];
    public IReadOnlyList<string> Triggers(QualifiedName table) => _tables.TryGetValue(table, out var t) ? t.Triggers : [];
    public IReadOnlyList<(bool Refuse, string Reason)> TableFeatures(QualifiedName table) => _tables.TryGetValue(table, out var t) ? t.Features : [];
    public IReadOnlyList<string> Dependents(DroppedObject dropped, IReadOnlySet<string> ignoreObjects) => DependentsFound;
    public bool ObjectExists(QualifiedName name) => _objects.Contains(name) || _tables.ContainsKey(name);

    private sealed class NameComparer : IEqualityComparer<QualifiedName>
    {
        public static readonly NameComparer Instance = new();
        public bool Equals(QualifiedName? x, QualifiedName? y) =>
            x is not null && y is not null && StringComparer.OrdinalIgnoreCase.Equals(x.Schema, y.Schema) && StringComparer.OrdinalIgnoreCase.Equals(x.Name, y.Name);
        public int GetHashCode(QualifiedName n) => HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(n.Schema), StringComparer.OrdinalIgnoreCase.GetHashCode(n.Name));
    }
}
