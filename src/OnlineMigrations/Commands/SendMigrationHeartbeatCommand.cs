using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Send-MigrationHeartbeat: reports an application instance, the object version it writes and the contracts it acknowledges.</summary>
[Cmdlet(VerbsCommunications.Send, "MigrationHeartbeat", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MigrationClient))]
public sealed class SendMigrationHeartbeatCommand : DatabaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 200)]
    public string Application { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 200)]
    public string InstanceId { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateLength(1, 256)]
    public string HostName { get; set; } = Environment.MachineName;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ObjectVersion { get; set; } = "";

    /// <summary>Migration ids whose contract this instance acknowledges (it no longer needs what they drop).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[] Acknowledge { get; set; } = [];

    /// <summary>How long after this heartbeat the instance counts as alive (a nightly job may declare 25 hours).</summary>
    [Duration]
    [Parameter]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    protected override void ProcessRecord() => Guard(() =>
    {
        if (!Engine.Model.ObjectVersion.TryParse(ObjectVersion, out _))
            throw new MigrationException(ErrorIds.InvalidArgument,
                $"'{ObjectVersion}' is not an object version.", "Write dotted numbers such as 2.0 or 1.10.");
        if (TimeToLive <= TimeSpan.Zero || TimeToLive > TimeSpan.FromDays(365))
            throw new MigrationException(ErrorIds.InvalidArgument,
                $"-TimeToLive {TimeToLive} is out of range.", "Give a positive duration of at most 365 days.");
        if (Acknowledge.Any(a => a.Contains(',', StringComparison.Ordinal)))
            throw new MigrationException(ErrorIds.InvalidArgument,
                "A migration id in -Acknowledge contains a comma.", "Pass the ids as separate values: -Acknowledge a, b.");
        if (!ShouldProcess(InstanceId, $"Heartbeat of {Application} writing {ObjectVersion}, acknowledging {(Acknowledge.Length == 0 ? "nothing" : string.Join(", ", Acknowledge))}")) return;
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        // Applications do not take the runner lock: a heartbeat must never wait for a migration.
        if (target.Store.Version() < Engine.Dialects.StoreSql.CurrentVersion) target.Store.EnsureCreated();
        target.Store.Heartbeat(Application, InstanceId, HostName, ObjectVersion, Acknowledge, TimeToLive);
        WriteObject(target.Store.Clients().First(c => c.InstanceId == InstanceId));
    });
}
