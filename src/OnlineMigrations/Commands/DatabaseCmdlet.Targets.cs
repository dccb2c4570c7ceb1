using System.Management.Automation;
using System.Text;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Commands;

/// <summary>
/// Fleets: every database cmdlet works on each target of the call in turn. The targets are the
/// -ConnectionString values, or every -Database on every -SqlInstance (SQLite: every -Database file),
/// from the command line or from each piped record by property name (Import-Csv fleet.csv | Invoke-Expand).
/// Each target has its own runner lock, state and journal, as a call for that database alone would.
/// One target given on the command line behaves as it always did: what concerns the whole command
/// terminates it. Over several targets (or targets from the pipeline) each is an item of the pipeline:
/// a target that fails, whatever the reason (cannot connect, runner busy, a step failed), is a
/// non-terminating error naming it, and the next target runs.
/// </summary>
public abstract partial class DatabaseCmdlet
{
    /// <summary>With -ShardCount: this worker's part of the targets, 0 to ShardCount - 1.</summary>
    [Parameter]
    [ValidateRange(0, 9999)]
    public int? Shard { get; set; }

    /// <summary>How many parts the targets are split into; each target belongs to exactly one, by a stable hash of its identity.</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int? ShardCount { get; set; }

    private static readonly string[] TargetParameters = [nameof(ConnectionString), nameof(SqlInstance), nameof(Database), nameof(Provider)];

    // The target parameters given on the command line (or by $PSDefaultParameterValues), seen before any record is bound.
    private HashSet<string>? _commandLine;

    protected override void BeginProcessing()
    {
        _commandLine = TargetParameters.Where(MyInvocation.BoundParameters.ContainsKey).ToHashSet();
        base.BeginProcessing();
    }

    private (string? ConnectionString, string? SqlInstance, string? Database) _current;
    private (string Server, string Database)? _identity;
    private bool _fleet;

    /// <summary>The target being worked on.</summary>
    private (string? ConnectionString, string? SqlInstance, string? Database) Current => _current;

    /// <summary>The targets of a fleet that failed so far (each one's error written).</summary>
    private protected int TargetsFailed => Fleet.Failed;

    private protected override string? FleetTarget => _fleet ? TargetName : null;

    /// <summary>Server and database of the current target, for messages: never its connection string.</summary>
    private protected string TargetName
    {
        get
        {
            var (server, database) = Identity;
            return Provider == Engine.Dialects.Provider.Sqlite ? $"SQLite database '{database}'" : $"server '{server}', database '{database}'";
        }
    }

    private (string Server, string Database) Identity
    {
        get
        {
            if (_identity is { } known) return known;
            try { _identity = Connector.Identify(new ConnectionOptions { ConnectionString = ConnectionText(), Provider = Provider }); }
            catch (MigrationException) { _identity = (_current.SqlInstance ?? "?", _current.Database ?? "?"); }
            return _identity.Value;
        }
    }

    /// <summary>
    /// The identity a target is known by wherever it is listed: provider, server and database, in lower case,
    /// without a tcp: prefix; for SQLite the full path of the file alone (the machine is not part of it).
    /// </summary>
    private protected string TargetKey
    {
        get
        {
            var (server, database) = Identity;
            if (Provider == Engine.Dialects.Provider.Sqlite) return $"sqlite|{database}";
            var s = server.Trim().ToLowerInvariant();
            if (s.StartsWith("tcp:", StringComparison.Ordinal)) s = s[4..];
            return $"sqlserver|{s}|{database.Trim().ToLowerInvariant()}";
        }
    }

