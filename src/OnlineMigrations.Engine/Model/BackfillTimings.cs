using System.Diagnostics;

namespace OnlineMigrations.Engine.Model;

/// <summary>
/// Where one Invoke-Migrate run spent its time inside the backfill, summed over its batches and passes:
/// always measured (a Stopwatch timestamp around each part; it changes nothing the run does), for
/// benchmarks and for anyone asking why a backfill is slow. Time outside these parts (connecting,
/// the runner lock, reading the store before the run) is the run's Duration less <see cref="Total"/>.
/// </summary>
public sealed class BackfillTimings
{
    /// <summary>Planning: the assignments, the key columns, the object-version tables.</summary>
    public TimeSpan Plan { get; private set; }
    /// <summary>Before each table's walk: the object-version histogram and the row estimate.</summary>
    public TimeSpan Prepare { get; private set; }
    /// <summary>Starting or resuming a pass: reading the checkpoints, each table's upper key bound.</summary>
    public TimeSpan PassStart { get; private set; }
    /// <summary>Per batch: the read of the batch's end key (the next upper key).</summary>
    public TimeSpan KeyRange { get; private set; }
    /// <summary>Per batch: the UPDATE of the key range, with whatever triggers it fires.</summary>
    public TimeSpan Update { get; private set; }
    /// <summary>Per batch: the checkpoint row in the store (and marking a table done).</summary>
    public TimeSpan Checkpoint { get; private set; }
    /// <summary>Per batch: marking the batch as a backfill and clearing the mark (SQL Server:
    /// sp_set_session_context twice; SQLite: a row in the backfill mark table and its delete).</summary>
    public TimeSpan SessionContext { get; private set; }
    /// <summary>Per batch: beginning and committing its transaction.</summary>
    public TimeSpan Commit { get; private set; }
    /// <summary>Pauses between batches (-Delay or the dialect's default).</summary>
    public TimeSpan Pause { get; private set; }
    /// <summary>Once a second: the check that the runner lock is still held (SQL Server: APPLOCK_MODE).</summary>
    public TimeSpan RunnerLock { get; private set; }
    /// <summary>Once a second: the throttle probe (SQL Server: log and availability-group queues), with any throttle pause.</summary>
    public TimeSpan Throttle { get; private set; }
    /// <summary>Progress reports to the host.</summary>
    public TimeSpan Progress { get; private set; }
    /// <summary>The migrate scripts of sql operations.</summary>
    public TimeSpan Scripts { get; private set; }
    /// <summary>The verification at the end of each pass (the remaining-rows count), or the check of an already migrated one.</summary>
    public TimeSpan Verify { get; private set; }
    /// <summary>Phase changes and journal entries in the store.</summary>
    public TimeSpan Store { get; private set; }
    /// <summary>Batches of the key walk timed here (the ones that updated a range).</summary>
    public int Batches { get; private set; }

    public TimeSpan Total => Plan + Prepare + PassStart + KeyRange + Update + Checkpoint + SessionContext + Commit + Pause + RunnerLock + Throttle + Progress + Scripts + Verify + Store;

    /// <summary>The parts in order, name and duration.</summary>
    public IReadOnlyList<KeyValuePair<string, TimeSpan>> Parts =>
    [
        new(nameof(Plan), Plan), new(nameof(Prepare), Prepare), new(nameof(PassStart), PassStart),
        new(nameof(KeyRange), KeyRange), new(nameof(Update), Update), new(nameof(Checkpoint), Checkpoint),
        new(nameof(SessionContext), SessionContext), new(nameof(Commit), Commit), new(nameof(Pause), Pause),
        new(nameof(RunnerLock), RunnerLock), new(nameof(Throttle), Throttle), new(nameof(Progress), Progress), new(nameof(Scripts), Scripts),
        new(nameof(Verify), Verify), new(nameof(Store), Store),
    ];

    internal enum Part { Plan, Prepare, PassStart, KeyRange, Update, Checkpoint, SessionContext, Commit, Pause, RunnerLock, Throttle, Progress, Scripts, Verify, Store }

    /// <summary>Adds the time since <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/>) to a part; returns now, for the next part.</summary>
    internal long Add(Part part, long since)
    {
        var now = Stopwatch.GetTimestamp();
        var d = Stopwatch.GetElapsedTime(since, now);
        switch (part)
        {
            case Part.Plan: Plan += d; break;
            case Part.Prepare: Prepare += d; break;
            case Part.PassStart: PassStart += d; break;
            case Part.KeyRange: KeyRange += d; break;
            case Part.Update: Update += d; break;
            case Part.Checkpoint: Checkpoint += d; break;
            case Part.SessionContext: SessionContext += d; break;
            case Part.Commit: Commit += d; break;
            case Part.Pause: Pause += d; break;
            case Part.RunnerLock: RunnerLock += d; break;
            case Part.Throttle: Throttle += d; break;
            case Part.Progress: Progress += d; break;
            case Part.Scripts: Scripts += d; break;
            case Part.Verify: Verify += d; break;
            case Part.Store: Store += d; break;
        }
        return now;
    }

    internal void CountBatch() => Batches++;

    public override string ToString() =>
        string.Join(", ", Parts.Where(p => p.Value > TimeSpan.Zero).Select(p => $"{p.Key} {p.Value.TotalMilliseconds:0} ms"));
}
