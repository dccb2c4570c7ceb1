using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Renames a column without downtime. Expand adds <c>to</c> with the same type and collation,
/// recreates the indexes that include <c>from</c> on <c>to</c>, lets inserts omit <c>from</c> (new
/// code no longer writes it) and keeps both in step with a two-way trigger; a write to <c>to</c> wins.
/// Migrate copies <c>from</c> into <c>to</c> wherever they differ. Contract keeps the column's
/// definition: where <c>from</c> kept it through expand (NOT NULL with its default, a default SQLite
/// cannot add later), <c>to</c> is dropped and <c>from</c> renamed in place, with its default,
/// NOT NULL, indexes and constraints; otherwise <c>from</c> is dropped, its indexes take their old
/// names on <c>to</c>, <c>to</c> gets the default, and a NOT NULL that expand relaxed comes back as
/// the same offline step as addColumn's final NOT NULL (-AllowOffline). A key column is never
/// renamed: the trigger and the backfill find rows by it.
/// </summary>
public sealed class RenameColumn : Operation
{
    public override string Kind => "renameColumn";
    public required QualifiedName Table { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "from", "to");
        var table = r.Table();
        var from = r.Identifier("from");
        var to = r.Identifier("to");
        if (from is not null && to is not null && string.Equals(from, to, StringComparison.OrdinalIgnoreCase))
            r.Problem($"{r.Path}.to", $"\"to\" is the same name as \"from\" ({from}); a rename needs a new name");
        return table is null || from is null || to is null ? null : new RenameColumn { Table = table, From = from, To = to };
    }

    public override IEnumerable<Touch> Touches => [new(Table, From, Destructive: true) { Retires = "renames away" }, new(Table, To, Destructive: false)];
    public override IEnumerable<DroppedObject> Drops => [new(Table, From)];

    private string InterimIndexName(OperationContext c, string index) => Names.Internal(index, "om_" + Names.ShortHash(c.Migration.Id));

    private List<IndexInfo> IndexesOnFrom(OperationContext c) => OwnIndexesLeftOut(c, c.Catalog.Indexes(Table).Where(i => i.Covers(From))).ToList();

    // The interim indexes this migration builds on the new column are not the old column's.
    private static IEnumerable<IndexInfo> OwnIndexesLeftOut(OperationContext c, IEnumerable<IndexInfo> indexes) =>
        indexes.Where(i => !i.Name.EndsWith("__om_" + Names.ShortHash(c.Migration.Id), StringComparison.Ordinal));

    private IndexSpec Renamed(OperationContext c, IndexInfo i, string name)
    {
        string Swap(string x) => c.Catalog.Names.Equals(x, From) ? To : x;
        // Only identifiers move to the new name: WHERE Kind = 'Tag' keeps its literal 'Tag'.
        return new(Table, name, i.Columns.Select(Swap).ToList(), i.Include.Select(Swap).ToList(),
            i.Unique, i.Filter is null ? null : c.Dialect.RenameColumnIn(i.Filter, From, To, c.Catalog.Names));
    }

    /// <summary>The refusal of a key column, whose reason and alternatives the README's operation table repeats.</summary>
    internal const string KeyColumnFix =
        "Keep the name (map it in the application), or rename it in a maintenance window with a sql operation marked \"unsafe\": true " +
        "(sp_rename on SQL Server, ALTER TABLE ... RENAME COLUMN on SQLite) while no old code runs. " +
        "To rename online, first give the table another key (a new primary key or unique clustered index in an earlier migration).";

    public override void Apply(OperationContext c, PlannedSchema schema)
    {
        if (c.Catalog.Column(Table, From) is { } old)
            schema.AddColumn(Table, old with { Name = To, Nullable = true, Default = c.Decision(this).DefaultOnTo, Identity = false });
    }

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        var from = c.Catalog.Column(Table, From) ?? throw c.Refuse(this, $"the column {Table}.{From} does not exist", "Check the column name (\"from\").");
        if (c.Catalog.Column(Table, To) is not null) throw c.Refuse(this, $"the column {Table}.{To} already exists", "Choose another name (\"to\").");
        if (from.Identity || from.Computed) throw c.Refuse(this, $"{Table}.{From} is an identity or computed column, which cannot be kept in step by a trigger", "Rename it in a maintenance window with a sql operation marked \"unsafe\": true.");
        var indexes = IndexesOnFrom(c);
        if (indexes.Any(i => i.PrimaryKey) || c.Catalog.KeyColumns(Table).Contains(From, StringComparer.OrdinalIgnoreCase))
            throw c.Refuse(this, $"{Table}.{From} is part of the table's key, by which the sync trigger and the backfill find each row, so it cannot be renamed online", KeyColumnFix);
        if (!c.Dialect.DropsUniqueConstraints && indexes.Any(i => i.UniqueConstraint))
            throw c.Dialect.CannotChangeColumn($"{JsonPath}: changing {Table}.{From}, which a UNIQUE constraint of the table covers",
                "A UNIQUE constraint declared with the table cannot be dropped on its own here; use a unique index (addUniqueConstraint) instead of a UNIQUE constraint, or use SQL Server.");

        foreach (var index in indexes) c.RequireFree(this, $"interim index {InterimIndexName(c, index.Name)}", c.Catalog.IndexNameHolder(Table, InterimIndexName(c, index.Name)));
        // New code inserts rows without the old column, so a NOT NULL old column must accept that until contract.
        var omitted = OmittedColumn.Plan(c, this, Table, from, indexes, "new code no longer writes it",
            "New code that inserts only the new column would fail. Give the column a default, or make it nullable, in an earlier migration; or use SQL Server.");

        // A NOT NULL old column that keeps its definition through expand (it has a default, or got a temporary
        // one) is renamed in place at contract, so its NOT NULL, default, indexes and constraints stay exactly
        // as they were, with no offline step. One that expand made nullable gives way to the new column, which
        // is made NOT NULL at contract, offline. A nullable one gives way to the new column too.
        string? defaultOnTo = null;
        if (!from.Nullable && !OmittedColumn.WasMadeNullable(c, this)) c.Decide(this, d => d with { RenameInPlace = true });
        else if (from.Default is not null && !c.Dialect.AddsDefaultLater)
        {
            // The engine cannot add a default at contract (SQLite): the new column has it from expand, and the
            // trigger treats a row holding just the default as not written (MirrorRule.ToDefault). A default it
            // cannot add to a table with rows (CURRENT_TIMESTAMP) makes contract rename the old column in place.
            if (c.Dialect.CanAddColumnWithDefault(from.Default))
            {
                defaultOnTo = from.Default;
                c.Decide(this, d => d with { DefaultOnTo = defaultOnTo });
            }
            else c.Decide(this, d => d with { RenameInPlace = true });
        }
        // Otherwise the new column takes the old one's default only at contract: with a default during expand, a row
        // old code inserts would carry the default in the new column, and the trigger could not tell it from a value
        // new code wrote.
        yield return new Step($"add column {Table}.{To} (renamed from {From})",
            [c.Dialect.AddColumn(Table, new ColumnDefinition(To, from.Type, Nullable: true, defaultOnTo, Collation: from.Collation))]);
        foreach (var index in indexes)
            yield return c.Dialect.CreateIndex($"create index {InterimIndexName(c, index.Name)} on {Table}.{To} (for {index.Name})",
                Renamed(c, index, InterimIndexName(c, index.Name)), c.Catalog.Capabilities, c.AllowOffline);
        if (omitted is not null) yield return omitted;
    }

    public override IEnumerable<SyncRule> SyncRules(OperationContext c) =>
        [new MirrorRule(Table, From, To) { ToDefault = c.Decision(this).DefaultOnTo, Type = FromType(c) }];

    // Wherever the two differ: on SQLite a new column added with a default shows it in every existing row, so
    // "the new column is still NULL" would never copy those rows.
    public override IEnumerable<BackfillAssignment> Backfill(OperationContext c)
    {
        var (from, to) = (c.Dialect.Column(From), c.Dialect.Column(To));
        return [new BackfillAssignment(Table, To, from, c.Dialect.Differ(to, from, FromType(c)))];
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c) =>
        [new RemainingCheck($"rows of {Table} where {From} and {To} differ") { Table = Table, Predicate = c.Dialect.Differ(c.Dialect.Column(From), c.Dialect.Column(To), FromType(c)) }];

    // What the old column was at expand: from the table as this operation saw it, or (a migration expanded by an
    // earlier version) from the facts that version saved.
    private string? FromType(OperationContext c) => c.Saw(this) is { } seen ? seen.Column(From)?.Type : c.Fact(this, "fromType");

    private string? FromDefault(OperationContext c) => c.Saw(this) is { } seen ? seen.Column(From)?.Default : c.Fact(this, "default");

    /// <summary>The indexes the old column had at expand, each moved to the new column at contract.</summary>
    private IEnumerable<string> OriginalIndexes(OperationContext c) =>
        c.Saw(this) is { } seen ? OwnIndexesLeftOut(c, seen.Covering(From)).Select(i => i.Name)
            : c.FactList(this, "indexes");

    // A UNIQUE constraint's index can only be removed by dropping the constraint.
    private HashSet<string> UniqueConstraints(OperationContext c) =>
        (c.Saw(this) is { } seen ? OwnIndexesLeftOut(c, seen.Covering(From)).Where(i => i.UniqueConstraint).Select(i => i.Name)
            : c.FactList(this, "uniqueConstraints")).ToHashSet(StringComparer.Ordinal);

    public override IEnumerable<string> MovesIndexes(OperationContext c) => OriginalIndexes(c);

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (c.Decision(this).RenameInPlace)
        {
            // The old column's indexes and constraints follow it through the rename; the interim ones on the new column go.
            var inPlace = OriginalIndexes(c).Select(name => c.Dialect.DropIndex(Table, InterimIndexName(c, name))).ToList();
            if (c.Catalog.Column(Table, From) is not null)
            {
                if (OmittedColumn.TemporaryDefaultOf(c, this) is { } df) inPlace.Add(c.Dialect.DropConstraint(Table, df));
                if (c.Catalog.Column(Table, To) is not null) inPlace.AddRange(c.Dialect.DropColumn(Table, To));
                inPlace.Add(c.Dialect.RenameColumn(Table, From, To));
            }
            if (inPlace.Count > 0) yield return new Step($"rename {Table}.{From} to {To} in place (keeping its definition)", inPlace) { EndsSync = Table };
            yield break;
        }
        var statements = new List<string>();
        var live = c.Catalog.Indexes(Table);
        var constraints = UniqueConstraints(c);
        // The indexes the new column has once this step ran: the old ones' definitions, on the new column.
        var moved = IndexesOnFrom(c).Select(i => Renamed(c, i, i.Name))
            .Select(i => new IndexInfo(i.Name, i.Unique, false, false, i.Columns, i.Include, i.Where)).ToList();
        foreach (var name in OriginalIndexes(c))
        {
            statements.Add(constraints.Contains(name) ? c.Dialect.DropConstraint(Table, name) : c.Dialect.DropIndex(Table, name));
            var interim = live.FirstOrDefault(i => i.Name == InterimIndexName(c, name));
            if (interim is not null)
                statements.AddRange(c.Dialect.RenameIndex(Table, interim.Name, new IndexSpec(Table, name, interim.Columns, interim.Include, interim.Unique, interim.Filter)));
        }
        var fromLive = c.Catalog.Column(Table, From) is not null;
        if (fromLive)
        {
            statements.AddRange(c.Dialect.DropColumn(Table, From));
            if (FromDefault(c) is { } expression && c.Decision(this).DefaultOnTo is null && c.Dialect.AddsDefaultLater)
                statements.Add(c.Dialect.AddDefault(Table, To, Names.Internal($"DF_{Table.Name}_{To}", "om"), expression));
        }
        if (statements.Count > 0) yield return new Step($"drop column {Table}.{From} and move its indexes to {To}", statements) { EndsSync = Table };
        // Expand relaxed the old column's NOT NULL: the renamed column gets it back, as addColumn's final NOT NULL does.
        if (OmittedColumn.WasMadeNullable(c, this) && (fromLive || c.Catalog.Column(Table, To) is { Nullable: true }))
            foreach (var step in FinalNotNull.Steps(c, Table, To, OmittedColumn.TypeOf(c, this, From) ?? c.Catalog.Column(Table, From)?.Type ?? c.Catalog.Column(Table, To)!.Type,
                         fromLive ? moved : c.Catalog.Indexes(Table).Where(i => i.Covers(To)).ToList()))
                yield return step;
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) => AbortIndexBuilds(c, Table, OriginalIndexes(c).Select(n => InterimIndexName(c, n)));

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        var statements = OriginalIndexes(c).Select(name => c.Dialect.DropIndex(Table, InterimIndexName(c, name))).ToList();
        if (c.Catalog.Column(Table, To) is not null) statements.AddRange(c.Dialect.DropColumn(Table, To));
        if (statements.Count > 0) yield return new Step($"drop column {Table}.{To}", statements);
        foreach (var step in OmittedColumn.Undo(c, this, Table, From)) yield return step;
    }
}
