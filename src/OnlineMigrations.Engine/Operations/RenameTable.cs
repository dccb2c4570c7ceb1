using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Renames a table. Expand creates the new name as a synonym of the old table, so new code can use
/// it at once; contract renames the table itself and drops the synonym in one short transaction.
/// </summary>
public sealed class RenameTable : Operation
{
    public override string Kind => "renameTable";
    public required QualifiedName From { get; init; }
    public required QualifiedName To { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("from", "to");
        var from = r.Table("from");
        var to = r.Table("to");
        if (from is not null && to is not null && !string.Equals(from.Schema, to.Schema, StringComparison.OrdinalIgnoreCase))
            r.Problem($"{r.Path}.to", $"renameTable keeps the schema: \"to\" is in schema {to.Schema}, \"from\" in {from.Schema}; use ALTER SCHEMA ... TRANSFER in a sql operation to move a table");
        return from is null || to is null ? null : new RenameTable { From = from, To = to };
    }

    public override IEnumerable<Touch> Touches => [new(From, null, Destructive: true) { Retires = "renames away" }, new(To, null, Destructive: false)];
    public override IEnumerable<DroppedObject> Drops => [new(From, null)];

    public override void Apply(OperationContext c, PlannedSchema schema) => schema.TakeName(To, $"synonym {To} for {From}");

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(From)) throw c.Refuse(this, $"the table {From} does not exist", "Check the table name (\"from\").");
        if (c.Catalog.ObjectExists(To)) throw c.Refuse(this, $"an object named {To} already exists", "Choose another name (\"to\").");
        yield return new Step($"create synonym {To} for {From}", [c.Dialect.CreateSynonym(To, From)]);
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (!c.Catalog.TableExists(From)) yield break;
        yield return new Step($"rename table {From} to {To}", [c.Dialect.DropSynonym(To), c.Dialect.RenameTable(From, To)]);
    }

    public override IEnumerable<Step> Rollback(OperationContext c) => [new Step($"drop synonym {To}", [c.Dialect.DropSynonym(To)])];
}
