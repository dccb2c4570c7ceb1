using System.Management.Automation;
using OnlineMigrations.Engine;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Commands;

/// <summary>
/// What every cmdlet shares: the one error policy, and reporting.
/// The policy (as dbatools' Stop-Function -Continue and PSScriptAnalyzer's writer): a problem with one
/// item of the pipeline (one migration refused, one id not found, one step failed) is written as a
/// non-terminating error for that item and the command goes on with the next; a problem with the whole
/// command (cannot connect, bad parameters, the runner busy or its lock lost, storage that refuses
/// writes, a store too new, Ctrl+C) terminates it. Whatever escapes becomes an ErrorRecord with an error
/// id and a category: no engine exception reaches the user raw.
/// </summary>
public abstract class MigrationCmdlet : PSCmdlet
{
    private CmdletReporter? _reporter;
    internal IReporter Reporter => _reporter ??= new CmdletReporter(this, Slot);

    /// <summary>The call's fleet: its clock and targets, shared by the copies of this cmdlet that run targets at once.</summary>
    private protected FleetRun Fleet { get; } = new();

    /// <summary>The worker slot of the copy running a target (-ThrottleLimit above 1); -1 on the pipeline's own thread.</summary>
    private protected int Slot { get; private set; } = -1;


    protected override void BeginProcessing() => Fleet.Begin();

    /// <summary>Ctrl+C: targets running at once stop after their current batch or step (see FleetRun.Stop).</summary>
    protected override void StopProcessing() => Fleet.Stop();

    /// <summary>
    /// A copy of this cmdlet for one target, with the parameters as bound now: made on the pipeline thread
    /// when the target is queued, since PowerShell binds the next record's parameters to this cmdlet.
    /// </summary>
    private protected MigrationCmdlet Fork()
    {
        var copy = (MigrationCmdlet)MemberwiseClone();
        copy._reporter = null;
        return copy;
    }

    /// <summary>The copy runs on worker slot <paramref name="slot"/> (its progress bar).</summary>
    private protected void RunsOn(int slot)
    {
        Slot = slot;
        _reporter = null;
    }

    // PowerShell accepts writes and prompts only on the pipeline's thread: a copy running a target on a worker
    // thread posts them there (FleetRun.Post). On the pipeline thread they run at once.
    private protected new void WriteObject(object? value) => Fleet.Send(() => base.WriteObject(value));
    internal new void WriteError(ErrorRecord record)
    {
        ErrorsWritten++;
        Fleet.Post(() => { base.WriteError(record); return 0; });
    }

    /// <summary>The errors this cmdlet (or this copy of it) has written: a fleet target that wrote one did not go through cleanly.</summary>
    private protected int ErrorsWritten { get; private set; }
    internal new void WriteWarning(string text) => Fleet.Send(() => base.WriteWarning(text));
    internal new void WriteVerbose(string text) => Fleet.Send(() => base.WriteVerbose(text));
    internal new void WriteProgress(ProgressRecord record) => Fleet.Send(() => base.WriteProgress(record));
    private protected new bool ShouldProcess(string target) => Fleet.Post(() => base.ShouldProcess(target));
    private protected new bool ShouldProcess(string target, string action) => Fleet.Post(() => base.ShouldProcess(target, action));
    private protected new bool ShouldProcess(string description, string warning, string caption) => Fleet.Post(() => base.ShouldProcess(description, warning, caption));

    /// <summary>True when -WhatIf was given or $WhatIfPreference is set.</summary>
    private protected bool IsWhatIf() => Fleet.Post(() => CmdletExtensions.IsWhatIf(this));

    /// <summary>The current PowerShell location (Set-Location), which relative paths are relative to.</summary>
    private protected string CurrentLocation => Fleet.Post(() => SessionState.Path.CurrentFileSystemLocation.ProviderPath);

