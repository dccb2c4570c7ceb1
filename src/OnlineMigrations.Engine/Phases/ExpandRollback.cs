using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Undo-Expand: removes everything an expand added, in reverse order, before contract has started.
/// Data in the original columns is never touched; data only new code wrote is never dropped
/// silently (refused unless -Force).
/// </summary>
public sealed class ExpandRollback(TargetDatabase target)
{
    public sealed record Plan(StoredMigration Migration, IReadOnlyList<Step> Steps, bool Resuming)
    {
        public string Script(Dialects.IDialect dialect) => Planner.Script(Migration.Parsed, "undo expand", Steps, dialect);
    }

    public Plan MakePlan(StoredMigration m)
    {
        // A contract that failed before any of its steps was done changed nothing: its expand can still be undone.
        var contractUntouched = m.Phase == Phase.Contracting && target.Store.StepsDone(m.Id, Phase.Contracting).Count == 0;
        if (m.Phase is Phase.Contracting or Phase.Completed && !contractUntouched)
            throw new MigrationException(ErrorIds.RollbackRefused, $"Migration '{m.Id}' is {m.Phase}: its contract has started, so its expand can no longer be undone (the old shape is being or has been removed).",
                "Write a new migration that restores what you need.") { MigrationId = m.Id };
        if (m.Phase is Phase.RolledBack)
            throw new MigrationException(ErrorIds.WrongPhase, $"Migration '{m.Id}' is already rolled back.", "Nothing to do.") { MigrationId = m.Id };
        if (m.Phase == Phase.RollingBack && m.Plans.Steps.TryGetValue(nameof(Phase.RollingBack), out var saved))
            return new Plan(m, saved.Select(s => s.ToStep()).ToList(), true);
        var context = target.Contexts(true).For(m.Parsed, m.Plans);
        // Whatever state expand left (finished, or stopped at a failed step): only what its steps created is removed.
        var done = target.Store.StepsDone(m.Id, Phase.Expanding);
        return new Plan(m, Planner.Rollback(context, step => target.Store.IsStepDone(done, step)), false);
    }

    /// <summary>Rows whose data the rollback would lose, described; empty when nothing would be lost.</summary>
    public List<string> Losses(StoredMigration m)
    {
        var context = target.Contexts(true).For(m.Parsed, m.Plans);
        var counter = new RowCounter(target);
        var losses = new List<string>();
        foreach (var check in m.Parsed.Operations.SelectMany(o => o.RollbackLoss(context)))
        {
            if (check.Table is null || !target.Catalog.TableExists(check.Table)) continue;
            try
            {
                var n = counter.Count(check.Table, check.Predicate!);
                if (n > 0) losses.Add($"{n:N0} {check.Description}");
            }
            catch (System.Data.Common.DbException e)
            {
                // The comparison with "up" failed inside the engine (up fails for a row): count every value
                // that is not the default instead, and say so; never fail with the engine's exception.
                var why = StepRunner.Short(e);
                if (check.Fallback is null)
                {
                    losses.Add($"an unknown number of {check.Description} (they could not be counted: {why})");
                    continue;
                }
                try
                {
                    var n = counter.Count(check.Table, check.Fallback);
                    if (n > 0) losses.Add($"up to {n:N0} {check.Description} (\"up\" could not be compared with them: {why})");
                }
                catch (System.Data.Common.DbException e2)
                {
                    losses.Add($"an unknown number of {check.Description} (they could not be counted: {StepRunner.Short(e2)})");
                }
            }
        }
        return losses;
    }

    public MigrationState Run(Plan plan, bool force)
    {
        var m = plan.Migration;
        if (!plan.Resuming)
        {
            var losses = Losses(m);
            if (losses.Count > 0 && !force)
            {
                target.Journal(m.Id, m.Phase, "undo expand", null, DateTime.UtcNow, Outcomes.Refused, string.Join("; ", losses));
                throw new MigrationException(ErrorIds.RollbackRefused,
                    $"Undoing the expand of '{m.Id}' would lose data that new code wrote and that cannot be derived from the old shape: {string.Join("; ", losses)}.",
                    "Keep the migration (contract it when ready), or pass -Force to drop that data.") { MigrationId = m.Id };
            }
            if (losses.Count > 0) target.Journal(m.Id, m.Phase, "undo expand", null, DateTime.UtcNow, Outcomes.Overridden, string.Join("; ", losses), "-Force");
        }
        SavedPhase.Run(target, m, plan.Steps, plan.Resuming, Phase.RollingBack, "RollbackStartedAt", Phase.RolledBack, "RolledBackAt", allowOffline: true, $"Undoing expand of {m.Id}");
        return target.Store.Migration(m.Id)!.ToState();
    }
}
