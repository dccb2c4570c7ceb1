using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>Adds a check constraint untrusted at expand; migrate counts violations; contract trusts it with -AllowOffline.</summary>
public sealed class AddCheckConstraint : Operation
{
    public override string Kind => "addCheckConstraint";
    public required QualifiedName Table { get; init; }
    public required string Name { get; init; }
    public required string Expression { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "name", "expression");
        var table = r.Table();
        var name = r.Identifier("name");
        var expression = r.Expression("expression");
        return table is null || name is null || expression is null ? null : new AddCheckConstraint { Table = table, Name = name, Expression = expression };
    }

    public override IEnumerable<Touch> Touches => [new(Table, null, Destructive: false)];

    public override void Apply(OperationContext c, PlannedSchema schema) => schema.TakeName(new QualifiedName(Table.Schema, Name), $"check constraint {Name} on {Table}");

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        c.RequireFree(this, $"check constraint {Name}", c.Catalog.ObjectNameHolder(new QualifiedName(Table.Schema, Name)));
        yield return new Step($"add check constraint {Name} on {Table} (not yet trusted)", [c.Dialect.AddCheckConstraint(Table, Name, Expression)]);
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c) =>
        [new RemainingCheck($"rows of {Table} that violate the check constraint {Name}") { Table = Table, Predicate = $"NOT ({Expression})" }];

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        yield return new Step($"trust check constraint {Name} on {Table}", [c.Dialect.TrustConstraint(Table, Name)])
        {
            OfflineReason = $"WITH CHECK CHECK CONSTRAINT {Name} scans {Table} under a schema-modification lock; without -AllowOffline the constraint stays untrusted (it is still enforced for new writes)",
        };
    }

    public override IEnumerable<Step> Rollback(OperationContext c) => [new Step($"drop check constraint {Name} on {Table}", [c.Dialect.DropConstraint(Table, Name)])];
}
