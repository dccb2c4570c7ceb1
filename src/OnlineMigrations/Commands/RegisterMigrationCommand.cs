using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Register-Migration: records migrations already in the database as Completed (a baseline), journaled.</summary>
[Cmdlet(VerbsLifecycle.Register, "Migration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MigrationState))]
public sealed class RegisterMigrationCommand : ChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The id of the last migration already in the database; it and every earlier one are recorded.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string UpTo { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = MigrationReader.Read(ResolvePath(Path));
        if (this.IsWhatIf())
        {
            using var reading = TargetDatabase.OpenForReading(ChangeConnection(), Reporter);
            foreach (var d in new Baseline(reading).Select(files, UpTo))
                ShouldProcess($"{d.Id} (checksum {d.Checksum})", "Record as already applied (Completed)");
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Register-Migration");
        var baseline = new Baseline(target);
        var chosen = baseline.Select(files, UpTo).Where(d => ShouldProcess($"{d.Id} (checksum {d.Checksum})", "Record as already applied (Completed)")).ToList();
        if (chosen.Count == 0) return;
        foreach (var state in baseline.Run(chosen, Reason)) WriteObject(state);
    });
}
