using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Hand-written SQL for what no other operation expresses. The expand script is linted: a
/// destructive statement in it is refused unless the operation says <c>"unsafe": true</c>.
/// <c>migrate</c> runs until it affects no rows; <c>verify</c> counts the rows still to migrate.
/// </summary>
public sealed class SqlOperation : Operation
{
    public override string Kind => "sql";
    public required string ExpandSql { get; init; }
    public string? MigrateSql { get; init; }
    public string? VerifySql { get; init; }
    public string? ContractSql { get; init; }
    public string? RollbackSql { get; init; }
    public bool Unsafe { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("expand", "migrate", "verify", "contract", "rollback", "unsafe");
        var expand = r.Script("expand");
        return expand is null ? null : new SqlOperation
        {
            ExpandSql = expand,
            MigrateSql = r.Script("migrate", required: false),
            VerifySql = r.Script("verify", required: false),
            ContractSql = r.Script("contract", required: false),
            RollbackSql = r.Script("rollback", required: false),
            Unsafe = r.Bool("unsafe", false),
        };
    }

    public override IEnumerable<Touch> Touches => [];
    public override string? MigrateScript => MigrateSql;

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!Unsafe)
        {
            var findings = c.Dialect.LintExpand(ExpandSql);
            if (findings.Count > 0)
                throw new MigrationException(ErrorIds.UnsafeSql,
                    $"Migration '{c.Migration.Id}', {JsonPath}.expand: expand must be additive, but the script has {findings.Count} destructive statement(s):\n" +
                    string.Join("\n", findings.Select(f => $"  line {f.Line}: {f.Reason}: {f.Statement}")),
                    "Move destructive statements to \"contract\", or set \"unsafe\": true on this sql operation if you accept the risk.") { MigrationId = c.Migration.Id };
        }
        var batches = c.Dialect.SplitScript(ExpandSql);
        if (batches.Count == 0) yield break;
        yield return new Step($"run sql expand ({JsonPath})", batches);
    }

    public override IEnumerable<RemainingCheck> Remaining(OperationContext c)
    {
        if (VerifySql is not null) yield return new RemainingCheck($"rows the verify query of {JsonPath} counts") { CountQuery = VerifySql };
        else if (MigrateSql is not null)
            yield return new RemainingCheck($"{JsonPath} has a migrate script") { NotVerifiable = $"{JsonPath} has a \"migrate\" script but no \"verify\" query, so nobody can tell whether its data is migrated; add \"verify\" (a query returning the number of rows still to migrate)" };
    }

    public override IEnumerable<Step> Contract(OperationContext c)
    {
        if (ContractSql is null) yield break;
        yield return new Step($"run sql contract ({JsonPath})", c.Dialect.SplitScript(ContractSql));
    }

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        if (RollbackSql is null) yield break;
        yield return new Step($"run sql rollback ({JsonPath})", c.Dialect.SplitScript(RollbackSql));
    }
}
