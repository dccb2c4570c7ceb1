namespace OnlineMigrations.Engine.Model;

/// <summary>
/// One migration over a fleet of databases (Get-MigrationState -Summary): how many targets are at each phase.
/// </summary>
public sealed class MigrationFleetSummary
{
    public required string Id { get; init; }
    /// <summary>The targets whose state was read.</summary>
    public int Targets { get; init; }
    public int Pending { get; init; }
    public int Expanding { get; init; }
    public int Expanded { get; init; }
    public int Migrating { get; init; }
    public int Migrated { get; init; }
    public int Contracting { get; init; }
    public int Completed { get; init; }
    public int RollingBack { get; init; }
    public int RolledBack { get; init; }
    /// <summary>Targets read that do not know the migration (not in their store, and no -Path that has it).</summary>
    public int Unknown { get; init; }
    /// <summary>Targets whose state could not be read (each one's error was written).</summary>
    public int Unreadable { get; init; }

    public static MigrationFleetSummary From(string id, IReadOnlyDictionary<Phase, int> counts, int targets, int unreadable)
    {
        int N(Phase p) => counts.TryGetValue(p, out var n) ? n : 0;
        return new MigrationFleetSummary
        {
            Id = id, Targets = targets, Unreadable = unreadable, Unknown = targets - counts.Values.Sum(),
            Pending = N(Phase.Pending), Expanding = N(Phase.Expanding), Expanded = N(Phase.Expanded), Migrating = N(Phase.Migrating),
            Migrated = N(Phase.Migrated), Contracting = N(Phase.Contracting), Completed = N(Phase.Completed),
            RollingBack = N(Phase.RollingBack), RolledBack = N(Phase.RolledBack),
        };
    }

    public override string ToString() => $"{Id}: " + string.Join(", ",
        new (string Name, int Count)[] { ("Pending", Pending), ("Expanding", Expanding), ("Expanded", Expanded), ("Migrating", Migrating), ("Migrated", Migrated),
            ("Contracting", Contracting), ("Completed", Completed), ("RollingBack", RollingBack), ("RolledBack", RolledBack), ("Unknown", Unknown), ("Unreadable", Unreadable) }
        .Where(p => p.Count > 0).Select(p => $"{p.Name} {p.Count}"));
}
