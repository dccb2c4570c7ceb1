using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using Xunit;
using ColumnDefinition = OnlineMigrations.Engine.Model.ColumnDefinition;
using Names = OnlineMigrations.Engine.Model.Names;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>Every operation's Expand, sync trigger, backfill, remaining counts, Contract, Rollback and
/// rollback-loss SQL on SQL Server parses, planned against an in-memory catalog: with names that need
/// quoting once (<see cref="Every_operation_plans_valid_TSql_every_spelling"/>, on every edition), and
/// per edition with an ordinary name for what the edition decides.</summary>
public sealed class SqlServerOperationsTSqlTests
{
    private static readonly SqlServerDialect D = new();

    private static string N(string name, string suffix) => (name.Length + suffix.Length > 128 ? name[..(128 - suffix.Length)] : name) + suffix;

    private static readonly string[] Editions = ["Standard2016", "Enterprise2019", "Enterprise2022", "AzureSqlDatabase"];

    public static IEnumerable<object[]> EditionCases => Editions.Select(e => new object[] { e });

    public static IEnumerable<object[]> Spellings => TSqlNames.Data;

    /// <summary>Parses every statement planned, checks the marker is only ever quoted and, given the name,
    /// that the server reads it back from each statement.</summary>
    private sealed class Run(string marker, ServerCapabilities caps, SqlVersion parser, string? name = null)
    {
        public int Statements { get; private set; }
        public List<Step> Steps { get; } = [];

        public void Sql(string sql)
        {
            TSqlAssert.Parses(sql);
            TSqlAssert.Parses(sql, parser);
            TSqlAssert.OnlyQuoted(sql, marker);
            if (name is not null) TSqlAssert.RoundTrips(sql, name);
            Statements++;
        }

        public void Add(IEnumerable<Step> steps)
        {
            foreach (var s in steps)
            {
                Steps.Add(s);
                Assert.NotEmpty(s.Statements);
                foreach (var sql in s.Statements) Sql(sql);
                if (s.DoneProbe is not null) Sql(s.DoneProbe);
            }
        }

        /// <summary>Plans everything an operation does, as the phases would, and parses it all.</summary>
        public void All(Operation op, MigrationDefinition m, FakeCatalog before, Func<FakeCatalog>? after, bool allowOffline = true)
        {
            // As Planner.Expand does: the operation's table as it saw it is saved for contract and rollback.
            var seen = new Dictionary<string, SeenTable>(StringComparer.Ordinal);
            if (op.Touches.Select(t => t.Table).FirstOrDefault() is { } touched && before.TableExists(touched)) seen[op.JsonPath] = SeenTable.Of(before, touched);
            var c = new OperationContext(D, m, before, allowOffline) { Seen = seen };
            Add(op.Expand(c));
            var rules = op.SyncRules(c).ToList();
            foreach (var table in rules.Select(r => r.Table).Distinct())
            {
                var keys = before.KeyColumns(table);
                foreach (var sql in D.CreateSyncTrigger(table, Names.SyncTrigger(table, m.Id), rules.Where(r => r.Table == table).ToList(), keys)) Sql(sql);
                foreach (var sql in D.DropSyncTrigger(table, Names.SyncTrigger(table, m.Id))) Sql(sql);
            }
            foreach (var b in op.Backfill(c))
            {
                var keys = before.KeyColumns(b.Table);
                foreach (var lower in new[] { false, true })
                {
                    Sql(D.BatchEnd(b.Table, keys, lower));
                    Sql(D.UpdateRange(b.Table, keys, lower, [(b.Column, b.Value)], b.Needed));
                    Sql(D.CountRange(b.Table, keys, lower, b.Needed));
                }
                Sql(D.MaxKey(b.Table, keys));
            }
            foreach (var e in op.Expressions(c))
            {
                var value = e.Type is null ? e.Expression : D.Converted(e.Expression, e.Type);
                Sql(D.CompileExpression(e.Table, value, []));
                Sql(D.CompileExpression(e.Table, value, ["planned"]));
                Sql(D.EvaluateRange(e.Table, [], false, value));
                var keys = before.KeyColumns(e.Table);
                foreach (var lower in new[] { false, true }) Sql(D.EvaluateRange(e.Table, keys, lower, value));
            }
            foreach (var r in op.Remaining(c).Concat(op.RollbackLoss(c)))
            {
                if (r.CountQuery is not null) { Sql(r.CountQuery); continue; }
                if (r.Table is null || r.Predicate is null) continue;
                Sql(D.CountWhere(r.Table, r.Predicate));
                if (r.Fallback is not null) Sql(D.CountWhere(r.Table, r.Fallback));
                var keys = before.KeyColumns(r.Table);
                if (keys.Count > 0) Sql(D.CountRange(r.Table, keys, true, r.Predicate));
            }
            var later = new OperationContext(D, m, after?.Invoke() ?? before, allowOffline) { Decided = c.Decided, Seen = c.Seen };
            Add(op.Contract(later));
            Add(op.Rollback(later));
            Add(op.RollbackUnfinished(later));
            foreach (var r in op.RollbackLoss(later))
                if (r.Table is not null && r.Predicate is not null) Sql(D.CountWhere(r.Table, r.Predicate));
        }
    }

