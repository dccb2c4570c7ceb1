using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Renames a column without downtime. Expand adds <c>to</c> with the same type, collation and
/// default, recreates the indexes that include <c>from</c> on <c>to</c>, makes <c>from</c> nullable
/// (new code no longer writes it) and keeps both in step with a two-way trigger; a write to
/// <c>to</c> wins. Migrate copies <c>from</c> into <c>to</c>. Contract drops <c>from</c>, its
/// indexes and the trigger, and gives the new indexes their old names.
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

    public override IEnumerable<Touch> Touches => [new(Table, From, Destructive: true), new(Table, To, Destructive: false)];
    public override IEnumerable<DroppedObject> Drops => [new(Table, From)];

    private string InterimIndexName(OperationContext c, string index) => Names.Internal(index, "om_" + Names.ShortHash(c.Migration.Id));

    private List<IndexInfo> IndexesOnFrom(OperationContext c) =>
        c.Catalog.Indexes(Table).Where(i => i.Covers(From) && !i.Name.EndsWith("__om_" + Names.ShortHash(c.Migration.Id), StringComparison.Ordinal)).ToList();

    private IndexSpec Renamed(OperationContext c, IndexInfo i, string name)
    {
        string Swap(string x) => c.Catalog.Names.Equals(x, From) ? To : x;
        // Only identifiers move to the new name: WHERE Kind = 'Tag' keeps its literal 'Tag'.
        return new(Table, name, i.Columns.Select(Swap).ToList(), i.Include.Select(Swap).ToList(),
            i.Unique, i.Filter is null ? null : c.Dialect.RenameColumnIn(i.Filter, From, To, c.Catalog.Names));
    }

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        var from = c.Catalog.Column(Table, From) ?? throw c.Refuse(this, $"the column {Table}.{From} does not exist", "Check the column name (\"from\").");
        if (c.Catalog.Column(Table, To) is not null) throw c.Refuse(this, $"the column {Table}.{To} already exists", "Choose another name (\"to\").");
        if (from.Identity || from.Computed) throw c.Refuse(this, $"{Table}.{From} is an identity or computed column, which cannot be kept in step by a trigger", "Rename it in a maintenance window with a sql operation marked \"unsafe\": true.");
        var indexes = IndexesOnFrom(c);
        if (indexes.Any(i => i.PrimaryKey) || c.Catalog.KeyColumns(Table).Contains(From, StringComparer.OrdinalIgnoreCase))
            throw c.Refuse(this, $"{Table}.{From} is part of the table's key", "Renaming a key column cannot be done online; rename it in a maintenance window, or keep the name.");
        if (!from.Nullable && c.Dialect.Provider == Provider.Sqlite && from.Default is null)
            throw SqliteDialect.NotSupported($"{JsonPath}: renaming the NOT NULL column {Table}.{From} (without a default)",
                "SQLite cannot make the old column nullable, so new code inserting only the new column would fail. Give the column a default, make it nullable first, or use SQL Server.");

        foreach (var index in indexes) c.RequireFree(this, $"interim index {InterimIndexName(c, index.Name)}", c.Catalog.IndexNameHolder(Table, InterimIndexName(c, index.Name)));
        if (!from.Nullable && from.Default is null) c.RequireFree(this, $"temporary default {TemporaryDefault(c)}", c.Catalog.ObjectNameHolder(new QualifiedName(Table.Schema, TemporaryDefault(c))));
        c.SetFact(this, "fromNotNull", from.Nullable ? "false" : "true");
        c.SetFact(this, "fromType", from.Type);
        if (c.Dialect.Provider == Provider.Sqlite && indexes.Any(i => i.UniqueConstraint))
            throw SqliteDialect.NotSupported($"{JsonPath}: changing {Table}.{From}, which a UNIQUE constraint of the table covers", "SQLite cannot drop a column under a table constraint; use a unique index (addUniqueConstraint) instead of a UNIQUE constraint, or use SQL Server.");
        c.SetFact(this, "indexes", string.Join("\u001f", indexes.Select(i => i.Name)));
        // A UNIQUE constraint's index can only be removed by dropping the constraint.
        c.SetFact(this, "uniqueConstraints", string.Join("\u001f", indexes.Where(i => i.UniqueConstraint).Select(i => i.Name)));

        // The new column takes the old one's default only at contract (SQL Server): with a default during
        // expand, a row old code inserts would carry the default in the new column, and the trigger could
        // not tell it from a value new code wrote. SQLite cannot add a default later, so there the trigger
        // treats the default as "not written" (MirrorRule.ToDefault).
        if (from.Default is not null) c.SetFact(this, "default", from.Default);
        var addDefaultNow = c.Dialect.Provider == Provider.Sqlite ? from.Default : null;
        if (addDefaultNow is not null && !c.Dialect.CanAddColumnWithDefault(addDefaultNow))
        {
            // SQLite cannot add a column with a non-constant default (CURRENT_TIMESTAMP) to a table with rows,
            // nor add a default later: the new column goes without one while the trigger fills it, and
            // contract drops it and renames the old column, whose definition (default included) thereby stays.
            c.SetFact(this, "renameInPlace", "true");
            addDefaultNow = null;
        }
        yield return new Step($"add column {Table}.{To} (renamed from {From})",
            [c.Dialect.AddColumn(Table, new ColumnDefinition(To, from.Type, Nullable: true, addDefaultNow, Collation: from.Collation))]);
        foreach (var index in indexes)
            yield return c.Dialect.CreateIndex($"create index {InterimIndexName(c, index.Name)} on {Table}.{To} (for {index.Name})",
                Renamed(c, index, InterimIndexName(c, index.Name)), c.Catalog.Capabilities, c.AllowOffline);
        // New code inserts rows without the old column, so a NOT NULL old column must accept that until
        // contract drops it. A default already does; otherwise it becomes nullable — or, where SQL Server
        // cannot alter an indexed column in place (only var types can), it gets a temporary default
        // that the sync trigger overwrites with the new column's value.
        if (!from.Nullable && from.Default is null && c.Dialect.Provider == Provider.SqlServer)
        {
            var indexed = indexes.Count > 0;
            var varType = from.Type.StartsWith("var", StringComparison.OrdinalIgnoreCase) || from.Type.StartsWith("nvar", StringComparison.OrdinalIgnoreCase);
            if (indexed && !varType)
            {
                c.SetFact(this, "temporaryDefault", TemporaryDefault(c));
                yield return new Step($"give {Table}.{From} a temporary default (new code no longer writes it)",
                    [c.Dialect.AddDefault(Table, From, TemporaryDefault(c), c.Dialect.Placeholder(from.Type))]);
            }
            else
            {
                c.SetFact(this, "madeNullable", "true");
                yield return new Step($"make {Table}.{From} nullable", [c.Dialect.MakeNullable(Table, from)]);
            }
        }
    }

    private string TemporaryDefault(OperationContext c) => Names.Internal($"DF_{Table.Name}_{From}", "om_" + Names.ShortHash(c.Migration.Id));

    public override IEnumerable<SyncRule> SyncRules(OperationContext c) =>
        [new MirrorRule(Table, From, To) { ToDefault = c.Dialect.Provider == Provider.Sqlite && c.Fact(this, "renameInPlace") is null ? c.Fact(this, "default") : null, Type = c.Fact(this, "fromType") }];

    public override IEnumerable<BackfillAssignment> Backfill(OperationContext c)
    {
        var (from, to) = (c.Dialect.Column(From), c.Dialect.Column(To));
        return [new BackfillAssignment(Table, To, from, $"{to} IS NULL AND {from} IS NOT NULL")];
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c) =>
        [new RemainingCheck($"rows of {Table} where {From} and {To} differ") { Table = Table, Predicate = c.Dialect.Differ(c.Dialect.Column(From), c.Dialect.Column(To), c.Fact(this, "fromType")) }];

    private IEnumerable<string> OriginalIndexes(OperationContext c) =>
        (c.Fact(this, "indexes") ?? "").Split('\u001f', StringSplitOptions.RemoveEmptyEntries);

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (c.Fact(this, "renameInPlace") == "true")
        {
            // The old column's indexes follow it through the rename; the interim ones on the new column go.
            var inPlace = OriginalIndexes(c).Select(name => c.Dialect.DropIndex(Table, InterimIndexName(c, name))).ToList();
            if (c.Catalog.Column(Table, From) is not null)
            {
                if (c.Catalog.Column(Table, To) is not null) inPlace.AddRange(c.Dialect.DropColumn(Table, To));
                inPlace.Add(c.Dialect.RenameColumn(Table, From, To));
            }
            if (inPlace.Count > 0) yield return new Step($"rename {Table}.{From} to {To} in place (keeping its definition)", inPlace);
            yield break;
        }
        var statements = new List<string>();
        var live = c.Catalog.Indexes(Table);
        var constraints = (c.Fact(this, "uniqueConstraints") ?? "").Split('\u001f', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var name in OriginalIndexes(c))
        {
            statements.Add(constraints.Contains(name) ? c.Dialect.DropConstraint(Table, name) : c.Dialect.DropIndex(Table, name));
            var interim = live.FirstOrDefault(i => i.Name == InterimIndexName(c, name));
            if (interim is not null)
                statements.AddRange(c.Dialect.RenameIndex(Table, interim.Name, new IndexSpec(Table, name, interim.Columns, interim.Include, interim.Unique, interim.Filter)));
        }
        if (c.Catalog.Column(Table, From) is not null)
        {
            statements.AddRange(c.Dialect.DropColumn(Table, From));
            if (c.Fact(this, "default") is { } expression && c.Dialect.Provider == Provider.SqlServer)
                statements.Add(c.Dialect.AddDefault(Table, To, Names.Internal($"DF_{Table.Name}_{To}", "om"), expression));
        }
        if (statements.Count > 0) yield return new Step($"drop column {Table}.{From} and move its indexes to {To}", statements) { EndsSync = Table };
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) => AbortIndexBuilds(c, Table, OriginalIndexes(c).Select(n => InterimIndexName(c, n)));

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        var statements = OriginalIndexes(c).Select(name => c.Dialect.DropIndex(Table, InterimIndexName(c, name))).ToList();
        if (c.Catalog.Column(Table, To) is not null) statements.AddRange(c.Dialect.DropColumn(Table, To));
        if (statements.Count > 0) yield return new Step($"drop column {Table}.{To}", statements);
        if (c.Fact(this, "temporaryDefault") is { } df && c.Dialect.Provider == Provider.SqlServer)
            yield return new Step($"drop the temporary default of {Table}.{From}", [c.Dialect.DropConstraint(Table, df)]);
        if (c.Fact(this, "madeNullable") == "true" && c.Dialect.Provider == Provider.SqlServer && c.Catalog.Column(Table, From) is { Nullable: true })
            yield return new Step($"make {Table}.{From} NOT NULL again", [c.Dialect.MakeNotNull(Table, From, c.Fact(this, "fromType")!)]);
    }
}
