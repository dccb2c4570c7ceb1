using System.Diagnostics;
using System.Management.Automation;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Invoke-Migrate: the online data migration, batched, throttled and resumable.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Migrate", SupportsShouldProcess = true)]
[OutputType(typeof(MigrationProgress))]
public sealed class InvokeMigrateCommand : ChangeCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>A fixed number of rows per batch, instead of sizing batches toward -TargetBatchDuration.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int? BatchSize { get; set; }

    [Duration]
    [Parameter]
    public TimeSpan TargetBatchDuration { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A pause between batches, to leave room for the application.</summary>
    [Duration]
    [Parameter]
    public TimeSpan? Delay { get; set; }

    /// <summary>Stop cleanly after the batch that reaches this many rows (over all migrations of the run).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxRows { get; set; }

    /// <summary>Stop cleanly after the batch that ends past this duration (for runbooks with a time limit).</summary>
    [Duration]
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    [Parameter] public long MaxLogSendQueueKb { get; set; } = 512 * 1024;
    [Parameter] public long MaxRedoQueueKb { get; set; } = 512 * 1024;
    [Parameter][ValidateRange(1, 100)] public double MaxLogUsedPercent { get; set; } = 80;
    [Parameter][ValidateRange(1, 100)] public double MaxLogWritePercent { get; set; } = 80;

    private MigrateOptions Options => new()
    {
        BatchSize = BatchSize, TargetBatchDuration = TargetBatchDuration, Delay = Delay, MaxRows = MaxRows, MaxDuration = MaxDuration,
        Limits = new ThrottleLimits { MaxLogSendQueueKb = MaxLogSendQueueKb, MaxRedoQueueKb = MaxRedoQueueKb, MaxLogUsedPercent = MaxLogUsedPercent, MaxLogWritePercent = MaxLogWritePercent },
    };

    /// <summary>A migration state piped from Get-MigrationState: its phase decides whether this command applies.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public MigrationState? InputObject { get; set; }

    private static readonly Phase[] Migratable = [Phase.Expanded, Phase.Migrating, Phase.Migrated];

    // One run over every piped record and every target: -MaxRows and -MaxDuration count over all of them
    // (the call's clock, and rows counted by the targets running at once).
    private Stopwatch Clock => Fleet.Clock;
    private readonly Totals _totals = new();

    private sealed class Totals
    {
        public long Rows;
        public volatile bool Stopped;
    }

    private protected override TimeSpan? CallLimit => MaxDuration;

    protected override void ProcessRecord() => Guard(() =>
    {
        if (_totals.Stopped) { WriteVerbose($"{string.Join(", ", Id ?? [])}: not migrated, since this run has stopped (-MaxRows or -MaxDuration)."); return; }
        if (this.IsWhatIf())
        {
            using var reading = TargetDatabase.OpenForReading(ChangeConnection(), Reporter);
            foreach (var m in Select(reading)) ShouldProcess(new Backfiller(reading, Options).Describe(m), "", "Invoke-Migrate");
            return;
        }
        using var target = TargetDatabase.OpenForChanges(ChangeConnection(), Reporter, "Invoke-Migrate");
        var chosen = Select(target);
        if (chosen.Count == 0 && Id is null) WriteVerbose("No migration is expanded and waiting for its data: nothing to migrate.");
        foreach (var m in chosen)
        {
            if (!ShouldProcess(m.Id, "Migrate data")) continue;
            MigrationProgress? progress = null;
            var ran = Item(m.Id, () =>
            {
                try { progress = new Backfiller(target, Options).Run(m, Clock, Interlocked.Read(ref _totals.Rows)); }
                catch (System.Data.Common.DbException e) when (StorageErrors.Translate(e, target.Session.Target) is null)
                {
                    throw new MigrationException(ErrorIds.StepFailed, $"Migration '{m.Id}': the data migration failed: {e.Message}",
                        "The last batch was rolled back and the checkpoint is intact; fix the cause and run Invoke-Migrate again to resume.", e) { MigrationId = m.Id };
                }
            });
            if (!ran || progress is null)
            {
                WriteObject(new MigrationProgress { Id = m.Id, ExitCode = 2, Phase = m.Phase, Duration = Clock.Elapsed });
                continue;
            }
            Interlocked.Add(ref _totals.Rows, progress.RowsMigrated);
            if (progress.NoProgress is not null)
                WriteMigrationError(new MigrationException(ErrorIds.NoProgress, $"Migration '{m.Id}': {progress.NoProgress}.",
                    "Find the rows with Test-ContractReady (DataMigrated) and why the backfill cannot convert them: a key that cannot be walked, an 'up' that yields NULL, a 'migrate' script that never touches what 'verify' counts. Fix that, then run Invoke-Migrate again.")
                    { MigrationId = m.Id });
            WriteObject(progress);
            if (progress.StoppedBecause is not null) { WriteVerbose($"{m.Id}: {progress.StoppedBecause}; run Invoke-Migrate again to continue."); if (!progress.Throttled) _totals.Stopped = true; break; }
        }
    });

    private List<Engine.Store.StoredMigration> Select(TargetDatabase target)
    {
        if (Id is not null)
            return Choose(target, Id, InputObject, p => Migratable.Contains(p), m => new MigrationException(ErrorIds.WrongPhase,
                $"Migration '{m.Id}' is {m.Phase}; data can be migrated only once it is Expanded (and until contract).",
                m.Phase is Phase.Expanding or Phase.Pending ? "Run Invoke-Expand first." : "Nothing to migrate.") { MigrationId = m.Id }, "Invoke-Migrate")
                .OrderBy(m => m.Id, Comparer<string>.Create(MigrationDefinition.CompareIds)).ToList();
        return target.Store.Migrations().Where(m => Migratable.Contains(m.Phase)).ToList();
    }
}
