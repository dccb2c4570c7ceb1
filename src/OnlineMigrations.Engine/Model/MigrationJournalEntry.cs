namespace OnlineMigrations.Engine.Model;

/// <summary>One line of the audit trail: a step of a phase, who ran it, where, when, how long, and how it ended.</summary>
public sealed class MigrationJournalEntry : IOnDatabase
{
    public string? Server { get; set; }
    public string? Database { get; set; }
    public long Sequence { get; init; }
    public string? Id { get; init; }
    public string? Phase { get; init; }
    public string? Step { get; init; }
    public string? Statement { get; init; }
    public DateTime StartedAt { get; init; }
    public TimeSpan Duration { get; init; }
    public string Outcome { get; init; } = "";
    public string? Error { get; init; }
    public string? Login { get; init; }
    public string? Host { get; init; }
    public int? ProcessId { get; init; }
    public string? Reason { get; init; }
}

/// <summary>Outcomes written to the journal.</summary>
public static class Outcomes
{
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Retried = "Retried";
    public const string Skipped = "Skipped";
    public const string Refused = "Refused";
    public const string Overridden = "Overridden";
    public const string Started = "Started";
    public const string Completed = "Completed";
    /// <summary>Interrupted by the user (Ctrl+C); resumable.</summary>
    public const string Stopped = "Stopped";
    /// <summary>A migrate run that ended at its -MaxDuration; resumable.</summary>
    public const string TimeBoxed = "TimeBoxed";
    /// <summary>A migrate run that ended at its -MaxRows; resumable.</summary>
    public const string RowLimited = "RowLimited";
    /// <summary>A backfill's pause while the server was over a throttle limit (which, and for how long, in the reason).</summary>
    public const string Paused = "Paused";
    /// <summary>A migrate run that gave up when the server stayed over a throttle limit for the maximum pause; resumable.</summary>
    public const string Throttled = "Throttled";
    /// <summary>Recorded as already applied (Register-Migration).</summary>
    public const string Registered = "Registered";
    /// <summary>A changed file accepted as the applied definition (Repair-Migration).</summary>
    public const string Repaired = "Repaired";
    /// <summary>The operator declared that no application reads the database (Register-MigrationClient -None).</summary>
    public const string Declared = "Declared";
}
