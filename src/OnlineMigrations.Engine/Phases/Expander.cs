using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>What one expand (or its preview) will do for one migration.</summary>
public sealed record ExpandPlan(MigrationDefinition Migration, IReadOnlyList<Step> Steps, IReadOnlyList<string> Warnings, bool Resuming, string? Problem = null)
{
    /// <summary>What planning decided and saw, saved for contract and rollback.</summary>
    public Dictionary<string, ExpandDecision>? Decided { get; init; }
    public Dictionary<string, SeenTable>? Seen { get; init; }
    public Dictionary<string, List<string>>? ExpandSteps { get; init; }

    /// <summary>Existing rows for which an <c>up</c> fails; expand is refused while any is found, unless the operator opts in.</summary>
    public IReadOnlyList<ExpressionFailure> ExpressionFailures { get; init; } = [];

    public string Script(Dialects.IDialect dialect) => Planner.Script(Migration, "expand", Steps, dialect) +
        (Problem is null ? "" : $"\n-- cannot be previewed yet: {Problem}\n");
}

/// <summary>
/// Applies the expand part of pending migrations, in id order. Each migration's plan is made from the
/// live catalog when its expand starts and saved in the store, so a re-run after a crash resumes the
/// same steps and never repeats a finished one.
/// </summary>
public sealed class Expander(TargetDatabase target)
{
    // Read and parsed once per run: the conflict check of each migration needs every open one.
    private List<StoredMigration>? _stored;
    private List<StoredMigration> Stored => _stored ??= target.Store.Migrations();

    /// <summary>The migrations to expand, in order: new files, rolled-back ones, and any whose expand was interrupted.</summary>
    public List<(MigrationDefinition Definition, StoredMigration? Stored)> Pending(IReadOnlyList<MigrationDefinition> files, IReadOnlyCollection<string>? ids)
    {
        var stored = Stored.ToDictionary(m => m.Id, StringComparer.OrdinalIgnoreCase);
        var result = new List<(MigrationDefinition, StoredMigration?)>();
        foreach (var m in stored.Values.Where(m => m.Phase is Phase.Expanding or Phase.Pending))
            result.Add((m.Parsed, m));
        foreach (var file in files)
        {
            if (stored.TryGetValue(file.Id, out var s))
            {
                if (s.Phase == Phase.RolledBack) result.Add((file, s));
                else if (!string.Equals(s.Checksum, file.Checksum, StringComparison.OrdinalIgnoreCase))
                    target.Reporter.Warning($"{file.Id}: the file {file.Path} changed after the migration was applied (drift); the applied definition is used, the file is ignored.");
                continue;
            }
            result.Add((file, null));
        }
        result.Sort((a, b) => MigrationDefinition.CompareIds(a.Item1.Id, b.Item1.Id));
        if (ids is { Count: > 0 })
        {
            foreach (var id in ids.Where(id => !result.Any(r => string.Equals(r.Item1.Id, id, StringComparison.OrdinalIgnoreCase))))
            {
                if (stored.TryGetValue(id, out var s)) target.Reporter.Verbose($"{id} is already expanded (phase {s.Phase}); nothing to do.");
                else throw new MigrationException(ErrorIds.MigrationNotFound, $"There is no migration '{id}' in the files given or in the store.", "Check the id (Get-Migration -Path lists them) and -Path.") { MigrationId = id };
            }
            var last = result.Where(r => ids.Contains(r.Item1.Id, StringComparer.OrdinalIgnoreCase)).Select(r => r.Item1.Id).LastOrDefault();
            if (last is null) return [];
            var upTo = result.FindIndex(r => r.Item1.Id == last);
            var skipped = result.Take(upTo).Where(r => !ids.Contains(r.Item1.Id, StringComparer.OrdinalIgnoreCase)).Select(r => r.Item1.Id).ToList();
            if (skipped.Count > 0)
                throw new MigrationException(ErrorIds.WrongPhase, $"Migrations expand in id order, and {string.Join(", ", skipped)} come(s) before {last} and are still pending.",
                    $"Expand {string.Join(", ", skipped)} first, or include them in -Id.") { MigrationId = last };
            result = result.Take(upTo + 1).ToList();
        }
        return result;
    }

    /// <summary>Plans one migration from the live catalog (or returns the saved plan of an interrupted expand).</summary>
    public ExpandPlan Plan(MigrationDefinition migration, StoredMigration? stored, bool allowOffline)
    {
        if (stored is { Phase: Phase.Expanding } && stored.Plans.Steps.TryGetValue(nameof(Phase.Expanding), out var saved))
            return new ExpandPlan(migration, saved.Select(s => s.ToStep()).ToList(), [], Resuming: true);
        var context = target.Contexts(allowOffline).For(migration);
        List<Step> steps;
        try { steps = Planner.Expand(context).ToList(); }
        catch (MigrationException e) when (e.MigrationId is null)
        {
            // Errors raised below the operation (the dialect's "not supported on SQLite") still name the migration as their target.
            throw new MigrationException(new ErrorId(e.ErrorId, e.Kind), $"Migration '{migration.Id}': {e.Message}", e.RecommendedAction, e) { MigrationId = migration.Id };
        }
        List<ExpressionFailure> failures;
        try { failures = new ExpressionProbe(target).Check(context); }
        catch (MigrationException e) when (e.MigrationId is null)
        {
            throw new MigrationException(new ErrorId(e.ErrorId, e.Kind), $"Migration '{migration.Id}': {e.Message}", e.RecommendedAction, e) { MigrationId = migration.Id };
        }
        return new ExpandPlan(migration, steps, context.Warnings, Resuming: false) { Decided = context.Decided, Seen = context.Seen, ExpandSteps = context.ExpandSteps, ExpressionFailures = failures };
    }

