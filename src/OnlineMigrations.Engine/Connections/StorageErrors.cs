using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Connections;

/// <summary>
/// The product's error for storage that refuses a write (a read-only database or file system, a full
/// disk), in place of an engine's raw error code: the operator learns what happened and what to do.
/// </summary>
public static class StorageErrors
{
    private static readonly IDialect[] Dialects = [SqliteDialect.Instance, new SqlServerDialect()];

    /// <summary>The error for <paramref name="error"/> when it is a storage fault, else null. <paramref name="file"/>
    /// (a SQLite database) lets an unspecific I/O error be told apart: no space left beside it is a full disk.</summary>
    public static MigrationException? Translate(Exception error, string target, string? file = null, string? migrationId = null)
    {
        foreach (var dialect in Dialects)
            if (dialect.StorageFault(error) is { } fault)
                return For(fault == StorageFault.Io && NoSpaceBeside(file) ? StorageFault.Full : fault, target, migrationId, error);
        return null;
    }

    /// <summary><see cref="Translate(Exception, string, string?, string?)"/> for the database of <paramref name="options"/>.</summary>
    public static MigrationException? Translate(Exception error, ConnectionOptions options, string? migrationId = null)
    {
        if (Dialects.All(d => d.StorageFault(error) is null)) return null;
        var (target, file) = Describe(options);
        return Translate(error, target, file, migrationId);
    }

    /// <summary>The options' SQLite file and description, for <see cref="Translate"/>; never throws.</summary>
    public static (string Target, string? File) Describe(ConnectionOptions options)
    {
        try { return (Connector.Describe(options), options.Provider == Provider.Sqlite ? Connector.SqliteFile(options) : null); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException) { return ("The database", null); }
    }

    private static bool NoSpaceBeside(string? file)
    {
        if (file is null) return false;
        try { return new DriveInfo(Path.GetDirectoryName(file) ?? file).AvailableFreeSpace < 256 * 1024; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The error for an operating-system refusal of the runner lock file, else null.</summary>
    public static MigrationException? TranslateFileError(Exception error, string target, string lockFile)
    {
        StorageFault? fault = error switch
        {
            UnauthorizedAccessException => StorageFault.ReadOnly,
            IOException io when IsErrno(io, ReadOnlyFileSystem) => StorageFault.ReadOnly,
            IOException io when IsErrno(io, NoSpace) || IsErrno(io, DiskQuota) || io.HResult is WindowsDiskFull or WindowsHandleDiskFull => StorageFault.Full,
            IOException io when io.HResult == WindowsWriteProtect => StorageFault.ReadOnly,
            _ => null,
        };
        return fault is { } f ? For(f, target, null, error, $" (the runner lock file '{lockFile}')") : null;
    }

    /// <summary>Whether an IOException is another process holding the file (a sharing or lock violation).</summary>
    public static bool IsHeldByAnother(IOException error) =>
        error.HResult is WindowsSharingViolation or WindowsLockViolation || (!OperatingSystem.IsWindows() && error.HResult is 11 or 35); // EAGAIN/EWOULDBLOCK (Linux, macOS)

    private const int ReadOnlyFileSystem = 30; // EROFS on Linux and macOS
    private const int NoSpace = 28;            // ENOSPC
    private static int DiskQuota => OperatingSystem.IsMacOS() ? 69 : 122; // EDQUOT
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int WindowsLockViolation = unchecked((int)0x80070021);
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int WindowsWriteProtect = unchecked((int)0x80070013);

    private static bool IsErrno(IOException e, int errno) => !OperatingSystem.IsWindows() && e.HResult == errno;

    private static MigrationException For(StorageFault fault, string target, string? migrationId, Exception inner, string where = "") => fault switch
    {
        StorageFault.ReadOnly => new MigrationException(ErrorIds.DatabaseReadOnly,
            $"{target} cannot be written{where}: the database, its folder or its file system is read-only.",
            "Run the command where the database can be written (SQLite also writes its -wal and -shm files and the runner lock file beside the database); a step that failed was rolled back, so run the command again once it can.", inner)
            { MigrationId = migrationId },
        StorageFault.Io => new MigrationException(ErrorIds.DatabaseIoError,
            $"{target} could not be read or written{where}: the operating system reported an I/O error ({inner.Message}).",
            "Check the disk and the file system the database is on (its health, space, network share); a step that failed was rolled back, so run the command again once it is fixed.", inner)
            { MigrationId = migrationId },
        _ => new MigrationException(ErrorIds.DiskFull,
            $"{target} has no space left{where}: the disk, filegroup or transaction log is full.",
            "Free space (or grow the file or log), then run the same command again: a step that failed was rolled back and resumes.", inner)
            { MigrationId = migrationId },
    };
}
