using System.Data.Common;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>Which database engine a connection speaks to.</summary>
public enum Provider { SqlServer, Sqlite }

/// <summary>A destructive statement found in an expand script.</summary>
public sealed record LintFinding(int Line, string Reason, string Statement);

/// <summary>How an index is to be built, decided from the server's capabilities and -AllowOffline.</summary>
public sealed record IndexSpec(QualifiedName Table, string Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Include,
    bool Unique, string? Where);

/// <summary>
/// Everything that is SQL text lives behind this interface: DDL for the operations, the sync
/// triggers, the backfill batch, the catalog, the state store and the runner lock. Values always
/// travel as parameters; identifiers are always quoted by <see cref="Quote"/>.
/// </summary>
public interface IDialect
{
    Provider Provider { get; }
    string Quote(string identifier);
    string Table(QualifiedName table);
    string Literal(string text);

    // ---- operations -------------------------------------------------------------------------
    string CreateTable(QualifiedName table, IReadOnlyList<ColumnDefinition> columns, IReadOnlyList<string> primaryKey);
    string DropTable(QualifiedName table);
    /// <summary>Adds a column; <paramref name="column"/>.Nullable is honoured as given.</summary>
    string AddColumn(QualifiedName table, ColumnDefinition column);
    /// <summary>Drops a column together with its default constraint.</summary>
    IReadOnlyList<string> DropColumn(QualifiedName table, string column);
    /// <summary>Whether <see cref="AddColumn"/> can give a column added to a table with rows this default
    /// (SQLite refuses a non-constant one such as CURRENT_TIMESTAMP).</summary>
    bool CanAddColumnWithDefault(string expression) => true;
    string MakeNullable(QualifiedName table, ColumnInfo column);

