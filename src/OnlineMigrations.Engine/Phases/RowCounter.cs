using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Counts rows over a table in key-ordered batches: short reads, no long locks, however large the table.</summary>
public sealed class RowCounter(TargetDatabase target, int batchSize = 20_000)
{
    public IReadOnlyList<string> Keys(QualifiedName table)
    {
        var keys = target.Catalog.KeyColumns(table);
        if (keys.Count == 0)
            throw new MigrationException(ErrorIds.NoUsableKey,
                $"{table} has no primary key or unique clustered index, so it cannot be walked in key order.",
                $"Add a primary key to {table} (in an earlier migration), then run the command again.");
        return keys;
    }

    /// <summary>Calls <paramref name="onRange"/> for each key range (lower bound or null, upper bound) of the table, in key order.</summary>
    public void Walk(QualifiedName table, IReadOnlyList<string> keys, Action<object?[]?, object?[]> onRange)
    {
        var d = target.Dialect;
        var max = target.Session.Row(d.MaxKey(table, keys));
        if (max is null) return;
        var bind = KeyParameters.For(target, table, keys);
        object?[]? lo = null;
        while (true)
        {
            var p = new Dictionary<string, object?> { ["@n"] = batchSize };
            bind.Add(p, "hi", max);
            if (lo is not null) bind.Add(p, "lo", lo);
            var end = target.Session.Row(d.BatchEnd(table, keys, lo is not null), p);
            if (end is null) return;
            onRange(lo, end);
            lo = end;
        }
    }

    private static Dictionary<string, object?> RangeParameters(KeyParameters bind, object?[]? lo, object?[] end, IEnumerable<KeyValuePair<string, object?>>? extra)
    {
        var p = new Dictionary<string, object?>();
        bind.Add(p, "end", end);
        if (lo is not null) bind.Add(p, "lo", lo);
        if (extra is not null) foreach (var kv in extra) p[kv.Key] = kv.Value;
        return p;
    }

    public long Count(QualifiedName table, string predicate, IEnumerable<KeyValuePair<string, object?>>? parameters = null)
    {
        // A table without a usable key (a heap a createTable made, say) cannot be cut into key ranges: one count.
        if (!target.Dialect.BatchedReads || target.Catalog.KeyColumns(table).Count == 0)
            return target.Session.Scalar<long>(target.Dialect.CountWhere(table, $"({predicate})"), parameters?.ToDictionary(p => p.Key, p => p.Value));
        var keys = Keys(table);
        var bind = KeyParameters.For(target, table, keys);
        long total = 0;
        var extra = parameters?.ToList();
        Walk(table, keys, (lo, end) =>
            total += target.Session.Scalar<long>(target.Dialect.CountRange(table, keys, lo is not null, predicate), RangeParameters(bind, lo, end, extra)));
        return total;
    }

    /// <summary>Rows per object version (<see cref="NullVersion"/> for NULL), counted in batches.</summary>
    public Dictionary<string, long> Histogram(QualifiedName table, string column) =>
        Histogram(table, column, null).ToDictionary(x => x.Key, x => x.Value.Rows, StringComparer.Ordinal);

    /// <summary>Rows per object version and, of those, how many <paramref name="counting"/> holds for — one scan for both.</summary>
    public Dictionary<string, (long Rows, long Matching)> Histogram(QualifiedName table, string column, string? counting)
    {
        var result = new Dictionary<string, (long Rows, long Matching)>(StringComparer.Ordinal);
        void Add(System.Data.Common.DbDataReader r)
        {
            var version = r.IsDBNull(0) ? NullVersion : r.GetValue(0).ToString()!;
            var rows = Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
            var matching = counting is null ? 0 : Convert.ToInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
            var (r0, m0) = result.GetValueOrDefault(version);
            result[version] = (r0 + rows, m0 + matching);
        }
        if (!target.Dialect.BatchedReads || target.Catalog.KeyColumns(table).Count == 0)
        {
            target.Session.Query(target.Dialect.VersionHistogram(table, column, counting), null, r => { Add(r); return 0; });
            return result;
        }
        var keys = Keys(table);
        var bind = KeyParameters.For(target, table, keys);
        Walk(table, keys, (lo, end) =>
            target.Session.Query(target.Dialect.VersionHistogramRange(table, keys, lo is not null, column, counting), RangeParameters(bind, lo, end, null), r => { Add(r); return 0; }));
        return result;
    }

    public const string NullVersion = "(NULL)";
}
