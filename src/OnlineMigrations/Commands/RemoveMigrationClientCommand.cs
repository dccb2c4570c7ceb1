using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Remove-MigrationClient: retires an application instance, or every instance of an application, from the fleet (journaled).</summary>
[Cmdlet(VerbsCommon.Remove, "MigrationClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Instance")]
[OutputType(typeof(void))]
public sealed class RemoveMigrationClientCommand : DatabaseCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Instance")]
    [ValidateNotNullOrEmpty]
    public string[] InstanceId { get; set; } = [];

    /// <summary>Retire every instance of these applications.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Application")]
    [ValidateNotNullOrEmpty]
    public string[] Application { get; set; } = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var clients = target.Store.Clients();
        if (ParameterSetName == "Application")
        {
            foreach (var app in Application)
                Item(app, () =>
                {
                    var instances = clients.Where(x => string.Equals(x.Application, app, StringComparison.OrdinalIgnoreCase)).ToList();
                    if (instances.Count == 0)
                        throw new MigrationException(ErrorIds.ClientNotFound, $"No instance of application '{app}' has reported to {target.Session.Target}.", "List the fleet with Get-MigrationClient.");
                    var name = instances[0].Application;
                    if (!ShouldProcess($"{name} ({instances.Count} instance(s): {string.Join(", ", instances.Select(c => c.InstanceId))})", "Retire the application (it no longer counts for FleetAcknowledged)")) return;
                    var started = DateTime.UtcNow;
                    target.Store.RemoveApplication(name);
                    target.Journal(null, null, $"retire application {name} ({string.Join(", ", instances.Select(c => c.InstanceId))})", null, started, Outcomes.Succeeded);
                });
            return;
        }
        foreach (var id in InstanceId)
            Item(id, () =>
            {
                var c = clients.FirstOrDefault(x => string.Equals(x.InstanceId, id, StringComparison.OrdinalIgnoreCase))
                    ?? throw new MigrationException(ErrorIds.ClientNotFound, $"No application instance '{id}' has reported to {target.Session.Target}.", "List the fleet with Get-MigrationClient.");
                if (!ShouldProcess($"{c.Application}/{c.InstanceId} on {c.HostName}", "Retire the instance (it no longer counts for FleetAcknowledged)")) return;
                var started = DateTime.UtcNow;
                target.Store.RemoveClient(c.InstanceId);
                target.Journal(null, null, $"retire client {c.Application}/{c.InstanceId}", null, started, Outcomes.Succeeded);
            });
    });
}
