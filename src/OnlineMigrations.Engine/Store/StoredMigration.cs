using System.Text.Json;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Store;

/// <summary>A migration's row in the state store: its applied definition, phase, timestamps, and the
/// saved plans and facts that let a crashed phase resume exactly where it stopped.</summary>
public sealed class StoredMigration
{
    public required string Id { get; init; }
    public string? Description { get; init; }
    public string? ObjectVersion { get; init; }
    public required string Definition { get; init; }
    public required string Checksum { get; init; }
    public Phase Phase { get; set; }
    public SavedPlans Plans { get; set; } = new();
    public DateTime CreatedAt { get; init; }
    public DateTime? ExpandStartedAt { get; init; }
    public DateTime? ExpandedAt { get; init; }
    public DateTime? MigrateStartedAt { get; init; }
    public DateTime? MigratedAt { get; init; }
    public bool ContractRequested { get; init; }
    public DateTime? ContractRequestedAt { get; init; }
    public string? ContractRequestedBy { get; init; }
    public DateTime? ContractStartedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? RollbackStartedAt { get; init; }
    public DateTime? RolledBackAt { get; init; }
    public string? LastError { get; init; }

    private MigrationDefinition? _definition;

    /// <summary>The applied definition, read back from the store.</summary>
    public MigrationDefinition Parsed => _definition ??= MigrationReader.FromStore(Definition, Id);

    public MigrationState ToState(MigrationDefinition? file = null) => new()
    {
        Id = Id,
        Description = Description,
        Phase = Phase,
        Drift = file is not null && !string.Equals(file.Checksum, Checksum, StringComparison.OrdinalIgnoreCase),
        ObjectVersion = ObjectVersion,
        DeprecationWindow = TryWindow(),
        ExpandStartedAt = ExpandStartedAt,
        ExpandedAt = ExpandedAt,
        MigratedAt = MigratedAt,
        ContractRequested = ContractRequested,
        ContractRequestedAt = ContractRequestedAt,
        ContractRequestedBy = ContractRequestedBy,
        CompletedAt = CompletedAt,
        RolledBackAt = RolledBackAt,
        LastError = LastError,
        Checksum = Checksum,
        FileChecksum = file?.Checksum,
        Path = file?.Path,
    };

    private TimeSpan TryWindow()
    {
        try { return Parsed.DeprecationWindow; }
        catch (MigrationException) { return TimeSpan.Zero; }
    }
}

/// <summary>The steps planned for each phase when it started, and the facts expand found.</summary>
public sealed class SavedPlans
{
    /// <summary>What each operation decided at expand, by its JSON path (null in plans saved before it was kept).</summary>
    public Dictionary<string, ExpandDecision>? Decided { get; set; }
    /// <summary>What earlier versions saved instead of Decided and Seen (strings by "$.operations[i].kind:name"); read for their migrations only.</summary>
    public Dictionary<string, string> Facts { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<SavedStep>> Steps { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The table each operation saw when expand planned it, by the operation's JSON path (null in plans saved before it was kept).</summary>
    public Dictionary<string, SeenTable>? Seen { get; set; }
    /// <summary>The expand steps of each owner (an operation's JSON path, or a table's sync trigger), so undo removes only what ran (null in plans saved before).</summary>
    public Dictionary<string, List<string>>? ExpandSteps { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static SavedPlans FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new SavedPlans() : JsonSerializer.Deserialize<SavedPlans>(json) ?? new SavedPlans();
}

/// <summary>A <see cref="Step"/> as saved in the store.</summary>
public sealed class SavedStep
{
    public string Name { get; set; } = "";
    public List<string> Statements { get; set; } = [];
    public bool Transactional { get; set; } = true;
    public string? DoneProbe { get; set; }
    public string? OfflineReason { get; set; }
    public bool Required { get; set; }
    public bool IsDdl { get; set; } = true;

    public static SavedStep From(Step s) => new()
    {
        Name = s.Name, Statements = [.. s.Statements], Transactional = s.Transactional, DoneProbe = s.DoneProbe, OfflineReason = s.OfflineReason, Required = s.Required, IsDdl = s.IsDdl,
    };

    public Step ToStep() => new(Name, Statements) { Transactional = Transactional, DoneProbe = DoneProbe, OfflineReason = OfflineReason, Required = Required, IsDdl = IsDdl };
}
