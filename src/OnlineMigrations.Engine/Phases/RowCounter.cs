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
        if (TryTally(table, keys, null, [predicate], extra, r => total += Long(r, 1))) return total;
        Walk(table, keys, (lo, end) =>
            total += target.Session.Scalar<long>(target.Dialect.CountRange(table, keys, lo is not null, predicate), RangeParameters(bind, lo, end, extra)));
        return total;
    }

    /// <summary>Rows per object version (<see cref="NullVersion"/> for NULL), counted in batches.</summary>
    public Dictionary<string, long> Histogram(QualifiedName table, string column, string? expected = null) =>
        Histogram(table, column, null, expected).ToDictionary(x => x.Key, x => x.Value.Rows, StringComparer.Ordinal);

    /// <summary>Rows per object version and, of those, how many <paramref name="counting"/> holds for — one scan for both.
    /// With <paramref name="expected"/> (the version a migration writes), a walk that finds every row at exactly that
    /// version counts them without grouping, as a plain count reads them; only a table with other versions is read again, grouped.</summary>
    public Dictionary<string, (long Rows, long Matching)> Histogram(QualifiedName table, string column, string? counting, string? expected = null)
    {
        if (expected is not null && target.Dialect.BatchedReads && target.Catalog.KeyColumns(table) is { Count: 1 } key)
        {
            long rows = 0, matching = 0, atExpected = 0;
            var atVersion = $"{target.Dialect.Column(column)} = @expected_version";
            var counts = counting is null ? new[] { atVersion } : [atVersion, counting];
            if (TryTally(table, key, null, counts, [new("@expected_version", expected)], r =>
                {
                    rows += Long(r, 0);
                    atExpected += Long(r, 1);
                    if (counting is not null) matching += Long(r, 2);
                }, stop: () => atExpected != rows) && atExpected == rows)
                return rows == 0 ? [] : new(StringComparer.Ordinal) { [expected] = (rows, matching) };
        }

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
        if (TryTally(table, keys, column, counting is null ? [] : [counting], null, Add)) return result;
        Walk(table, keys, (lo, end) =>
            target.Session.Query(target.Dialect.VersionHistogramRange(table, keys, lo is not null, column, counting), RangeParameters(bind, lo, end, null), r => { Add(r); return 0; }));
        return result;
    }

    /// <summary>
    /// Walks a single-column key's batches with one statement each (<see cref="Dialects.IDialect.TallyBatch"/>): the
    /// rows of a range are read once, for the counts and for the next range's lower bound. <paramref name="onRow"/>
    /// sees each row of each batch: [group], rows, one column per count. False, having read nothing, where the key
    /// is composite or its type cannot fold; the caller then walks with <see cref="Walk"/>. A <paramref name="stop"/>
    /// that holds after a batch ends the walk there (a caller that has already learned what it needed).
    /// </summary>
    private bool TryTally(QualifiedName table, IReadOnlyList<string> keys, string? groupBy, IReadOnlyList<string> counts,
        IEnumerable<KeyValuePair<string, object?>>? extra, Action<System.Data.Common.DbDataReader> onRow, Func<bool>? stop = null)
    {
        var d = target.Dialect;
        if (keys.Count != 1 || target.Catalog.Column(table, keys[0]) is not { } key || d.TallyBatch(table, key, false, groupBy, counts) is null)
            return false;
        var max = target.Session.Row(d.MaxKey(table, keys));
        if (max is null) return true;
        var bind = KeyParameters.For(target, table, keys);
        // After the row's own columns: the batch's row count, then its greatest key.
        var batchRows = (groupBy is null ? 0 : 1) + 1 + counts.Count;
        object?[]? lo = null;
        while (true)
        {
            var p = new Dictionary<string, object?> { ["@n"] = batchSize };
            bind.Add(p, "hi", max);
            if (lo is not null) bind.Add(p, "lo", lo);
            if (extra is not null) foreach (var kv in extra) p[kv.Key] = kv.Value;
            long rows = 0;
            object? end = null;
            target.Session.Query(d.TallyBatch(table, key, lo is not null, groupBy, counts)!, p, r =>
            {
                onRow(r);
                rows = Long(r, batchRows);
                end = r.IsDBNull(batchRows + 1) ? null : r.GetValue(batchRows + 1);
                return 0;
            });
            // A batch short of @n rows was the last one up to the bound.
            if (rows < batchSize || end is null || stop?.Invoke() == true) return true;
            lo = [end];
        }
    }

    private static long Long(System.Data.Common.DbDataReader r, int i) =>
        r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    public const string NullVersion = "(NULL)";
}