    /// <summary>Runs the whole command: anything that escapes <paramref name="work"/> terminates it as an ErrorRecord with an error id.</summary>
    protected virtual void Guard(Action work)
    {
        if (Caught(work) is not { } record) return;
        AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(record.Exception.Message)}");
        ThrowTerminatingError(record);
    }

    /// <summary>Runs <paramref name="work"/>; what escapes it (but PowerShell's own flow) is returned as an ErrorRecord.</summary>
    private protected ErrorRecord? Caught(Action work)
    {
        try
        {
            // A progress bar the engine left open (a backfill that stopped, failed or finished) is completed here.
            try { work(); }
            finally { _reporter?.CompleteOpen(); }
            return null;
        }
        catch (Exception e) when (!IsPowerShellFlow(e)) { return ToErrorRecord(e); }
    }

    /// <summary>
    /// Runs the work for one item of the pipeline (a migration, a client). A problem with that item is a
    /// non-terminating error and false is returned, so the command goes on; a problem with the whole
    /// command is rethrown for <see cref="Guard"/> to terminate.
    /// </summary>
    protected bool Item(string? target, Action work)
    {
        try { work(); return true; }
        catch (MigrationException e) when (!IsWholeCommand(e))
        {
            WriteMigrationError(e, target);
            return false;
        }
    }

    /// <summary>Errors that concern the whole command, wherever they arise: they always terminate.</summary>
    internal static bool IsWholeCommand(MigrationException e) =>
        e.Kind is ErrorKind.ConnectionError or ErrorKind.ResourceBusy or ErrorKind.InvalidArgument
        || e.ErrorId == ErrorIds.StoreTooNew.Id || e.ErrorId == ErrorIds.DatabaseReadOnly.Id || e.ErrorId == ErrorIds.DiskFull.Id
        || e.ErrorId == ErrorIds.DatabaseIoError.Id || e.ErrorId == ErrorIds.InvalidMigrationFile.Id || e.ErrorId == ErrorIds.MigrationPathNotFound.Id;

    // PowerShell's own flow: -ErrorAction Stop raised from WriteError, a stopped pipeline, ThrowTerminatingError.
    private static bool IsPowerShellFlow(Exception e) => e is RuntimeException or HaltCommandException;

    /// <summary>The database this cmdlet works on, for storage errors raised outside the engine's own handling.</summary>
    private protected virtual (string Target, string? File) StorageTarget() => ("The database", null);

    /// <summary>Writes an engine error without stopping the pipeline (for per-item failures).</summary>
    protected void WriteMigrationError(MigrationException e, string? target = null)
    {
        var record = ToErrorRecord(e, target);
        if (FleetTarget is { } on) record.ErrorDetails = new ErrorDetails($"{on}: {e.Message}") { RecommendedAction = e.RecommendedAction };
        AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(record.ErrorDetails.Message)}");
        WriteError(record);
    }

    /// <summary>In a call over several databases, the one being worked on (its server and database), which every error names.</summary>
    private protected virtual string? FleetTarget => null;

    internal string? FleetTargetName => FleetTarget;

    /// <summary>True once the whole command must end (see FleetRun.Aborting): running work stops after its current batch or step.</summary>
    internal bool Aborting => Fleet.Aborting;

    /// <summary>The ErrorRecord for any exception: the product's own, or one made for it with an error id.</summary>
    internal ErrorRecord ToErrorRecord(Exception e) => e switch
    {
        MigrationException m => ToErrorRecord(m),
        OperationCanceledException => new ErrorRecord(e, "Stopped", ErrorCategory.OperationStopped, null)
            { ErrorDetails = new ErrorDetails("The command was stopped.") { RecommendedAction = "Run it again to resume from the last checkpointed step." } },
        System.Data.Common.DbException db when StorageErrors.Translate(db, StorageTarget().Target, StorageTarget().File) is { } storage => ToErrorRecord(storage),
        System.Data.Common.DbException db => ToErrorRecord(new MigrationException(ErrorIds.DatabaseError,
            $"{StorageTarget().Target} reported an error outside a migration step: {db.Message}",
            "Check that the database is reachable and that the login may read and write the state store; then run the command again (it resumes from the last checkpointed step).", db)),
        _ => ToErrorRecord(new MigrationException(ErrorIds.UnexpectedError,
            $"{MyInvocation.MyCommand?.Name ?? "The command"} failed unexpectedly: {e.GetType().Name}: {e.Message}",
            "This is a defect of OnlineMigrations: report it with this message and the output of Get-MigrationJournal -Last 20. The journal shows the last step that completed.", e)),
    };

    internal static ErrorRecord ToErrorRecord(MigrationException e, string? target = null)
    {
        var record = new ErrorRecord(e, e.ErrorId, Category(e.Kind), e.MigrationId ?? target);
        record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = e.RecommendedAction };
        return record;
    }

    private static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>Azure DevOps log commands, written only when the cmdlet runs in a pipeline (TF_BUILD).</summary>
    internal void AzureDevOps(string line)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"))) return;
        Fleet.Send(() => Host.UI.WriteLine(line));
    }

    internal static string VsoEscape(string text) =>
        text.Replace("%", "%AZP25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal)
            .Replace("]", "%5D", StringComparison.Ordinal).Replace(";", "%3B", StringComparison.Ordinal);

    protected string ResolvePath(string path) => Fleet.Post(() => GetUnresolvedProviderPathFromPSPath(path));
}

