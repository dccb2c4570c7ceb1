using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Phases;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>A step that meets a lock held by someone else is rolled back and retried, each retry journaled.</summary>
public sealed class StepRetryTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"om-retry-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm", _path + ".onlinemigrations.lock" }) File.Delete(f);
    }

    private ConnectionOptions Options(int maxRetries) => new()
    {
        ConnectionString = $"Data Source={_path};Mode=ReadWriteCreate", Provider = Provider.Sqlite,
        LockTimeout = TimeSpan.FromMilliseconds(100), MaxRetries = maxRetries,
    };

    private sealed class ListReporter : IReporter
    {
        public List<string> Lines { get; } = [];
        public void Verbose(string message) => Lines.Add(message);
        public void Warning(string message) => Lines.Add(message);
        public void Progress(ProgressReport report) { }
        public bool Stopping => false;
    }

    /// <summary>Holds the database's write lock from another connection for <paramref name="hold"/>.</summary>
    private Task HoldWriteLock(TimeSpan hold, ManualResetEventSlim taken) => Task.Run(() =>
    {
        using var other = new SqliteConnection($"Data Source={_path};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE"; begin.ExecuteNonQuery(); }
        taken.Set();
        Thread.Sleep(hold);
        using var commit = other.CreateCommand();
        commit.CommandText = "COMMIT";
        commit.ExecuteNonQuery();
    });

    private static readonly Step AddTable = new("01. create table t", ["CREATE TABLE t (id INTEGER PRIMARY KEY)"]);

    [Fact]
    public async Task A_locked_step_is_retried_until_the_lock_is_gone_and_each_retry_is_journaled()
    {
        var reporter = new ListReporter();
        using var target = TargetDatabase.OpenForChanges(Options(maxRetries: 20), reporter, "test");
        using var taken = new ManualResetEventSlim();
        var holder = HoldWriteLock(TimeSpan.FromMilliseconds(2500), taken);
        taken.Wait();
        new StepRunner(target).Run("m1", Phase.Expanding, [AddTable], allowOffline: false, "test");
        await holder;

        Assert.Equal(1L, target.Session.Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 't'"));
        var journal = target.Store.Journal("m1", null);
        Assert.Contains(journal, j => j.Outcome == Outcomes.Retried && j.Step == AddTable.Name);
        Assert.Equal(Outcomes.Succeeded, journal[^1].Outcome);
        Assert.Contains(reporter.Lines, l => l.Contains("retry 1 of 20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_retries_a_locked_step_fails_cleanly_and_changes_nothing()
    {
        using var target = TargetDatabase.OpenForChanges(Options(maxRetries: 0), new ListReporter(), "test");
        using var taken = new ManualResetEventSlim();
        var holder = HoldWriteLock(TimeSpan.FromMilliseconds(2500), taken);
        taken.Wait();
        var e = Assert.Throws<MigrationException>(() => new StepRunner(target).Run("m1", Phase.Expanding, [AddTable], allowOffline: false, "test"));
        await holder;

        Assert.Equal("StepFailed", e.ErrorId);
        Assert.Contains("-LockTimeout", e.RecommendedAction);
        Assert.Equal(0L, target.Session.Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 't'"));
        Assert.Empty(target.Store.StepsDone("m1", Phase.Expanding));
    }
}
