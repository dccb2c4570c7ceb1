using System.Management.Automation;
using OnlineMigrations.Engine;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Commands;

/// <summary>What every cmdlet shares: turning engine errors into ErrorRecords, and reporting.</summary>
public abstract class MigrationCmdlet : PSCmdlet
{
    internal IReporter Reporter => new CmdletReporter(this);

    /// <summary>Runs <paramref name="work"/>; an engine error becomes a terminating ErrorRecord with its id, category, target and recommended action.</summary>
    protected void Guard(Action work)
    {
        try { work(); }
        catch (MigrationException e)
        {
            AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(e.Message)}");
            ThrowTerminatingError(ToErrorRecord(e));
        }
        catch (OperationCanceledException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "Stopped", ErrorCategory.OperationStopped, null));
        }
        catch (System.Data.Common.DbException e) when (StorageErrors.Translate(e, StorageTarget().Target, StorageTarget().File) is { } storage)
        {
            // A read-only or full store reached outside a step (opening, the store, the backfill): the product's error, not the engine's code.
            AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(storage.Message)}");
            ThrowTerminatingError(ToErrorRecord(storage));
        }
    }

    /// <summary>The database this cmdlet works on, for storage errors raised outside the engine's own handling.</summary>
    private protected virtual (string Target, string? File) StorageTarget() => ("The database", null);

    /// <summary>Writes an engine error without stopping the pipeline (for per-item failures).</summary>
    protected void WriteMigrationError(MigrationException e)
    {
        AzureDevOps($"##vso[task.logissue type=error]{VsoEscape(e.Message)}");
        WriteError(ToErrorRecord(e));
    }

    internal static ErrorRecord ToErrorRecord(MigrationException e)
    {
        var record = new ErrorRecord(e, e.ErrorId, Category(e.Kind), e.MigrationId);
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
        Host.UI.WriteLine(line);
    }

    internal static string VsoEscape(string text) =>
        text.Replace("%", "%AZP25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal)
            .Replace("]", "%5D", StringComparison.Ordinal).Replace(";", "%3B", StringComparison.Ordinal);

    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);
}

/// <summary>A cmdlet that reads or changes a database.</summary>
public abstract class DatabaseCmdlet : MigrationCmdlet
{
    /// <summary>The target database's connection string. Never written anywhere.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    [Parameter]
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

    private protected override (string Target, string? File) StorageTarget() =>
        string.IsNullOrEmpty(ConnectionString) ? base.StorageTarget() : StorageErrors.Describe(new ConnectionOptions { ConnectionString = ConnectionString, Provider = Provider });

    internal ConnectionOptions Connection(TimeSpan? lockTimeout = null, TimeSpan? runnerTimeout = null, int? maxRetries = null)
    {
        if (Provider == Provider.Sqlite && (AccessToken is not null || Authentication != EntraAuthentication.None))
            throw new MigrationException(ErrorIds.InvalidConnection, "-AccessToken and -Authentication apply to SQL Server only, but -Provider is Sqlite.", "Remove them, or use -Provider SqlServer.");
        return new ConnectionOptions
        {
            ConnectionString = ConnectionString,
            Provider = Provider,
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
    [Parameter]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for another runner on the same database (default: fail at once, naming it).</summary>
    [Parameter]
    public TimeSpan RunnerTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>How many times a step that hit a lock timeout or deadlock is retried.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int MaxRetries { get; set; } = 5;

    internal ConnectionOptions ChangeConnection() => Connection(LockTimeout, RunnerTimeout, MaxRetries);
}

internal sealed class CmdletReporter(MigrationCmdlet cmdlet) : IReporter
{
    private static readonly int ActivityId = 4242;

    public void Verbose(string message) => cmdlet.WriteVerbose(message);

    public void Warning(string message)
    {
        cmdlet.WriteWarning(message);
        cmdlet.AzureDevOps($"##vso[task.logissue type=warning]{MigrationCmdlet.VsoEscape(message)}");
    }

    public void Progress(ProgressReport report)
    {
        var record = new ProgressRecord(ActivityId, report.Activity, string.IsNullOrEmpty(report.Status) ? " " : report.Status)
        {
            PercentComplete = Math.Clamp(report.PercentComplete, 0, 100),
            RecordType = report.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (report.Remaining is { } left) record.SecondsRemaining = (int)Math.Min(int.MaxValue, left.TotalSeconds);
        cmdlet.WriteProgress(record);
        if (!report.Completed) cmdlet.AzureDevOps($"##vso[task.setprogress value={record.PercentComplete};]{MigrationCmdlet.VsoEscape(report.Activity)}");
    }

    public bool Stopping => cmdlet.Stopping;
}
