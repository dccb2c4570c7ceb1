using System.Text.Json;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// The contract steps that make a column NOT NULL, shared by addColumn and alterColumn. They are
/// offline steps (ALTER COLUMN scans the table under a schema-modification lock) and run only with
/// -AllowOffline. SQL Server cannot alter an indexed column in place (error 5074), so the column's
/// indexes are dropped with it in one step and built again, as online as the server allows, after.
/// </summary>
internal static class FinalNotNull
{
    public static IEnumerable<Step> Steps(OperationContext c, QualifiedName table, string column, string type, IReadOnlyList<IndexInfo> indexes)
    {
        var reason = $"ALTER COLUMN ... NOT NULL on {table}.{column} scans the table while holding a schema-modification lock" +
                     (indexes.Count > 0 ? $", and its indexes ({string.Join(", ", indexes.Select(i => i.Name))}) are built again" : "");
        var statements = indexes.Select(i => c.Dialect.DropIndex(table, i.Name)).Append(c.Dialect.MakeNotNull(table, column, type)).ToList();
        yield return new Step($"make {table}.{column} NOT NULL", statements) { OfflineReason = reason, Required = true };
        foreach (var i in indexes)
            yield return c.Dialect.CreateIndex($"rebuild index {i.Name} on {table} after NOT NULL", new IndexSpec(table, i.Name, i.Columns, i.Include, i.Unique, i.Filter),
                c.Catalog.Capabilities, allowOffline: true) with { OfflineReason = reason, Required = true };
    }

    /// <summary>Indexes as earlier versions saved them in a migration's facts at expand (now the operation's SeenTable holds them).</summary>
    public static IReadOnlyList<IndexInfo> Load(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<IndexInfo>>(json) ?? [];
}