    private static MigrationDefinition Migration(string id, params Operation[] ops) =>
        new() { Id = id, Operations = ops, Checksum = new string('0', 64), Source = "{}", ObjectVersion = "2.0" };

    private static (QualifiedName T, FakeCatalog Cat, List<string> Keys) Table(string name, ServerCapabilities caps, int keyCount = 2)
    {
        var t = TSqlNames.Table(name);
        var keys = Enumerable.Range(0, keyCount).Select(i => N(name, $"_k{i}")).ToList();
        var cat = new FakeCatalog(caps)
            .Table(t, keys, [.. keys.Select(k => (k, "int", false)),
                (name, "nvarchar(50)", false), (N(name, "_i"), "int", true), (N(name, "_v"), "varchar(32)", true)])
            .Table(new QualifiedName(name, N(name, "_parent")), [name], (name, "nvarchar(50)", false));
        cat.Index(t, new IndexInfo(N(name, "_ix"), false, false, false, [name, N(name, "_i")], [N(name, "_v")], null));
        cat.Index(t, new IndexInfo(N(name, "_fx"), true, false, false, [name], [], $"{D.Quote(name)} IS NOT NULL"));
        return (t, cat, keys);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Every_operation_plans_valid_TSql_every_spelling(string name, string marker)
    {
        foreach (var edition in Editions)
        {
            var (_, caps, parser) = SqlServerEditions.Get(edition);
            var run = new Run(marker, caps, parser, name);
            PlanEveryOperation(run, name, caps);
            Assert.True(run.Statements > 40, $"only {run.Statements} statements were planned on {edition}");
        }
    }

    [Theory, MemberData(nameof(EditionCases))]
    public void Every_operation_per_edition(string edition)
    {
        const string name = "Orders";
        var (_, caps, parser) = SqlServerEditions.Get(edition);
        var run = new Run(name, caps, parser);
        PlanEveryOperation(run, name, caps);

        Assert.True(run.Statements > 40, $"only {run.Statements} statements were planned");
        // Index builds are offline steps only where the edition cannot build online — or when they rebuild
        // an index after a final NOT NULL, which is itself an offline step and runs together with it.
        foreach (var s in run.Steps.Where(s => s.Statements.Any(x => x.Contains("CREATE UNIQUE NONCLUSTERED INDEX") || x.Contains("CREATE NONCLUSTERED INDEX"))))
            Assert.Equal(caps.OnlineIndex && !s.Name.Contains("after NOT NULL"), s.OfflineReason is null);
        Assert.Contains(run.Steps, s => s.Name.Contains("after NOT NULL") && s.OfflineReason is not null);
    }

    /// <summary>Plans every operation, in the variants the product distinguishes, over a table whose schema,
    /// name, columns and indexes are spelled from <paramref name="name"/>.</summary>
    private static void PlanEveryOperation(Run run, string name, ServerCapabilities caps)
    {
        var (t, cat, keys) = Table(name, caps);
        var col = D.Quote(name);
        var id = "0001_" + name[..Math.Min(name.Length, 40)];

        // createTable: composite key, identity, defaults
        var newTable = new QualifiedName(name, N(name, "_new"));
        var createTable = new CreateTable
        {
            Table = newTable,
            Columns = [new ColumnDefinition(name, "int", Nullable: false, Identity: true), new ColumnDefinition(N(name, "_b"), "nvarchar(10)", false, "N'x'"), new ColumnDefinition("c", "int")],
            PrimaryKey = [name, N(name, "_b")],
        };
        run.All(createTable, Migration(id, createTable), cat, null);

        // addColumn with up, NOT NULL at contract
        var addColumn = new AddColumn { Table = t, Column = new ColumnDefinition(N(name, "_added"), "nvarchar(60)", Nullable: false, Default: "N''"), Up = $"UPPER({col})" };
        run.All(addColumn, Migration(id, addColumn), cat, () => Table(name, caps).Cat.Column(t, new ColumnInfo(N(name, "_added"), "nvarchar(60)", true, null, "N''", false, false)));
        // addColumn without up: NOT NULL with a default, and nullable without one (the other predicates of
        // what is still to fill and of what rollback would lose)
        foreach (var (nullable, @default) in new[] { (false, "N'z'"), (true, (string?)null) })
        {
            var plain = new AddColumn { Table = t, Column = new ColumnDefinition(N(name, "_plain"), "nvarchar(60)", Nullable: nullable, Default: @default) };
            run.All(plain, Migration(id, plain), cat, () => Table(name, caps).Cat.Column(t, new ColumnInfo(N(name, "_plain"), "nvarchar(60)", true, null, @default, false, false)));
        }

        // renameColumn: from is NOT NULL and covered by two indexes (one filtered)
        var renameColumn = new RenameColumn { Table = t, From = name, To = N(name, "_to") };
        var m = Migration(id, renameColumn);
        run.All(renameColumn, m, cat, () =>
        {
            var after = Table(name, caps).Cat.Column(t, new ColumnInfo(N(name, "_to"), "nvarchar(50)", true, null, null, false, false));
            foreach (var ix in new[] { N(name, "_ix"), N(name, "_fx") })
                after.Index(t, new IndexInfo(Names.Internal(ix, "om_" + Names.ShortHash(m.Id)), false, false, false, [N(name, "_to")], [], null));
            return after;
        });

        // alterColumn with and without down, with NOT NULL
        foreach (var down in new[] { null, $"CAST({D.Quote(N(name, "_i"))} AS int)" })
        {
            var alter = new AlterColumn { Table = t, Column = N(name, "_i"), Type = "bigint", Nullable = false, Up = $"CAST({D.Quote(N(name, "_i"))} AS bigint)", Down = down };
            var am = Migration(id, alter);
            var ctx = new OperationContext(D, am, cat, true);
            var shadow = ctx.ShadowName(N(name, "_i"));
            run.All(alter, am, cat, () =>
            {
                var after = Table(name, caps).Cat.Column(t, new ColumnInfo(shadow, "bigint", true, null, null, false, false));
                after.Index(t, new IndexInfo(Names.Internal(N(name, "_ix"), "om_" + Names.ShortHash(am.Id)), false, false, false, [name, shadow], [N(name, "_v")], null));
                return after;
            });
        }

        // dropColumn, dropIndex, dropTable, renameTable
        run.All(new DropColumn { Table = t, Column = N(name, "_v") }, Migration(id), cat, null);
        run.All(new DropIndex { Table = t, Name = N(name, "_ix") }, Migration(id), cat, null);
        run.All(new DropTable { Table = t }, Migration(id), cat, null);
        run.All(new RenameTable { From = t, To = new QualifiedName(name, N(name, "_renamed")) }, Migration(id), cat, null);

        // createIndex (plain, filtered with include), unique constraint, constraints
        run.All(new CreateIndex { Table = t, Name = N(name, "_new_ix"), Columns = [name, keys[1]], Include = [N(name, "_v")], Unique = true }, Migration(id), cat, null);
        run.All(new CreateIndex { Table = t, Name = N(name, "_new_fx"), Columns = [name], Where = $"{D.Quote(N(name, "_i"))} > 0" }, Migration(id), cat, null);
        run.All(new AddUniqueConstraint { Table = t, Name = N(name, "_uq"), Columns = [name, N(name, "_i")] }, Migration(id), cat, null);
        run.All(new AddForeignKey { Table = t, Name = N(name, "_fk"), Columns = [name], ReferencedTable = new QualifiedName(name, N(name, "_parent")), ReferencedColumns = [name] }, Migration(id), cat, null);
        run.All(new AddCheckConstraint { Table = t, Name = N(name, "_ck"), Expression = $"LEN({col}) > 0" }, Migration(id), cat, null);

        // trackObjectVersion
        var track = new TrackObjectVersion { Table = t, Column = N(name, "_ov") };
        run.All(track, Migration(id, track), cat, () => Table(name, caps).Cat.Column(t, new ColumnInfo(N(name, "_ov"), "varchar(32)", true, null, null, false, false)));

        // sql with GO batches
        var sqlOp = new SqlOperation
        {
            ExpandSql = $"ALTER TABLE {D.Table(t)} ADD {D.Quote(N(name, "_s"))} int NULL;\nGO\nCREATE INDEX [IX_s] ON {D.Table(t)} ({D.Quote(N(name, "_s"))});",
            MigrateSql = $"UPDATE TOP (1000) {D.Table(t)} SET {D.Quote(N(name, "_s"))} = 1 WHERE {D.Quote(N(name, "_s"))} IS NULL;",
            VerifySql = $"SELECT COUNT_BIG(*) FROM {D.Table(t)} WHERE {D.Quote(N(name, "_s"))} IS NULL;",
            ContractSql = $"ALTER TABLE {D.Table(t)} DROP COLUMN {D.Quote(N(name, "_i"))};\nGO\n",
            RollbackSql = $"ALTER TABLE {D.Table(t)} DROP COLUMN {D.Quote(N(name, "_s"))};",
        };
        run.All(sqlOp, Migration(id, sqlOp), cat, null);
        run.Sql(sqlOp.MigrateScript!);
    }

    [Fact]
    public void Operations_refuse_offline_index_builds_without_AllowOffline()
    {
        var caps = SqlServerEditions.Standard2016;
        var (t, cat, _) = Table("T", caps);
        var c = new OperationContext(D, Migration("0001"), cat, allowOffline: false);
        foreach (var op in new Operation[]
                 {
                     new CreateIndex { Table = t, Name = "IX_new", Columns = ["T"] },
                     new AddUniqueConstraint { Table = t, Name = "UQ_new", Columns = ["T"] },
                     new RenameColumn { Table = t, From = "T", To = "T2" },
                 })
        {
            var e = Assert.Throws<MigrationException>(() => op.Expand(c).ToList());
            Assert.Equal("OfflineStepRefused", e.ErrorId);
        }
        // trackObjectVersion skips its helper index instead, and says so.
        var track = new TrackObjectVersion { Table = t, Column = "OV" };
        var steps = track.Expand(c).ToList();
        Assert.Single(steps);
        Assert.Single(c.Warnings);
    }

    [Fact]
    public void Sql_operation_lint_refuses_destructive_expand()
    {
        var (t, cat, _) = Table("T", SqlServerEditions.Enterprise2022);
        var op = new SqlOperation { ExpandSql = "ALTER TABLE [dbo].[T] ADD [x] int NULL;\nGO\nDROP TABLE [dbo].[Other];" };
        op.JsonPath = "$.operations[0].sql";
        var e = Assert.Throws<MigrationException>(() => op.Expand(new OperationContext(D, Migration("0001", op), cat, false)).ToList());
        Assert.Equal("UnsafeSql", e.ErrorId);
        Assert.Contains("line 3", e.Message);
        _ = t;
    }
}
