using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Undo-Expand: rolls an expand back, before contract.</summary>
[Cmdlet(VerbsCommon.Undo, "Expand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(MigrationState))]
public sealed class UndoExpandCommand : ChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Drop data that only new code wrote (and that cannot be derived from the old shape).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>A migration state piped from Get-MigrationState: its phase decides whether this command applies.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public MigrationState? InputObject { get; set; }

    // Every id of the pipeline is gathered first: rollbacks run later migrations first, and a pipeline brings them in id order.
    private readonly List<(string Id, MigrationState? Piped)> _ids = [];

    protected override void ProcessRecord()
    {
        foreach (var id in Id) _ids.Add((id, InputObject));
    }

    private static readonly Phase[] Undoable = [Phase.Expanding, Phase.Expanded, Phase.Migrating, Phase.Migrated, Phase.RollingBack];

    protected override void EndRecords() => Guard(() =>
    {
        if (_ids.Count == 0) return;
        var whatIf = this.IsWhatIf();
        using var target = whatIf ? TargetDatabase.OpenForReading(ChangeConnection(), Reporter) : TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Undo-Expand");
        var rollback = new ExpandRollback(target);
        var chosen = new List<Engine.Store.StoredMigration>();
        // Named ids go to the rollback whatever their phase (it says why one cannot be undone); piped ones it does not apply to are passed over.
        foreach (var (id, piped) in _ids)
            chosen.AddRange(Choose(target, [id], piped, p => piped is null || Undoable.Contains(p),
                m => new MigrationException(ErrorIds.RollbackRefused, $"Migration '{m.Id}' is {m.Phase}; only an expand that is not contracted can be undone.", "Nothing to undo.") { MigrationId = m.Id },
                "Undo-Expand"));
        // Later migrations first: an earlier expand may be what a later one builds on.
        foreach (var m in chosen.DistinctBy(m => m.Id).OrderByDescending(m => m.Id, Comparer<string>.Create(MigrationDefinition.CompareIds)))
            Item(m.Id, () =>
            {
                var id = m.Id;
                var plan = rollback.MakePlan(m);
                if (whatIf)
                {
                    foreach (var loss in rollback.Losses(m)) WriteWarning($"{id}: would lose {loss}{(Force ? "" : " (refused without -Force)")}");
                    ShouldProcess(plan.Script(target.Dialect), "", "Undo-Expand");
                    return;
                }
                if (!ShouldProcess(id, $"Undo expand: drop what it added ({plan.Steps.Count} steps)")) return;
                WriteObject(rollback.Run(plan, Force));
            });
    });
}
