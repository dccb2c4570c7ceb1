using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Repair-Migration: accepts a changed file of an applied migration, with a reason, journaled.</summary>
[Cmdlet(VerbsDiagnostic.Repair, "Migration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MigrationState))]
public sealed class RepairMigrationCommand : ChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[] Id { get; set; } = [];

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    /// <summary>Accept the file although it changes what the remaining phases would run.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = MigrationReader.Read(ResolvePath(Path));
        var whatIf = this.IsWhatIf();
        using var target = whatIf ? TargetDatabase.OpenForReading(ChangeConnection(), Reporter) : TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Repair-Migration");
        var repair = new Repair(target);
        foreach (var id in Id)
            Item(id, () =>
            {
                var stored = target.Store.Require(id);
                var file = files.FirstOrDefault(f => string.Equals(f.Id, stored.Id, StringComparison.OrdinalIgnoreCase))
                    ?? throw new MigrationException(ErrorIds.MigrationNotFound, $"There is no file for migration '{id}' in {Path}.",
                        "Give -Path the folder or file that holds the changed migration.") { MigrationId = id };
                if (string.Equals(file.Checksum, stored.Checksum, StringComparison.OrdinalIgnoreCase))
                {
                    WriteVerbose($"{id}: the file matches the applied definition (no drift); nothing to repair.");
                    WriteObject(stored.ToState(file));
                    return;
                }
                var plan = repair.Compare(stored, file);
                if (plan.ChangesWhatRuns && !Force)
                    throw new MigrationException(ErrorIds.RepairRefused,
                        $"Repair of '{id}' refused: the changed file {file.Path} would change what its remaining phases ({stored.Phase}) run:\n{plan.Difference}",
                        "Restore the file, or write a new migration for the change. To accept it anyway, pass -Force (journaled with the difference).") { MigrationId = id };
                if (plan.ChangesWhatRuns) WriteWarning($"{id}: accepting a file that changes what the remaining phases run (-Force):\n{plan.Difference}");
                if (!ShouldProcess($"{id}: checksum {stored.Checksum[..12]} -> {file.Checksum[..12]}", "Accept the changed file as the applied definition")) return;
                WriteObject(repair.Run(plan, Reason, Force));
            });
    });
}