    // ---- what the engine can do to an existing column (traits the operations plan by) ---------
    /// <summary>Whether an existing column's nullability can be changed in place (ALTER COLUMN ... NULL / NOT NULL):
    /// the final NOT NULL of a column added nullable, and relaxing a NOT NULL column that new code no longer writes.</summary>
    bool ChangesNullability { get; }
    /// <summary>Whether a default can be added to an existing column.</summary>
    bool AddsDefaultLater { get; }
    /// <summary>Whether a default added to an existing column can be dropped again by the name it was given.</summary>
    bool DropsDefaultByName { get; }
    /// <summary>Whether a NOT NULL column with a constant default can be added to a table with rows at once, without
    /// rewriting the table (existing rows read the default): the way to a NOT NULL new column where
    /// <see cref="ChangesNullability"/> is false.</summary>
    bool AddsNotNullColumnWithDefault { get; }
    /// <summary>Whether a column's nullability can be relaxed while an index lists it (SQL Server refuses ALTER COLUMN of an
    /// indexed column, error 5074, unless only the length of a var type grows).</summary>
    bool RelaxesIndexedColumn(string type) => true;
    /// <summary>Whether a UNIQUE constraint declared with the table can be dropped on its own (SQL Server: DROP CONSTRAINT);
    /// false where it lives in the table's definition (SQLite), so no column it covers can be dropped.</summary>
    bool DropsUniqueConstraints { get; }
    /// <summary>Refuses, in the engine's own words, a change to an existing column that it cannot make
    /// (<paramref name="what"/>: "making dbo.T.C NOT NULL"); <paramref name="instead"/> says what the user can do.</summary>
    MigrationException CannotChangeColumn(string what, string instead);
    /// <summary>Adds a named default constraint (SQL Server) so inserts that omit the column succeed.</summary>
    string AddDefault(QualifiedName table, string column, string constraintName, string expression);
    /// <summary>A harmless literal of the column's type, used as a temporary default that a sync trigger overwrites.</summary>
    string Placeholder(string type);
    /// <summary>A default that differs for every row, for a temporary default under a unique index; null where the type cannot hold one.</summary>
    string? UniquePlaceholder(string type) => null;
    string MakeNotNull(QualifiedName table, string column, string type);
    string RenameColumn(QualifiedName table, string from, string to);
    string RenameTable(QualifiedName from, QualifiedName to);
    /// <summary>A step that creates the index as online as the server allows; throws when it cannot be
    /// built online and <paramref name="allowOffline"/> is false.</summary>
    Step CreateIndex(string stepName, IndexSpec index, ServerCapabilities capabilities, bool allowOffline);
    string DropIndex(QualifiedName table, string name);
    /// <summary>Abandons a resumable index build that stopped half way (paused by a lock timeout or a killed
    /// session), or null where the server has no resumable builds. Runs outside a transaction.</summary>
    string? AbortIndexBuild(QualifiedName table, string name, ServerCapabilities capabilities);
    IReadOnlyList<string> RenameIndex(QualifiedName table, string from, IndexSpec renamedTo);
    string CreateSynonym(QualifiedName name, QualifiedName target);
    string DropSynonym(QualifiedName name);
    string AddForeignKey(QualifiedName table, string name, IReadOnlyList<string> columns, QualifiedName referenced, IReadOnlyList<string> referencedColumns);
    string AddCheckConstraint(QualifiedName table, string name, string expression);
    string TrustConstraint(QualifiedName table, string name);
    string DropConstraint(QualifiedName table, string name);
    /// <summary>The sync trigger(s) for one table and migration: one on SQL Server, one per event on SQLite.</summary>
    IReadOnlyList<string> CreateSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule> rules, IReadOnlyList<string> keyColumns);
    IReadOnlyList<string> DropSyncTrigger(QualifiedName table, string triggerName, IReadOnlyList<SyncRule>? rules = null);
    /// <summary>The trigger names <see cref="CreateSyncTrigger"/> creates for these rules, for catalog checks.</summary>
    IReadOnlyList<string> SyncTriggerObjects(string triggerName, IReadOnlyList<SyncRule>? rules = null);

    // ---- expressions ------------------------------------------------------------------------
    string Column(string column);
    /// <summary><paramref name="expression"/> (an index filter, say) with every identifier naming the column
    /// <paramref name="from"/> changed to <paramref name="to"/>; string literals, comments and other names stay as written.</summary>
    string RenameColumnIn(string expression, string from, string to, StringComparer names) => SqlText.RenameColumn(expression, from, Quote(to), names);
    /// <summary>A predicate true when <paramref name="a"/> and <paramref name="b"/> differ, NULLs included, exactly:
    /// no collation makes two values equal (case, accents, trailing spaces all count). <paramref name="b"/> is
    /// converted to <paramref name="type"/> first when given; without it both must be of one type.</summary>
    string Differ(string a, string b, string? type = null);
    /// <summary>A query that compiles <paramref name="expression"/> against the table's rows and returns none;
    /// <paramref name="plannedColumns"/> (columns the same migration adds) are present, as NULLs.</summary>
    string CompileExpression(QualifiedName table, string expression, IReadOnlyList<string> plannedColumns);
    /// <summary>The expression converted to <paramref name="type"/> the way assigning it to a column of that type converts it.</summary>
    string Converted(string expression, string type);
    /// <summary>Evaluates <paramref name="expression"/> for every row with a key in the range (as <see cref="CountRange"/>;
    /// without <paramref name="keys"/>, every row of the table), so that a row it fails for fails the query.</summary>
    string EvaluateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string expression);
    /// <summary>A predicate over the version column: NULL, or one of the listed older versions (parameter names).</summary>
    string VersionOlder(string versionColumn, IReadOnlyList<string> olderVersionParameters);

    // ---- backfill and counting ----------------------------------------------------------------
    /// <summary>Selects the key of the last row of the next batch: rows after @lo_i (unless first) and up to @hi_i, in key order, @n of them.</summary>
    string BatchEnd(QualifiedName table, IReadOnlyList<string> keys, bool hasLower);
    /// <summary>Selects the greatest key of the table (the fixed upper bound of a backfill pass).</summary>
    string MaxKey(QualifiedName table, IReadOnlyList<string> keys);
    /// <summary>Updates the rows with keys after @lo_i (unless first) and up to @end_i where <paramref name="where"/> holds.</summary>
    string UpdateRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, IReadOnlyList<(string Column, string Value)> set, string where);
    /// <summary>Counts the rows with keys in the same range where <paramref name="where"/> holds.</summary>
    string CountRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string where);
    string CountWhere(QualifiedName table, string where);
    string CountRows(QualifiedName table);
    /// <summary>True where a long read must be cut into key ranges to hold no long locks (SQL Server);
    /// false where readers never block writers (SQLite in WAL mode), so one statement reads fastest.</summary>
    bool BatchedReads { get; }
    /// <summary>The most rows one backfill batch may touch (SQL Server: below the lock-escalation threshold).</summary>
    int MaxBatchRows { get; }
    /// <summary>The pause after a backfill batch that took <paramref name="batch"/>, when -Delay is not given.</summary>
    TimeSpan DefaultBatchPause(TimeSpan batch);
    /// <summary>True where a varchar or char key must be bound as a varchar parameter to compare under its collation.</summary>
    bool AnsiKeyParameters { get; }
    /// <summary>What applications on this engine must know when a table gets its first trigger (expand warns with it).</summary>
    string FirstTriggerWarning(QualifiedName table);
    /// <summary>The column type of an object-version column.</summary>
    string ObjectVersionType { get; }
    /// <summary>One statement as a runnable script writes it (GO after each batch on SQL Server, a semicolon on SQLite).</summary>
    string ScriptStatement(string statement);
    /// <summary>A cheap estimate of the table's row count (for progress), where the provider keeps one.</summary>
    string EstimateRows(QualifiedName table);
    /// <summary>Rows per object version; with <paramref name="counting"/>, a third column counts those where it holds.</summary>
    string VersionHistogram(QualifiedName table, string versionColumn, string? counting = null);
    /// <summary>Counts rows per object version in the key range (as <see cref="CountRange"/>).</summary>
    string VersionHistogramRange(QualifiedName table, IReadOnlyList<string> keys, bool hasLower, string versionColumn, string? counting = null);
    /// <summary>Counts the next batch of a single-column key's rows in one statement that also returns the batch's
    /// size and last key (see <see cref="KeysetStatements.TallyBatch"/>); null where <paramref name="key"/>'s type
    /// cannot be aggregated with MAX, so the walk reads each range's end apart (<see cref="BatchEnd"/>).</summary>
    string? TallyBatch(QualifiedName table, ColumnInfo key, bool hasLower, string? groupBy, IReadOnlyList<string> counts);
    /// <summary>Statements at the start of each backfill batch's transaction that mark its writes, so sync
    /// triggers skip their reverse direction.</summary>
    IReadOnlyList<string> BeginBackfillSession();
    /// <summary>Statements just before each backfill batch commits.</summary>
    IReadOnlyList<string> EndBackfillBatch();
    /// <summary>A query returning the throttle measures (columns LogSendQueueKb, RedoQueueKb, LogUsedPercent,
    /// LogWritePercent; NULL where not applicable), or null when the provider has none.</summary>
    string? ThrottleProbe(ServerCapabilities capabilities);

    // ---- execution ----------------------------------------------------------------------------
    /// <summary>Statements run before each DDL step (lock timeout, XACT_ABORT).</summary>
    IReadOnlyList<string> DdlPreamble(TimeSpan lockTimeout);
    /// <summary>True for errors that a retry can cure: lock timeouts and deadlocks.</summary>
    bool IsRetryable(Exception error);
    /// <summary>What the storage under the database refused (read-only, full), or null when the error is another kind.</summary>
    StorageFault? StorageFault(Exception error);
    /// <summary>True for transient connection errors (failover, dropped connection).</summary>
    bool IsTransientConnectionError(Exception error);
    /// <summary>Splits a script into batches the provider can run one at a time (GO on SQL Server).</summary>
    IReadOnlyList<string> SplitScript(string script);
    /// <summary>Destructive statements in a script that expand must not run (DROP, TRUNCATE, sp_rename,
    /// DELETE without WHERE, column type narrowing), with the line each starts on.</summary>
    IReadOnlyList<LintFinding> LintExpand(string script);

    /// <summary>A query returning the login the session runs as (null on SQLite: the OS user is used).</summary>
    string? LoginQuery { get; }
    /// <summary>Takes the runner lock on the dedicated connection; parameters @resource and @timeoutMs; returns &gt;= 0 on success.</summary>
    string? AcquireRunnerLock { get; }
    /// <summary>Returns 1 while the dedicated connection still holds the runner lock (@resource).</summary>
    string? CheckRunnerLock { get; }
    string? ReleaseRunnerLock { get; }

    // ---- catalog and store ------------------------------------------------------------------
    ICatalog Catalog(Connections.Session session);
    StoreSql Store { get; }
}
