using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>What accepting a changed file would change in what is left to run.</summary>
public sealed record RepairPlan(StoredMigration Stored, MigrationDefinition File, IReadOnlyList<string> Removed, IReadOnlyList<string> Added)
{
    public bool ChangesWhatRuns => Removed.Count > 0 || Added.Count > 0;

    /// <summary>The difference as a reader takes it in: lines of the applied plan that go (-), lines of the file's plan that come (+).</summary>
    public string Difference => string.Join("\n", Removed.Select(l => "- " + l).Concat(Added.Select(l => "+ " + l)));
}

/// <summary>
/// Repair-Migration (Flyway's repair): accepts a changed file of an applied migration as its applied
/// definition, deliberately and journaled — only where the change leaves what the remaining phases
/// would run as it was (their plans are compared), unless forced.
/// </summary>
public sealed class Repair(TargetDatabase target)
{
    public RepairPlan Compare(StoredMigration m, MigrationDefinition file)
    {
        var before = Remaining(m, m.Parsed);
        var after = Remaining(m, file);
        return new RepairPlan(m, file, Except(before, after), Except(after, before));
    }

    /// <summary>Lines of <paramref name="a"/> not matched by a line of <paramref name="b"/> (as multisets, in order).</summary>
    private static List<string> Except(List<string> a, List<string> b)
    {
        var left = b.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var line in a)
        {
            if (left.TryGetValue(line, out var n) && n > 0) left[line] = n - 1;
            else result.Add(line);
        }
        return result;
    }

    /// <summary>
    /// What is left to run of a migration in its phase if <paramref name="definition"/> were its applied
    /// definition: the migrate pass (assignments, stamping, scripts, verify queries), contract and
    /// rollback, and what other migrations read from it (tracked tables, object version). Phases whose
    /// plan is already saved in the store (an interrupted expand, contract or rollback) run from that
    /// plan, not from the definition.
    /// </summary>
    private List<string> Remaining(StoredMigration m, MigrationDefinition definition)
    {
        var lines = new List<string> { $"objectVersion {definition.ObjectVersion ?? "(none)"}" };
        lines.AddRange(definition.Operations.OfType<Operations.TrackObjectVersion>().Select(t => $"tracks {t.Table}.{t.Column}"));
        if (m.Phase is Phase.Contracting or Phase.Completed or Phase.RollingBack or Phase.RolledBack) return lines;
        try
        {
            var context = target.Contexts(true).For(definition, m.Phase == Phase.Pending ? null : m.Plans);
            if (m.Phase == Phase.Pending)
                lines.AddRange(Planner.Expand(context).SelectMany(s => s.Statements.Select(x => $"expand {s.Name}: {x}")));
            foreach (var op in definition.Operations)
            {
                lines.AddRange(op.Backfill(context).Select(a => $"migrate {a.Table}.{a.Column} = {a.Value} where {a.Needed}"));
                if (op.MigrateScript is { } script) lines.Add($"migrate script: {script}");
                lines.AddRange(op.Remaining(context).Select(r => $"verify {r.Description}: {r.Table} {r.Predicate} {r.CountQuery} {r.NotVerifiable}"));
            }
            lines.AddRange(Planner.Contract(context).SelectMany(s => s.Statements.Select(x => $"contract {s.Name}: {x}")));
            lines.AddRange(Planner.Rollback(context).SelectMany(s => s.Statements.Select(x => $"undo expand {s.Name}: {x}")));
        }
        catch (MigrationException e)
        {
            lines.Add($"cannot be planned: {e.Message}");
        }
        return lines;
    }

    /// <summary>Accepts the file: its text and checksum become the applied definition; journaled with both checksums.</summary>
    public MigrationState Run(RepairPlan plan, string reason, bool forced)
    {
        var m = plan.Stored;
        var started = DateTime.UtcNow;
        target.Session.InTransaction(() =>
        {
            target.Store.UpdateDefinition(plan.File);
            target.Store.WriteJournal(m.Id, m.Phase.ToString(), "repair", $"checksum {m.Checksum} -> {plan.File.Checksum}", started, DateTime.UtcNow - started,
                Outcomes.Repaired, forced && plan.ChangesWhatRuns ? "forced; the remaining plan changes:\n" + plan.Difference : null, target.Login, reason);
        });
        return target.Store.Migration(m.Id)!.ToState(plan.File);
    }
}
