using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// A NOT NULL column that new code stops writing (the old column of a rename, a dropped column) must
/// accept inserts without it from expand until contract removes it. A default already does that;
/// otherwise expand makes it nullable, or — where the engine cannot relax an indexed column — gives it
/// a temporary default (a rename's sync trigger overwrites it with the new column's value). Where the
/// engine can do neither, expand refuses, before any step runs. Undo restores the column.
/// </summary>
internal static class OmittedColumn
{
    private const string TypeFact = "omittedType"; // read from plans saved by earlier versions

    private static string TemporaryDefault(OperationContext c, QualifiedName table, string column) =>
        Names.Internal($"DF_{table.Name}_{column}", "om_" + Names.ShortHash(c.Migration.Id));

    /// <summary>The step that lets inserts omit <paramref name="column"/>, or null when they already can.
    /// <paramref name="instead"/> says what the user can do where the engine cannot.</summary>
    public static Step? Plan(OperationContext c, Operation op, QualifiedName table, ColumnInfo column, IReadOnlyList<IndexInfo> indexes, string why, string instead)
    {
        var indexed = indexes.Count > 0;
        if (column.Nullable || column.Default is not null) return null;
        if (c.Dialect.ChangesNullability && (!indexed || c.Dialect.RelaxesIndexedColumn(column.Type)))
        {
            c.Decide(op, d => d with { MadeNullable = true });
            return new Step($"make {table}.{column.Name} nullable ({why})", [c.Dialect.MakeNullable(table, column)]);
        }
        if (c.Dialect.AddsDefaultLater && c.Dialect.DropsDefaultByName)
        {
            // Under a unique index every row new code inserts needs a value of its own: one placeholder for all would
            // let the first such insert in and refuse the next (a rename's trigger overwrites it only after the insert).
            var unique = indexes.FirstOrDefault(i => i.Unique || i.PrimaryKey || i.UniqueConstraint);
            var placeholder = unique is null ? c.Dialect.Placeholder(column.Type) : c.Dialect.UniquePlaceholder(column.Type);
            if (placeholder is null)
                throw new MigrationException(ErrorIds.OperationRefused,
                    $"Migration '{c.Migration.Id}', {op.JsonPath} ({op.Kind}): new code would insert rows without the NOT NULL column {table}.{column.Name} ({why}), " +
                    $"which has no default and is in the unique index {unique!.Name}: a temporary default would give every such row the same {column.Type} value, so the second insert would be refused",
                    "Give the column a default that differs per row, or drop the unique index, in an earlier migration; or let new code keep writing the column until a later migration removes it.") { MigrationId = c.Migration.Id };
            var name = TemporaryDefault(c, table, column.Name);
            c.RequireFree(op, $"temporary default {name}", c.Catalog.ObjectNameHolder(new QualifiedName(table.Schema, name)));
            c.Decide(op, d => d with { TemporaryDefault = name });
            return new Step($"give {table}.{column.Name} a temporary default ({why})",
                [c.Dialect.AddDefault(table, column.Name, name, placeholder)]);
        }
        var refusal = c.Dialect.CannotChangeColumn(
            $"Migration '{c.Migration.Id}', {op.JsonPath} ({op.Kind}): letting new code insert rows without the NOT NULL column {table}.{column.Name}, which has no default ({why})",
            instead);
        throw new MigrationException(new ErrorId(refusal.ErrorId, refusal.Kind), refusal.Message, refusal.RecommendedAction) { MigrationId = c.Migration.Id };
    }

    /// <summary>True when expand made the column nullable (contract or undo makes it NOT NULL again: an offline step).</summary>
    public static bool WasMadeNullable(OperationContext c, Operation op) => c.Decision(op).MadeNullable;

    /// <summary>True when expand gave the column a temporary default, which contract or undo drops.</summary>
    public static string? TemporaryDefaultOf(OperationContext c, Operation op) => c.Decision(op).TemporaryDefault;

    /// <summary>The column's type at expand as ALTER COLUMN must repeat it (collation included), for the NOT NULL that restores it.</summary>
    public static string? TypeOf(OperationContext c, Operation op, string column) =>
        c.Saw(op) is { } seen
            ? seen.Column(column) is { } col ? (col.Collation is null ? col.Type : $"{col.Type} COLLATE {col.Collation}") : null
            : c.Fact(op, TypeFact);

    /// <summary>Undo: drop the temporary default, or make the column NOT NULL again.</summary>
    public static IEnumerable<Step> Undo(OperationContext c, Operation op, QualifiedName table, string column)
    {
        if (TemporaryDefaultOf(c, op) is { } df)
            yield return new Step($"drop the temporary default of {table}.{column}", [c.Dialect.DropConstraint(table, df)]);
        if (WasMadeNullable(c, op) && c.Catalog.Column(table, column) is { Nullable: true } live)
            yield return new Step($"make {table}.{column} NOT NULL again", [c.Dialect.MakeNotNull(table, column, TypeOf(c, op, column) ?? live.Type)]);
    }
}
