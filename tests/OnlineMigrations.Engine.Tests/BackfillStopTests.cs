using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>Ctrl+C during Invoke-Migrate: the run stops after the batch in progress, its checkpoint saved, and the next run goes on from there.</summary>
public sealed class BackfillStopTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"om-stop-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm", _path + ".onlinemigrations.lock" }) File.Delete(f);
    }

    private ConnectionOptions Options => new() { ConnectionString = $"Data Source={_path};Mode=ReadWriteCreate", Provider = Provider.Sqlite };

    /// <summary>Presses Ctrl+C after a number of progress reports (one per committed batch).</summary>
    private sealed class CtrlCAfter(int batches) : IReporter
    {
        private int _seen;
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Progress(ProgressReport report) => _seen++;
        public bool Stopping => _seen >= batches;
    }

    /// <summary>A table t(id, a) of <paramref name="rows"/> rows, with migration 0001_b (b = a * 2) expanded.</summary>
    private void ExpandAddColumn(int rows)
    {
        using (var setup = Connector.Open(Options))
        {
            setup.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL)");
            setup.Execute($"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) INSERT INTO t SELECT i, i FROM n");
        }
        var migration = MigrationReader.FromStore("""{ "operations": [ { "addColumn": { "table": "t", "column": { "name": "b", "type": "INTEGER" }, "up": "[a] * 2" } } ] }""", "0001_b");
        using var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test");
        var expander = new Expander(target);
        expander.Run(expander.Plan(migration, null, false), null, false);
    }

    [Fact]
    public void A_stopped_backfill_keeps_every_committed_batch_and_the_next_run_finishes_it()
    {
        ExpandAddColumn(rows: 5000);

        MigrationProgress first;
        using (var target = TargetDatabase.OpenForChanges(Options, new CtrlCAfter(3), "test"))
            first = new Backfiller(target, new MigrateOptions { BatchSize = 100, Delay = TimeSpan.Zero }).Run(target.Store.Migration("0001_b")!, System.Diagnostics.Stopwatch.StartNew(), 0);

        Assert.Contains("Ctrl+C", first.StoppedBecause);
        Assert.Equal(1, first.ExitCode);
        using (var journal = TargetDatabase.OpenForReading(Options, SilentReporter.Instance))
        {
            Assert.Equal(Outcomes.Stopped, journal.Store.Journal("0001_b", 1).Single().Outcome);
            Assert.Null(journal.Store.Migration("0001_b")!.LastError);
        }
        Assert.Equal(300, first.RowsMigrated);
        using (var check = Connector.Open(Options))
        {
            Assert.Equal(300L, check.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NOT NULL"));
            Assert.Equal(0L, check.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NOT NULL AND b <> a * 2"));
            Assert.Equal("""[["Int64","300"]]""", check.Scalar<string>("SELECT LastKey FROM OnlineMigrations_Backfill WHERE MigrationId = '0001_b'"));
        }

        MigrationProgress second;
        using (var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test"))
            second = new Backfiller(target, new MigrateOptions { BatchSize = 100, Delay = TimeSpan.Zero }).Run(target.Store.Migration("0001_b")!, System.Diagnostics.Stopwatch.StartNew(), 0);

        Assert.Equal(0, second.ExitCode);
        Assert.True(second.Complete);
        Assert.Equal(4700, second.RowsMigrated);
        Assert.Equal(47, second.Batches);
        using var done = Connector.Open(Options);
        Assert.Equal(0L, done.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NULL OR b <> a * 2"));
        Assert.Equal("Migrated", done.Scalar<string>("SELECT Phase FROM OnlineMigrations_Migration WHERE Id = '0001_b'"));
    }

    /// <summary>Drops the backfill's connection after a number of batches, as a failover would.</summary>
    private sealed class DropConnectionAfter(int batches, Func<System.Data.Common.DbConnection> connection) : IReporter
    {
        private int _seen;
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Progress(ProgressReport report) { if (++_seen == batches) connection().Close(); }
        public bool Stopping => false;
    }

    [Fact]
    public void A_lost_connection_resumes_from_the_checkpoint_and_the_pass_finishes()
    {
        ExpandAddColumn(rows: 2000);

        TargetDatabase? running = null;
        using (running = TargetDatabase.OpenForChanges(Options, new DropConnectionAfter(2, () => running!.Session.Connection), "test"))
        {
            var progress = new Backfiller(running, new MigrateOptions { BatchSize = 100, Delay = TimeSpan.Zero }).Run(running.Store.Migration("0001_b")!, System.Diagnostics.Stopwatch.StartNew(), 0);
            Assert.True(progress.Complete);
            Assert.Equal(2000, progress.RowsMigrated);
            Assert.Contains(running.Store.Journal("0001_b", null), j => j.Outcome == Outcomes.Retried);
        }
        using var done = Connector.Open(Options);
        Assert.Equal(0L, done.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NULL OR b <> a * 2"));
    }
}
