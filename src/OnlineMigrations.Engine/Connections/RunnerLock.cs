using System.Diagnostics;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Connections;

/// <summary>
/// One runner at a time per database. SQL Server: a session-owned application lock on a dedicated,
/// non-pooled connection. SQLite: an operating-system lock on a file beside the database. Both
/// vanish with the process that holds them, so a killed runner never blocks the next one. A holder
/// row in the store lets a waiting runner say who holds the lock.
/// </summary>
public sealed class RunnerLock : IDisposable
{
    private readonly Session? _lockSession;
    private readonly FileStream? _lockFile;
    private readonly string _resource;

    private RunnerLock(Session? lockSession, FileStream? lockFile, string resource)
    {
        _lockSession = lockSession;
        _lockFile = lockFile;
        _resource = resource;
    }

    /// <summary>
    /// The application lock's name: the store schema and the database. SQL Server's application locks are
    /// per database already; naming the database as well keeps databases apart on servers where they are
    /// one namespace for the whole server (the T-SQL engine of the tests), so a fleet's targets on one
    /// server can run at once. sp_getapplock takes up to 255 characters: a longer name ends in a hash.
    /// </summary>
    internal static string Resource(string store, string database)
    {
        // sp_getapplock compares names in binary: the database in lower case, however a connection string spells it.
        var name = $"OnlineMigrations:{store}:{database.ToLowerInvariant()}";
        if (name.Length <= 255) return name;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..16];
        return $"{name[..238]}:{hash}";
    }

    /// <summary>Takes the lock, waiting up to <see cref="ConnectionOptions.RunnerTimeout"/>; fails naming the holder.</summary>
    public static RunnerLock Acquire(ConnectionOptions options, Session session, IReporter reporter)
    {
        var dialect = session.Dialect;
        var resource = Resource(dialect is SqlServerDialect ? options.StoreSchema : "sqlite", session.Connection.Database);
        if (dialect.AcquireRunnerLock is { } acquire)
        {
            var lockSession = Connector.Open(options, pooled: false, purpose: "OnlineMigrations runner lock");
            try
            {
                lockSession.CommandTimeout = (int)Math.Max(30, options.RunnerTimeout.TotalSeconds + 30);
                // Try at once first, so a runner that has to wait says so before it waits (as on SQLite).
                // 1 ms rather than 0: sp_getapplock documents -1 for a timeout, and some T-SQL engines
                // answer a zero timeout under contention with -999 (call error) instead.
                var result = lockSession.Scalar<int>(acquire, new { resource, timeoutMs = 1 });
                if (result == -1 && options.RunnerTimeout > TimeSpan.Zero)
                {
                    reporter.Verbose($"Waiting for the runner lock on {session.Target}...");
                    result = lockSession.Scalar<int>(acquire, new { resource, timeoutMs = (int)Math.Min(int.MaxValue, options.RunnerTimeout.TotalMilliseconds) });
                }
                if (result < 0) throw Busy(session, options, result == -1 ? "" : $" (sp_getapplock returned {result})");
                return new RunnerLock(lockSession, null, resource);
            }
            catch
            {
                lockSession.Dispose();
                throw;
            }
        }

        var file = Connector.SqliteFile(options);
        if (file is null) return new RunnerLock(null, null, resource); // in-memory: only this connection can see it
        // One lock per database file, not per spelling of its path: a symlink, '..' or a relative path
        // to the same file must find the same lock file.
        var path = RealPath(file) + ".onlinemigrations.lock";
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix and a share lock on Windows: the
                // operating system drops it when the process dies, however it dies.
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new RunnerLock(null, stream, resource);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && StorageErrors.TranslateFileError(e, session.Target, path) is { } refused)
            {
                // A read-only or full file system is not another runner: say what happened.
                throw refused;
            }
            catch (IOException e) when (StorageErrors.IsHeldByAnother(e) && watch.Elapsed < options.RunnerTimeout)
            {
                reporter.Verbose($"Waiting for the runner lock on {session.Target}...");
                Thread.Sleep(200);
            }
            catch (IOException e) when (StorageErrors.IsHeldByAnother(e))
            {
                throw Busy(session, options, "");
            }
            catch (IOException e)
            {
                throw new MigrationException(ErrorIds.ConnectionFailed, $"Cannot create the runner lock file '{path}' beside {session.Target}: {e.Message}",
                    "Check that the database's folder can be written by this user.", e);
            }
        }
    }

    /// <summary>The path with every symbolic link in it resolved (as realpath(3)); a missing tail is kept as written.</summary>
    internal static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int hops)
    {
        if (hops > 40) return Path.GetFullPath(path); // a link loop: SQLite cannot open the file either, and says so
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        if (parent is null) return full; // the root
        var candidate = Path.Combine(RealPath(parent, hops), Path.GetFileName(full));
        string? target;
        try { target = new FileInfo(candidate).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return candidate; }
        if (target is null) return candidate;
        return RealPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(candidate)!, target), hops + 1);
    }

    private static readonly TimeSpan HolderGrace = TimeSpan.FromSeconds(3);

    private static MigrationException Busy(Session session, ConnectionOptions options, string detail)
    {
        // The holder writes its row just after it takes the lock (and creates the store if need be):
        // give it a moment, so the message can name it.
        RunnerHolder? holder = null;
        var watch = Stopwatch.StartNew();
        while (holder is null && watch.Elapsed < HolderGrace)
        {
            try { holder = new StateStore(session).Holder(); }
            catch (Exception e) when (e is System.Data.Common.DbException or MigrationException) { /* the holder row is a courtesy; the lock is what counts */ }
            if (holder is null) Thread.Sleep(100);
        }
        var who = holder is null ? "another runner (it has not yet written its holder row)" : holder.ToString();
        var waited = options.RunnerTimeout > TimeSpan.Zero ? $" after waiting {options.RunnerTimeout.TotalSeconds:0.#} s" : "";
        return new MigrationException(ErrorIds.RunnerBusy,
            $"Another runner is working on {session.Target}{waited}: {who}{detail}.",
            "Wait for it to finish, or pass -RunnerTimeout to wait for it. If that process is gone, the lock is already released: run the command again.");
    }

    /// <summary>Throws when the lock was lost (its connection dropped); checked before each step.</summary>
    public void EnsureHeld()
    {
        if (_lockSession is null || _lockSession.Dialect.CheckRunnerLock is not { } check) return;
        int held;
        try { held = _lockSession.Scalar<int>(check, new { resource = _resource }); }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            throw new MigrationException(ErrorIds.RunnerLockLost, $"The runner lock's connection was lost: {e.Message}", "Run the command again: it resumes from the last completed step.", e);
        }
        if (held != 1)
            throw new MigrationException(ErrorIds.RunnerLockLost, "The runner lock is no longer held (its session was reset).", "Run the command again: it resumes from the last completed step.");
    }

    public void Dispose()
    {
        if (_lockSession is not null)
        {
            try { if (_lockSession.Dialect.ReleaseRunnerLock is { } release) _lockSession.Execute(release, new { resource = _resource }); }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException) { /* closing the connection releases it anyway */ }
            _lockSession.Dispose();
        }
        _lockFile?.Dispose();
    }
}
