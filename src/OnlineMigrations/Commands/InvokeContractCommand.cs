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

    /// <summary>Over a fleet: a target not started when this much time has passed is passed over, for the next run.</summary>
    [Duration]
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    private protected override TimeSpan? CallLimit => MaxDuration;

    /// <summary>A migration state piped from Get-MigrationState: its phase decides whether this command applies.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public MigrationState? InputObject { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        // A bad combination of parameters is a problem of the whole command, found before anything is read.
        if (Force && string.IsNullOrWhiteSpace(Reason))
            throw new MigrationException(ErrorIds.ContractRefused, "Invoke-Contract -Force needs -Reason: an override of failed gates is journaled with who and why.",
                "Add -Reason \"why the gates may be overridden\", or leave out -Force.") { MigrationId = Id is { Length: 1 } ? Id[0] : null };
        if (this.IsWhatIf())
        {
            using var reading = TargetDatabase.OpenForReading(ChangeConnection(), Reporter);
            var contractor = new Contractor(reading);
            foreach (var m in Select(reading))
                Item(m.Id, () =>
                {
                    var readiness = new ContractGates(reading).Evaluate(m);
                    foreach (var f in readiness.Failed) WriteWarning($"{m.Id}: gate {f.Name} fails: {f.Detail}");
                    ShouldProcess(contractor.MakePlan(m, AllowOffline).Script(reading.Dialect), "", "Invoke-Contract");
                });
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Invoke-Contract");
        var c = new Contractor(target);
        foreach (var m in Select(target))
            Item(m.Id, () =>
            {
                c.Authorize(m, Force, Reason);
                var plan = c.MakePlan(m, AllowOffline);
                if (!ShouldProcess(m.Id, $"Contract: drop the old shape ({plan.Steps.Count} steps)")) return;
                var (state, notes) = c.Run(plan, AllowOffline);
                foreach (var note in notes) WriteWarning($"{m.Id}: {note}");
                WriteObject(state);
            });
    });

    private static readonly Phase[] Contractable = [Phase.Expanded, Phase.Migrating, Phase.Migrated, Phase.Contracting];

    private List<Engine.Store.StoredMigration> Select(TargetDatabase target)
    {
        if (Id is null) return target.Store.Migrations().Where(m => Contractable.Contains(m.Phase)).ToList();
        // Named ids go to Authorize whatever their phase (it says why one cannot be contracted); piped ones
        // that contract does not apply to are passed over.
        return Choose(target, Id, InputObject, p => InputObject is null || Contractable.Contains(p), m => new MigrationException(ErrorIds.WrongPhase,
            $"Migration '{m.Id}' is {m.Phase}; only an expanded migration can be contracted.", "Nothing to do.") { MigrationId = m.Id }, "Invoke-Contract");
    }
}
