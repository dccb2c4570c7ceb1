using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>
/// The backfill's throttle loop on a real SQLite backfill: it pauses while the server's signal is over a limit,
/// resumes when it is back under, gives the run up after the maximum pause with its checkpoint saved, and runs
/// unthrottled (saying so once) when there is no signal. No reachable server raises log or availability-group
/// measures on demand, so the signal rows come through <see cref="Backfiller.ThrottleSignalForTests"/>; the
/// batches, checkpoints and journal are the real ones.
/// </summary>
public sealed class ThrottleLoopTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"om-throttle-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm", _path + ".onlinemigrations.lock" }) File.Delete(f);
    }

    private ConnectionOptions Options => new() { ConnectionString = $"Data Source={_path};Mode=ReadWriteCreate", Provider = Provider.Sqlite };

    private const int Rows = 2000;

    // Read the signal before every batch; poll quickly while paused.
    private static MigrateOptions Fast(TimeSpan maxPause) => new()
    {
        BatchSize = 100, Delay = TimeSpan.Zero,
        Limits = new ThrottleLimits
        {
            MaxLogSendQueueKb = 1000, MaxLogUsedPercent = 80,
            CheckInterval = TimeSpan.Zero, PausedCheckInterval = TimeSpan.FromMilliseconds(10), MaxPause = maxPause,
        },
    };

    private static object?[] LogUsed(double percent) => [null, null, percent, null];
    private static object?[] SendQueue(double kb) => [kb, null, 10.0, null];

    /// <summary>A table t(id, a) of <see cref="Rows"/> rows, with migration 0001_b (b = a * 2) expanded.</summary>
    private void ExpandAddColumn()
    {
        using (var setup = Connector.Open(Options))
        {
            setup.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL)");
            setup.Execute($"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows}) INSERT INTO t SELECT i, i FROM n");
        }
        var migration = MigrationReader.FromStore("""{ "operations": [ { "addColumn": { "table": "t", "column": { "name": "b", "type": "INTEGER" }, "up": "[a] * 2" } } ] }""", "0001_b");
        using var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test");
        var expander = new Expander(target);
        expander.Run(expander.Plan(migration, null, false), null, false);
    }

    /// <summary>Rows the backfill has committed so far, read on a connection of its own.</summary>
    private long Migrated()
    {
        using var c = Connector.Open(Options);
        return c.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NOT NULL");
    }

    private sealed class Listening : IReporter
    {
        public readonly List<string> Messages = [];
        public void Verbose(string message) => Messages.Add(message);
        public void Warning(string message) => Messages.Add("WARNING: " + message);
        public void Progress(ProgressReport report) { }
        public bool Stopping => false;
    }

    /// <summary>One signal reading as the backfill saw it, with the rows committed at that moment.</summary>
    private sealed record Reading(int Number, bool Over, long MigratedThen);

    private MigrationProgress Run(IReporter reporter, MigrateOptions options, Func<object?[]?>? signal)
    {
        using var target = TargetDatabase.OpenForChanges(Options, reporter, "test");
        return new Backfiller(target, options) { ThrottleSignalForTests = signal }.Run(target.Store.Migration("0001_b")!, System.Diagnostics.Stopwatch.StartNew(), 0);
    }

    private List<MigrationJournalEntry> Journal()
    {
        using var reading = TargetDatabase.OpenForReading(Options, SilentReporter.Instance);
        return reading.Store.Journal("0001_b", null);
    }

    private void AssertEveryRowMigrated()
    {
        using var done = Connector.Open(Options);
        Assert.Equal(0L, done.Scalar<long>("SELECT COUNT(*) FROM t WHERE b IS NULL OR b <> a * 2"));
        Assert.Equal("Migrated", done.Scalar<string>("SELECT Phase FROM OnlineMigrations_Migration WHERE Id = '0001_b'"));
    }

    [Fact]
    public void The_backfill_pauses_while_the_signal_is_over_its_limit_and_resumes_when_it_is_back_under()
    {
        ExpandAddColumn();
        var readings = new List<Reading>();
        // Readings 1-3 under the limit, 4-9 over it (the log 95% used against 80%), then under again.
        object?[] Signal()
        {
            var n = readings.Count + 1;
            var over = n is >= 4 and <= 9;
            readings.Add(new Reading(n, over, Migrated()));
            return LogUsed(over ? 95.0 : 10.0);
        }
        var reporter = new Listening();

        var progress = Run(reporter, Fast(TimeSpan.FromMinutes(1)), Signal);

        Assert.True(progress.Complete);
        Assert.Equal(0, progress.ExitCode);
        Assert.Null(progress.StoppedBecause);
        Assert.False(progress.Throttled);
        Assert.Equal(Rows, progress.RowsMigrated);
        AssertEveryRowMigrated();

        // It began, then no batch committed from the first reading over the limit to the first one back under it.
        var over = readings.Where(r => r.Over).ToList();
        Assert.Equal(6, over.Count);
        var backUnder = readings.First(r => r.Number == 10);
        Assert.InRange(over[0].MigratedThen, 1, Rows - 1);
        Assert.All(over, r => Assert.Equal(over[0].MigratedThen, r.MigratedThen));
        Assert.Equal(over[0].MigratedThen, backUnder.MigratedThen);
        Assert.True(readings.Count > 10, "it went on reading the signal after it resumed");

        // Said once when it paused, with the measure and its limit, and once when it resumed.
        var pausing = reporter.Messages.Where(m => m.Contains("pausing", StringComparison.Ordinal)).ToList();
        Assert.Single(pausing);
        Assert.Contains("transaction log 95% used > 80%", pausing[0]);
        Assert.Single(reporter.Messages, m => m.Contains("resuming the backfill", StringComparison.Ordinal) && m.Contains("back under its limits", StringComparison.Ordinal));
        Assert.DoesNotContain(reporter.Messages, m => m.Contains("unthrottled", StringComparison.Ordinal));

        var journal = Journal();
        var pause = Assert.Single(journal, j => j.Outcome == Outcomes.Paused);
        Assert.Contains("transaction log 95% used > 80%", pause.Reason);
        Assert.Contains("resumed", pause.Reason);
        Assert.Equal(Outcomes.Completed, journal.OrderBy(j => j.Sequence).Last(j => j.Step == "backfill").Outcome);
    }

    [Fact]
    public void Over_its_limit_for_longer_than_the_maximum_pause_the_run_gives_up_with_its_checkpoint_and_the_next_run_resumes()
    {
        ExpandAddColumn();
        // Under the limit for the first three batches, then the availability group's log send queue stays over it.
        var reads = 0;
        object?[] Signal() => SendQueue(++reads <= 3 ? 10.0 : 2_000_000.0);
        var reporter = new Listening();
        var maxPause = TimeSpan.FromMilliseconds(200);

        var first = Run(reporter, Fast(maxPause), Signal);

        Assert.False(first.Complete);
        Assert.Equal(1, first.ExitCode);
        Assert.Equal(300, first.RowsMigrated);
        Assert.Contains("log send queue 2,000,000 KB > 1,000 KB", first.StoppedBecause);
        Assert.Contains(maxPause.ToString(), first.StoppedBecause);
        Assert.Contains("checkpoint is saved", first.StoppedBecause);
        Assert.True(first.Throttled, "a give-up concerns this database only: a fleet call goes on with the others");
        Assert.True(reads > 5, "it kept reading the signal while paused");
        Assert.Single(reporter.Messages, m => m.Contains("pausing", StringComparison.Ordinal));
        Assert.Single(reporter.Messages, m => m.Contains("giving up the run", StringComparison.Ordinal));

        // The three committed batches are in the table and in the checkpoint; nothing else was written.
        Assert.Equal(300L, Migrated());
        using (var reading = TargetDatabase.OpenForReading(Options, SilentReporter.Instance))
        {
            var checkpoint = Assert.Single(reading.Store.Backfills("0001_b"));
            Assert.False(checkpoint.Completed);
            Assert.Equal(300L, Convert.ToInt64(KeyCodec.Decode(checkpoint.LastKey!)[0], System.Globalization.CultureInfo.InvariantCulture));
            var migration = reading.Store.Migration("0001_b")!;
            Assert.Equal(Phase.Migrating, migration.Phase);
            Assert.Null(migration.LastError);
        }
        var journal = Journal().OrderBy(j => j.Sequence).ToList();
        var run = journal.Last(j => j.Step == "backfill");
        Assert.Equal(Outcomes.Throttled, run.Outcome);
        Assert.Contains("log send queue", run.Reason);
        var pause = Assert.Single(journal, j => j.Outcome == Outcomes.Paused);
        Assert.Contains("gave up", pause.Reason);

        // The server caught up: the next run goes on from the checkpoint and finishes.
        var second = Run(SilentReporter.Instance, Fast(maxPause), () => SendQueue(10.0));

        Assert.True(second.Complete);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(Rows - 300, second.RowsMigrated);
        AssertEveryRowMigrated();
    }

    public enum NoSignal { ProviderHasNone, ServerRefusesTheProbe, ServerReportsNoMeasure }

    [Theory]
    [InlineData(NoSignal.ProviderHasNone)]
    [InlineData(NoSignal.ServerRefusesTheProbe)]
    [InlineData(NoSignal.ServerReportsNoMeasure)]
    public void Without_any_signal_the_backfill_runs_unthrottled_and_says_so_once(NoSignal kind)
    {
        ExpandAddColumn();
        var reads = 0;
        Func<object?[]?>? signal = kind switch
        {
            NoSignal.ProviderHasNone => null,   // SQLite's own dialect: no probe at all
            NoSignal.ServerRefusesTheProbe => () => { reads++; throw new SqliteException("VIEW SERVER STATE permission was denied", 1); },
            _ => () => { reads++; return [null, DBNull.Value, null, null]; },
        };
        var reporter = new Listening();

        var progress = Run(reporter, Fast(TimeSpan.FromMilliseconds(50)), signal);

        Assert.True(progress.Complete);
        Assert.Equal(Rows, progress.RowsMigrated);
        Assert.Equal(Rows / 100, progress.Batches);
        AssertEveryRowMigrated();
        if (signal is not null) Assert.True(reads >= progress.Batches, $"the signal was asked before each batch ({reads} times)");
        var said = Assert.Single(reporter.Messages, m => m.Contains("unthrottled", StringComparison.Ordinal));
        Assert.StartsWith("0001_b: ", said);
        Assert.Contains(kind switch
        {
            NoSignal.ProviderHasNone => "this provider has no throttle measures",
            NoSignal.ServerRefusesTheProbe => "throttle measures unavailable (VIEW SERVER STATE permission was denied)",
            _ => "the server reports none of the throttle measures",
        }, said);
        Assert.DoesNotContain(reporter.Messages, m => m.Contains("pausing", StringComparison.Ordinal));
        Assert.DoesNotContain(Journal(), j => j.Outcome is Outcomes.Paused or Outcomes.Throttled);
    }
}
