using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>
/// Register-MigrationClient -None: the operator declares, journaled, that no application reads this
/// database, so that FleetAcknowledged passes without heartbeats; -Withdraw takes it back.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "MigrationClient", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "None")]
[OutputType(typeof(MigrationJournalEntry))]
public sealed class RegisterMigrationClientCommand : DatabaseCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "None")]
    public SwitchParameter None { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Withdraw")]
    public SwitchParameter Withdraw { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    protected override void ProcessRecord() => Guard(() =>
    {
        var action = Withdraw ? "Withdraw the declaration that no application reads this database" : "Declare that no application reads this database (FleetAcknowledged passes without heartbeats)";
        if (!None && !Withdraw) return;
        if (!ShouldProcess(Reason, action)) return;
        // Like a heartbeat, the declaration never waits for a runner.
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        if (target.Store.Version() < Engine.Dialects.StoreSql.CurrentVersion) target.Store.EnsureCreated();
        var started = DateTime.UtcNow;
        if (Withdraw)
        {
            if (target.Store.WithdrawDeclaration() == 0) WriteVerbose("No declaration was in place.");
            target.Journal(null, null, "withdraw declaration: no application", null, started, Outcomes.Succeeded, reason: Reason);
        }
        else
        {
            var clients = target.Store.Clients();
            if (clients.Count > 0)
                WriteWarning($"{clients.Count} application instance(s) have reported to this database ({string.Join(", ", clients.Select(c => $"{c.Application}/{c.InstanceId}").Take(5))}); while any is listed, FleetAcknowledged counts them and not this declaration.");
            target.Store.Declare(target.Login, Reason);
            target.Journal(null, null, "declare: no application reads this database", null, started, Outcomes.Declared, reason: Reason);
        }
        WriteObject(target.Store.Journal(null, 1).LastOrDefault());
    });
}
