using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Invoke-Expand: applies the additive part of pending migrations, in id order.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Expand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MigrationState), typeof(string))]
public sealed class InvokeExpandCommand : ChangeCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Build indexes offline where the server cannot build them online.</summary>
    [Parameter]
    public SwitchParameter AllowOffline { get; set; }

    /// <summary>Expand although an up expression fails for some existing rows (compile errors are always refused).</summary>
    [Parameter]
    public SwitchParameter AllowExpressionErrors { get; set; }

    /// <summary>Return the SQL that would run, as text, and change nothing.</summary>
    [Parameter]
    public SwitchParameter Script { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = Path is null ? [] : MigrationReader.Read(ResolvePath(Path));
        if (Script || this.IsWhatIf())
        {
            Preview(files);
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Invoke-Expand");
        var expander = new Expander(target);
        var pending = expander.Pending(files, Id);
        if (pending.Count == 0) WriteVerbose("No migration is pending: nothing to expand.");
        var batch = new List<MigrationDefinition>();
        foreach (var (definition, stored) in pending)
        {
            expander.CheckConflicts(definition, batch);
            var plan = expander.Plan(definition, stored, AllowOffline);
            if (!ShouldProcess(definition.Id, $"Expand ({plan.Steps.Count} steps)")) continue;
            WriteObject(expander.Run(plan, stored, AllowOffline, AllowExpressionErrors));
            batch.Add(definition);
        }
    });

    // A preview opens the database for reading only: it takes no lock and creates nothing, not even the store.
    private void Preview(IReadOnlyList<MigrationDefinition> files)
    {
        using var target = TargetDatabase.OpenForReading(ChangeConnection(), Reporter);
        var expander = new Expander(target);
        var first = true;
        foreach (var (definition, stored) in expander.Pending(files, Id))
        {
            ExpandPlan plan;
            try { plan = expander.Plan(definition, stored, AllowOffline); }
            catch (MigrationException e) when (!first)
            {
                // A later migration may build on what an earlier one adds: it can only be planned once that one is applied.
                plan = new ExpandPlan(definition, [], [], false, e.Message);
            }
            first = false;
            foreach (var w in plan.Warnings) WriteWarning($"{definition.Id}: {w}");
            foreach (var f in plan.ExpressionFailures)
                WriteWarning($"{definition.Id}: {f}{(AllowExpressionErrors ? "" : " (expand is refused without -AllowExpressionErrors)")}");
            var script = plan.Script(target.Dialect);
            if (Script) WriteObject(script);
            else ShouldProcess(script, "", "Invoke-Expand");
        }
    }
}
