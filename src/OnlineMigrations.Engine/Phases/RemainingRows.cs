using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Counts, from the data, the rows a migration still has to migrate: each operation's own
/// query, plus rows of its tracked tables with an older object version.</summary>
public sealed class RemainingRows(TargetDatabase target)
{
    public sealed record Result(long Total, List<string> Details, List<string> NotVerifiable, Dictionary<string, long> OlderVersions);

    public Result Count(MigrationDefinition definition, OperationContext context, IEnumerable<StoredMigration> all, bool includeVersions = true)
    {
        var counter = new RowCounter(target);
        long total = 0;
        var details = new List<string>();
        var notVerifiable = new List<string>();
        foreach (var check in definition.Operations.SelectMany(o => o.Remaining(context)))
        {
            if (check.NotVerifiable is not null) { notVerifiable.Add(check.NotVerifiable); continue; }
            long n;
            if (check.CountQuery is not null) n = target.Session.Scalar<long>(check.CountQuery);
            else if (check.Table is not null && target.Catalog.TableExists(check.Table)) n = counter.Count(check.Table, check.Predicate!);
            else continue;
            total += n;
            if (n > 0) details.Add($"{n:N0} {check.Description}");
        }
        var older = new Dictionary<string, long>(StringComparer.Ordinal);
        if (includeVersions && definition.Version is { } version)
        {
            foreach (var (table, column) in ObjectVersions.TouchedBy(definition, ObjectVersions.Tracked(all)))
            {
                if (target.Catalog.Column(table, column) is null) continue;
                foreach (var (v, n) in counter.Histogram(table, column))
                {
                    if (v != RowCounter.NullVersion && !version.IsNewerThan(v)) continue;
                    older[$"{table} {v}"] = n;
                    total += n;
                }
            }
            if (older.Count > 0) details.Add($"{older.Values.Sum():N0} rows with an object version older than {version}");
        }
        return new Result(total, details, notVerifiable, older);
    }
}
