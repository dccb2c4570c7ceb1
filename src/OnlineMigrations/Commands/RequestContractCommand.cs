using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Request-Contract: sets the "ready for contract" flag that applications read.</summary>
[Cmdlet(VerbsLifecycle.Request, "Contract", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MigrationState))]
public sealed class RequestContractCommand : DatabaseCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>A migration state piped from Get-MigrationState: its phase decides whether this command applies.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public MigrationState? InputObject { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var chosen = Choose(target, Id, InputObject, p => p is Phase.Expanded or Phase.Migrating or Phase.Migrated,
            m => new MigrationException(ErrorIds.WrongPhase, $"Migration '{m.Id}' is {m.Phase}; a contract can be requested only for an expanded migration that is not yet contracted.",
                m.Phase is Phase.Pending or Phase.Expanding ? "Finish Invoke-Expand first." : "Nothing to request.") { MigrationId = m.Id }, "Request-Contract");
        foreach (var m in chosen)
        {
            var id = m.Id;
            if (m.ContractRequested) { WriteVerbose($"{id}: contract already requested at {m.ContractRequestedAt:u} by {m.ContractRequestedBy}."); WriteObject(m.ToState()); continue; }
            if (!ShouldProcess(id, "Request contract (set the ready-for-contract flag applications read)")) continue;
            Item(id, () =>
            {
                var started = DateTime.UtcNow;
                target.Store.RequestContract(id, target.Login);
                target.Journal(id, m.Phase, "request contract", null, started, Outcomes.Succeeded);
                WriteObject(target.Store.Migration(id)!.ToState());
            });
        }
    });
}
