using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Adds a foreign key untrusted at expand (WITH NOCHECK: no scan, no long lock; new writes are
/// checked). Migrate counts violating rows in batches; contract trusts it with -AllowOffline.
/// </summary>
public sealed class AddForeignKey : Operation
{
    public override string Kind => "addForeignKey";
    public required QualifiedName Table { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required QualifiedName ReferencedTable { get; init; }
    public required IReadOnlyList<string> ReferencedColumns { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "name", "columns", "references");
        var table = r.Table();
        var name = r.Identifier("name");
        var columns = r.Identifiers("columns");
        var references = r.Object("references");
        references?.OnlyKnown("table", "columns");
        var refTable = references?.Table();
        var refColumns = references?.Identifiers("columns");
        if (columns is not null && refColumns is not null && columns.Count != refColumns.Count && columns.Count > 0 && refColumns.Count > 0)
            r.Problem($"{r.Path}.references.columns", $"{columns.Count} column(s) reference {refColumns.Count} column(s); the lists must be the same length");
        return table is null || name is null || columns is null || refTable is null || refColumns is null ? null
            : new AddForeignKey { Table = table, Name = name, Columns = columns, ReferencedTable = refTable, ReferencedColumns = refColumns };
    }

    public override IEnumerable<Touch> Touches => Columns.Select(c => new Touch(Table, c, Destructive: false)).Append(new Touch(ReferencedTable, null, false));

    public override void Apply(OperationContext c, PlannedSchema schema) => schema.TakeName(new QualifiedName(Table.Schema, Name), $"foreign key {Name} on {Table}");

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        if (!c.Catalog.TableExists(ReferencedTable)) throw c.Refuse(this, $"the referenced table {ReferencedTable} does not exist", "Check references.table.");
        c.RequireFree(this, $"foreign key {Name}", c.Catalog.ObjectNameHolder(new QualifiedName(Table.Schema, Name)));
        yield return new Step($"add foreign key {Name} on {Table} (not yet trusted)",
            [c.Dialect.AddForeignKey(Table, Name, Columns, ReferencedTable, ReferencedColumns)]);
    }

    private string Violations(OperationContext c)
    {
        var d = c.Dialect;
        var notNull = string.Join(" AND ", Columns.Select(x => $"{d.Table(Table)}.{d.Quote(x)} IS NOT NULL"));
        var match = string.Join(" AND ", Columns.Zip(ReferencedColumns, (a, b) => $"r.{d.Quote(b)} = {d.Table(Table)}.{d.Quote(a)}"));
        return $"{notNull} AND NOT EXISTS (SELECT 1 FROM {d.Table(ReferencedTable)} AS r WHERE {match})";
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c) =>
        [new RemainingCheck($"rows of {Table} that violate the foreign key {Name}") { Table = Table, Predicate = Violations(c) }];

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        yield return new Step($"trust foreign key {Name} on {Table}", [c.Dialect.TrustConstraint(Table, Name)])
        {
            OfflineReason = $"WITH CHECK CHECK CONSTRAINT {Name} scans {Table} under a schema-modification lock; without -AllowOffline the constraint stays untrusted (it is still enforced for new writes)",
        };
    }

    public override IEnumerable<Step> Rollback(OperationContext c) => [new Step($"drop foreign key {Name} on {Table}", [c.Dialect.DropConstraint(Table, Name)])];
}
