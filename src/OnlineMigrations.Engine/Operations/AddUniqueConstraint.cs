using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Adds uniqueness as an online unique index (a UNIQUE constraint cannot be built online).</summary>
public sealed class AddUniqueConstraint : Operation
{
    public override string Kind => "addUniqueConstraint";
    public required QualifiedName Table { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "name", "columns");
        var table = r.Table();
        var name = r.Identifier("name");
        var columns = r.Identifiers("columns");
        return table is null || name is null || columns is null || columns.Count == 0 ? null : new AddUniqueConstraint { Table = table, Name = name, Columns = columns };
    }

    public override IEnumerable<Touch> Touches => Columns.Select(c => new Touch(Table, c, Destructive: false));

    public override void Apply(OperationContext c, PlannedSchema schema) =>
        schema.AddIndex(Table, new IndexInfo(Name, Unique: true, PrimaryKey: false, UniqueConstraint: false, Columns, [], null));

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        // Uniqueness is built as a unique index: its name must be free among the table's indexes (and, as a
        // constraint's name, among the schema's objects).
        c.RequireFree(this, $"unique constraint {Name}", c.Catalog.IndexNameHolder(Table, Name)
            ?? c.Catalog.Indexes(Table).Where(i => string.Equals(i.Name, Name, StringComparison.OrdinalIgnoreCase)).Select(i => $"index {i.Name} on {Table}").FirstOrDefault()
            ?? c.Catalog.ObjectNameHolder(new QualifiedName(Table.Schema, Name)));
        yield return c.Dialect.CreateIndex($"create unique index {Name} on {Table}", new IndexSpec(Table, Name, Columns, [], Unique: true, Where: null), c.Catalog.Capabilities, c.AllowOffline);
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) => AbortIndexBuilds(c, Table, [Name]);

    public override IEnumerable<Step> Rollback(OperationContext c) => [new Step($"drop unique index {Name} on {Table}", [c.Dialect.DropIndex(Table, Name)])];
}
