using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// One operation of a migration. It knows its four parts — Expand, Backfill, Contract, Rollback —
/// and how to count the rows it still has to migrate. It never talks to a connection: it returns
/// steps whose SQL comes from the dialect. Register a new operation in <see cref="OperationRegistry"/>.
/// </summary>
public abstract class Operation
{
    /// <summary>The operation's name in a migration file, for example <c>addColumn</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Where it stands in its file, for messages: <c>$.operations[2].addColumn</c>.</summary>
    public string JsonPath { get; internal set; } = "";

    /// <summary>The tables and columns it touches.</summary>
    public abstract IEnumerable<Touch> Touches { get; }

    public virtual IEnumerable<Step> Expand(OperationContext context) => [];
    /// <summary>
    /// Records in <paramref name="schema"/> what the steps of <see cref="Expand"/> add (a table, a column, an
    /// index, a constraint's name), so that the operations after it in the same migration are planned
    /// against the schema as it will be. Called once this operation is planned, with its facts set.
    /// </summary>
    public virtual void Apply(OperationContext context, PlannedSchema schema) { }
    public virtual IEnumerable<SyncRule> SyncRules(OperationContext context) => [];
    /// <summary>The expressions its triggers and backfill evaluate, checked at expand before any trigger exists.</summary>
    public virtual IEnumerable<ExpressionCheck> Expressions(OperationContext context) => [];
    public virtual IEnumerable<BackfillAssignment> Backfill(OperationContext context) => [];
    public virtual IEnumerable<RemainingCheck> Remaining(OperationContext context) => [];
    /// <summary>A free-standing migrate script run until it affects no rows (sql operations).</summary>
    public virtual string? MigrateScript => null;
    public virtual IEnumerable<Step> Contract(OperationContext context) => [];
    public virtual IEnumerable<DroppedObject> Drops => [];
    /// <summary>The existing indexes contract moves to a new column (a rename, a type change): they do not count as dependents.</summary>
    public virtual IEnumerable<string> MovesIndexes(OperationContext context) => [];
    public virtual IEnumerable<Step> Rollback(OperationContext context) => [];
    /// <summary>Cleans up what an expand step that never finished may have left (a paused resumable index
    /// build); part of every undo, whether or not the operation's steps ran.</summary>
    public virtual IEnumerable<Step> RollbackUnfinished(OperationContext context) => [];

    /// <summary>A step that abandons the half-built resumable indexes named, where the server has resumable builds.</summary>
    protected static IEnumerable<Step> AbortIndexBuilds(OperationContext c, QualifiedName table, IEnumerable<string> names)
    {
        var statements = names.Select(n => c.Dialect.AbortIndexBuild(table, n, c.Catalog.Capabilities)).OfType<string>().ToList();
        if (statements.Count > 0) yield return new Step($"abandon half-built index builds on {table}", statements) { Transactional = false };
    }
    /// <summary>Counts of rows whose data rollback would lose (new code wrote values that cannot be derived again).</summary>
    public virtual IEnumerable<RemainingCheck> RollbackLoss(OperationContext context) => [];

    public override string ToString() => $"{Kind} {string.Join(", ", Touches.Select(t => t.Column is null ? t.Table.ToString() : $"{t.Table}.{t.Column}").Distinct())}";
}

/// <summary>What an operation may consult while it plans: the dialect, its migration, the live catalog.</summary>
public sealed class OperationContext(IDialect dialect, MigrationDefinition migration, ICatalog catalog, bool allowOffline)
{
    public IDialect Dialect { get; } = dialect;
    public MigrationDefinition Migration { get; } = migration;
    public ICatalog Catalog { get; } = catalog;
    public bool AllowOffline { get; } = allowOffline;
    public List<string> Warnings { get; init; } = [];

    /// <summary>The same context over another catalog (the planned schema of an expand), sharing facts and warnings.</summary>
    public OperationContext Over(ICatalog catalog) => new(Dialect, Migration, catalog, AllowOffline) { Facts = Facts, Decided = Decided, Warnings = Warnings, Seen = Seen, ExpandSteps = ExpandSteps };

    /// <summary>What each operation decided at expand (see <see cref="ExpandDecision"/>), by its JSON path; saved with the migration.</summary>
    public Dictionary<string, ExpandDecision> Decided { get; init; } = new(StringComparer.Ordinal);

    /// <summary>What <paramref name="op"/> decided at expand; for a migration expanded by an earlier version, read from its facts.</summary>
    public ExpandDecision Decision(Operation op) =>
        Decided.TryGetValue(op.JsonPath, out var d) ? d : new ExpandDecision
        {
            NotNullAtExpand = Fact(op, "notNullAtExpand") == "true",
            MadeNullable = Fact(op, "madeNullable") == "true",
            TemporaryDefault = Fact(op, "temporaryDefault"),
            RenameInPlace = Fact(op, "renameInPlace") == "true",
            DefaultOnTo = Fact(op, "defaultOnTo"),
        };

    /// <summary>Records a decision of <paramref name="op"/> at expand.</summary>
    public void Decide(Operation op, Func<ExpandDecision, ExpandDecision> change) => Decided[op.JsonPath] = change(Decision(op));

    /// <summary>The table each operation saw when expand planned it (see <see cref="SeenTable"/>); null for a migration expanded before this was saved.</summary>
    public Dictionary<string, SeenTable>? Seen { get; init; }

    /// <summary>What <paramref name="op"/> saw of its table at expand, or null (not planned yet, or saved by an earlier version: then its facts tell).</summary>
    public SeenTable? Saw(Operation op) => Seen is not null && Seen.TryGetValue(op.JsonPath, out var s) ? s : null;

    /// <summary>The expand steps of each owner (see SavedPlans.ExpandSteps); null for a migration expanded before these were saved.</summary>
    public Dictionary<string, List<string>>? ExpandSteps { get; init; }

    /// <summary>What earlier versions saved instead of <see cref="Decided"/>, <see cref="Seen"/> and <see cref="ExpandSteps"/>: strings by
    /// "$.operations[i].kind:name", lists joined by U+001F. Read only for migrations they expanded; nothing writes them any more.</summary>
    public Dictionary<string, string> Facts { get; init; } = new(StringComparer.Ordinal);

    public string? Fact(Operation op, string name) => Facts.TryGetValue($"{op.JsonPath}:{name}", out var v) ? v : null;

    /// <summary>A list an earlier version saved as one fact (names joined by U+001F); empty when it saved none.</summary>
    public string[] FactList(Operation op, string name) => SplitFactList(Fact(op, name));

    /// <summary>A list fact's names (joined by U+001F in what earlier versions saved).</summary>
    public static string[] SplitFactList(string? fact) => (fact ?? "").Split('\u001f', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The internal name of the shadow column an alterColumn keeps beside <paramref name="column"/>.</summary>
    public string ShadowName(string column) => Names.Internal(column, "om_" + Names.ShortHash(Migration.Id));

    /// <summary>Refuses a new object's name that an existing object (<paramref name="holder"/>, null when free) already holds.</summary>
    public void RequireFree(Operation op, string what, string? holder)
    {
        if (holder is not null)
            throw Refuse(op, $"the name of the {what} is already taken by the existing {holder}",
                "Choose another name. Expand never takes over an object it did not create, and undo and contract never drop one.");
    }

    /// <summary>An error a user can fix, naming the operation.</summary>
    public MigrationException Refuse(Operation op, string problem, string fix) =>
        new(ErrorIds.OperationRefused, $"Migration '{Migration.Id}', {op.JsonPath} ({op.Kind}): {problem}", fix) { MigrationId = Migration.Id };
}
