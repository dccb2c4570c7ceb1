using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Drops a table at contract; nothing happens at expand.</summary>
public sealed class DropTable : Operation
{
    public override string Kind => "dropTable";
    public required QualifiedName Table { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table");
        var table = r.Table();
        return table is null ? null : new DropTable { Table = table };
    }

    public override IEnumerable<Touch> Touches => [new(Table, null, Destructive: true)];
    public override IEnumerable<DroppedObject> Drops => [new(Table, null)];

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        return [];
    }

    public override IEnumerable<Step> Contract(OperationContext c) => [new Step($"drop table {Table}", [c.Dialect.DropTable(Table)])];
}
