using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Drops a column at contract. At expand it stays (the old code still reads it); a NOT NULL column
/// without a default is made nullable, or given a temporary default, so that new code can insert rows
/// without it — where the engine can do neither, expand refuses. Undo restores it.</summary>
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
        var column = c.Catalog.Column(Table, Column) ?? throw c.Refuse(this, $"the column {Table}.{Column} does not exist", "Check the table and column names.");
        var omitted = OmittedColumn.Plan(c, this, Table, column, c.Catalog.Indexes(Table).Where(i => i.Covers(Column)).ToList(), "new code no longer writes it",
            "New code that inserts rows without it would fail until contract. Give the column a default, or make it nullable, in an earlier migration; or use SQL Server.");
        return omitted is null ? [] : [omitted];
    }

    public override IEnumerable<Step> Rollback(OperationContext c) => OmittedColumn.Undo(c, this, Table, Column);

    // Rows new code inserted without the column hold NULL: its NOT NULL cannot come back until they hold a value.
    public override IEnumerable<RemainingCheck> RollbackLoss(OperationContext c)
    {
        if (!OmittedColumn.WasMadeNullable(c, this) || c.Catalog.Column(Table, Column) is not { Nullable: true }) yield break;
        yield return new RemainingCheck($"rows of {Table} that new code inserted without {Column} (NULL, so {Column} cannot be NOT NULL again)")
            { Table = Table, Predicate = $"{c.Dialect.Column(Column)} IS NULL" };
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (c.Catalog.Column(Table, Column) is null) yield break;
        yield return new Step($"drop column {Table}.{Column}", c.Dialect.DropColumn(Table, Column));
    }
}
