using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Test-ContractReady: evaluates every contract gate of each open migration.</summary>
[Cmdlet(VerbsDiagnostic.Test, "ContractReady")]
[OutputType(typeof(ContractReadiness), typeof(bool))]
public sealed class TestContractReadyCommand : DatabaseCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Return only $true (every migration evaluated is ready) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly List<ContractReadiness> _results = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        var all = target.Store.Migrations();
        IEnumerable<Engine.Store.StoredMigration> chosen;
        if (Id is null) chosen = all.Where(m => m.ToState().IsOpen && m.Phase != Phase.RollingBack);
        else
        {
            var list = new List<Engine.Store.StoredMigration>();
            foreach (var id in Id)
            {
                var m = all.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.OrdinalIgnoreCase));
                if (m is null)
                {
                    // A migration only in the files is simply not expanded yet: say so as a result, not an error.
                    Add(Emit(new ContractReadiness { Id = id, Phase = Phase.Pending, Ready = false, ExitCode = ContractReadiness.ExitExpandPending,
                        Checks = [new GateCheck(Gates.ExpandComplete, false, $"'{id}' is not in the state store of {target.Session.Target}; run Invoke-Expand")] }));
                    continue;
                }
                list.Add(m);
            }
            chosen = list;
        }
        var gates = new ContractGates(target);
        foreach (var m in chosen)
        {
            if (m.Phase is Phase.Completed or Phase.RolledBack)
            {
                // Nothing left to decide: say so, and keep pipelines (| Where-Object Ready | Invoke-Contract) quiet.
                WriteVerbose($"{m.Id} is {m.Phase}; there is no contract left to evaluate.");
                continue;
            }
            ContractReadiness r;
            try { r = gates.Evaluate(m); }
            catch (MigrationException e)
            {
                WriteMigrationError(e);
                r = new ContractReadiness { Id = m.Id, Phase = m.Phase, Ready = false, ExitCode = ContractReadiness.ExitError, Checks = [new GateCheck("Evaluation", false, e.Message)] };
            }
            Add(Emit(r));
        }
    });

    // Results of every target, written by the targets running at once.
    private void Add(ContractReadiness r)
    {
        lock (_results) _results.Add(r);
    }

    private ContractReadiness Emit(ContractReadiness r)
    {
        if (!Quiet) WriteObject(r);
        foreach (var f in r.Failed) WriteVerbose($"{r.Id}: {f.Name} failed: {f.Detail}");
        return r;
    }

    protected override void Summarize()
    {
        // Nothing open means nothing waits on a gate: a pipeline condition may go on. A target of a fleet
        // that could not be evaluated is not ready.
        if (Quiet) WriteObject(_results.All(r => r.Ready) && TargetsFailed == 0);
    }
}
