using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Adds a column. Expand adds it nullable (old code never writes it); with <c>up</c>, a trigger fills
/// it for rows written without it and the backfill fills the rest. Contract makes it NOT NULL when
/// the file asks (an offline step on SQL Server). Rollback drops it.
/// </summary>
public sealed class AddColumn : Operation
{
    public override string Kind => "addColumn";
    public required QualifiedName Table { get; init; }
    public required ColumnDefinition Column { get; init; }
    public string? Up { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "column", "up");
        var table = r.Table();
        var column = r.Column(r.Object("column"));
        var up = r.Expression("up", required: false);
        if (column is { Identity: true }) r.Problem($"{r.Path}.column.identity", "an identity column cannot be added online; create a new table instead");
        if (column is { PrimaryKey: true }) r.Problem($"{r.Path}.column.primaryKey", "a primary key cannot be added with addColumn");
        if (column is { Nullable: false } && up is null && column.Default is null)
            r.Problem($"{r.Path}.column.nullable", "a NOT NULL column needs \"up\" or a \"default\" to fill existing rows");
        return table is null || column is null ? null : new AddColumn { Table = table, Column = column, Up = up };
    }

    public override IEnumerable<Touch> Touches => [new(Table, Column.Name, Destructive: false)];

    public override void Apply(OperationContext c, PlannedSchema schema) =>
        schema.AddColumn(Table, new ColumnInfo(Column.Name, Column.Type, Nullable: !c.Decision(this).NotNullAtExpand, Column.Collation, Column.Default, Identity: false, Computed: false));

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name, or create it in an earlier operation.");
        if (c.Catalog.Column(Table, Column.Name) is not null)
            throw c.Refuse(this, $"the column {Table}.{Column.Name} already exists", "Choose another name, or remove the operation.");
        if (Column.Default is not null && !c.Dialect.CanAddColumnWithDefault(Column.Default))
            throw c.Dialect.CannotChangeColumn($"{JsonPath}: adding {Table}.{Column.Name} with the default ({Column.Default}) to a table with rows",
                "Give the column a constant default, or none and fill it with \"up\".");
        // A final NOT NULL: where the engine can change nullability, the column is added nullable and made NOT NULL
        // at contract (offline). Where it cannot, a constant default lets it be NOT NULL from expand on (existing
        // rows read the default); without one, it cannot be done online at all, and expand says so now.
        if (!Column.Nullable && !c.Dialect.ChangesNullability)
        {
            if (Column.Default is null || !c.Dialect.AddsNotNullColumnWithDefault)
                throw c.Dialect.CannotChangeColumn($"{JsonPath}: a NOT NULL column added to an existing table ({Table}.{Column.Name}){(Column.Default is null ? " without a default" : "")}",
                    c.Dialect.AddsNotNullColumnWithDefault
                        ? "Give the column a constant \"default\" (it is then NOT NULL from expand on), or keep it nullable (\"nullable\": true)."
                        : "Keep the column nullable (\"nullable\": true), or make it NOT NULL on SQL Server.");
            c.Decide(this, d => d with { NotNullAtExpand = true });
            yield return new Step($"add column {Table}.{Column.Name} (NOT NULL, existing rows read its default)", [c.Dialect.AddColumn(Table, Column)]);
            yield break;
        }
        yield return new Step($"add column {Table}.{Column.Name}", [c.Dialect.AddColumn(Table, Column with { Nullable = true })]);
    }


    /// <summary>What fills a row written without the column: <c>up</c>, else the column's default (SQL Server leaves
    /// existing rows NULL when it adds a nullable column with a default; SQLite shows them the default).</summary>
    private string? Fill => Up ?? Column.Default;

    // The old shape is read at expand, before the column exists; at contract and rollback only the trigger's name matters.
    public override IEnumerable<SyncRule> SyncRules(OperationContext c) => Up is null ? [] :
    [
        new FillRule(Table, Column.Name, Up)
        {
            NotNull = c.Decision(this).NotNullAtExpand,
            Default = Column.Default,
            Type = Column.Type,
            OldShape = c.Catalog.TableExists(Table)
                ? c.Catalog.Columns(Table).Select(x => x.Name).Where(n => !string.Equals(n, Column.Name, StringComparison.OrdinalIgnoreCase)).ToList()
                : [],
        },
    ];

    /// <summary>A row whose new column holds NULL, or just its default, was written without it (by old code,
    /// or before expand: SQLite shows the default in existing rows), and takes <c>up</c>.</summary>
    private string Unwritten(OperationContext c)
    {
        var col = c.Dialect.Column(Column.Name);
        return Column.Default is null ? $"{col} IS NULL" : $"({col} IS NULL OR NOT {c.Dialect.Differ(col, $"({Column.Default})", Column.Type)})";
    }

    private string StillToFill(OperationContext c) => Up is null
        ? $"{c.Dialect.Column(Column.Name)} IS NULL"
        : $"{Unwritten(c)} AND ({Up}) IS NOT NULL AND {c.Dialect.Differ(c.Dialect.Column(Column.Name), $"({Up})", Column.Type)}";

    public override IEnumerable<ExpressionCheck> Expressions(OperationContext c) =>
        Up is null ? [] : [new ExpressionCheck(Table, "up", Up, Column.Type, OverRows: true)];

    public override IEnumerable<BackfillAssignment> Backfill(OperationContext c) =>
        Fill is null ? [] : [new BackfillAssignment(Table, Column.Name, $"({Fill})", StillToFill(c))];

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c)
    {
        var col = c.Dialect.Column(Column.Name);
        var notNullNow = c.Decision(this).NotNullAtExpand;
        // A column that becomes NOT NULL at contract must have a value in every row first.
        if (!Column.Nullable && !notNullNow) yield return new RemainingCheck($"rows of {Table} whose {Column.Name} is still NULL (it becomes NOT NULL at contract)") { Table = Table, Predicate = $"{col} IS NULL" };
        else if (Fill is not null) yield return new RemainingCheck($"rows of {Table} whose new column {Column.Name} is still empty") { Table = Table, Predicate = StillToFill(c) };
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (Column.Nullable || c.Decision(this).NotNullAtExpand) yield break;
        var indexes = c.Catalog.Indexes(Table).Where(i => i.Covers(Column.Name)).ToList();
        foreach (var step in FinalNotNull.Steps(c, Table, Column.Name, Column.Type, indexes)) yield return step;
    }

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        if (c.Catalog.Column(Table, Column.Name) is null) yield break;
        yield return new Step($"drop column {Table}.{Column.Name}", c.Dialect.DropColumn(Table, Column.Name));
    }

    public override IEnumerable<RemainingCheck> RollbackLoss(OperationContext c)
    {
        if (c.Catalog.Column(Table, Column.Name) is null) yield break;
        var col = c.Dialect.Column(Column.Name);
        // Only a value that neither the default nor "up" gives was written by new code. CASE keeps "up" from
        // being evaluated for rows that hold NULL or the default.
        var notDefault = Column.Default is null ? "" : $" WHEN NOT ({c.Dialect.Differ(col, $"({Column.Default})", Column.Type)}) THEN 0";
        var written = $"CASE WHEN {col} IS NULL THEN 0{notDefault} ELSE 1 END = 1";
        yield return new RemainingCheck($"rows of {Table} where new code wrote {Column.Name}")
        {
            Table = Table,
            Predicate = Up is null ? written : $"CASE WHEN {col} IS NULL THEN 0{notDefault} WHEN {c.Dialect.Differ(col, $"({Up})", Column.Type)} THEN 1 ELSE 0 END = 1",
            Fallback = Up is null ? null : written,
        };
    }
}
