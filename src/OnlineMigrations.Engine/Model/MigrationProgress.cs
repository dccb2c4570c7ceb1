namespace OnlineMigrations.Engine.Model;

/// <summary>What one Invoke-Migrate run did for one migration. ExitCode follows OpenStack's
/// online_data_migrations: 0 nothing left, 1 progress made and more remains (run again), 2 failed
/// with no progress.</summary>
public sealed class MigrationProgress : IOnDatabase
{
    public string? Server { get; set; }
    public string? Database { get; set; }
    public required string Id { get; init; }
    public long RowsMigrated { get; set; }
    public long RowsRemaining { get; set; }
    public bool Complete { get; set; }
    public int ExitCode { get; set; }
    public int Batches { get; set; }
    public TimeSpan Duration { get; set; }
    public Phase Phase { get; set; }
    /// <summary>Why the run stopped before the end (-MaxRows, -MaxDuration, Ctrl+C), if it did.</summary>
    public string? StoppedBecause { get; set; }
    /// <summary>The run gave up because the server stayed over a throttle limit: it concerns this database only,
    /// so a call over a fleet goes on with the others (-MaxRows, -MaxDuration and Ctrl+C end the whole call).</summary>
    public bool Throttled { get; set; }
    /// <summary>Why a whole pass made no progress while rows remain (ExitCode 2), if it did.</summary>
    public string? NoProgress { get; set; }
    /// <summary>Where the run's time went inside the backfill, part by part (see <see cref="BackfillTimings"/>).</summary>
    public BackfillTimings Timings { get; } = new();
    public double RowsPerSecond => Duration.TotalSeconds > 0 ? Math.Round(RowsMigrated / Duration.TotalSeconds, 1) : 0;
}
