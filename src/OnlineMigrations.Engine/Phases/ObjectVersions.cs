using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Which tables carry an object-version column, and which of a migration's tables must be stamped.</summary>
public static class ObjectVersions
{
    /// <summary>Tables tracked by any applied migration that was not rolled back: table → version column.</summary>
    /// <param name="tables">how the database compares table names: dbo.INSTANCES is dbo.Instances where it says so</param>
    public static Dictionary<QualifiedName, string> Tracked(IEnumerable<StoredMigration> migrations, IEqualityComparer<QualifiedName> tables) =>
        migrations.Where(m => m.Phase is not (Phase.RolledBack or Phase.RollingBack or Phase.Pending))
            .SelectMany(m => m.Parsed.Operations.OfType<TrackObjectVersion>())
            .GroupBy(t => t.Table, tables).ToDictionary(g => g.Key, g => g.First().Column, tables);

    /// <summary>The tracked tables this migration touches, with their version columns.</summary>
    public static List<(QualifiedName Table, string Column)> TouchedBy(MigrationDefinition migration, Dictionary<QualifiedName, string> tracked) =>
        migration.ObjectVersion is null ? []
            : migration.Operations.SelectMany(o => o.Touches).Select(t => t.Table).Distinct(tracked.Comparer)
                .Where(tracked.ContainsKey).Select(t => (t, tracked[t])).ToList();

    /// <summary>The versions in <paramref name="histogram"/> older than <paramref name="version"/> (NULL counted separately by the caller).</summary>
    public static List<string> Older(ObjectVersion version, IEnumerable<string?> seen) =>
        seen.Where(v => v is not null && version.IsNewerThan(v)).Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
}
