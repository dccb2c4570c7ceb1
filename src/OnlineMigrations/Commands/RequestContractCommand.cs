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

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        foreach (var id in Id)
        {
            var m = target.Store.Require(id);
            if (m.Phase is not (Phase.Expanded or Phase.Migrating or Phase.Migrated))
                throw new MigrationException(ErrorIds.WrongPhase, $"Migration '{id}' is {m.Phase}; a contract can be requested only for an expanded migration that is not yet contracted.",
                    m.Phase is Phase.Pending or Phase.Expanding ? "Finish Invoke-Expand first." : "Nothing to request.") { MigrationId = id };
            if (m.ContractRequested) { WriteVerbose($"{id}: contract already requested at {m.ContractRequestedAt:u} by {m.ContractRequestedBy}."); WriteObject(m.ToState()); continue; }
            if (!ShouldProcess(id, "Request contract (set the ready-for-contract flag applications read)")) continue;
            var started = DateTime.UtcNow;
            target.Store.RequestContract(id, target.Login);
            target.Journal(id, m.Phase, "request contract", null, started, Outcomes.Succeeded);
            WriteObject(target.Store.Migration(id)!.ToState());
        }
    });
}
