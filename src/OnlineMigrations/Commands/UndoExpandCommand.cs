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

    protected override void ProcessRecord() => Guard(() =>
    {
        var whatIf = this.IsWhatIf();
        using var target = whatIf ? TargetDatabase.OpenForReading(ChangeConnection(), Reporter) : TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Undo-Expand");
        var rollback = new ExpandRollback(target);
        // Later migrations first: an earlier expand may be what a later one builds on.
        foreach (var id in Id.OrderByDescending(i => i, Comparer<string>.Create(MigrationDefinition.CompareIds)))
        {
            var m = target.Store.Require(id);
            var plan = rollback.MakePlan(m);
            if (whatIf)
            {
                foreach (var loss in rollback.Losses(m)) WriteWarning($"{id}: would lose {loss}{(Force ? "" : " (refused without -Force)")}");
                ShouldProcess(plan.Script(target.Dialect), "", "Undo-Expand");
                continue;
            }
            if (!ShouldProcess(id, $"Undo expand: drop what it added ({plan.Steps.Count} steps)")) continue;
            WriteObject(rollback.Run(plan, Force));
        }
    });
}