    /// <summary>The shard, 0 to <paramref name="count"/> - 1, of a target key: FNV-1a (64 bit) of its UTF-8 bytes, so the same on every machine and run.</summary>
    internal static int ShardOf(string key, int count)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key)) { hash ^= b; hash *= 1099511628211UL; }
        return (int)(hash % (ulong)count);
    }

    /// <summary>
    /// How many targets of a fleet run at once (default 1: one after the other). Each runs on its own thread
    /// and connection, with its own runner lock; output, errors and prompts still come through this pipeline.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>A limit on the whole call over a fleet: a target not started by then is passed over (with a warning); null for none.</summary>
    private protected virtual TimeSpan? CallLimit => null;

    /// <summary>
    /// Runs <paramref name="work"/> once for each target of this record (of its shard, with -Shard). With
    /// -ThrottleLimit above 1, the work of each target runs on a copy of this cmdlet made now, so
    /// <paramref name="work"/> must be a lambda of this cmdlet that reads only its members (as every
    /// ProcessRecord here is): it is bound to the copy. The copies share what the command gathers over
    /// the pipeline, which is therefore locked where it is written.
    /// </summary>
    protected override void Guard(Action work)
    {
        List<(string?, string?, string?)> targets = [];
        string? selector = null;
        base.Guard(() => (targets, selector) = Targets());
        var chosen = new List<(string?, string?, string?)>();
        foreach (var t in targets)
        {
            Switch(t);
            if (ShardCount is { } n && ShardOf(TargetKey, n) != Shard)
            {
                WriteVerbose($"{TargetName} is in shard {ShardOf(TargetKey, n)} of {n}, not {Shard}: passed over.");
                continue;
            }
            if (selector is not null && targets.Count > 1 && !string.Equals(Identity.Database, selector, StringComparison.OrdinalIgnoreCase)) continue;
            chosen.Add(t);
        }
        if (selector is not null && targets.Count > 1 && chosen.Count == 0 && ShardCount is null)
            WriteMigrationError(new MigrationException(ErrorIds.InvalidArgument, $"The piped record is about database '{selector}', which is none of the targets of this command.",
                "Pipe records of the databases this command targets, or name the database with -ConnectionString or -SqlInstance and -Database."));
        if (!_fleet)
        {
            foreach (var t in chosen) { Switch(t); base.Guard(work); }
            return;
        }
        Fleet.Total += chosen.Count;
        foreach (var t in chosen)
        {
            Switch(t);
            if (ThrottleLimit > 1 && work.Target == this && work.Method is { IsStatic: false } method)
            {
                // The copy is made now, with this record's parameters; it runs once a slot is free.
                var copy = (DatabaseCmdlet)Fork();
                ErrorRecord? failed = null;
                var errors = copy.ErrorsWritten;
                var late = false;
                Fleet.Enqueue(TargetKey, slot =>
                {
                    if (late = copy.TimeUp()) return;
                    copy.RunsOn(slot);
                    failed = copy.Caught(method.CreateDelegate<Action>(copy));
                }, () =>
                {
                    if (late) NotStarted(copy);
                    else Finish(copy, failed, copy.ErrorsWritten > errors);
                    ShowFleet();
                });
                continue;
            }
            if (TimeUp()) { NotStarted(this); continue; }
            ShowFleet();
            var before = ErrorsWritten;
            var caught = Caught(work);
            Finish(this, caught, ErrorsWritten > before);
        }
        if (ThrottleLimit > 1) Fleet.Pump(ThrottleLimit, () => Stopping, f => f.Waiting == 0);
        ShowFleet();
    }

    // The call's -MaxDuration has passed: a target not started yet is left for the next run.
    private bool TimeUp() => CallLimit is { } limit && Fleet.Clock.Elapsed >= limit;

    private void NotStarted(DatabaseCmdlet on)
    {
        Fleet.NotStarted++;
        WriteWarning($"{on.TargetName}: not started, because this call's -MaxDuration {CallLimit} is reached; the next run takes it up.");
    }

    /// <summary>On the pipeline thread, once a target of a fleet is done: its failure, whatever it was, concerns that target only.</summary>
    private void Finish(DatabaseCmdlet on, ErrorRecord? failed, bool erred)
    {
        if (failed is null)
        {
            if (erred) Fleet.Erred++;
            else Fleet.Done++;
            return;
        }
        Fleet.Failed++;
        var name = on.TargetName;
        var record = new ErrorRecord(failed.Exception, failed.FullyQualifiedErrorId, failed.CategoryInfo.Category, name)
        {
            ErrorDetails = new ErrorDetails($"{name}: {failed.ErrorDetails?.Message ?? failed.Exception.Message}")
                { RecommendedAction = failed.ErrorDetails?.RecommendedAction ?? "" },
        };
        AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(record.ErrorDetails.Message)}");
        WriteError(record);
    }

    private void ShowFleet()
    {
        if (_fleet && !Stopping) WriteProgress(Fleet.Progress(MyInvocation.MyCommand.Name, completed: false));
    }

    /// <summary>
    /// After the last record: the work that waits for every record (<see cref="EndRecords"/>), then every target
    /// still running, then what sums up the fleet (<see cref="Summarize"/>).
    /// </summary>
    protected sealed override void EndProcessing()
    {
        EndRecords();
        if (ThrottleLimit > 1) Fleet.Pump(ThrottleLimit, () => Stopping, _ => false);
        if (Fleet.Total > 0 && !Stopping) WriteProgress(Fleet.Progress(MyInvocation.MyCommand.Name, completed: true));
        Summarize();
    }

    /// <summary>Work that starts once every record of the pipeline is in (Undo-Expand: later migrations first).</summary>
    protected virtual void EndRecords() { }

    /// <summary>What sums up the call once every target is done (Get-MigrationState -Summary, Test-ContractReady -Quiet).</summary>
    protected virtual void Summarize() { }

    private void Switch((string?, string?, string?) target)
    {
        _current = target;
        _identity = null;
    }

    /// <summary>
    /// The targets of this record, and the database a piped output object of this module names (its Database
    /// property, bound with no connection of its own) when the command line already names the connection:
    /// Get-MigrationState | Invoke-Migrate -ConnectionString x acts on x as it always did.
    /// </summary>
    private (List<(string?, string?, string?)> Targets, string? Selector) Targets()
    {
        if (Shard is not null != ShardCount is not null || Shard >= ShardCount)
            throw new MigrationException(ErrorIds.InvalidArgument, $"-Shard {Shard?.ToString() ?? "(none)"} -ShardCount {ShardCount?.ToString() ?? "(none)"} is not a part of the targets.",
                "Give both: -Shard i -ShardCount n with i from 0 to n - 1 (in Azure DevOps: -Shard ($env:SYSTEM_JOBPOSITIONINPHASE - 1) -ShardCount $env:SYSTEM_TOTALJOBSINPHASE).");
        var given = _commandLine ?? TargetParameters.Where(MyInvocation.BoundParameters.ContainsKey).ToHashSet();
        var piped = TargetParameters.Where(p => MyInvocation.BoundParameters.ContainsKey(p) && !given.Contains(p)).ToHashSet();
        string? selector = null;
        var connectionString = ConnectionString;
        var database = Database;
        if (piped.SetEquals([nameof(Database)]) && given.Contains(nameof(ConnectionString)))
        {
            selector = Database is { Length: 1 } d ? d[0] : null;
            database = null;
        }
        _fleet = selector is null && piped.Count > 0
            || (connectionString?.Length ?? 0) > 1 || (SqlInstance?.Length ?? 0) > 1 || (database?.Length ?? 0) > 1;
        var targets = new List<(string?, string?, string?)>();
        if (connectionString is not null)
            targets.AddRange(connectionString.Select(c => ((string?)c, (string?)null, (string?)null)));
        if (SqlInstance is not null)
            foreach (var instance in SqlInstance)
                targets.AddRange(database is null ? [(null, instance, null)] : database.Select(d => ((string?)null, (string?)instance, (string?)d)));
        else if (database is not null)
            targets.AddRange(database.Select(d => ((string?)null, (string?)null, (string?)d)));
        // Both ways given, or none: ConnectionText says what is wrong, for the whole command.
        if (connectionString is not null && (SqlInstance is not null || database is not null)) targets = [(connectionString[0], SqlInstance?[0], database?[0])];
        if (targets.Count == 0) targets.Add((null, null, null));
        return (targets.DistinctBy(t => t).ToList(), selector);
    }
}
