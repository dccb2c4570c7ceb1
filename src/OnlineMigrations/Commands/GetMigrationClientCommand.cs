using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Get-MigrationClient: the fleet of application instances, alive or gone.</summary>
[Cmdlet(VerbsCommon.Get, "MigrationClient")]
[OutputType(typeof(MigrationClient))]
public sealed class GetMigrationClientCommand : DatabaseCmdlet
{
    [Parameter]
    [SupportsWildcards]
    public string? Application { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string? InstanceId { get; set; }

    /// <summary>Only instances whose last heartbeat is within their time-to-live.</summary>
    [Parameter]
    public SwitchParameter Alive { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var app = Application is null ? null : new WildcardPattern(Application, WildcardOptions.IgnoreCase);
        var instance = InstanceId is null ? null : new WildcardPattern(InstanceId, WildcardOptions.IgnoreCase);
        foreach (var c in target.Store.Clients())
            if ((app?.IsMatch(c.Application) ?? true) && (instance?.IsMatch(c.InstanceId) ?? true) && (!Alive || c.Alive)) WriteObject(c);
    });
}
