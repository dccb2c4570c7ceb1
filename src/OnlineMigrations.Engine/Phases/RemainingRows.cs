using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Counts, from the data, the rows a migration still has to migrate: each operation's own
/// query, plus rows of its tracked tables with an older object version. A row that several checks
/// catch counts once.</summary>
public sealed class RemainingRows(TargetDatabase target)
{
    /// <param name="Versions">rows per object version of each tracked table the migration touches, read in the same scan</param>
    public sealed record Result(long Total, List<string> Details, List<string> NotVerifiable, Dictionary<QualifiedName, Dictionary<string, long>> Versions);

    /// <param name="includeVersions">count rows with an older object version as rows still to migrate (Invoke-Migrate's
    /// verification); the gates count them apart, under ObjectVersion</param>
    public Result Count(MigrationDefinition definition, OperationContext context, IEnumerable<StoredMigration> all, bool includeVersions = true)
    {
        var counter = new RowCounter(target);
        long total = 0;
        var details = new List<string>();
        var notVerifiable = new List<string>();
        var versions = new Dictionary<QualifiedName, Dictionary<string, long>>(target.Catalog.Tables);
        var checks = definition.Operations.SelectMany(o => o.Remaining(context)).ToList();
        foreach (var check in checks)
        {
            if (check.NotVerifiable is not null) notVerifiable.Add(check.NotVerifiable);
            else if (check.CountQuery is not null)
            {
                var n = target.Session.Scalar<long>(check.CountQuery);
                total += n;
                if (n > 0) details.Add($"{n:N0} {check.Description}");
            }
        }

        // Per table, one scan (in key batches where reads must be short) counts the rows any check still
        // catches; on a tracked table the same scan reads the object-version histogram.
        var perTable = checks.Where(c => c.Table is not null && c.Predicate is not null)
            .GroupBy(c => c.Table!, target.Catalog.Tables).ToDictionary(g => g.Key, g => g.Select(c => (c.Description, c.Predicate!)).ToList(), target.Catalog.Tables);
        var tracked = definition.Version is null ? []
            : ObjectVersions.TouchedBy(definition, ObjectVersions.Tracked(all, target.Catalog.Tables)).Where(t => target.Catalog.Column(t.Table, t.Column) is not null)
                .ToDictionary(t => t.Table, t => t.Column, target.Catalog.Tables);
        foreach (var table in perTable.Keys.Union(tracked.Keys, target.Catalog.Tables))
        {
            if (!target.Catalog.TableExists(table)) continue;
            var list = perTable.GetValueOrDefault(table) ?? [];
            var any = list.Count == 0 ? null : string.Join(" OR ", list.Select(x => $"({x.Item2})"));
            long checkRows, olderRows = 0;
            if (tracked.TryGetValue(table, out var column) && target.Dialect.BatchedReads)
            {
                // Key-range walks are the cost here (SQL Server): one walk reads both.
                var histogram = counter.Histogram(table, column, any, definition.Version!.Text);
                versions[table] = histogram.ToDictionary(x => x.Key, x => x.Value.Rows, StringComparer.Ordinal);
                checkRows = histogram.Values.Sum(x => x.Matching);
                if (includeVersions)
                {
                    // A row of an older version counts once, whether or not a check also catches it.
                    var older = histogram.Where(x => IsOlder(definition, x.Key)).ToList();
                    olderRows = older.Sum(x => x.Value.Rows);
                    total += olderRows + histogram.Except(older).Sum(x => x.Value.Matching);
                }
                else total += checkRows;
            }
            else if (tracked.TryGetValue(table, out column))
            {
                // One statement per read (SQLite): the histogram comes from the version column's index
                // without touching rows, so reading it apart is cheaper than folding it into the scan.
                var histogram = counter.Histogram(table, column);
                versions[table] = histogram;
                checkRows = any is null ? 0 : counter.Count(table, any);
                if (includeVersions)
                {
                    var older = histogram.Keys.Where(v => IsOlder(definition, v)).ToList();
                    olderRows = older.Sum(v => histogram[v]);
                    var olderPredicate = target.Dialect.VersionOlder(column, older.Where(v => v != RowCounter.NullVersion).Select(target.Dialect.Literal).ToList());
                    total += olderRows == 0 ? checkRows : counter.Count(table, any is null ? olderPredicate : $"({olderPredicate}) OR ({any})");
                }
                else total += checkRows;
            }
            else
            {
                checkRows = any is null ? 0 : counter.Count(table, any);
                total += checkRows;
            }
            if (olderRows > 0) details.Add($"{olderRows:N0} rows with an object version older than {definition.Version}");
            if (checkRows == 0) continue;
            foreach (var (description, predicate) in list)
            {
                var m = list.Count == 1 ? checkRows : counter.Count(table, predicate);
                if (m > 0) details.Add($"{m:N0} {description}");
            }
        }
        return new Result(total, details, notVerifiable, versions);
    }

    private static bool IsOlder(MigrationDefinition definition, string version) =>
        version == RowCounter.NullVersion || definition.Version!.IsNewerThan(version);
}
