using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Get-MigrationState: where every migration stands; with -Path, pending and drifted ones too.</summary>
[Cmdlet(VerbsCommon.Get, "MigrationState")]
[OutputType(typeof(MigrationState), typeof(MigrationFleetSummary))]
public sealed class GetMigrationStateCommand : DatabaseCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Instead of a row per target and migration, one per migration: how many targets are at each phase.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    // With -Summary, over every target: each migration's phase on each target read, and the targets read
    // (written by the targets running at once, under a lock on _phases).
    private readonly Dictionary<string, Dictionary<string, Phase>> _phases = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = Path is null ? [] : MigrationReader.Read(ResolvePath(Path));
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var states = StateReport.Build(target, files);
        lock (_phases) _read.Add(TargetKey);
        foreach (var state in states)
        {
            if (Id is not null && !Id.Contains(state.Id, StringComparer.OrdinalIgnoreCase)) continue;
            found.Add(state.Id);
            if (state.Drift) WriteWarning($"{state.Id}: the file {state.Path} differs from the applied definition (checksum {state.FileChecksum?[..12]} vs {state.Checksum?[..12]}). The applied definition is what later phases use; restore the file, or write a new migration for the change.");
            if (!Summary) { WriteObject(state); continue; }
            lock (_phases)
            {
                if (!_phases.TryGetValue(state.Id, out var on)) _phases[state.Id] = on = [];
                on[TargetKey] = state.Phase;
            }
        }
        // An id that matches nothing is an error of that item: the others are still written.
        foreach (var id in Id ?? [])
            if (!found.Contains(id))
                WriteMigrationError(new MigrationException(ErrorIds.MigrationNotFound,
                    $"There is no migration '{id}' in the state store{(Path is null ? "" : $" or in {Path}")}.",
                    "Check the id: Get-MigrationState without -Id lists every migration the store knows; add -Path to see pending ones.") { MigrationId = id }, id);
    });

    protected override void Summarize()
    {
        if (!Summary) return;
        foreach (var (id, on) in _phases.OrderBy(p => p.Key, Comparer<string>.Create(MigrationDefinition.CompareIds)))
            base.WriteObject(MigrationFleetSummary.From(id, on.Values.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count()), _read.Count, TargetsFailed));
    }
}
