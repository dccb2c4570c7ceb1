namespace OnlineMigrations.Engine.Model;

/// <summary>How the cmdlets categorise an error; mapped one-to-one to PowerShell's ErrorCategory.</summary>
public enum ErrorKind
{
    InvalidData,
    InvalidArgument,
    InvalidOperation,
    ResourceBusy,
    ConnectionError,
    PermissionDenied,
    NotImplemented,
    OperationTimeout,
    ObjectNotFound,
    WriteError,
    /// <summary>An error the product did not foresee (a defect): it still carries an id.</summary>
    NotSpecified,
}

/// <summary>An error a user can act on: what was wrong, where, and what to do.</summary>
public class MigrationException : Exception
{
    public MigrationException(ErrorId id, string message, string recommendedAction, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = id.Id;
        Kind = id.Kind;
        RecommendedAction = recommendedAction;
    }

    /// <summary>The stable part of the FullyQualifiedErrorId.</summary>
    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public string RecommendedAction { get; }
    public string? MigrationId { get; init; }
    /// <summary>True when the failure is already in the journal and in the migration's LastError.</summary>
    public bool Recorded { get; init; }
}

public sealed record ErrorId(string Id, ErrorKind Kind);

/// <summary>Every error id the module can raise. The README's error table lists them.</summary>
public static class ErrorIds
{
    public static readonly ErrorId InvalidMigrationFile = new("InvalidMigrationFile", ErrorKind.InvalidData);
    public static readonly ErrorId MigrationPathNotFound = new("MigrationPathNotFound", ErrorKind.ObjectNotFound);
    public static readonly ErrorId MigrationNotFound = new("MigrationNotFound", ErrorKind.ObjectNotFound);
    public static readonly ErrorId OperationRefused = new("OperationRefused", ErrorKind.InvalidOperation);
    public static readonly ErrorId NotSupportedOnSqlite = new("NotSupportedOnSqlite", ErrorKind.NotImplemented);
    /// <summary>The connected SQL Server (or T-SQL engine) lacks a statement the operation needs.</summary>
    public static readonly ErrorId NotSupportedByServer = new("NotSupportedByServer", ErrorKind.NotImplemented);
    public static readonly ErrorId ConnectionFailed = new("ConnectionFailed", ErrorKind.ConnectionError);
    public static readonly ErrorId PermissionDenied = new("PermissionDenied", ErrorKind.PermissionDenied);
    public static readonly ErrorId RunnerBusy = new("RunnerBusy", ErrorKind.ResourceBusy);
    public static readonly ErrorId RunnerLockLost = new("RunnerLockLost", ErrorKind.ResourceBusy);
    public static readonly ErrorId WrongPhase = new("WrongPhase", ErrorKind.InvalidOperation);
    public static readonly ErrorId ContractRefused = new("ContractRefused", ErrorKind.InvalidOperation);
    public static readonly ErrorId RollbackRefused = new("RollbackRefused", ErrorKind.InvalidOperation);
    public static readonly ErrorId ConflictingMigrations = new("ConflictingMigrations", ErrorKind.InvalidOperation);
    public static readonly ErrorId OfflineStepRefused = new("OfflineStepRefused", ErrorKind.InvalidOperation);
    public static readonly ErrorId UnsafeSql = new("UnsafeSql", ErrorKind.InvalidData);
    public static readonly ErrorId InvalidExpression = new("InvalidExpression", ErrorKind.InvalidData);
    public static readonly ErrorId StepFailed = new("StepFailed", ErrorKind.WriteError);
    public static readonly ErrorId NoUsableKey = new("NoUsableKey", ErrorKind.InvalidOperation);
    public static readonly ErrorId NoProgress = new("NoProgress", ErrorKind.InvalidOperation);
    public static readonly ErrorId StoreTooNew = new("StoreTooNew", ErrorKind.InvalidOperation);
    public static readonly ErrorId UnsupportedTable = new("UnsupportedTable", ErrorKind.InvalidOperation);
    public static readonly ErrorId InvalidConnection = new("InvalidConnection", ErrorKind.InvalidArgument);
    public static readonly ErrorId InvalidArgument = new("InvalidArgument", ErrorKind.InvalidArgument);
    public static readonly ErrorId DatabaseReadOnly = new("DatabaseReadOnly", ErrorKind.WriteError);
    public static readonly ErrorId DiskFull = new("DiskFull", ErrorKind.WriteError);
    public static readonly ErrorId DatabaseIoError = new("DatabaseIoError", ErrorKind.WriteError);
    public static readonly ErrorId ClientNotFound = new("ClientNotFound", ErrorKind.ObjectNotFound);
    public static readonly ErrorId RegisterRefused = new("RegisterRefused", ErrorKind.InvalidOperation);
    /// <summary>A database error outside any migration step (reading the store, the journal).</summary>
    public static readonly ErrorId DatabaseError = new("DatabaseError", ErrorKind.WriteError);
    /// <summary>An exception the product did not foresee: a defect, reported with an id rather than raw.</summary>
    public static readonly ErrorId UnexpectedError = new("UnexpectedError", ErrorKind.NotSpecified);
    public static readonly ErrorId RepairRefused = new("RepairRefused", ErrorKind.InvalidOperation);
}
