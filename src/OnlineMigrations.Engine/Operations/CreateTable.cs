using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Creates a new table at expand; rollback drops it (refused while it holds rows, unless -Force).</summary>
public sealed class CreateTable : Operation
{
    public override string Kind => "createTable";
    public required QualifiedName Table { get; init; }
    public required IReadOnlyList<ColumnDefinition> Columns { get; init; }
    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "columns", "primaryKey");
        var table = r.Table();
        var readers = r.Objects("columns").ToList();
        var pk = r.Identifiers("primaryKey", required: false) ?? [];
        // A key or identity column is NOT NULL whatever "nullable" defaults to: SQL Server refuses a nullable one
        // in CREATE TABLE (errors 8111, 8147), and SQLite would accept NULL keys in a key that is not the rowid.
        var columns = readers.Select(c =>
        {
            var col = r.Column(c);
            return col is not null && (col.PrimaryKey || col.Identity || pk.Contains(col.Name, StringComparer.OrdinalIgnoreCase)) ? KeyColumn(c, col) : col;
        }).ToList();
        if (columns.Count == 0 && r.Element.TryGetProperty("columns", out _)) r.Problem($"{r.Path}.columns", "a table needs at least one column");
        var names = columns.Where(c => c is not null).Select(c => c!.Name).ToList();
        foreach (var dup in names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            r.Problem($"{r.Path}.columns", $"the column \"{dup.Key}\" is declared {dup.Count()} times");
        foreach (var k in pk.Where(k => !names.Contains(k, StringComparer.OrdinalIgnoreCase)))
            r.Problem($"{r.Path}.primaryKey", $"the primary key names \"{k}\", which is not one of the table's columns");
        if (pk.Count > 0 && columns.Any(c => c?.PrimaryKey == true))
            r.Problem($"{r.Path}.primaryKey", "the primary key is given twice: both \"primaryKey\" on a column and a \"primaryKey\" list; keep one");
        if (table is null || columns.Any(c => c is null) || columns.Count == 0) return null;
        return new CreateTable { Table = table, Columns = columns!, PrimaryKey = pk };
    }

    private static ColumnDefinition KeyColumn(FieldReader c, ColumnDefinition column)
    {
        if (c.Element.TryGetProperty("nullable", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.True)
            c.Problem($"{c.Path}.nullable", $"the column \"{column.Name}\" is {(column.Identity ? "an identity column" : "part of the primary key")}, which cannot be nullable; remove \"nullable\": true");
        return column with { Nullable = false };
    }

    public override IEnumerable<Touch> Touches => [new(Table, null, Destructive: false)];

    public override void Apply(OperationContext c, PlannedSchema schema) =>
        schema.CreateTable(Table, Columns.Select(col => new Dialects.ColumnInfo(col.Name, col.Type, col.Nullable, col.Collation, col.Default, col.Identity, Computed: false)),
            PrimaryKey.Count > 0 ? PrimaryKey : Columns.Where(col => col.PrimaryKey).Select(col => col.Name));

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        // A view, synonym or other object may hold the name too; some engines count a view as a table.
        var holder = c.Catalog.ObjectNameHolder(Table);
        if (c.Catalog.TableExists(Table) && (holder is null || holder.Contains("table", StringComparison.OrdinalIgnoreCase)))
            throw c.Refuse(this, $"the table {Table} already exists", "Choose another name, or remove the createTable operation if the table is meant to be reused.");
        c.RequireFree(this, $"table {Table}", holder);
        yield return new Step($"create table {Table}", [c.Dialect.CreateTable(Table, Columns, PrimaryKey)]);
    }

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        yield return new Step($"drop table {Table}", [c.Dialect.DropTable(Table)]);
    }

    public override IEnumerable<RemainingCheck> RollbackLoss(OperationContext c)
    {
        yield return new RemainingCheck($"rows in the new table {Table}") { Table = Table, Predicate = "1 = 1" };
    }
}