/// <summary>A cmdlet that reads or changes a database, or each database of a fleet (DatabaseCmdlet.Targets.cs).</summary>
public abstract partial class DatabaseCmdlet : MigrationCmdlet
{
    /// <summary>The target databases' connection strings. Never written anywhere.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? ConnectionString { get; set; }

    /// <summary>dbatools-style: the SQL Server instance (server, server\instance, server,port).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ServerInstance")]
    [ValidateNotNullOrEmpty]
    public string[]? SqlInstance { get; set; }

    /// <summary>The databases on each -SqlInstance; with -Provider Sqlite, the database files.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Database { get; set; }

    /// <summary>A SQL login, passed to SqlClient as a SqlCredential; its password is never turned into text.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SqlCredential { get; set; }

    /// <summary>Encryption of a -SqlInstance connection (SqlClient's Encrypt): Mandatory (the default), Optional or Strict.</summary>
    [Parameter]
    [ValidateSet("Mandatory", "Optional", "Strict")]
    public string? Encrypt { get; set; }

    /// <summary>Trust the server's certificate without validating it (-SqlInstance connections).</summary>
    [Parameter]
    public SwitchParameter TrustServerCertificate { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Provider Provider { get; set; } = Provider.SqlServer;

    /// <summary>A static Entra ID access token for SQL Server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AccessToken { get; set; }

    /// <summary>Entra ID authentication through Azure.Identity, with tokens refreshed during long runs.</summary>
    [Parameter]
    public EntraAuthentication Authentication { get; set; } = EntraAuthentication.None;

    /// <summary>Client id of a user-assigned managed identity or of a workload identity.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientId { get; set; }

    /// <summary>The SQL Server schema of the state store.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string StoreSchema { get; set; } = SqlServerStoreSql.DefaultSchema;

    private protected override (string Target, string? File) StorageTarget()
    {
        try { return StorageErrors.Describe(new ConnectionOptions { ConnectionString = ConnectionText(), Provider = Provider }); }
        catch (MigrationException) { return base.StorageTarget(); }
    }

    /// <summary>True while the command only previews (-WhatIf): a SQLite file is then neither created nor switched to WAL.</summary>
    private protected virtual bool Previewing => this.IsWhatIf();

    /// <summary>
    /// The connection string from -ConnectionString, or made from -SqlInstance and -Database. A relative SQLite
    /// path is relative to the current PowerShell location (Set-Location), not to the process's directory.
    /// </summary>
    private string ConnectionText()
    {
        var (connectionString, sqlInstance, database) = Current;
        var byInstance = sqlInstance is not null || database is not null;
        if (connectionString is not null && byInstance)
            throw new MigrationException(ErrorIds.InvalidArgument, "Both -ConnectionString and -SqlInstance/-Database were given (perhaps one of them from $PSDefaultParameterValues).",
                "Give the database one way: -ConnectionString, or -SqlInstance with -Database (SQLite: -Provider Sqlite -Database path).");
        if (connectionString is null && !byInstance)
            throw new MigrationException(ErrorIds.InvalidArgument, "No database was given.",
                "Pass -ConnectionString, or -SqlInstance with -Database (SQLite: -Provider Sqlite -Database path), or set one in $PSDefaultParameterValues (about_OnlineMigrations).");
        var here = CurrentLocation;
        if (Provider == Provider.Sqlite)
        {
            if (sqlInstance is not null)
                throw new MigrationException(ErrorIds.InvalidArgument, "-SqlInstance names a SQL Server, but -Provider is Sqlite.", "Give the SQLite database file with -Database, or use -Provider SqlServer.");
            if (SqlCredential is not null || Encrypt is not null || TrustServerCertificate)
                throw new MigrationException(ErrorIds.InvalidArgument, "-SqlCredential, -Encrypt and -TrustServerCertificate apply to SQL Server only, but -Provider is Sqlite.", "Remove them, or use -Provider SqlServer.");
            return connectionString is not null ? Connector.ResolveSqlitePath(connectionString, here) : Connector.ForInstance(Provider.Sqlite, null, ResolvePath(database!), false, null, false);
        }
        if (connectionString is not null) return connectionString;
        if (sqlInstance is null)
            throw new MigrationException(ErrorIds.InvalidArgument, "-Database was given without -SqlInstance.", "Add -SqlInstance (the SQL Server), or for a SQLite file add -Provider Sqlite.");
        var integrated = SqlCredential is null && AccessToken is null && Authentication == EntraAuthentication.None;
        return Connector.ForInstance(Provider.SqlServer, sqlInstance, database, integrated, Encrypt, TrustServerCertificate);
    }

    /// <summary>Writes an output object, naming the server and the database it came from (Server, Database).</summary>
    private protected new void WriteObject(object? value)
    {
        if (value is IOnDatabase on) Stamp(on);
        base.WriteObject(value);
    }

    private protected new void WriteObject(object? value, bool enumerateCollection)
    {
        if (!enumerateCollection || value is not System.Collections.IEnumerable items) { WriteObject(value); return; }
        foreach (var item in items) WriteObject(item);
    }

    private void Stamp(IOnDatabase on)
    {
        _identity ??= Connector.Identify(new ConnectionOptions { ConnectionString = ConnectionText(), Provider = Provider });
        on.Server ??= _identity.Value.Server;
        on.Database ??= _identity.Value.Database;
    }

    /// <summary>
    /// The stored migrations named by <paramref name="ids"/> that <paramref name="command"/> applies to. Named on the
    /// command line, an id that is not in the store or not in a phase the command applies to is a non-terminating error.
    /// Piped from Get-MigrationState (<paramref name="piped"/> set), such a migration is passed over with a verbose line,
    /// so that "Get-MigrationState | Invoke-Migrate" acts on those it applies to and goes on past the others.
    /// </summary>
    private protected List<Engine.Store.StoredMigration> Choose(Engine.Phases.TargetDatabase target, IEnumerable<string> ids, MigrationState? piped,
        Func<Phase, bool> applies, Func<Engine.Store.StoredMigration, MigrationException> wrongPhase, string command)
    {
        var chosen = new List<Engine.Store.StoredMigration>();
        var exists = target.Store.Exists();
        foreach (var id in ids)
        {
            var m = exists ? target.Store.Migration(id) : null;
            if (m is null && piped is { Phase: Phase.Pending })
            {
                WriteVerbose($"{id} is Pending (not expanded yet): {command} passes over it.");
                continue;
            }
            if (m is null) { Item(id, () => target.Store.Require(id)); continue; }
            if (applies(m.Phase)) { chosen.Add(m); continue; }
            if (piped is not null) WriteVerbose($"{id} is {m.Phase}: {command} does not apply to it and passes over it.");
            else Item(id, () => throw wrongPhase(m));
        }
        return chosen;
    }

    internal ConnectionOptions Connection(TimeSpan? lockTimeout = null, TimeSpan? runnerTimeout = null, int? maxRetries = null)
    {
        if (Provider == Provider.Sqlite && (AccessToken is not null || Authentication != EntraAuthentication.None))
            throw new MigrationException(ErrorIds.InvalidConnection, "-AccessToken and -Authentication apply to SQL Server only, but -Provider is Sqlite.", "Remove them, or use -Provider SqlServer.");
        return new ConnectionOptions
        {
            ConnectionString = ConnectionText(),
            Provider = Provider,
            Login = SqlCredential is { } credential ? new SqlLogin(credential.UserName, credential.Password) : null,
            Preview = Previewing,
            AccessToken = AccessToken,
            Entra = Authentication,
            EntraClientId = ClientId,
            StoreSchema = StoreSchema,
            LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(2),
            RunnerTimeout = runnerTimeout ?? TimeSpan.Zero,
            MaxRetries = maxRetries ?? 5,
        };
    }
}

/// <summary>A cmdlet that changes a database: it takes the runner lock and runs DDL.</summary>
public abstract class ChangeCmdlet : DatabaseCmdlet
{
    /// <summary>The SQL lock timeout of each DDL statement.</summary>
    [Duration]
    [Parameter]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for another runner on the same database (default: fail at once, naming it).</summary>
    [Duration]
    [Parameter]
    public TimeSpan RunnerTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>How many times a step that hit a lock timeout or deadlock is retried.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int MaxRetries { get; set; } = 5;

