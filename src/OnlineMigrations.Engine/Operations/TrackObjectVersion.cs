using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Operations;

/// <summary>
/// Gives a table an object-version column (nullable varchar(32)) that application code stamps on
/// every row it writes. From then on every migration that touches the table converts and stamps its
/// older rows, and contract is refused while any remain. An index on the column is built only where
/// it can be built online; otherwise the gates scan in batches.
/// </summary>
public sealed class TrackObjectVersion : Operation
{
    public override string Kind => "trackObjectVersion";
    public required QualifiedName Table { get; init; }
    public required string Column { get; init; }

    public static Operation? Read(FieldReader r)
    {
        r.OnlyKnown("table", "column");
        var table = r.Table();
        var column = r.Identifier("column");
        return table is null || column is null ? null : new TrackObjectVersion { Table = table, Column = column };
    }

    public override IEnumerable<Touch> Touches => [new(Table, Column, Destructive: false)];

    public string IndexName => Names.Internal($"IX_{Table.Name}_{Column}", "om");

    public override void Apply(OperationContext c, PlannedSchema schema)
    {
        schema.AddColumn(Table, new ColumnInfo(Column, c.Dialect.ObjectVersionType, Nullable: true, null, null, Identity: false, Computed: false));
        if (c.Catalog.Capabilities.OnlineIndex) schema.AddIndex(Table, new IndexInfo(IndexName, Unique: false, PrimaryKey: false, UniqueConstraint: false, [Column], [], null));
    }

    public override IEnumerable<Step> Expand(OperationContext c)
    {
        if (!c.Catalog.TableExists(Table)) throw c.Refuse(this, $"the table {Table} does not exist", "Check the table name.");
        if (c.Catalog.Column(Table, Column) is not null)
            throw c.Refuse(this, $"the column {Table}.{Column} already exists", "Choose another column name for the object version.");
        yield return new Step($"add object-version column {Table}.{Column}",
            [c.Dialect.AddColumn(Table, new ColumnDefinition(Column, c.Dialect.ObjectVersionType))]);
        if (c.Catalog.Capabilities.OnlineIndex)
            c.RequireFree(this, $"index {IndexName}", c.Catalog.IndexNameHolder(Table, IndexName));
        if (c.Catalog.Capabilities.OnlineIndex)
            yield return c.Dialect.CreateIndex($"create index {IndexName} on {Table}.{Column}", new IndexSpec(Table, IndexName, [Column], [], false, null), c.Catalog.Capabilities, false);
        else
            c.Warnings.Add($"{Table}.{Column} gets no index: this server cannot build one online, so the ObjectVersion gate scans {Table} in batches.");
    }

    public override IEnumerable<Step> RollbackUnfinished(OperationContext c) => AbortIndexBuilds(c, Table, [IndexName]);

    public override IEnumerable<Step> Rollback(OperationContext c)
    {
        var statements = new List<string> { c.Dialect.DropIndex(Table, IndexName) };
        if (c.Catalog.Column(Table, Column) is not null) statements.AddRange(c.Dialect.DropColumn(Table, Column));
        yield return new Step($"drop object-version column {Table}.{Column}", statements);
    }
}
