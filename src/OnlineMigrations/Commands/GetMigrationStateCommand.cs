using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Get-MigrationState: where every migration stands; with -Path, pending and drifted ones too.</summary>
[Cmdlet(VerbsCommon.Get, "MigrationState")]
[OutputType(typeof(MigrationState))]
public sealed class GetMigrationStateCommand : DatabaseCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = Path is null ? [] : MigrationReader.Read(ResolvePath(Path));
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var state in StateReport.Build(target, files))
        {
            if (Id is not null && !Id.Contains(state.Id, StringComparer.OrdinalIgnoreCase)) continue;
            found.Add(state.Id);
            if (state.Drift) WriteWarning($"{state.Id}: the file {state.Path} differs from the applied definition (checksum {state.FileChecksum?[..12]} vs {state.Checksum?[..12]}). The applied definition is what later phases use; restore the file, or write a new migration for the change.");
            WriteObject(state);
        }
        // An id that matches nothing is an error of that item: the others are still written.
        foreach (var id in Id ?? [])
            if (!found.Contains(id))
                WriteMigrationError(new MigrationException(ErrorIds.MigrationNotFound,
                    $"There is no migration '{id}' in the state store{(Path is null ? "" : $" or in {Path}")}.",
                    "Check the id: Get-MigrationState without -Id lists every migration the store knows; add -Path to see pending ones.") { MigrationId = id }, id);
    });
}
