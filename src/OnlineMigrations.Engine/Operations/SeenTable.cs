using OnlineMigrations.Engine.Dialects;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// A table as an operation saw it when expand planned it (the planned schema just before the operation):
/// its columns, key and indexes. Saved with the migration (SavedPlans.Seen), so contract and rollback
/// read what the table was before expand changed it (a renamed column's type and default, the indexes
/// an altered column had) from one typed record rather than from the live catalog, which expand changed.
/// </summary>
public sealed record SeenTable(IReadOnlyList<ColumnInfo> Columns, IReadOnlyList<string> Keys, IReadOnlyList<IndexInfo> Indexes)
{
    /// <summary>A copy of the table as <paramref name="schema"/> shows it now (later operations change the planned schema's lists).</summary>
    public static SeenTable Of(ICatalog schema, Model.QualifiedName table) =>
        new(schema.Columns(table).ToList(), schema.KeyColumns(table).ToList(), schema.Indexes(table).ToList());

    public ColumnInfo? Column(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The indexes that list <paramref name="column"/> (as key or included column).</summary>
    public IReadOnlyList<IndexInfo> Covering(string column) => Indexes.Where(i => i.Covers(column)).ToList();
}
