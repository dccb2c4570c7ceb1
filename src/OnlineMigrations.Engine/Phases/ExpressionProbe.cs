using System.Data.Common;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Phases;

/// <summary>An existing row for which an expression fails inside the engine.</summary>
public sealed record ExpressionFailure(string JsonPath, QualifiedName Table, string Key, string Message)
{
    public override string ToString() => $"{JsonPath} fails for the row of {Table} with key {Key}: {Message}";
}

/// <summary>
/// Checks a migration's expressions (<c>up</c>, <c>down</c>) before any trigger that uses them exists:
/// each must compile against its table (a misspelt column is refused at once), and each <c>up</c> is
/// evaluated over the existing rows in key batches. A trigger whose expression fails makes the
/// application's own statement fail, so a failing row is found here and named by its key.
/// </summary>
public sealed class ExpressionProbe(TargetDatabase target)
{
    private int BatchSize => target.Dialect.BatchedReads ? 4_000 : 50_000;

    /// <summary>Throws <see cref="ErrorIds.InvalidExpression"/> for an expression that does not compile; returns the rows it fails for.</summary>
    public List<ExpressionFailure> Check(OperationContext c)
    {
        var failures = new List<ExpressionFailure>();
        foreach (var op in c.Migration.Operations)
        {
            foreach (var e in op.Expressions(c))
            {
                // A table the same migration creates has no rows yet, and no catalog to compile against.
                if (!target.Catalog.TableExists(e.Table)) continue;
                var path = $"{op.JsonPath}.{e.Field}";
                var value = e.Type is null ? e.Expression : target.Dialect.Converted(e.Expression, e.Type);
                if (!Compiles(c, op, e, path, value)) continue;
                if (e.OverRows && FirstFailure(e.Table, value) is { } found)
                    failures.Add(new ExpressionFailure(path, e.Table, found.Key, found.Message));
            }
        }
        return failures;
    }

    /// <summary>True when it compiles against the table as it is; false when it needs columns the migration adds first.</summary>
    private bool Compiles(OperationContext c, Operation op, ExpressionCheck e, string path, string value)
    {
        var error = TryRun(target.Dialect.CompileExpression(e.Table, value, []));
        if (error is null) return true;
        // Columns other operations of this migration add are not there yet: compile with them present (as NULLs).
        var planned = c.Migration.Operations.Where(o => !ReferenceEquals(o, op)).SelectMany(o => o.Touches)
            .Where(t => t.Column is not null && t.Table.Equals(e.Table) && target.Catalog.Column(e.Table, t.Column) is null)
            .Select(t => t.Column!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (planned.Count > 0 && TryRun(target.Dialect.CompileExpression(e.Table, value, planned)) is null)
        {
            target.Reporter.Verbose($"{c.Migration.Id}: {path} uses columns this migration adds ({string.Join(", ", planned)}); it compiles, and is evaluated over the rows by the backfill.");
            return false;
        }
        throw new MigrationException(ErrorIds.InvalidExpression,
            $"Migration '{c.Migration.Id}', {path} ({op.Kind}): the expression does not compile against {e.Table}: {StepRunner.Short(error)}\n  expression: {e.Expression}",
            "Correct the expression (column names, functions and types of this engine), then run Invoke-Expand again. Nothing was changed.") { MigrationId = c.Migration.Id };
    }

    private Exception? TryRun(string sql)
    {
        try { target.Session.Query(sql, null, _ => 0); return null; }
        catch (DbException e) { return e; }
    }

    /// <summary>The key of the first row (in key order) for which <paramref name="value"/> fails, and the engine's message.</summary>
    private (string Key, string Message)? FirstFailure(QualifiedName table, string value)
    {
        var d = target.Dialect;
        var keys = target.Catalog.KeyColumns(table);
        if (keys.Count == 0)
        {
            var whole = TryScalar(d.EvaluateRange(table, [], false, value), null);
            return whole is null ? null : ("(none: the table has no key to name the row by)", StepRunner.Short(whole));
        }
        var max = target.Session.Row(d.MaxKey(table, keys));
        if (max is null) return null;
        var bind = KeyParameters.For(target, table, keys);
        object?[]? lo = null;
        while (true)
        {
            var end = BatchEnd(table, keys, bind, lo, max, BatchSize);
            if (end is null) return null;
            if (Fails(table, keys, bind, lo, end, value) is not null)
            {
                var (rowLo, row) = Bisect(table, keys, bind, lo, end, BatchSize, value);
                var error = Fails(table, keys, bind, rowLo, row, value);
                return ($"({string.Join(", ", keys.Zip(row, (k, v) => $"{k} = {Show(v)}"))})", error is null ? "it fails together with other rows" : StepRunner.Short(error));
            }
            lo = end;
        }
    }

    // Halves the failing range (lo, end], which holds at most n rows, until it holds one: the row (lo, row].
    private (object?[]? Lo, object?[] Row) Bisect(QualifiedName table, IReadOnlyList<string> keys, KeyParameters bind, object?[]? lo, object?[] end, int n, string value)
    {
        while (n > 1)
        {
            var half = n / 2;
            var mid = BatchEnd(table, keys, bind, lo, end, half)!;
            if (Fails(table, keys, bind, lo, mid, value) is not null) { end = mid; n = half; }
            else { lo = mid; n -= half; }
        }
        return (lo, end);
    }

    private object?[]? BatchEnd(QualifiedName table, IReadOnlyList<string> keys, KeyParameters bind, object?[]? lo, object?[] hi, int n)
    {
        var p = new Dictionary<string, object?> { ["@n"] = n };
        bind.Add(p, "hi", hi);
        if (lo is not null) bind.Add(p, "lo", lo);
        return target.Session.Row(target.Dialect.BatchEnd(table, keys, lo is not null), p);
    }

    /// <summary>The engine's error evaluating <paramref name="value"/> over the rows with keys in (lo, end], or null.</summary>
    private Exception? Fails(QualifiedName table, IReadOnlyList<string> keys, KeyParameters bind, object?[]? lo, object?[] end, string value)
    {
        var p = new Dictionary<string, object?>();
        bind.Add(p, "end", end);
        if (lo is not null) bind.Add(p, "lo", lo);
        return TryScalar(target.Dialect.EvaluateRange(table, keys, lo is not null, value), p);
    }

    private Exception? TryScalar(string sql, Dictionary<string, object?>? parameters)
    {
        try { target.Session.Scalar<long>(sql, parameters); return null; }
        catch (DbException e) { return e; }
    }

    private static string Show(object? v) => v switch
    {
        null => "NULL",
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
