using System.Diagnostics;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>How Invoke-Migrate paces itself.</summary>
public sealed record MigrateOptions
{
    /// <summary>A fixed batch size; null adapts toward <see cref="TargetBatchDuration"/>.</summary>
    public int? BatchSize { get; init; }
    public TimeSpan TargetBatchDuration { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>A pause between batches; null takes the dialect's default (<see cref="Dialects.IDialect.DefaultBatchPause"/>).</summary>
    public TimeSpan? Delay { get; init; }
    public long? MaxRows { get; init; }
    public TimeSpan? MaxDuration { get; init; }
    public ThrottleLimits Limits { get; init; } = new();
}

/// <summary>Thresholds above which a backfill on SQL Server pauses until the server catches up.</summary>
public sealed record ThrottleLimits
{
    public long MaxLogSendQueueKb { get; init; } = 512 * 1024;
    public long MaxRedoQueueKb { get; init; } = 512 * 1024;
    public double MaxLogUsedPercent { get; init; } = 80;
    public double MaxLogWritePercent { get; init; } = 80;
    /// <summary>How long to wait for the server to catch up before giving up the run (its checkpoint saved).</summary>
    public TimeSpan MaxPause { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>How often, between batches, the backfill reads the server's measures.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often it reads them again while paused.</summary>
    public TimeSpan PausedCheckInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The online data migration: walks each table's key in order, in short batches that each commit
/// with their checkpoint, from the key after the last checkpoint up to the upper bound fixed when the
/// pass began (rows inserted later are kept right by the expand triggers). Then it verifies from the
/// data that nothing is left before the migration becomes Migrated.
/// </summary>
public sealed class Backfiller(TargetDatabase target, MigrateOptions options)
{
    /// <summary>SQL Server: a batch stays below the lock-escalation threshold (about 5,000 locks).</summary>
    public const int SqlServerMaxBatch = Dialects.SqlServerDialect.MaxBatch;
    public const int FirstBatch = 500;

    private int MaxBatch => target.Dialect.MaxBatchRows;

    /// <summary>Passes one run makes while each migrates rows and some remain.</summary>
    private const int MaxPassesPerRun = 3;

    /// <summary>
    /// Test seam, not a fake database: when set, the throttle takes its signal row (LogSendQueueKb, RedoQueueKb,
    /// LogUsedPercent, LogWritePercent, as <see cref="Dialects.IDialect.ThrottleProbe"/> returns them) from this
    /// function instead of running the dialect's probe on the backfill's session; it may throw a DbException, as a
    /// server that refuses the probe does. No server a test can reach raises those measures on demand. Null in production.
    /// </summary>
    internal Func<object?[]?>? ThrottleSignalForTests { get; init; }

    private sealed record TableWork(QualifiedName Table, IReadOnlyList<string> Keys, List<BackfillAssignment> Assignments, string? VersionColumn);

    public MigrationProgress Run(StoredMigration stored, Stopwatch clock, long rowsBefore)
    {
        var id = stored.Id;
        var definition = stored.Parsed;
        var context = target.Contexts(false).For(definition, stored.Plans);
        var progress = new MigrationProgress { Id = id, Phase = stored.Phase };
        var started = DateTime.UtcNow;

        var t = Stopwatch.GetTimestamp();
        if (stored.Phase == Phase.Expanded)
        {
            target.Session.InTransaction(() => { target.Store.SetPhase(id, Phase.Expanded, Phase.Migrating); target.Store.Stamp(id, "MigrateStartedAt"); });
            progress.Phase = Phase.Migrating;
        }
        progress.Timings.Add(BackfillTimings.Part.Store, t);
        try
        {
            return Walk(stored, definition, context, progress, started, clock, rowsBefore);
        }
        catch (Exception e)
        {
            // Every way a run can end early is journaled; a failure also sets LastError.
            target.RecordFailure(id, progress.Phase, "backfill", started, e);
            throw;
        }
    }

    private MigrationProgress Walk(StoredMigration stored, MigrationDefinition definition, OperationContext context, MigrationProgress progress,
        DateTime started, Stopwatch clock, long rowsBefore)
    {
        var id = stored.Id;
        var timings = progress.Timings;
        var t = Stopwatch.GetTimestamp();
        var work = Plan(definition, context);
        t = timings.Add(BackfillTimings.Part.Plan, t);
        // Migrated, with its last pass complete: one count says whether anything is left, instead of a new
        // pass over every row (a scheduled run over a fleet finds most targets so).
        // (A migrate script that nothing verifies runs every time: only it can tell what is left.)
        var nothingLeft = stored.Phase == Phase.Migrated && target.Store.Backfills(id) is { Count: > 0 } done && done.All(c => c.Completed)
            && definition.Operations.All(o => o.MigrateScript is null)
            && new RemainingRows(target).Count(definition, context, target.Store.Migrations()) is { Total: 0, NotVerifiable.Count: 0 };
        t = timings.Add(BackfillTimings.Part.Verify, t);
        if (nothingLeft)
        {
            target.Reporter.Verbose($"{id}: migrated, and every row carries the new shape: nothing to do.");
            progress.Complete = true;
            progress.Duration = clock.Elapsed;
            target.Journal(id, progress.Phase, "backfill", null, started, Outcomes.Completed, reason: "0 rows: already migrated, 0 remaining");
            return progress;
        }
        var checkpoints = StartOrResumePass(id, work);
        t = timings.Add(BackfillTimings.Part.PassStart, t);
        // A pass this run walks from its start: if it migrates nothing while rows remain, the next one will not either.
        var wholePass = checkpoints.Values.All(c => c.LastKey is null && !c.Completed);
        target.Journal(id, progress.Phase, "backfill", null, started, Outcomes.Started);
        timings.Add(BackfillTimings.Part.Store, t);

        bool passDone;
        for (var pass = 1; ; pass++)
        {
            var migratedBefore = progress.RowsMigrated;
            foreach (var table in work)
            {
                var cp = checkpoints[Names.StoreKey(table.Table.ToString())];
                if (cp.Completed) continue;
                if (!WalkTable(id, table, definition, cp, progress, clock, rowsBefore)) break;
            }
            t = Stopwatch.GetTimestamp();
            if (progress.StoppedBecause is null)
            {
                foreach (var script in definition.Operations.Select(o => o.MigrateScript).OfType<string>())
                    if (!RunScript(id, script, progress, clock, rowsBefore)) break;
            }
            t = timings.Add(BackfillTimings.Part.Scripts, t);
            passDone = progress.StoppedBecause is null && target.Store.Backfills(id).All(c => c.Completed);
            progress.RowsRemaining = new RemainingRows(target).Count(definition, context, target.Store.Migrations()).Total;
            t = timings.Add(BackfillTimings.Part.Verify, t);
            // A pass that migrated rows while some remain goes on with another pass at once: one assignment may read
            // a column another fills in the same statement (a column added and renamed by one migration), which an
            // UPDATE reads as it was before. A pass that migrates nothing ends the run (see NoProgress below).
            if (!passDone || progress.RowsRemaining == 0 || progress.RowsMigrated == migratedBefore || pass == MaxPassesPerRun) break;
            target.Reporter.Verbose($"{id}: {progress.RowsRemaining} row(s) remain after pass {pass}, which migrated {progress.RowsMigrated - migratedBefore}; another pass.");
            checkpoints = StartOrResumePass(id, work);
            timings.Add(BackfillTimings.Part.PassStart, t);
        }
        t = Stopwatch.GetTimestamp();
        progress.Complete = passDone && progress.RowsRemaining == 0;
        if (progress.Complete && stored.Phase != Phase.Migrated)
        {
            target.Session.InTransaction(() => { target.Store.SetPhase(id, Phase.Migrating, Phase.Migrated); target.Store.Stamp(id, "MigratedAt"); });
            progress.Phase = Phase.Migrated;
        }
        progress.ExitCode = progress.Complete ? 0 : 1;
        if (!progress.Complete && passDone && wholePass && progress.RowsMigrated == 0 && progress.RowsRemaining > 0)
        {
            progress.ExitCode = 2;
            progress.NoProgress = $"a whole pass over every table migrated no row, but {progress.RowsRemaining} row(s) still count as not migrated, so running it again is not expected to change that (unless old code wrote them during this very pass)";
        }
        if (stored.LastError is not null && progress.NoProgress is null) target.Store.ClearLastError(id);
        target.Journal(id, progress.Phase, "backfill", null, started, progress.Complete ? Outcomes.Completed : _stopOutcome ?? Outcomes.Succeeded,
            reason: $"{progress.RowsMigrated} rows in {progress.Batches} batches; {progress.RowsRemaining} remaining{(progress.StoppedBecause is null ? "" : "; stopped: " + progress.StoppedBecause)}{(progress.NoProgress is null ? "" : "; no progress: " + progress.NoProgress)}");
        timings.Add(BackfillTimings.Part.Store, t);
        // Taken last, so that the run's duration holds every part its Timings count.
        progress.Duration = clock.Elapsed;
        return progress;
    }

    /// <summary>The plan and the batch statements a run would use, for -WhatIf; reads only.</summary>
    public string Describe(StoredMigration stored)
    {
        var definition = stored.Parsed;
        var context = target.Contexts(false).For(definition, stored.Plans);
        var d = target.Dialect;
        var sb = new System.Text.StringBuilder($"-- migrate: {stored.Id} (phase {stored.Phase})\n");
        foreach (var w in Plan(definition, context))
        {
            var rows = target.Session.Scalar<long>(d.CountRows(w.Table));
            var max = target.Session.Row(d.MaxKey(w.Table, w.Keys));
            sb.Append($"-- {w.Table}: about {rows:N0} rows, key ({string.Join(", ", w.Keys)}) up to ({(max is null ? "empty" : string.Join(", ", max))}), " +
                      $"batches of {(options.BatchSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? $"{FirstBatch} adapting toward {options.TargetBatchDuration.TotalMilliseconds:0} ms, at most {MaxBatch}")} rows\n");
            var set = w.Assignments.Select(a => (a.Column, $"CASE WHEN {a.Needed} THEN {a.Value} ELSE {d.Column(a.Column)} END")).ToList();
            var needed = w.Assignments.Select(a => a.Needed).ToList();
            if (w.VersionColumn is not null)
            {
                var older = d.VersionOlder(w.VersionColumn, ["@v_0"]);
                needed.Add(older);
                set.Add((w.VersionColumn, $"CASE WHEN {older} THEN @version ELSE {d.Column(w.VersionColumn)} END"));
            }
            sb.Append(d.BatchEnd(w.Table, w.Keys, hasLower: true)).Append('\n');
            sb.Append(d.UpdateRange(w.Table, w.Keys, hasLower: true, set, string.Join(" OR ", needed.Select(n => $"({n})")))).Append("\n\n");
        }
        foreach (var script in definition.Operations.Select(o => o.MigrateScript).OfType<string>())
            sb.Append("-- run until it affects no rows:\n").Append(script).Append("\n\n");
        return sb.ToString();
    }

    private List<TableWork> Plan(MigrationDefinition definition, OperationContext context)
    {
        var counter = new RowCounter(target);
        var assignments = definition.Operations.SelectMany(o => o.Backfill(context)).GroupBy(a => a.Table, target.Catalog.Tables)
            .ToDictionary(g => g.Key, g => g.ToList(), target.Catalog.Tables);
        var stamped = ObjectVersions.TouchedBy(definition, ObjectVersions.Tracked(target.Store.Migrations(), target.Catalog.Tables))
            .Where(t => target.Catalog.Column(t.Table, t.Column) is not null).ToDictionary(t => t.Table, t => t.Column, target.Catalog.Tables);
        return assignments.Keys.Union(stamped.Keys, target.Catalog.Tables)
            .Select(t => new TableWork(t, counter.Keys(t), assignments.GetValueOrDefault(t) ?? [], stamped.GetValueOrDefault(t)))
            .ToList();
    }

    private Dictionary<string, BackfillCheckpoint> StartOrResumePass(string id, List<TableWork> work)
    {
        var existing = target.Store.Backfills(id);
        var names = work.Select(w => Names.StoreKey(w.Table.ToString())).ToHashSet(StringComparer.Ordinal);
        if (existing.Count > 0 && existing.Any(c => !c.Completed) && names.All(n => existing.Any(c => c.Name == n)))
        {
            target.Reporter.Verbose($"{id}: resuming pass {existing[0].Pass} from its checkpoints.");
            return existing.ToDictionary(c => c.Name, StringComparer.Ordinal);
        }
        // A fresh pass: fix each table's upper key bound now.
        var pass = existing.Count == 0 ? 1 : existing.Max(c => c.Pass) + 1;
        target.Session.InTransaction(() =>
        {
            target.Store.ClearBackfills(id);
            foreach (var w in work)
            {
                var max = target.Session.Row(target.Dialect.MaxKey(w.Table, w.Keys));
                target.Store.StartBackfill(id, w.Table.ToString(), pass, max is null ? null : KeyCodec.Encode(max));
                if (max is null) target.Store.CompleteBackfill(id, w.Table.ToString());
            }
        });
        target.Reporter.Verbose($"{id}: starting backfill pass {pass} over {string.Join(", ", names)}.");
        return target.Store.Backfills(id).ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>Walks one table; returns false when the run must stop (a limit, Ctrl+C).</summary>
    private bool WalkTable(string id, TableWork w, MigrationDefinition definition, BackfillCheckpoint cp, MigrationProgress progress, Stopwatch clock, long rowsBefore)
    {
        var d = target.Dialect;
        var timings = progress.Timings;
        var t = Stopwatch.GetTimestamp();
        var upper = KeyCodec.Decode(cp.UpperKey!);
        var last = cp.LastKey is null ? null : KeyCodec.Decode(cp.LastKey);
        var name = w.Table.ToString();

        // The row predicate: any assignment still needed, or an object version older than the migration's.
        var versionParameters = new Dictionary<string, object?>();
        var needed = w.Assignments.Select(a => a.Needed).ToList();
        var set = w.Assignments.Select(a => (a.Column, $"CASE WHEN {a.Needed} THEN {a.Value} ELSE {d.Column(a.Column)} END")).ToList();
        if (w.VersionColumn is not null && definition.Version is { } version)
        {
            var histogram = new RowCounter(target).Histogram(w.Table, w.VersionColumn, version.Text).Keys.Where(v => v != RowCounter.NullVersion);
            var older = ObjectVersions.Older(version, histogram);
            var names = older.Select((v, i) => $"@v_{i}").ToList();
            for (var i = 0; i < older.Count; i++) versionParameters[names[i]] = older[i];
            versionParameters["@version"] = version.Text;
            var olderPredicate = d.VersionOlder(w.VersionColumn, names);
            needed.Add(olderPredicate);
            set.Add((w.VersionColumn, $"CASE WHEN {olderPredicate} THEN @version ELSE {d.Column(w.VersionColumn)} END"));
        }
        var where = string.Join(" OR ", needed.Select(n => $"({n})"));
        var bind = KeyParameters.For(target, w.Table, w.Keys);
        var batch = options.BatchSize ?? FirstBatch;
        var rowsTable = cp.RowsDone;
        // For progress: rows walked in this run against the table's size (walked ranges hold at most a batch each).
        var estimate = Math.Max(1, target.Session.Scalar<long>(d.EstimateRows(w.Table)));
        long walked = 0;
        var lastThrottle = Stopwatch.StartNew();
        var lastLockCheck = Stopwatch.StartNew();
        var transientFailures = 0;
        timings.Add(BackfillTimings.Part.Prepare, t);

        while (true)
        {
            var stop = StopReason(progress, clock, rowsBefore);
            if (stop is not null) { progress.StoppedBecause = stop; return false; }
            // Is the server keeping up (a pause may last minutes)? Then, once a second: is the runner lock still ours (its connection may have died)?
            if (lastThrottle.Elapsed >= options.Limits.CheckInterval)
            {
                t = Stopwatch.GetTimestamp();
                stop = Throttle(id, progress, clock, rowsBefore);
                timings.Add(BackfillTimings.Part.Throttle, t);
                if (stop is not null) { progress.StoppedBecause = stop; return false; }
                lastThrottle.Restart();
            }
            if (lastLockCheck.Elapsed > TimeSpan.FromSeconds(1))
            {
                t = Stopwatch.GetTimestamp();
                target.Lock?.EnsureHeld();
                timings.Add(BackfillTimings.Part.RunnerLock, t);
                lastLockCheck.Restart();
            }

            var watch = Stopwatch.StartNew();
            try
            {
                t = Stopwatch.GetTimestamp();
                target.Session.Begin();
                t = timings.Add(BackfillTimings.Part.Commit, t);
                foreach (var s in d.BeginBackfillSession()) target.Session.Execute(s);
                t = timings.Add(BackfillTimings.Part.SessionContext, t);
                var p = new Dictionary<string, object?> { ["@n"] = batch };
                bind.Add(p, "hi", upper);
                if (last is not null) bind.Add(p, "lo", last);
                var end = target.Session.Row(d.BatchEnd(w.Table, w.Keys, last is not null), p);
                t = timings.Add(BackfillTimings.Part.KeyRange, t);
                if (end is null)
                {
                    target.Store.CompleteBackfill(id, name);
                    t = timings.Add(BackfillTimings.Part.Checkpoint, t);
                    foreach (var s in d.EndBackfillBatch()) target.Session.Execute(s);
                    t = timings.Add(BackfillTimings.Part.SessionContext, t);
                    target.Session.Commit();
                    timings.Add(BackfillTimings.Part.Commit, t);
                    target.Reporter.Verbose($"{id}: {name} done ({rowsTable} rows changed in this pass).");
                    return true;
                }
                var u = new Dictionary<string, object?>(versionParameters);
                bind.Add(u, "end", end);
                if (last is not null) bind.Add(u, "lo", last);
                var affected = set.Count == 0 ? 0 : target.Session.Execute(d.UpdateRange(w.Table, w.Keys, last is not null, set, where), u);
                t = timings.Add(BackfillTimings.Part.Update, t);
                target.Store.CheckpointBackfill(id, name, KeyCodec.Encode(end), affected);
                t = timings.Add(BackfillTimings.Part.Checkpoint, t);
                foreach (var s in d.EndBackfillBatch()) target.Session.Execute(s);
                t = timings.Add(BackfillTimings.Part.SessionContext, t);
                target.Session.Commit();
                timings.Add(BackfillTimings.Part.Commit, t);
                timings.CountBatch();
                last = end;
                walked += batch;
                rowsTable += affected;
                progress.RowsMigrated += affected;
                progress.Batches++;
                transientFailures = 0;
            }
            // At least ten attempts, backing off to 10 s each: enough to ride out a failover (typically under a minute).
            catch (Exception e) when ((d.IsTransientConnectionError(e) || d.IsRetryable(e) || ConnectionLost(e)) && transientFailures < Math.Max(10, target.Options.MaxRetries))
            {
                target.Session.Rollback();
                transientFailures++;
                var wait = StepRunner.Backoff(transientFailures);
                target.Reporter.Verbose($"{id}: batch on {name} failed ({StepRunner.Short(e)}); resuming from the checkpoint in {wait.TotalMilliseconds:0} ms (attempt {transientFailures}).");
                Thread.Sleep(wait);
                Reopen();
                target.Journal(id, Phase.Migrating, $"backfill {name}", null, DateTime.UtcNow, Outcomes.Retried, e.Message);
                var saved = target.Store.Backfills(id).First(c => c.Name == Names.StoreKey(name));
                last = saved.LastKey is null ? null : KeyCodec.Decode(saved.LastKey);
                continue;
            }
            catch (Exception e) when (StorageErrors.Translate(e, target.Options, id) is { } storage)
            {
                // Read-only or full: the batch is rolled back and the checkpoint intact; say what happened.
                target.Session.Rollback();
                throw storage;
            }
            catch
            {
                target.Session.Rollback();
                throw;
            }
            var elapsed = watch.Elapsed;
            if (options.BatchSize is null) batch = NextBatchSize(batch, elapsed, options.TargetBatchDuration, MaxBatch);
            t = Stopwatch.GetTimestamp();
            Report(id, name, progress, clock, walked, estimate);
            t = timings.Add(BackfillTimings.Part.Progress, t);
            var pause = options.Delay ?? target.Dialect.DefaultBatchPause(elapsed);
            if (pause > TimeSpan.Zero) Thread.Sleep(pause);
            timings.Add(BackfillTimings.Part.Pause, t);
        }
    }

    /// <summary>Moves the batch size toward the target duration, by at most a factor of two per batch.</summary>
    public static int NextBatchSize(int current, TimeSpan took, TimeSpan target, int max)
    {
        var ratio = target.TotalMilliseconds / Math.Max(1, took.TotalMilliseconds);
        ratio = Math.Clamp(ratio, 0.5, 2.0);
        return Math.Clamp((int)(current * ratio), 1, max);
    }

    private bool RunScript(string id, string script, MigrationProgress progress, Stopwatch clock, long rowsBefore)
    {
        while (true)
        {
            var stop = StopReason(progress, clock, rowsBefore);
            if (stop is not null) { progress.StoppedBecause = stop; return false; }
            var affected = target.Session.InTransaction(() => target.Dialect.SplitScript(script).Sum(b => Math.Max(0, target.Session.Execute(b))));
            progress.RowsMigrated += affected;
            progress.Batches++;
            if (affected == 0) return true;
        }
    }

    // The journal outcome of a run that stopped at a limit or at Ctrl+C.
    private string? _stopOutcome;

    private string? StopReason(MigrationProgress progress, Stopwatch clock, long rowsBefore)
    {
        if (target.Reporter.Stopping) return Stop(Outcomes.Stopped, "stopped by the user (Ctrl+C); the checkpoint is saved");
        if (options.MaxRows is { } maxRows && rowsBefore + progress.RowsMigrated >= maxRows) return Stop(Outcomes.RowLimited, $"-MaxRows {maxRows} reached");
        // The time limit ends a run only once it has done a batch: a run that stops before its first
        // batch makes no progress, and a pipeline looping while ExitCode is 1 would never finish.
        if (options.MaxDuration is { } maxDuration && clock.Elapsed >= maxDuration && (progress.Batches > 0 || rowsBefore > 0)) return Stop(Outcomes.TimeBoxed, $"-MaxDuration {maxDuration} reached");
        return null;
    }

    private string Stop(string outcome, string reason)
    {
        _stopOutcome = outcome;
        return reason;
    }

    private void Report(string id, string table, MigrationProgress progress, Stopwatch clock, long walked, long estimate)
    {
        var seconds = Math.Max(0.001, clock.Elapsed.TotalSeconds);
        var rate = progress.RowsMigrated / seconds;
        var share = Math.Min(1.0, (double)walked / estimate);
        TimeSpan? left = share > 0 && share < 1 ? TimeSpan.FromSeconds(seconds / share * (1 - share)) : null;
        // Short enough for an 80-column console: rows walked of the total, the rate and the time left.
        var remaining = left is { } l ? $", {(l.TotalHours >= 1 ? l.ToString(@"h\:mm\:ss") : l.ToString(@"m\:ss"))} left" : "";
        target.Reporter.Progress(new ProgressReport($"Migrating {id} ({table})",
            $"{Math.Min(walked, estimate):N0} of {estimate:N0} rows, {rate:N0}/s{remaining}",
            (int)(share * 100), left));
    }

    /// <summary>A database error that left the connection closed (a failover, a killed session, a network
    /// drop) is a connection problem whatever its number: reconnect and resume from the checkpoint.</summary>
    private bool ConnectionLost(Exception e) =>
        e is System.Data.Common.DbException or InvalidOperationException && target.Session.Connection.State != System.Data.ConnectionState.Open;

    private void Reopen()
    {
        var connection = target.Session.Connection;
        if (connection.State == System.Data.ConnectionState.Open) return;
        try { target.Session.Reconnect(); }
        catch (System.Data.Common.DbException e) { target.Reporter.Verbose($"Reconnecting failed: {e.Message}"); }
    }

    // A run that cannot throttle says so once, not at every check.
    private bool _saidUnthrottled;

    private void Unthrottled(string message)
    {
        if (_saidUnthrottled) return;
        _saidUnthrottled = true;
        target.Reporter.Verbose(message);
    }

    /// <summary>
    /// Pauses while the server is over a throttle threshold (SQL Server: AG queues, log use, Azure log rate), reading
    /// its measures again every <see cref="ThrottleLimits.PausedCheckInterval"/>. Returns why the run stops (the
    /// server stayed over a limit for <see cref="ThrottleLimits.MaxPause"/>, Ctrl+C, -MaxDuration), or null to go on.
    /// No batch runs while it pauses; the last batch's checkpoint is already committed.
    /// </summary>
    private string? Throttle(string id, MigrationProgress progress, Stopwatch clock, long rowsBefore)
    {
        var probe = target.Dialect.ThrottleProbe(target.Catalog.Capabilities);
        if (probe is null && ThrottleSignalForTests is null)
        {
            Unthrottled($"{id}: this provider has no throttle measures (no replicas, no transaction log to wait for); the backfill runs unthrottled.");
            return null;
        }
        var limits = options.Limits;
        Stopwatch? paused = null;
        var pausedAt = DateTime.UtcNow;
        string? pauseReason = null;
        while (true)
        {
            object?[]? row;
            try { row = ThrottleSignalForTests is { } signal ? signal() : target.Session.Row(probe!); }
            catch (System.Data.Common.DbException e)
            {
                Unthrottled($"{id}: throttle measures unavailable ({StepRunner.Short(e)}); continuing without them, unthrottled. Grant VIEW SERVER STATE (or VIEW DATABASE STATE on Azure SQL) to enable throttling.");
                if (paused is not null) Resumed(id, progress.Phase, pausedAt, paused.Elapsed, pauseReason!, "the measures became unavailable");
                return null;
            }
            if (row is null || row.All(v => v is null or DBNull))
            {
                Unthrottled($"{id}: the server reports none of the throttle measures (availability group queues, log used, log write rate); the backfill runs unthrottled.");
                if (paused is not null) Resumed(id, progress.Phase, pausedAt, paused.Elapsed, pauseReason!, "the server reports no measures any more");
                return null;
            }
            var reason = Over(row);
            if (reason is null)
            {
                if (paused is not null) Resumed(id, progress.Phase, pausedAt, paused.Elapsed, pauseReason!, "the server is back under its limits");
                return null;
            }
            if (paused is null)
            {
                paused = Stopwatch.StartNew();
                pausedAt = DateTime.UtcNow;
                target.Reporter.Verbose($"{id}: pausing the backfill — {reason}; checking again every {limits.PausedCheckInterval.TotalSeconds:0.###} s, for at most {limits.MaxPause}.");
            }
            else if (Measure(reason) != Measure(pauseReason!))
                target.Reporter.Verbose($"{id}: still paused — {reason}.");
            pauseReason = reason;
            if (paused.Elapsed >= limits.MaxPause)
            {
                var why = $"the server stayed over its throttle limit for {limits.MaxPause} ({reason}); the checkpoint is saved";
                target.Journal(id, progress.Phase, "backfill throttle", null, pausedAt, Outcomes.Paused, reason: $"paused {paused.Elapsed.TotalSeconds:0.0} s: {reason}; gave up after the maximum pause {limits.MaxPause}");
                target.Reporter.Verbose($"{id}: giving up the run — {why}.");
                progress.Throttled = true;
                return Stop(Outcomes.Throttled, why);
            }
            if (StopReason(progress, clock, rowsBefore) is { } stop)
            {
                target.Journal(id, progress.Phase, "backfill throttle", null, pausedAt, Outcomes.Paused, reason: $"paused {paused.Elapsed.TotalSeconds:0.0} s: {reason}; the run stopped meanwhile: {stop}");
                return stop;
            }
            target.Reporter.Progress(new ProgressReport($"Migrating {id}", $"paused: {reason}", -1));
            Thread.Sleep(limits.PausedCheckInterval);
        }
    }

    // Which measure a reason names (its words before the first figure): the same one again with another value is no news.
    private static string Measure(string reason) => new(reason.TakeWhile(c => !char.IsDigit(c)).ToArray());

    private void Resumed(string id, Phase phase, DateTime pausedAt, TimeSpan paused, string reason, string because)
    {
        target.Reporter.Verbose($"{id}: resuming the backfill after a pause of {paused.TotalSeconds:0.#} s: {because}.");
        target.Journal(id, phase, "backfill throttle", null, pausedAt, Outcomes.Paused, reason: $"paused {paused.TotalSeconds:0.0} s: {reason}; resumed: {because}");
    }

    private string? Over(object?[]? row) => OverLimit(row, options.Limits);

    /// <summary>Which throttle measure (LogSendQueueKb, RedoQueueKb, LogUsedPercent, LogWritePercent) is over its limit, if any.</summary>
    internal static string? OverLimit(object?[]? row, ThrottleLimits l)
    {
        if (row is null) return null;
        static double? D(object? v) => v is null or DBNull ? null : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
        if (D(row[0]) is { } send && send > l.MaxLogSendQueueKb) return $"availability group log send queue {send:N0} KB > {l.MaxLogSendQueueKb:N0} KB";
        if (D(row[1]) is { } redo && redo > l.MaxRedoQueueKb) return $"availability group redo queue {redo:N0} KB > {l.MaxRedoQueueKb:N0} KB";
        if (D(row[2]) is { } used && used > l.MaxLogUsedPercent) return $"transaction log {used:0.#}% used > {l.MaxLogUsedPercent}%";
        if (D(row[3]) is { } write && write > l.MaxLogWritePercent) return $"Azure SQL log write rate {write:0.#}% > {l.MaxLogWritePercent}%";
        return null;
    }
}
