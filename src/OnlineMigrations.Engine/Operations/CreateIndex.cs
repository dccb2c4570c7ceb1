using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Builds an index at expand, as online as the server allows; rollback drops it.</summary>
public sealed class CreateIndex : Operation
{
    public override string Kind => "createIndex";
    public required QualifiedName Table { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public IReadOnlyList<string> Include { get; init; } = [];
    public bool Unique { get; init; }
    public string? Where { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "name", "columns", "include", "unique", "where");
        var table = r.Table();
        var name = r.Identifier("name");
        var columns = r.Identifiers("columns");
        var include = r.Identifiers("include", required: false, allowEmpty: true) ?? [];
        return table is null || name is null || columns is null || columns.Count == 0 ? null
            : new CreateIndex { Table = table, Name = name, Columns = columns, Include = include, Unique = r.Bool("unique", false), Where = r.Expression("where", required: false) };
    }

    public override IEnumerable<Touch> Touches => Columns.Concat(Include).Select(c => new Touch(Table, c, Destructive: false));

    public override void Apply(OperationContext c, PlannedSchema schema) =>
        schema.AddIndex(Table, new IndexInfo(Name, Unique, PrimaryKey: false, UniqueConstraint: false, Columns, Include, Where));

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        c.RequireFree(this, $"index {Name}", c.Catalog.IndexNameHolder(Table, Name)
            ?? c.Catalog.Indexes(Table).Where(i => string.Equals(i.Name, Name, StringComparison.OrdinalIgnoreCase)).Select(i => $"index {i.Name} on {Table}").FirstOrDefault());
        // A column must exist, or be added by an earlier operation of the same migration (the planned schema has it).
        var opaque = c.Migration.Operations.Any(o => o.Kind == "sql"); // a sql operation may add columns we cannot see
        foreach (var column in Columns.Concat(Include).Where(col => !opaque && c.Catalog.Column(Table, col) is null))
            throw c.Refuse(this, $"the column {Table}.{column} does not exist", "Check the column names in \"columns\" and \"include\".");
        yield return c.Dialect.CreateIndex($"create index {Name} on {Table}", new IndexSpec(Table, Name, Columns, Include, Unique, Where), c.Catalog.Capabilities, c.AllowOffline);
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) => AbortIndexBuilds(c, Table, [Name]);

    public override IEnumerable<Step> Rollback(OperationContext c) => [new Step($"drop index {Name} on {Table}", [c.Dialect.DropIndex(Table, Name)])];
}
