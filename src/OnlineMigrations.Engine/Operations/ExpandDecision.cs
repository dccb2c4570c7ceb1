namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// What an operation decided at expand that contract and undo must follow, saved with the migration
/// (SavedPlans.Decided). Each operation uses the fields that concern it.
/// </summary>
public sealed record ExpandDecision
{
    /// <summary>addColumn, alterColumn: the new column is NOT NULL from expand on (the engine cannot make it so at contract).</summary>
    public bool NotNullAtExpand { get; init; }

    /// <summary>A NOT NULL column new code stops writing (a rename's old column, a dropped one) was made nullable; contract or undo restores it.</summary>
    public bool MadeNullable { get; init; }

    /// <summary>The temporary default that column got instead, which contract or undo drops.</summary>
    public string? TemporaryDefault { get; init; }

    /// <summary>renameColumn: contract renames the old column in place, keeping its definition.</summary>
    public bool RenameInPlace { get; init; }

    /// <summary>renameColumn: the default the new column has from expand on (an engine that cannot add one at contract).</summary>
    public string? DefaultOnTo { get; init; }
}
