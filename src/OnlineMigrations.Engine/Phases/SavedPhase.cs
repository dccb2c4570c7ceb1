using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Runs a phase whose plan is saved when it starts (contract, undo expand): save the plan and enter
/// the "-ing" phase, run its steps (each checkpointed), then enter the final phase. A rerun after a
/// crash finds the "-ing" phase and its saved plan, and goes on from the first step not done.
/// </summary>
internal static class SavedPhase
{
    public static List<string> Run(TargetDatabase target, StoredMigration m, IReadOnlyList<Step> steps, bool resuming,
        Phase running, string startedColumn, Phase done, string doneColumn, bool allowOffline, string activity)
    {
        var started = DateTime.UtcNow;
        if (!resuming)
        {
            m.Plans.Steps[running.ToString()] = steps.Select(SavedStep.From).ToList();
            target.Session.InTransaction(() =>
            {
                target.Store.SavePlans(m.Id, m.Plans);
                target.Store.SetPhase(m.Id, m.Phase, running);
                target.Store.Stamp(m.Id, startedColumn);
            });
            target.Journal(m.Id, running, null, null, started, Outcomes.Started);
        }
        List<string> notes;
        try
        {
            notes = new StepRunner(target).Run(m.Id, running, steps, allowOffline, activity);
            target.Session.InTransaction(() =>
            {
                target.Store.SetPhase(m.Id, running, done);
                target.Store.Stamp(m.Id, doneColumn);
                target.Store.ClearBackfills(m.Id);
            });
        }
        catch (Exception e) when (!StepRunner.Recorded(e))
        {
            target.RecordFailure(m.Id, running, null, started, e);
            throw;
        }
        target.Journal(m.Id, done, null, null, started, Outcomes.Completed, notes.Count == 0 ? null : string.Join("\n", notes));
        return notes;
    }
}
