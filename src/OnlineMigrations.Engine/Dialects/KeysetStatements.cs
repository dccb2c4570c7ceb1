using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>
/// The statements that walk a table in key order, shared by the dialects: they differ only in how a
/// query is limited to its first rows (TOP or LIMIT), how rows are counted, and how a statement ends.
/// Parameters: @n (rows), @lo_i (after this key), @hi_i / @end_i (up to this key), see <see cref="KeyRange"/>.
/// </summary>
internal sealed class KeysetStatements(Func<string, string> quote, Func<QualifiedName, string> table, bool top, string count, string end)
{
    private string First(string limit, string columns, string rest) =>
        top ? $"SELECT TOP ({limit}) {columns} {rest}" : $"SELECT {columns} {rest} LIMIT {limit}";

    private List<string> Keys(IReadOnlyList<string> keys) => keys.Select(quote).ToList();

    private static string Range(IReadOnlyList<string> k, bool hasLower) =>
        (hasLower ? KeyRange.After(k) + " AND " : "") + KeyRange.UpTo(k, "end");

    public string BatchEnd(QualifiedName t, IReadOnlyList<string> keys, bool hasLower)
    {
        var k = Keys(keys);
        var columns = string.Join(", ", k);
        var where = (hasLower ? KeyRange.After(k) + " AND " : "") + KeyRange.UpTo(k);
        var batch = First("@n", columns, $"FROM {table(t)} WHERE {where} ORDER BY {KeyRange.OrderBy(k)}");
        return First("1", columns, $"FROM ({batch}) AS b ORDER BY {KeyRange.OrderBy(k, descending: true)}") + end;
    }

    public string MaxKey(QualifiedName t, IReadOnlyList<string> keys)
    {
        var k = Keys(keys);
        return First("1", string.Join(", ", k), $"FROM {table(t)} ORDER BY {KeyRange.OrderBy(k, descending: true)}") + end;
    }

    public string UpdateRange(QualifiedName t, IReadOnlyList<string> keys, bool hasLower, IReadOnlyList<(string Column, string Value)> set, string where) =>
        $"UPDATE {table(t)} SET {string.Join(", ", set.Select(s => $"{quote(s.Column)} = {s.Value}"))} WHERE {Range(Keys(keys), hasLower)} AND ({where}){end}";

    public string CountRange(QualifiedName t, IReadOnlyList<string> keys, bool hasLower, string where) =>
        $"SELECT {count} FROM {table(t)} WHERE {Range(Keys(keys), hasLower)} AND ({where}){end}";

    // COUNT over a CASE of the expression: every row's value is computed, none is returned.
    public string EvaluateRange(QualifiedName t, IReadOnlyList<string> keys, bool hasLower, string expression) =>
        $"SELECT {count.Replace("(*)", "", StringComparison.Ordinal)}(CASE WHEN ({expression}) IS NULL THEN 1 END) FROM {table(t)}" +
        (keys.Count == 0 ? "" : $" WHERE {Range(Keys(keys), hasLower)}") + end;

    public string CompileExpression(QualifiedName t, string expression, IReadOnlyList<string> planned) =>
        planned.Count == 0
            ? $"SELECT ({expression}) FROM {table(t)} WHERE 1 = 0{end}"
            : $"SELECT ({expression}) FROM (SELECT *, {string.Join(", ", planned.Select(c => $"NULL AS {quote(c)}"))} FROM {table(t)}) AS {quote(t.Name)} WHERE 1 = 0{end}";

    public string CountWhere(QualifiedName t, string where) => $"SELECT {count} FROM {table(t)} WHERE {where}{end}";
    public string CountRows(QualifiedName t) => $"SELECT {count} FROM {table(t)}{end}";

    // With a predicate, a third column counts the rows of each version where it holds: one scan gives
    // both the object-version histogram and the rows still to migrate.
    private string Counting(string? predicate) =>
        predicate is null ? "" : $", {count.Replace("(*)", "", StringComparison.Ordinal)}(CASE WHEN ({predicate}) THEN 1 END)";

    public string VersionHistogram(QualifiedName t, string column, string? counting = null) =>
        $"SELECT {quote(column)}, {count}{Counting(counting)} FROM {table(t)} GROUP BY {quote(column)}{end}";

    public string VersionHistogramRange(QualifiedName t, IReadOnlyList<string> keys, bool hasLower, string column, string? counting = null) =>
        $"SELECT {quote(column)}, {count}{Counting(counting)} FROM {table(t)} WHERE {Range(Keys(keys), hasLower)} GROUP BY {quote(column)}{end}";

    /// <summary>
    /// One statement per key range that reads the range's rows once: the next @n rows after @lo_0 (unless first)
    /// and up to @hi_0, counted (per <paramref name="groupBy"/> when given), with a count per predicate of
    /// <paramref name="counts"/>, then the batch's row count and greatest key over the whole batch (window
    /// aggregates over the groups), so that the walk needs no second read for its next bound.
    /// Columns: [group], rows, one per count, batch rows, batch end key. A single-column key only.
    /// </summary>
    public string TallyBatch(QualifiedName t, string key, bool hasLower, string? groupBy, IReadOnlyList<string> counts)
    {
        var k = quote(key);
        var where = (hasLower ? KeyRange.After([k]) + " AND " : "") + KeyRange.UpTo([k]);
        var batch = First("@n", "*", $"FROM {table(t)} WHERE {where} ORDER BY {k}");
        var countOf = count.Replace("(*)", "", StringComparison.Ordinal);
        var columns = new List<string>();
        if (groupBy is not null) columns.Add(quote(groupBy));
        columns.Add(count);
        columns.AddRange(counts.Select(c => $"{countOf}(CASE WHEN ({c}) THEN 1 END)"));
        columns.Add(groupBy is null ? count : $"SUM({count}) OVER ()");
        columns.Add(groupBy is null ? $"MAX({k})" : $"MAX(MAX({k})) OVER ()");
        return $"SELECT {string.Join(", ", columns)} FROM ({batch}) AS {quote(t.Name)}" + (groupBy is null ? "" : $" GROUP BY {quote(groupBy)}") + end;
    }

    public string VersionOlder(string column, IReadOnlyList<string> olderVersions) =>
        olderVersions.Count == 0
            ? $"({quote(column)} IS NULL)"
            : $"({quote(column)} IS NULL OR {quote(column)} IN ({string.Join(", ", olderVersions)}))";
}
