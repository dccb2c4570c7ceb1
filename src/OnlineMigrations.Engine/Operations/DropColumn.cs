using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Drops a column at contract; nothing happens at expand (the old code still reads it).</summary>
public sealed class DropColumn : Operation
{
    public override string Kind => "dropColumn";
    public required QualifiedName Table { get; init; }
    public required string Column { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "column");
        var table = r.Table();
        var column = r.Identifier("column");
        return table is null || column is null ? null : new DropColumn { Table = table, Column = column };
    }

    public override IEnumerable<Touch> Touches => [new(Table, Column, Destructive: true)];
    public override IEnumerable<DroppedObject> Drops => [new(Table, Column)];

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (c.Catalog.Column(Table, Column) is null)
            throw c.Refuse(this, $"the column {Table}.{Column} does not exist", "Check the table and column names.");
        return [];
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (c.Catalog.Column(Table, Column) is null) yield break;
        yield return new Step($"drop column {Table}.{Column}", c.Dialect.DropColumn(Table, Column));
    }
}
