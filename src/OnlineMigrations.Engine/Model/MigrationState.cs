namespace OnlineMigrations.Engine.Model;

/// <summary>Where one migration stands, as recorded in the state store (and, with -Path, as its file says).</summary>
public sealed class MigrationState : IOnDatabase
{
    public string? Server { get; set; }
    public string? Database { get; set; }
    public required string Id { get; init; }
    public string? Description { get; init; }
    public Phase Phase { get; init; }
    /// <summary>True when the file's checksum differs from the applied one.</summary>
    public bool Drift { get; init; }
    public string? ObjectVersion { get; init; }
    public TimeSpan DeprecationWindow { get; init; }
    public DateTime? ExpandStartedAt { get; init; }
    public DateTime? ExpandedAt { get; init; }
    public DateTime? MigratedAt { get; init; }
    public bool ContractRequested { get; init; }
    public DateTime? ContractRequestedAt { get; init; }
    public string? ContractRequestedBy { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? RolledBackAt { get; init; }
    public string? LastError { get; init; }
    /// <summary>Checksum of the applied definition (or of the file for a pending migration).</summary>
    public string? Checksum { get; init; }
    /// <summary>Checksum of the file on disk, when -Path was given.</summary>
    public string? FileChecksum { get; init; }
    public string? Path { get; init; }

    /// <summary>Open: expanded (or on the way) and not yet completed or rolled back.</summary>
    public bool IsOpen => Phase is Phase.Expanding or Phase.Expanded or Phase.Migrating or Phase.Migrated or Phase.Contracting or Phase.RollingBack;

    public override string ToString() => $"{Id} ({Phase})";
}
