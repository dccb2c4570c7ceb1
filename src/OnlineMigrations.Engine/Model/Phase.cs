namespace OnlineMigrations.Engine.Model;

/// <summary>Where a migration stands (DESIGN.md §2).</summary>
public enum Phase
{
    Pending,
    Expanding,
    Expanded,
    Migrating,
    Migrated,
    Contracting,
    Completed,
    RollingBack,
    RolledBack,
}