    /// <summary>Refuses a migration that touches what another open migration changes in a conflicting way.</summary>
    public void CheckConflicts(MigrationDefinition migration, IEnumerable<MigrationDefinition> alsoOpen)
    {
        var open = Stored.Where(m => m.ToState().IsOpen && !string.Equals(m.Id, migration.Id, StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Parsed).Concat(alsoOpen.Where(m => m.Id != migration.Id));
        var mine = migration.Operations.SelectMany(o => o.Touches).ToList();
        foreach (var other in open)
        {
            foreach (var theirs in other.Operations.SelectMany(o => o.Touches))
            {
                foreach (var t in mine.Where(t => t.Table.Equals(theirs.Table) || string.Equals(t.Table.ToString(), theirs.Table.ToString(), StringComparison.OrdinalIgnoreCase)))
                {
                    var sameColumn = t.Column is not null && theirs.Column is not null && string.Equals(t.Column, theirs.Column, StringComparison.OrdinalIgnoreCase);
                    var tableLevel = (t.Column is null && t.Destructive) || (theirs.Column is null && theirs.Destructive);
                    if ((sameColumn && (t.Destructive || theirs.Destructive)) || tableLevel)
                        throw new MigrationException(ErrorIds.ConflictingMigrations,
                            $"Migration '{migration.Id}' changes {(sameColumn ? $"{t.Table}.{t.Column}" : t.Table.ToString())}, which the open migration '{other.Id}' also changes; two open migrations must not change the same column or table in conflicting ways.",
                            $"Contract (or undo) '{other.Id}' first, then expand '{migration.Id}'.") { MigrationId = migration.Id };
                }
            }
        }
    }

    /// <summary>Expands one migration: saves its plan, runs its steps, and marks it Expanded.</summary>
    public MigrationState Run(ExpandPlan plan, StoredMigration? stored, bool allowOffline, bool allowExpressionErrors = false)
    {
        var id = plan.Migration.Id;
        var started = DateTime.UtcNow;
        if (plan.ExpressionFailures.Count > 0)
        {
            var list = string.Join("\n", plan.ExpressionFailures.Select(f => $"  {f}"));
            if (!allowExpressionErrors)
            {
                target.Journal(id, null, "check expressions", null, started, Outcomes.Refused, list);
                throw new MigrationException(ErrorIds.InvalidExpression,
                    $"Migration '{id}': an expression fails for existing rows, so the backfill would fail on them, and a trigger using it would fail the application's own writes of such values:\n{list}",
                    "Write the expression so that it cannot fail (TRY_CAST, TRY_CONVERT, ISJSON on SQL Server; json_valid on SQLite), or correct those rows, then run Invoke-Expand again. " +
                    "To expand anyway, pass -AllowExpressionErrors. Nothing was changed.") { MigrationId = id };
            }
            target.Journal(id, null, "check expressions", null, started, Outcomes.Overridden, list, "-AllowExpressionErrors");
            target.Reporter.Warning($"{id}: expanding although an expression fails for existing rows (-AllowExpressionErrors); the backfill will fail on them until they are corrected:\n{list}");
        }
        foreach (var w in plan.Warnings) target.Reporter.Warning($"{id}: {w}");
        if (!plan.Resuming)
        {
            var plans = new SavedPlans { Decided = plan.Decided, Seen = plan.Seen, ExpandSteps = plan.ExpandSteps };
            plans.Steps[nameof(Phase.Expanding)] = plan.Steps.Select(SavedStep.From).ToList();
            target.Session.InTransaction(() =>
            {
                if (stored is not null) target.Store.Delete(id); // rolled back before: start afresh
                target.Store.Insert(plan.Migration, Phase.Expanding, plans);
                target.Store.Stamp(id, "ExpandStartedAt");
            });
            target.Journal(id, Phase.Expanding, null, null, started, Outcomes.Started);
        }
        else target.Reporter.Verbose($"{id}: resuming an interrupted expand.");

        try
        {
            new StepRunner(target).Run(id, Phase.Expanding, plan.Steps, allowOffline, $"Expanding {id}");
            target.Session.InTransaction(() =>
            {
                target.Store.SetPhase(id, Phase.Expanding, Phase.Expanded);
                target.Store.Stamp(id, "ExpandedAt");
            });
        }
        catch (Exception e) when (!StepRunner.Recorded(e))
        {
            target.RecordFailure(id, Phase.Expanding, null, started, e);
            throw;
        }
        target.Journal(id, Phase.Expanded, null, null, started, Outcomes.Completed);
        return target.Store.Migration(id)!.ToState();
    }
}
