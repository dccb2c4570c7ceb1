namespace OnlineMigrations.Engine.Model;

/// <summary>A column as a migration file describes it. <see cref="Type"/> and <see cref="Default"/> are
/// written in the target's SQL.</summary>
public sealed record ColumnDefinition(string Name, string Type, bool Nullable = true, string? Default = null,
    bool Identity = false, bool PrimaryKey = false, string? Collation = null);
