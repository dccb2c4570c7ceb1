using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Turns a migration's operations into the ordered steps of a phase: the operations' own steps plus
/// the one sync trigger per table that expand installs and contract and rollback remove.
/// </summary>
public static class Planner
{
    /// <summary>
    /// The steps of an expand. Each operation is planned against the schema as the operations before it
    /// leave it (<see cref="PlannedSchema"/>), so one migration can create a table and index it, or add a
    /// column and index it; one that builds on what an earlier operation drops or replaces is refused.
    /// </summary>
    public static IReadOnlyList<Step> Expand(OperationContext live)
    {
        var schema = new PlannedSchema(live.Catalog);
        var c = live.Over(schema);
        var steps = new List<Step>();
        foreach (var table in c.Migration.Operations.SelectMany(o => o.Touches).Select(t => t.Table).Distinct(c.Catalog.Tables))
        {
            if (!c.Catalog.TableExists(table)) continue;
            foreach (var (refuse, reason) in c.Catalog.TableFeatures(table))
            {
                if (refuse) throw new MigrationException(ErrorIds.UnsupportedTable, $"Migration '{c.Migration.Id}': {reason}", "Change this table by hand in a maintenance window, or leave it out of the migration.") { MigrationId = c.Migration.Id };
                c.Warnings.Add(reason);
            }
        }
        // Each step's owner (an operation, or the sync trigger of a table) is saved, so that undo removes only
        // what a step of this expand actually created.
        var owners = new List<string>();
        var planned = new List<Operation>();
        foreach (var op in c.Migration.Operations)
        {
            RefuseBuildingOnRetired(c, op, planned);
            // What the operation sees of its table, saved for contract and rollback.
            if (op.Touches.Select(t => t.Table).FirstOrDefault() is { } table && schema.TableExists(table) && c.Seen is { } seen)
                seen[op.JsonPath] = SeenTable.Of(schema, table);
            foreach (var step in op.Expand(c)) { steps.Add(step); owners.Add(op.JsonPath); }
            op.Apply(c, schema);
            planned.Add(op);
        }
        foreach (var group in SyncRules(c))
        {
            var keys = c.Catalog.KeyColumns(group.Key);
            if (keys.Count == 0)
                throw new MigrationException(ErrorIds.NoUsableKey,
                    c.Catalog.UnusableKey(group.Key) is { } why
                        ? $"Migration '{c.Migration.Id}': {group.Key} has no key the migration can use: {why}; its rows cannot be kept in step or migrated in batches."
                        : $"Migration '{c.Migration.Id}': {group.Key} has no primary key or unique clustered index, so its rows cannot be kept in step or migrated in batches.",
                    $"Add a primary key whose columns are NOT NULL to {group.Key} (in an earlier migration), then run the command again.") { MigrationId = c.Migration.Id };
            var name = Names.SyncTrigger(group.Key, c.Migration.Id);
            foreach (var obj in c.Dialect.SyncTriggerObjects(name))
                if (c.Catalog.ObjectNameHolder(new QualifiedName(group.Key.Schema, obj)) is { } holder)
                    throw new MigrationException(ErrorIds.OperationRefused,
                        $"Migration '{c.Migration.Id}': the sync trigger's name {obj} is already taken by the existing {holder}.",
                        "Drop or rename that object if it is a leftover you own; expand never takes over an object it did not create.") { MigrationId = c.Migration.Id };
            var userTriggers = c.Catalog.Triggers(group.Key);
            if (userTriggers.Count == 0)
                c.Warnings.Add(c.Dialect.FirstTriggerWarning(group.Key));
            steps.Add(new Step($"create sync trigger {name} on {group.Key}", c.Dialect.CreateSyncTrigger(group.Key, name, [.. group], keys)));
            owners.Add(TriggerOwner(group.Key));
        }
        var numbered = Number(steps);
        foreach (var g in numbered.Select((s, i) => (Owner: owners[i], s.Name)).GroupBy(x => x.Owner))
            if (c.ExpandSteps is { } byOwner) byOwner[g.Key] = g.Select(x => x.Name).ToList();
        return numbered;
    }

