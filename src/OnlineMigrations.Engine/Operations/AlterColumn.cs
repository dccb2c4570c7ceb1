using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Changes a column's definition (type, nullability, default) online. Expand adds an internal shadow
/// column with the new definition, kept equal to <c>up</c> of the old column by a trigger (and the old
/// column to <c>down</c> of the shadow, when given); applications keep using the column's own name.
/// Migrate fills the shadow. Contract, in one short transaction, drops the old column and renames the
/// shadow into its place, recreating its indexes.
/// </summary>
public sealed class AlterColumn : Operation
{
    public override string Kind => "alterColumn";
    public required QualifiedName Table { get; init; }
    public required string Column { get; init; }
    public string? Type { get; init; }
    public bool? Nullable { get; init; }
    public string? Default { get; init; }
    public required string Up { get; init; }
    public string? Down { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "column", "type", "nullable", "default", "up", "down");
        var table = r.Table();
        var column = r.Identifier("column");
        var type = r.SqlType("type", required: false);
        bool? nullable = r.Element.TryGetProperty("nullable", out var n) && n.ValueKind != System.Text.Json.JsonValueKind.Null ? r.Bool("nullable", true) : null;
        var @default = r.Expression("default", required: false);
        var up = r.Expression("up");
        var down = r.Expression("down", required: false);
        bool Given(string field) => r.Element.TryGetProperty(field, out var v) && v.ValueKind != System.Text.Json.JsonValueKind.Null;
        if (!Given("type") && nullable is null && !Given("default"))
            r.Problem(r.Path, "nothing to change: give at least one of \"type\", \"nullable\" or \"default\"");
        return table is null || column is null || up is null ? null
            : new AlterColumn { Table = table, Column = column, Type = type, Nullable = nullable, Default = @default, Up = up, Down = down };
    }

    public override IEnumerable<Touch> Touches => [new(Table, Column, Destructive: true) { Retires = "replaces with a new column" }];
    public override IEnumerable<DroppedObject> Drops => [new(Table, Column)];

    private string InterimIndexName(OperationContext c, string index) => Names.Internal(index, "om_" + Names.ShortHash(c.Migration.Id));

    // The shadow column is internal: no later operation names it, but its name is taken.
    public override void Apply(OperationContext c, PlannedSchema schema)
    {
        if (c.Catalog.Column(Table, Column) is { } old)
            schema.AddColumn(Table, old with { Name = c.ShadowName(Column), Type = ShadowType(c) ?? old.Type, Nullable = true, Default = null, Identity = false });
    }

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        var old = c.Catalog.Column(Table, Column) ?? throw c.Refuse(this, $"the column {Table}.{Column} does not exist", "Check the column name.");
        if (old.Identity || old.Computed) throw c.Refuse(this, $"{Table}.{Column} is an identity or computed column", "Change it in a maintenance window with a sql operation marked \"unsafe\": true.");
        if (c.Catalog.KeyColumns(Table).Contains(Column, StringComparer.OrdinalIgnoreCase))
            throw c.Refuse(this, $"{Table}.{Column} is part of the table's key, by which the sync trigger and the backfill find each row, so it cannot be changed online with a shadow column",
                "Change it in a maintenance window with a sql operation marked \"unsafe\": true while no old code runs, or first give the table another key (a new primary key or unique clustered index in an earlier migration).");
        // The new definition's NOT NULL (asked for, or kept from the old column) must hold after contract: where the
        // engine cannot make the shadow NOT NULL at contract, it is NOT NULL from expand on, with a constant default
        // that existing rows read until the backfill fills them; without one, expand refuses now, not contract later.
        var notNull = !(Nullable ?? old.Nullable);
        var shadowDefault = Default ?? old.Default;
        var notNullNow = false;
        if (notNull && !c.Dialect.ChangesNullability)
        {
            if (!c.Dialect.AddsNotNullColumnWithDefault || shadowDefault is null || !c.Dialect.CanAddColumnWithDefault(shadowDefault))
                throw c.Dialect.CannotChangeColumn(
                    $"{JsonPath}: changing {Table}.{Column}, which is NOT NULL{(Nullable == false ? " as asked" : " now")}, with a shadow column that is NOT NULL only from contract on",
                    (c.Dialect.AddsNotNullColumnWithDefault ? "Give the column a constant \"default\" (the shadow is then NOT NULL from expand on), " : "") +
                    "give \"nullable\": true to accept a nullable column deliberately, or make this change on SQL Server.");
            notNullNow = true;
            c.Decide(this, d => d with { NotNullAtExpand = true });
        }

        var shadow = c.ShadowName(Column);
        if (c.Catalog.Column(Table, shadow) is not null) c.RequireFree(this, $"shadow column {shadow}", $"column {Table}.{shadow}");
        var indexes = c.Catalog.Indexes(Table).Where(i => i.Covers(Column)).ToList();
        foreach (var index in indexes) c.RequireFree(this, $"interim index {InterimIndexName(c, index.Name)}", c.Catalog.IndexNameHolder(Table, InterimIndexName(c, index.Name)));
        if (!c.Dialect.DropsUniqueConstraints && indexes.Any(i => i.UniqueConstraint))
            throw c.Dialect.CannotChangeColumn($"{JsonPath}: changing {Table}.{Column}, which a UNIQUE constraint of the table covers",
                "A UNIQUE constraint declared with the table cannot be dropped on its own here; use a unique index (addUniqueConstraint) instead of a UNIQUE constraint, or use SQL Server.");
        var collation = Type is null ? old.Collation : null;
        yield return new Step($"add shadow column {Table}.{shadow} for {Column}",
            [c.Dialect.AddColumn(Table, new ColumnDefinition(shadow, Type ?? old.Type, Nullable: !notNullNow, shadowDefault, Collation: collation))]);
        foreach (var index in indexes)
            yield return c.Dialect.CreateIndex($"create index {InterimIndexName(c, index.Name)} on the shadow of {Table}.{Column}",
                Shadowed(c, index, InterimIndexName(c, index.Name)), c.Catalog.Capabilities, c.AllowOffline);
    }

    private IndexSpec Shadowed(OperationContext c, IndexInfo i, string name)
    {
        var shadow = c.ShadowName(Column);
        string Swap(string x) => c.Catalog.Names.Equals(x, Column) ? shadow : x;
        return new IndexSpec(Table, name, i.Columns.Select(Swap).ToList(), i.Include.Select(Swap).ToList(), i.Unique,
            i.Filter is null ? null : c.Dialect.RenameColumnIn(i.Filter, Column, shadow, c.Catalog.Names));
    }

    // up fills the shadow (new type) from every row; down writes the old column only when new code writes.
    public override IEnumerable<ExpressionCheck> Expressions(OperationContext c)
    {
        var old = c.Catalog.Column(Table, Column);
        yield return new ExpressionCheck(Table, "up", Up, Type ?? old?.Type, OverRows: true);
        if (Down is not null) yield return new ExpressionCheck(Table, "down", Down, old?.Type, OverRows: false);
    }

    // What the column was at expand: from the table as this operation saw it, or (a migration expanded by an
    // earlier version) from the facts that version saved.
    private ColumnInfo? Old(OperationContext c) => c.Saw(this)?.Column(Column);

    private string? OldType(OperationContext c) => c.Saw(this) is not null ? Old(c)?.Type : c.Fact(this, "oldType");

    private string? ShadowType(OperationContext c) => Type ?? (c.Saw(this) is not null ? Old(c)?.Type : c.Fact(this, "type"));

    /// <summary>Whether the column is nullable after contract: as asked, else as it was.</summary>
    private bool FinalNullable(OperationContext c) => Nullable ?? (c.Saw(this) is not null ? Old(c)?.Nullable ?? true : c.Fact(this, "nullable") != "false");

    /// <summary>The indexes the column had at expand (rebuilt on the new column at contract).</summary>
    private IReadOnlyList<IndexInfo> OldIndexes(OperationContext c) =>
        c.Saw(this) is { } seen ? seen.Covering(Column) : FinalNotNull.Load(c.Fact(this, "indexDefinitions"));

    private IEnumerable<string> OldIndexNames(OperationContext c) =>
        c.Saw(this) is not null ? OldIndexes(c).Select(i => i.Name) : c.FactList(this, "indexes");

    // A UNIQUE constraint's index can only be removed by dropping the constraint.
    private HashSet<string> UniqueConstraints(OperationContext c) =>
        (c.Saw(this) is { } seen ? seen.Covering(Column).Where(i => i.UniqueConstraint).Select(i => i.Name)
            : c.FactList(this, "uniqueConstraints")).ToHashSet(StringComparer.Ordinal);

    public override IEnumerable<string> MovesIndexes(OperationContext c) => OldIndexNames(c);


    // down computes the old column from the new value: its references to the column's name are to the shadow,
    // which is what new code wrote (the old column still holds the value before the write).
    public override IEnumerable<SyncRule> SyncRules(OperationContext c)
    {
        var shadow = c.ShadowName(Column);
        yield return new ShadowRule(Table, Column, shadow, Up, Down is null ? null : c.Dialect.RenameColumnIn(Down, Column, shadow, c.Catalog.Names))
        {
            Type = ShadowType(c),
            ColumnType = OldType(c) ?? c.Catalog.Column(Table, Column)?.Type,
            Default = Default ?? c.Catalog.Column(Table, Column)?.Default,
            NotNull = c.Decision(this).NotNullAtExpand,
        };
    }

    public override IEnumerable<BackfillAssignment> Backfill(OperationContext c)
    {
        var shadow = c.Dialect.Column(c.ShadowName(Column));
        return [new BackfillAssignment(Table, c.ShadowName(Column), $"({Up})", c.Dialect.Differ(shadow, $"({Up})", ShadowType(c)))];
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c)
    {
        var shadow = c.Dialect.Column(c.ShadowName(Column));
        yield return new RemainingCheck($"rows of {Table} whose new {Column} disagrees with \"up\"") { Table = Table, Predicate = c.Dialect.Differ(shadow, $"({Up})", ShadowType(c)) };
        if (Nullable == false) yield return new RemainingCheck($"rows of {Table} whose new {Column} is NULL (it becomes NOT NULL at contract)") { Table = Table, Predicate = $"{shadow} IS NULL" };
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        var shadow = c.ShadowName(Column);
        var live = c.Catalog.Indexes(Table);
        var statements = new List<string>();
        var names = OldIndexNames(c).ToList();
        var constraints = UniqueConstraints(c);
        foreach (var name in names) statements.Add(constraints.Contains(name) ? c.Dialect.DropConstraint(Table, name) : c.Dialect.DropIndex(Table, name));
        if (c.Catalog.Column(Table, shadow) is not null)
        {
            if (c.Catalog.Column(Table, Column) is not null) statements.AddRange(c.Dialect.DropColumn(Table, Column));
            statements.Add(c.Dialect.RenameColumn(Table, shadow, Column));
        }
        foreach (var name in names)
        {
            var interim = live.FirstOrDefault(i => i.Name == InterimIndexName(c, name));
            if (interim is null) continue;
            string Back(string x) => c.Catalog.Names.Equals(x, shadow) ? Column : x;
            statements.AddRange(c.Dialect.RenameIndex(Table, interim.Name,
                new IndexSpec(Table, name, interim.Columns.Select(Back).ToList(), interim.Include.Select(Back).ToList(), interim.Unique,
                    interim.Filter is null ? null : c.Dialect.RenameColumnIn(interim.Filter, shadow, Column, c.Catalog.Names))));
        }
        if (statements.Count > 0) yield return new Step($"swap the new {Table}.{Column} into place", statements) { EndsSync = Table };
        if (!FinalNullable(c) && !c.Decision(this).NotNullAtExpand)
            foreach (var step in FinalNotNull.Steps(c, Table, Column, ShadowType(c)!, OldIndexes(c)))
                yield return step;
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) =>
        AbortIndexBuilds(c, Table, OldIndexNames(c).Select(n => InterimIndexName(c, n)));

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        var shadow = c.ShadowName(Column);
        var statements = OldIndexNames(c).Select(name => c.Dialect.DropIndex(Table, InterimIndexName(c, name))).ToList();
        if (c.Catalog.Column(Table, shadow) is not null) statements.AddRange(c.Dialect.DropColumn(Table, shadow));
        if (statements.Count > 0) yield return new Step($"drop shadow column {Table}.{shadow}", statements);
    }
}
