using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// What would make contract fail part-way, found before its first step: objects on the table that a
/// drop or rename breaks (expression and partial indexes, CHECKs, generated columns), two operations of
/// the migration changing one column, a later migration's expression reading a column contract removes,
/// and a shadow or new column that is not there. A contract refused here leaves the migration Migrated,
/// so it can still be fixed or undone; -Force cannot override it, since no gate decides whether DDL succeeds.
/// </summary>
public sealed class ContractPreflight(TargetDatabase target)
{
    public List<string> Problems(StoredMigration m, OperationContext context, IReadOnlyList<StoredMigration> all)
    {
        var catalog = target.Catalog;
        var names = catalog.Names;
        var tables = catalog.Tables;
        var problems = new List<string>();
        var ops = m.Parsed.Operations;

        // Expand refuses these (Planner.SameColumn); a migration expanded by an earlier version may still hold one.
        foreach (var (first, a, second, _) in Planner.SameColumn(context, ops))
            problems.Add($"{first.JsonPath} ({first.Kind}) and {second.JsonPath} ({second.Kind}) both change {a.Table}.{a.Column}; contract cannot finish both. Undo-Expand, split them into two migrations, and expand again");

        foreach (var op in ops)
        {
            var missing = op switch
            {
                AlterColumn alter when catalog.TableExists(alter.Table) && catalog.Column(alter.Table, context.ShadowName(alter.Column)) is null =>
                    $"the shadow column {alter.Table}.{context.ShadowName(alter.Column)} that {op.JsonPath} (alterColumn) swaps into place is missing",
                RenameColumn rename when catalog.TableExists(rename.Table) && catalog.Column(rename.Table, rename.To) is null =>
                    $"the new column {rename.Table}.{rename.To} of {op.JsonPath} (renameColumn) is missing",
                _ => null,
            };
            if (missing is not null) problems.Add($"{missing}; Undo-Expand and expand again");
        }

        var ignore = new HashSet<string>(Planner.OwnObjects(context), names);
        foreach (var op in context.Migration.Operations) ignore.UnionWith(op.MovesIndexes(context));
        foreach (var op in ops.OfType<DropIndex>()) ignore.Add(op.Name);
        var later = all.Where(x => MigrationDefinition.CompareIds(x.Id, m.Id) > 0
                                   && x.Phase is Phase.Expanding or Phase.Expanded or Phase.Migrating or Phase.Migrated or Phase.Contracting).ToList();
        foreach (var dropped in ops.SelectMany(o => o.Drops).Where(d => d.Column is not null))
        {
            var column = dropped.Column!;
            if (!catalog.TableExists(dropped.Table) || catalog.Column(dropped.Table, column) is null) continue;
            foreach (var blocker in catalog.ColumnBlockers(dropped.Table, column, ignore))
                problems.Add($"{blocker} uses {dropped.Table}.{column}, which contract drops; drop or change it first (in a migration contracted before this one), or Undo-Expand");
            foreach (var other in later)
                foreach (var (op, expression) in other.Parsed.Operations.SelectMany(Expressions))
                    if (tables.Equals(OperationTable(op), dropped.Table) && Dialects.SqlText.Mentions(expression, column, names))
                        problems.Add($"the later migration '{other.Id}' ({other.Phase}), {op.JsonPath} ({op.Kind}), reads {dropped.Table}.{column} in \"{expression}\"; contract would break its sync trigger and backfill. Contract or undo '{other.Id}' first, or change it to read the new column");
        }
        return problems.Distinct().ToList();
    }

    private static IEnumerable<(Operation Op, string Expression)> Expressions(Operation op) => op switch
    {
        AddColumn { Up: { } up } => [(op, up)],
        AlterColumn alter => alter.Down is null ? [(op, alter.Up)] : [(op, alter.Up), (op, alter.Down)],
        _ => [],
    };

    private static QualifiedName? OperationTable(Operation op) => op switch
    {
        AddColumn a => a.Table,
        AlterColumn a => a.Table,
        _ => null,
    };
}
