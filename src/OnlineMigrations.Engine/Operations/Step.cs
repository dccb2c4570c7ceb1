using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>One short unit of work of a phase: its statements run in one transaction (unless
/// <see cref="Transactional"/> is false, for statements the server refuses inside one, such as a
/// resumable index build), and its completion is checkpointed in the state store.</summary>
public sealed record Step(string Name, IReadOnlyList<string> Statements)
{
    public bool Transactional { get; init; } = true;
    /// <summary>A query that returns a non-zero number when the step's effect is already in place; used
    /// for non-transactional steps, whose checkpoint cannot be written atomically with them.</summary>
    public string? DoneProbe { get; init; }
    /// <summary>Set when the step cannot run online; it then runs only with -AllowOffline.</summary>
    public string? OfflineReason { get; init; }
    /// <summary>An offline step the phase cannot complete without (a NOT NULL the migration promises): without
    /// -AllowOffline the phase is refused before it changes anything, rather than completed without it.
    /// Other offline steps (trusting a constraint) are skipped with a warning.</summary>
    public bool Required { get; init; }
    /// <summary>True for DDL steps, which run with the lock timeout and are retried on lock timeouts and deadlocks.</summary>
    public bool IsDdl { get; init; } = true;
    /// <summary>The table whose sync this step ends (the swap of a shadow, the drop of a renamed column):
    /// contract runs it in one transaction with the drop of that table's sync trigger, so no write
    /// falls between the two, and a failed or killed run rolls back both.</summary>
    public QualifiedName? EndsSync { get; init; }
}

/// <summary>What an operation asks of the per-table sync trigger installed at expand.</summary>
public abstract record SyncRule(QualifiedName Table);

/// <summary>Fill <paramref name="Column"/> from <paramref name="Up"/> on rows written without it.
/// Every statement that does not write <paramref name="Column"/> (old code) and changes what <c>up</c>
/// gives keeps it equal to <c>up</c>; a statement that writes it keeps its value.</summary>
public sealed record FillRule(QualifiedName Table, string Column, string Up) : SyncRule(Table)
{
    /// <summary>The column is NOT NULL already during expand: a NULL <c>up</c> never overwrites its value.</summary>
    public bool NotNull { get; init; }
    /// <summary>The column's default: an inserted row holding just that default was written without it.</summary>
    public string? Default { get; init; }
    /// <summary>The column's type, so comparisons with <c>up</c> are exact.</summary>
    public string? Type { get; init; }
    /// <summary>The table's columns as old code sees them, so a trigger can evaluate <c>up</c> over the row before a statement.</summary>
    public IReadOnlyList<string> OldShape { get; init; } = [];
}

/// <summary>Keep <paramref name="From"/> and <paramref name="To"/> equal; a write to <paramref name="To"/> wins.</summary>
public sealed record MirrorRule(QualifiedName Table, string From, string To) : SyncRule(Table)
{
    /// <summary>The new column's default, where it has one during expand (SQLite): an inserted row whose
    /// new column holds just that default was written by old code, and takes the old column's value.</summary>
    public string? ToDefault { get; init; }
    /// <summary>The type of both columns, so comparisons are exact and valid for that type.</summary>
    public string? Type { get; init; }
}

/// <summary>Keep <paramref name="Shadow"/> equal to <paramref name="Up"/> of the old column, and the old
/// column equal to <paramref name="Down"/> of the shadow when a statement writes the shadow.
/// <paramref name="Down"/> is written over the shadow (the new value), not over the old column. With a
/// <c>down</c>, a row inserted with the shadow written (not NULL, not just its default) is new code's: the old
/// column takes <c>down</c> of it; any other row is old code's, and the shadow takes <c>up</c>.</summary>
public sealed record ShadowRule(QualifiedName Table, string Column, string Shadow, string Up, string? Down) : SyncRule(Table)
{
    /// <summary>The shadow's type, so comparisons with <c>up</c> are exact.</summary>
    public string? Type { get; init; }
    /// <summary>The old column's type, so comparisons with <c>down</c> are exact.</summary>
    public string? ColumnType { get; init; }
    /// <summary>The shadow's default: an inserted row holding just that default was written without it.</summary>
    public string? Default { get; init; }
    /// <summary>The shadow is NOT NULL already during expand: a NULL <c>up</c> never overwrites its value.</summary>
    public bool NotNull { get; init; }
}

/// <summary>A column the backfill sets where <paramref name="Needed"/> holds.</summary>
/// <param name="Value">expression giving the new value</param>
/// <param name="Needed">predicate over a row: true while the row still needs this assignment</param>
public sealed record BackfillAssignment(QualifiedName Table, string Column, string Value, string Needed);

/// <summary>A query counting rows still to migrate for one operation: either rows of a table where a
/// predicate holds (counted in key batches), or a free-standing count query (a sql operation's verify).</summary>
public sealed record RemainingCheck(string Description)
{
    public QualifiedName? Table { get; init; }
    public string? Predicate { get; init; }
    public string? CountQuery { get; init; }
    /// <summary>Why this cannot be verified, when it cannot (a sql migrate without a verify query).</summary>
    public string? NotVerifiable { get; init; }
    /// <summary>A predicate that cannot fail on any row, counted instead of <see cref="Predicate"/> when that one
    /// fails inside the engine (an <c>up</c> that fails for a row): it counts more rows, never fewer.</summary>
    public string? Fallback { get; init; }
}

/// <summary>An expression of an operation (<c>up</c>, <c>down</c>) that expand compiles against its table, and,
/// with <paramref name="OverRows"/>, evaluates over the existing rows, before any trigger uses it.</summary>
/// <param name="Field">the expression's field in the file, for the JSON path: <c>up</c></param>
/// <param name="Type">the type of the column it is assigned to (the assignment converts), or null</param>
public sealed record ExpressionCheck(QualifiedName Table, string Field, string Expression, string? Type, bool OverRows);

/// <summary>Something contract removes, for the NoDependents gate.</summary>
public sealed record DroppedObject(QualifiedName Table, string? Column, string? Index = null)
{
    public override string ToString() => Column is not null ? $"column {Table}.{Column}" : Index is not null ? $"index {Index} on {Table}" : $"table {Table}";
}

/// <summary>A table and, optionally, a column that an operation touches, for conflict checks between open migrations.</summary>
public sealed record Touch(QualifiedName Table, string? Column, bool Destructive)
{
    /// <summary>For a destructive touch, what contract does to it, in words ("drops", "renames away").</summary>
    public string Retires { get; init; } = "drops";
}
