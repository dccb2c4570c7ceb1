using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Remove-MigrationClient: retires an application instance from the fleet (journaled).</summary>
[Cmdlet(VerbsCommon.Remove, "MigrationClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveMigrationClientCommand : DatabaseCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] InstanceId { get; set; } = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var clients = target.Store.Clients();
        foreach (var id in InstanceId)
        {
            var c = clients.FirstOrDefault(x => string.Equals(x.InstanceId, id, StringComparison.OrdinalIgnoreCase))
                ?? throw new MigrationException(ErrorIds.ClientNotFound, $"No application instance '{id}' has reported to {target.Session.Target}.", "List the fleet with Get-MigrationClient.");
            if (!ShouldProcess($"{c.Application}/{c.InstanceId} on {c.HostName}", "Retire the instance (it no longer counts for FleetAcknowledged)")) continue;
            var started = DateTime.UtcNow;
            target.Store.RemoveClient(c.InstanceId);
            target.Journal(null, null, $"retire client {c.Application}/{c.InstanceId}", null, started, Outcomes.Succeeded);
        }
    });
}
