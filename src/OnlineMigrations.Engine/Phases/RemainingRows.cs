using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Counts, from the data, the rows a migration still has to migrate: each operation's own
/// query, plus rows of its tracked tables with an older object version. A row that several checks
/// catch counts once.</summary>
public sealed class RemainingRows(TargetDatabase target)
{
    public sealed record Result(long Total, List<string> Details, List<string> NotVerifiable);

    public Result Count(MigrationDefinition definition, OperationContext context, IEnumerable<StoredMigration> all, bool includeVersions = true)
    {
        var d = target.Dialect;
        var counter = new RowCounter(target);
        long total = 0;
        var details = new List<string>();
        var notVerifiable = new List<string>();
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

        // Per table, one batched walk counts the rows any check still catches.
        var perTable = checks.Where(c => c.Table is not null && c.Predicate is not null)
            .GroupBy(c => c.Table!).ToDictionary(g => g.Key, g => g.Select(c => (c.Description, c.Predicate!)).ToList());
        if (includeVersions && definition.Version is { } version)
        {
            foreach (var (table, column) in ObjectVersions.TouchedBy(definition, ObjectVersions.Tracked(all)))
            {
                if (target.Catalog.Column(table, column) is null) continue;
                var seen = counter.Histogram(table, column).Keys.Where(v => v != RowCounter.NullVersion);
                var older = ObjectVersions.Older(version, seen);
                // Older versions are written into the predicate as literals: the list is small, and each
                // check is counted on its own when the total is not zero.
                var predicate = d.VersionOlder(column, older.Select(d.Literal).ToList());
                if (!perTable.TryGetValue(table, out var list)) perTable[table] = list = [];
                list.Add(($"rows with an object version older than {version}", predicate));
            }
        }
        foreach (var (table, list) in perTable)
        {
            if (!target.Catalog.TableExists(table)) continue;
            var n = counter.Count(table, string.Join(" OR ", list.Select(x => $"({x.Item2})")));
            total += n;
            if (n == 0) continue;
            foreach (var (description, predicate) in list)
            {
                var m = list.Count == 1 ? n : counter.Count(table, predicate);
                if (m > 0) details.Add($"{m:N0} {description}");
            }
        }
        return new Result(total, details, notVerifiable);
    }
}
