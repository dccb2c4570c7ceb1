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
    /// <summary>A folder or file of migrations; bound from a piped Get-Migration definition (its file) or a file from Get-ChildItem.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
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

    /// <summary>Over a fleet: a target not started when this much time has passed is passed over, for the next run.</summary>
    [Duration]
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    private protected override TimeSpan? CallLimit => MaxDuration;

    /// <summary>Return the SQL that would run, as text, and change nothing.</summary>
    [Parameter]
    public SwitchParameter Script { get; set; }

    private protected override bool Previewing => Script || base.Previewing;

    // For each target: the migrations expanded by this command (over every piped record), for the conflict
    // check, and the first that failed: the ones after it build on it, so they wait. Targets running at once
    // add to it under its lock; one target's Run is used by one thread at a time.
    private sealed class Run
    {
        public List<MigrationDefinition> Batch { get; } = [];
        public string? Failed { get; set; }
    }

    private readonly Dictionary<string, Run> _runs = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        var files = string.IsNullOrEmpty(Path) ? [] : MigrationReader.Read(ResolvePath(Path));
        if (Script || this.IsWhatIf())
        {
            Preview(files);
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Invoke-Expand");
        var expander = new Expander(target);
        Run? run;
        lock (_runs)
            if (!_runs.TryGetValue(TargetKey, out run)) _runs[TargetKey] = run = new Run();
        List<(MigrationDefinition Definition, Engine.Store.StoredMigration? Stored)> pending = [];
        if (!Item(Id is { Length: 1 } ? Id[0] : null, () => pending = expander.Pending(files, Id))) return;
        if (pending.Count == 0) WriteVerbose("No migration is pending: nothing to expand.");
        foreach (var (definition, stored) in pending)
        {
            if (run.Failed is not null)
            {
                WriteWarning($"{definition.Id}: not expanded, because {run.Failed} before it failed; fix that one and run Invoke-Expand again.");
                continue;
            }
            var done = Item(definition.Id, () =>
            {
                expander.CheckConflicts(definition, run.Batch);
                var plan = expander.Plan(definition, stored, AllowOffline);
                if (!ShouldProcess(definition.Id, $"Expand ({plan.Steps.Count} steps)")) return;
                WriteObject(expander.Run(plan, stored, AllowOffline, AllowExpressionErrors));
                run.Batch.Add(definition);
            });
            if (!done) run.Failed = definition.Id;
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