    /// <summary>
    /// An operation may not build on what an earlier operation of the same migration drops, renames away or
    /// replaces (its destructive touch): that stays only until contract removes it, and what was built on it
    /// would be lost or would block the contract.
    /// </summary>
    private static void RefuseBuildingOnRetired(OperationContext c, Operation op, IReadOnlyList<Operation> earlier)
    {
        foreach (var before in earlier)
            foreach (var gone in before.Touches.Where(t => t.Destructive))
                foreach (var t in op.Touches.Where(t => c.Catalog.Tables.Equals(t.Table, gone.Table)))
                    if (gone.Column is null || (t.Column is not null && c.Catalog.Names.Equals(t.Column, gone.Column)))
                        throw new MigrationException(ErrorIds.OperationRefused,
                            $"Migration '{c.Migration.Id}', {op.JsonPath} ({op.Kind}): it changes {(gone.Column is null ? gone.Table.ToString() : $"{gone.Table}.{gone.Column}")}, which {before.JsonPath} ({before.Kind}) of the same migration {gone.Retires}; that stays only until contract removes it.",
                            "Change the new shape instead (the new name of a renamed column or table), or put this operation in a later migration, expanded once this one is contracted.") { MigrationId = c.Migration.Id };
        // A later operation that drops or replaces what an earlier one made, when contract has work left on it from both.
        foreach (var (first, a, _, _) in SameColumn(c, [.. earlier, op]).Where(x => ReferenceEquals(x.Later, op)))
            throw new MigrationException(ErrorIds.OperationRefused,
                $"Migration '{c.Migration.Id}', {op.JsonPath} ({op.Kind}): it changes {a.Table}.{a.Column}, on which {first.JsonPath} ({first.Kind}) of the same migration still has work at contract; contract cannot finish both.",
                "Put this operation in a later migration, expanded once this one is contracted.") { MigrationId = c.Migration.Id };
    }

    /// <summary>
    /// Pairs of operations of one migration that change one column where contract cannot finish both: either
    /// drops, renames away or replaces it, unless the earlier one only made it and leaves contract nothing to
    /// do on it (a nullable column added, then renamed).
    /// </summary>
    public static IEnumerable<(Operation Earlier, Touch A, Operation Later, Touch B)> SameColumn(OperationContext c, IReadOnlyList<Operation> ops)
    {
        for (var i = 0; i < ops.Count; i++)
            for (var j = i + 1; j < ops.Count; j++)
                foreach (var a in ops[i].Touches)
                    foreach (var b in ops[j].Touches.Where(b => (a.Destructive || b.Destructive) && a.Column is not null && b.Column is not null
                                                                && c.Catalog.Tables.Equals(a.Table, b.Table) && c.Catalog.Names.Equals(a.Column, b.Column)))
                        // (A migration expanded by an earlier version was refused on any such pair: it still is.)
                        if (a.Destructive || c.Seen is null || HasContractWork(c, ops[i]))
                            yield return (ops[i], a, ops[j], b);
    }

    private static bool HasContractWork(OperationContext c, Operation op)
    {
        try { return op.Contract(c).Any(); }
        catch (MigrationException) { return true; }
    }

    private const string ExpandStepsFact = "expandSteps";
    private static string TriggerOwner(QualifiedName table) => $"sync trigger of {table}";

    /// <summary>Whether any expand step of <paramref name="owner"/> ran; true for plans saved before owners were recorded.</summary>
    private static bool Created(OperationContext c, string owner, Func<string, bool>? expandStepDone)
    {
        if (expandStepDone is null) return true;
        if (c.ExpandSteps is { } byOwner)
            return !byOwner.TryGetValue(owner, out var names) || names.Any(expandStepDone); // no expand step: rollback has its own checks
        // A plan saved by an earlier version: the owners' steps were facts, names joined by U+001F.
        if (!c.Facts.ContainsKey(ExpandStepsFact)) return true;
        if (!c.Facts.TryGetValue($"{owner}:{ExpandStepsFact}", out var legacy)) return true;
        return OperationContext.SplitFactList(legacy).Any(expandStepDone);
    }

