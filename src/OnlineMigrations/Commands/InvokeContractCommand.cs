using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Invoke-Contract: removes the old shape, only when every gate passes.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Contract", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MigrationState))]
public sealed class InvokeContractCommand : ChangeCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Contract although gates failed; needs -Reason, and the override is journaled.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    /// <summary>Run steps that cannot run online (trusting a constraint, a final NOT NULL).</summary>
    [Parameter]
    public SwitchParameter AllowOffline { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (this.IsWhatIf())
        {
            using var reading = TargetDatabase.OpenForReading(ChangeConnection(), Reporter);
            var contractor = new Contractor(reading);
            foreach (var m in Select(reading))
            {
                var readiness = new ContractGates(reading).Evaluate(m);
                foreach (var f in readiness.Failed) WriteWarning($"{m.Id}: gate {f.Name} fails: {f.Detail}");
                ShouldProcess(contractor.MakePlan(m, AllowOffline).Script(reading.Dialect), "", "Invoke-Contract");
            }
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Invoke-Contract");
        var c = new Contractor(target);
        foreach (var m in Select(target))
        {
            c.Authorize(m, Force, Reason);
            var plan = c.MakePlan(m, AllowOffline);
            if (!ShouldProcess(m.Id, $"Contract: drop the old shape ({plan.Steps.Count} steps)")) continue;
            var (state, notes) = c.Run(plan, AllowOffline);
            foreach (var note in notes) WriteWarning($"{m.Id}: {note}");
            WriteObject(state);
        }
    });

    private List<Engine.Store.StoredMigration> Select(TargetDatabase target)
    {
        var all = target.Store.Migrations();
        if (Id is null) return all.Where(m => m.Phase is Phase.Expanded or Phase.Migrating or Phase.Migrated or Phase.Contracting).ToList();
        return Id.Select(target.Store.Require).ToList();
    }
}