    internal ConnectionOptions ChangeConnection() => Connection(LockTimeout, RunnerTimeout, MaxRetries);
}

internal sealed class CmdletReporter(MigrationCmdlet cmdlet, int slot) : IReporter
{
    // Each target running at once has its own bar (4242, 4243, ...), a child of the fleet's when there is one.
    private readonly int _activityId = 4242 + Math.Max(slot, 0);

    public void Verbose(string message) => cmdlet.WriteVerbose(Prefixed(message));

    public void Warning(string message)
    {
        cmdlet.WriteWarning(Prefixed(message));
        cmdlet.AzureDevOps($"##vso[task.logissue type=warning]{MigrationCmdlet.VsoEscape(Prefixed(message))}");
    }

    // Over a fleet, the database a message or a bar is about.
    private string Prefixed(string text) => cmdlet.FleetTargetName is { } on ? $"{on}: {text}" : text;

    private string? _open;

    /// <summary>Completes the bar of the last activity if it is still open, so none is left behind when a command ends.</summary>
    public void CompleteOpen()
    {
        if (_open is null || cmdlet.Stopping) return;
        cmdlet.WriteProgress(Record(_open, "done", 100, completed: true));
        _open = null;
    }

    public void Progress(ProgressReport report)
    {
        _open = report.Completed ? null : report.Activity;
        var record = Record(report.Activity, string.IsNullOrEmpty(report.Status) ? " " : report.Status, Math.Clamp(report.PercentComplete, 0, 100), report.Completed);
        if (report.Remaining is { } left) record.SecondsRemaining = (int)Math.Min(int.MaxValue, left.TotalSeconds);
        cmdlet.WriteProgress(record);
        if (!report.Completed) cmdlet.AzureDevOps($"##vso[task.setprogress value={record.PercentComplete};]{MigrationCmdlet.VsoEscape(Prefixed(report.Activity))}");
    }

    private ProgressRecord Record(string activity, string status, int percent, bool completed) => new(_activityId, Prefixed(activity), status)
    {
        PercentComplete = percent,
        RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        ParentActivityId = cmdlet.FleetTargetName is null ? -1 : FleetRun.ActivityId,
    };

    public bool Stopping => cmdlet.Stopping || cmdlet.Aborting;
}
