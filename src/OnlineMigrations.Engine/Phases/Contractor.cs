using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Contract: removes what the old code needed, only when every gate passes (or the operator
/// overrides, with a reason, journaled). Short checkpointed steps, the same lock-timeout and retry
/// rules as expand; the plan is saved when contract starts so a crash resumes it.
/// </summary>
public sealed class Contractor(TargetDatabase target)
{
    public sealed record Plan(StoredMigration Migration, IReadOnlyList<Step> Steps, bool Resuming)
    {
        public string Script(Dialects.IDialect dialect) => Planner.Script(Migration.Parsed, "contract", Steps, dialect);
    }

    public Plan MakePlan(StoredMigration m, bool allowOffline)
    {
        if (m.Phase == Phase.Contracting && m.Plans.Steps.TryGetValue(nameof(Phase.Contracting), out var saved))
            return new Plan(m, saved.Select(s => s.ToStep()).ToList(), true);
        var context = target.Contexts(allowOffline).For(m.Parsed, m.Plans);
        return new Plan(m, Planner.Contract(context), false);
    }

    /// <summary>Refuses unless every gate passes; with force, journals the override with its reason and login.</summary>
    public ContractReadiness Authorize(StoredMigration m, bool force, string? reason)
    {
        if (m.Phase == Phase.Contracting) return new ContractReadiness { Id = m.Id, Phase = m.Phase, Ready = true, Checks = [new GateCheck("Resume", true, "contract had started; resuming it")] };
        if (m.Phase is not (Phase.Expanded or Phase.Migrating or Phase.Migrated))
            throw new MigrationException(ErrorIds.WrongPhase, $"Migration '{m.Id}' is {m.Phase}; only an expanded migration can be contracted.",
                m.Phase == Phase.Completed ? "Nothing to do: it is already contracted." : "Expand it first (Invoke-Expand).") { MigrationId = m.Id };
        var context = target.Contexts(false).For(m.Parsed, m.Plans);
        var cannot = new ContractPreflight(target).Problems(m, context, target.Store.Migrations());
        if (cannot.Count > 0)
        {
            var text = string.Join("\n", cannot.Select(p => $"  {p}"));
            target.Journal(m.Id, m.Phase, "contract", null, DateTime.UtcNow, Outcomes.Refused, text);
            throw new MigrationException(ErrorIds.ContractRefused, $"Contract of '{m.Id}' refused: it could not finish, and nothing has been changed ({m.Id} is still {m.Phase}):\n{text}",
                "Fix each problem, then run Invoke-Contract again; -Force does not override these, since the statements themselves would fail.") { MigrationId = m.Id };
        }
        var readiness = new ContractGates(target).Evaluate(m);
        if (readiness.Ready) return readiness;
        var failed = string.Join("\n", readiness.Failed.Select(c => $"  {c.Name}: {c.Detail}"));
        if (!force)
        {
            target.Journal(m.Id, m.Phase, "contract", null, DateTime.UtcNow, Outcomes.Refused, failed);
            throw new MigrationException(ErrorIds.ContractRefused, $"Contract of '{m.Id}' refused: {readiness.Failed.Count()} gate(s) failed:\n{failed}",
                "Resolve each failed gate (Test-ContractReady shows them), then run Invoke-Contract again. To override, pass -Force -Reason \"why\" (journaled).") { MigrationId = m.Id };
        }
        if (string.IsNullOrWhiteSpace(reason))
            throw new MigrationException(ErrorIds.ContractRefused, $"Contract of '{m.Id}' with -Force needs -Reason: an override of failed gates is journaled with who and why.",
                "Pass -Reason \"...\" saying why it is safe.") { MigrationId = m.Id };
        target.Journal(m.Id, m.Phase, "contract override", null, DateTime.UtcNow, Outcomes.Overridden, failed, reason);
        target.Reporter.Warning($"{m.Id}: contracting despite failed gates (override by {target.Login}: {reason}):\n{failed}");
        return readiness;
    }

    public (MigrationState State, List<string> Notes) Run(Plan plan, bool allowOffline)
    {
        var m = plan.Migration;
        // An offline step that contract promises (a final NOT NULL): without -AllowOffline, contract refuses before
        // it changes anything, rather than complete without it. (Trusting a constraint is skipped with a warning.)
        var done = target.Store.StepsDone(m.Id, Phase.Contracting);
        var offline = allowOffline ? [] : plan.Steps.Where(s => s.OfflineReason is not null && s.Required && !target.Store.IsStepDone(done, s.Name)).ToList();
        if (offline.Count > 0)
        {
            var text = string.Join("\n", offline.Select(s => $"  {s.Name}: {s.OfflineReason}"));
            target.Journal(m.Id, m.Phase, "contract", null, DateTime.UtcNow, Outcomes.Refused, text);
            throw new MigrationException(ErrorIds.OfflineStepRefused,
                $"Contract of '{m.Id}' refused: {offline.Count} of its steps cannot run online, and nothing has been changed ({m.Id} is still {m.Phase}):\n{text}",
                "Run Invoke-Contract again with -AllowOffline in a maintenance window (the steps block writes to the table while they run).") { MigrationId = m.Id };
        }
        var notes = SavedPhase.Run(target, m, plan.Steps, plan.Resuming, Phase.Contracting, "ContractStartedAt", Phase.Completed, "CompletedAt", allowOffline, $"Contracting {m.Id}");
        return (target.Store.Migration(m.Id)!.ToState(), notes);
    }
}