    public static IReadOnlyList<Step> Contract(OperationContext c)
    {
        // A table's sync trigger is dropped in the same transaction as the steps that end its sync (the
        // swap of a shadow, the drop of a renamed column): the trigger keeps the shapes in step up to the
        // commit, writes wait for it, and a failed or killed step rolls back both — no window without sync.
        var operationSteps = c.Migration.Operations.SelectMany(o => o.Contract(c)).ToList();
        var steps = new List<Step>();
        var merged = new HashSet<Step>(ReferenceEqualityComparer.Instance);
        foreach (var group in SyncRules(c))
        {
            var name = Names.SyncTrigger(group.Key, c.Migration.Id);
            var ending = operationSteps.Where(s => s.EndsSync == group.Key && s.Transactional && s.OfflineReason is null).ToList();
            merged.UnionWith(ending);
            var statements = c.Dialect.DropSyncTrigger(group.Key, name, [.. group]).Concat(ending.SelectMany(s => s.Statements)).ToList();
            var title = $"drop sync trigger {name} on {group.Key}" + string.Concat(ending.Select(s => "; " + s.Name));
            steps.Add(new Step(title, statements));
        }
        steps.AddRange(operationSteps.Where(s => !merged.Contains(s)));
        return Number(steps);
    }

    /// <summary>The undo of an expand, complete or not: only what a step of the expand created is removed
    /// (<paramref name="expandStepDone"/> tells which steps ran), so an object the user owns is never dropped.</summary>
    public static IReadOnlyList<Step> Rollback(OperationContext c, Func<string, bool>? expandStepDone = null)
    {
        var steps = DropTriggers(c, table => Created(c, TriggerOwner(table), expandStepDone));
        foreach (var op in c.Migration.Operations.Reverse())
        {
            steps.AddRange(op.RollbackUnfinished(c));
            if (Created(c, op.JsonPath, expandStepDone)) steps.AddRange(op.Rollback(c));
        }
        return Number(steps);
    }

    /// <summary>The names of the objects this migration itself created and contract removes (sync triggers).</summary>
    public static IReadOnlySet<string> OwnObjects(OperationContext c) =>
        SyncRules(c).SelectMany(g => c.Dialect.SyncTriggerObjects(Names.SyncTrigger(g.Key, c.Migration.Id), [.. g])).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<IGrouping<QualifiedName, SyncRule>> SyncRules(OperationContext c) =>
        // One trigger per table as the database names it: dbo.INSTANCES and dbo.Instances share it.
        c.Migration.Operations.SelectMany(o => o.SyncRules(c)).GroupBy(r => r.Table, c.Catalog.Tables);

    private static List<Step> DropTriggers(OperationContext c, Func<QualifiedName, bool>? include = null) =>
        SyncRules(c).Where(g => include?.Invoke(g.Key) ?? true).Select(g => new Step($"drop sync trigger {Names.SyncTrigger(g.Key, c.Migration.Id)} on {g.Key}",
            c.Dialect.DropSyncTrigger(g.Key, Names.SyncTrigger(g.Key, c.Migration.Id), [.. g]))).ToList();

    private static List<Step> Number(List<Step> steps) =>
        steps.Select((s, i) => s with { Name = $"{i + 1:00}. {s.Name}" }).ToList();

    /// <summary>The whole SQL of a plan, runnable as it is: batches separated by GO for sqlcmd and SSMS
    /// (SQL Server), statements ended by semicolons for the sqlite3 shell.</summary>
    public static string Script(MigrationDefinition migration, string phase, IEnumerable<Step> steps, Dialects.IDialect dialect)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("-- ").Append(phase).Append(": ").Append(migration.Id).Append(migration.Description is null ? "" : " — " + migration.Description).Append('\n');
        foreach (var step in steps)
        {
            sb.Append("\n-- ").Append(step.Name);
            if (step.OfflineReason is not null) sb.Append(" [offline: ").Append(step.OfflineReason).Append(']');
            sb.Append('\n');
            foreach (var statement in step.Statements)
            {
                sb.Append(dialect.ScriptStatement(statement.TrimEnd()));
            }
        }
        return sb.ToString();
    }
}
