using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// The database a command works on: an open session, its dialect and catalog, the state store and,
/// for commands that change anything, the runner lock. Read-only commands never create the store.
/// </summary>
public sealed class TargetDatabase : IDisposable
{
    private TargetDatabase(ConnectionOptions options, Session session, IReporter reporter)
    {
        Options = options;
        Session = session;
        Reporter = reporter;
        Store = new StateStore(session);
        Catalog = session.Dialect.Catalog(session);
        Login = ReadLogin(session);
    }

    public ConnectionOptions Options { get; }
    public Session Session { get; }
    public IDialect Dialect => Session.Dialect;
    public StateStore Store { get; }
    public ICatalog Catalog { get; }
    public IReporter Reporter { get; }
    public RunnerLock? Lock { get; private set; }
    /// <summary>Who runs the command, for the journal: the database login (SQL Server) or the OS user (SQLite).</summary>
    public string Login { get; }

    /// <summary>Opens the target for reading: nothing is created.</summary>
    public static TargetDatabase OpenForReading(ConnectionOptions options, IReporter reporter) =>
        new(options, Connector.Open(options), reporter);

    /// <summary>Opens the target for changes: takes the runner lock, creates or upgrades the store, writes the holder row.</summary>
    public static TargetDatabase OpenForChanges(ConnectionOptions options, IReporter reporter, string command)
    {
        var target = new TargetDatabase(options, Connector.Open(options), reporter);
        try
        {
            target.Lock = RunnerLock.Acquire(options, target.Session, reporter);
            var before = target.Store.Version();
            var after = target.Store.EnsureCreated();
            if (before != after)
                reporter.Verbose(before < 0 ? $"Created the state store in {target.Session.Target} ({target.Dialect.Store.Location})." : $"Upgraded the state store from version {before} to {after}.");
            target.Store.SetHolder(command, target.Login);
        }
        catch
        {
            target.Dispose();
            throw;
        }
        return target;
    }

    private static string ReadLogin(Session session)
    {
        if (session.Dialect.LoginQuery is { } query)
        {
            try { return session.Scalar<string>(query) ?? Environment.UserName; }
            catch (System.Data.Common.DbException) { /* fall back to the OS user */ }
        }
        return Environment.UserName;
    }

    public OperationContextFactory Contexts(bool allowOffline) => new(this, allowOffline);

    public void Journal(string? id, Phase? phase, string? step, string? statement, DateTime started, string outcome, string? error = null, string? reason = null)
    {
        try
        {
            Store.WriteJournal(id, phase?.ToString(), step, statement, started, DateTime.UtcNow - started, outcome, error, Login, reason);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            if (!Reporter.Stopping) Reporter.Warning($"Could not write to the journal: {e.Message}");
        }
    }

    /// <summary>
    /// Records why a phase of a migration ended early: a journal line with its outcome (Stopped when the
    /// user interrupted it, else Failed) and, when it failed, the migration's LastError. A lost
    /// connection is reopened first, so the record is written wherever the database can be reached again.
    /// </summary>
    public void RecordFailure(string id, Phase phase, string? step, DateTime started, Exception e)
    {
        var stopped = e is OperationCanceledException || Reporter.Stopping;
        try
        {
            if (Session.Connection.State != System.Data.ConnectionState.Open) Session.Reconnect();
            else Session.Rollback();
        }
        catch (Exception x) when (x is System.Data.Common.DbException or InvalidOperationException) { /* the journal write below reports it */ }
        var message = e is MigrationException ? e.Message : $"Migration '{id}', {phase}{(step is null ? "" : $", {step}")}: {StepRunner.Short(e)}";
        Journal(id, phase, step, null, started, stopped ? Outcomes.Stopped : Outcomes.Failed, message);
        if (stopped) return;
        try { Store.SetLastError(id, message); }
        catch (Exception x) when (x is System.Data.Common.DbException or InvalidOperationException) { /* the error reaches the user anyway */ }
    }

    public void Dispose()
    {
        try { if (Lock is not null && Session.Connection.State == System.Data.ConnectionState.Open && Store.Exists()) Store.ClearHolder(); }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException) { /* the next runner overwrites a stale holder row */ }
        Lock?.Dispose();
        Session.Dispose();
    }
}

/// <summary>Builds the operation context for one migration against this target.</summary>
public sealed class OperationContextFactory(TargetDatabase target, bool allowOffline)
{
    /// <summary>A context for planning <paramref name="migration"/>: for expand with nothing saved yet, else with what its expand saved.</summary>
    public Operations.OperationContext For(MigrationDefinition migration, Store.SavedPlans? saved = null) =>
        saved is null
            ? new(target.Dialect, migration, target.Catalog, allowOffline) { Seen = new(StringComparer.Ordinal), ExpandSteps = new(StringComparer.Ordinal) }
            : new(target.Dialect, migration, target.Catalog, allowOffline)
            {
                // A copy: planning a phase must not change what the store holds until that phase saves it.
                Facts = new(saved.Facts, StringComparer.Ordinal), Seen = saved.Seen, ExpandSteps = saved.ExpandSteps,
                Decided = saved.Decided is null ? new(StringComparer.Ordinal) : new(saved.Decided, StringComparer.Ordinal),
            };
}
