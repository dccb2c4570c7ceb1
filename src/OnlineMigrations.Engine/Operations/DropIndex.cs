using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Drops an index at contract; nothing happens at expand.</summary>
public sealed class DropIndex : Operation
{
    public override string Kind => "dropIndex";
    public required QualifiedName Table { get; init; }
    public required string Name { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "name");
        var table = r.Table();
        var name = r.Identifier("name");
        return table is null || name is null ? null : new DropIndex { Table = table, Name = name };
    }

    public override IEnumerable<Touch> Touches => [new(Table, null, Destructive: false)];
    public override IEnumerable<DroppedObject> Drops => [new(Table, null, Name)];

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.Indexes(Table).Any(i => string.Equals(i.Name, Name, StringComparison.OrdinalIgnoreCase)))
            throw c.Refuse(this, $"there is no index {Name} on {Table}", "Check the index and table names.");
        return [];
    }

    public override IEnumerable<Step> Contract(OperationContext c) => [new Step($"drop index {Name} on {Table}", [c.Dialect.DropIndex(Table, Name)])];
}
