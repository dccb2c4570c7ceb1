using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using Xunit;
using ColumnDefinition = OnlineMigrations.Engine.Model.ColumnDefinition;
using Names = OnlineMigrations.Engine.Model.Names;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>Every statement <see cref="SqlServerDialect"/> generates parses, on the oldest version that
/// runs it (SQL Server 2016 unless the statement is gated on a newer version).
///
/// Identifier spellings (<see cref="TSqlNames"/>) are tested once per statement family, by the theories
/// named <c>..._every_spelling</c>: each generates every statement of its family (in every variant the
/// behaviour tests below cover) with identifiers that need quoting as schema, table, column and index
/// names, and asserts that each statement parses, that the identifiers appear only quoted and that the
/// server reads them back exactly. The other tests check behaviour, with an ordinary name.</summary>
public sealed class SqlServerDialectTSqlTests
{
    private static readonly SqlServerDialect D = new();
    private const SqlVersion Floor = SqlVersion.Sql130;

    /// <summary>The ordinary name of the behaviour tests (schema and table are both this name).</summary>
    private const string Plain = "Orders";

    /// <summary>A name derived from <paramref name="name"/> that stays within the 128-character limit.</summary>
    private static string N(string name, string suffix) => (name.Length + suffix.Length > 128 ? name[..(128 - suffix.Length)] : name) + suffix;

    /// <summary>Parses with the newest and the floor parser, checks the marker is only ever quoted and,
    /// given the name, that the server reads it back.</summary>
    private static void Check(string sql, string marker, SqlVersion floor = Floor, string? name = null)
    {
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, floor);
        TSqlAssert.OnlyQuoted(sql, marker);
        if (name is not null) TSqlAssert.RoundTrips(sql, name);
    }

    private static void Check(IEnumerable<string> sql, string marker, SqlVersion floor = Floor, string? name = null)
    {
        var list = sql.ToList();
        Assert.NotEmpty(list);
        foreach (var s in list) Check(s, marker, floor, name);
    }

    public static IEnumerable<object[]> Spellings => TSqlNames.Data;

    // ---- tables, columns, constraints, expressions: one theory per family over the spellings ---------

    [Theory, MemberData(nameof(Spellings))]
    public void Table_statements_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.CreateTable(t,
        [
            new ColumnDefinition(name, "int", Nullable: false, Identity: true),
            new ColumnDefinition(N(name, "2"), "nvarchar(50)", Nullable: false, Default: "N'x'", Collation: "Latin1_General_CI_AS"),
            new ColumnDefinition("Other", "decimal(18, 2)", Nullable: true, Default: "(0)"),
            new ColumnDefinition("Created", "datetime2(3)", Nullable: false, Default: "SYSUTCDATETIME()"),
        ], [name, N(name, "2")]), marker, name: name);
        Check(D.CreateTable(t, [new ColumnDefinition(name, "bigint", Nullable: false, PrimaryKey: true), new ColumnDefinition("v", "int")], []), marker, name: name);
        Check(D.CreateTable(t, [new ColumnDefinition(name, "int")], []), marker, name: name);
        Check(D.DropTable(t), marker, name: name);
        Check(D.RenameTable(t, new QualifiedName(name, N(name, "_new"))), marker, name: name);
        Check(D.EstimateRows(t), marker, name: name);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Column_statements_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.AddColumn(t, new ColumnDefinition(name, "nvarchar(32)")), marker, name: name);
        Check(D.AddColumn(t, new ColumnDefinition(name, "int", Nullable: false, Default: "0")), marker, name: name);
        Check(D.AddColumn(t, new ColumnDefinition(name, "varchar(32)", Nullable: true, Default: "'1.0'", Collation: "Latin1_General_BIN2")), marker, name: name);
        Check(D.DropColumn(t, name), marker, name: name);
        Check(D.MakeNullable(t, new ColumnInfo(name, "nvarchar(max)", false, "SQL_Latin1_General_CP1_CI_AS", null, false, false)), marker, name: name);
        Check(D.MakeNullable(t, new ColumnInfo(name, "int", false, null, "(0)", false, false)), marker, name: name);
        Check(D.MakeNotNull(t, name, "decimal(18, 2)"), marker, name: name);
        foreach (var type in new[] { "int", "bigint", "nvarchar(64)", "varbinary(16)", "uniqueidentifier", "datetime2(7)", "datetimeoffset(7)", "date", "time(7)", "decimal(18, 2)", "bit" })
            Check(D.AddDefault(t, name, N(name, "_df"), D.Placeholder(type)), marker, name: name);
        Check(D.RenameColumn(t, name, N(name, "_new")), marker, name: name);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Constraint_synonym_and_index_maintenance_statements_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        var other = new QualifiedName(name, "Parent " + name[..Math.Min(name.Length, 100)]);
        Check(D.DropIndex(t, name), marker, name: name);
        Check(D.RenameIndex(t, name, new IndexSpec(t, N(name, "_new"), [name], [], false, null)), marker, name: name);
        Check(D.CreateSynonym(new QualifiedName(name, N(name, "_syn")), t), marker, name: name);
        Check(D.DropSynonym(new QualifiedName(name, N(name, "_syn"))), marker, name: name);
        Check(D.AddForeignKey(t, name, [name], other, [name]), marker, name: name);
        Check(D.AddForeignKey(t, "FK_" + name[..Math.Min(name.Length, 100)], [name, "b", N(name, "c")], other, ["x", name, "z"]), marker, name: name);
        Check(D.AddCheckConstraint(t, name, $"{D.Quote(name)} > 0"), marker, name: name);
        Check(D.TrustConstraint(t, name), marker, name: name);
        Check(D.DropConstraint(t, name), marker, name: name);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Expressions_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.CountWhere(t, D.Differ(D.Column(name), D.Column(N(name, "2")))), marker, name: name);
        Check(D.CountWhere(t, D.VersionOlder(name, [])), marker, name: name);
        Check(D.CountWhere(t, D.VersionOlder(name, ["@v0", "@v1"])), marker, name: name);
        Assert.Equal("[" + name.Replace("]", "]]") + "]", D.Quote(name));
        Assert.Equal("N'" + name.Replace("'", "''") + "'", D.Literal(name));
    }

    // ---- what runs through dynamic SQL, and what a server's capabilities change ------------------------

    /// <summary>DropColumn first drops the column's default constraint, whose name only the server knows, through
    /// sp_executesql: the statement it runs is N'ALTER TABLE ... DROP CONSTRAINT ' + QUOTENAME(@default).
    /// That statement is parsed here with a constraint name standing in for QUOTENAME's result.</summary>
    [Theory, MemberData(nameof(Spellings))]
    public void DropColumn_dynamic_drop_of_the_default_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        var statements = D.DropColumn(t, name);
        Assert.Equal(2, statements.Count);
        var declare = TSqlAssert.Parses(statements[0]).Batches.Single().Statements.OfType<DeclareVariableStatement>()
            .Single(d => d.Declarations.Single().VariableName.Value == "@drop").Declarations.Single();
        var concat = Assert.IsType<BinaryExpression>(declare.Value);
        var prefix = Assert.IsType<StringLiteral>(concat.FirstExpression).Value;
        var quotename = Assert.IsType<FunctionCall>(concat.SecondExpression);
        Assert.Equal("QUOTENAME", quotename.FunctionName.Value, ignoreCase: true);
        foreach (var constraint in new[] { "DF_" + name[..Math.Min(name.Length, 100)], "DF__T__x__1A2B3C4D" })
        {
            var inner = prefix + D.Quote(constraint);
            Check(inner, marker, name: name);
            var alter = Assert.IsType<AlterTableDropTableElementStatement>(TSqlAssert.Parses(inner).Batches.Single().Statements.Single());
            Assert.Equal(TableElementType.Constraint, alter.AlterTableDropTableElements.Single().TableElementType);
            Assert.Equal(constraint, alter.AlterTableDropTableElements.Single().Name.Value);
        }
    }

    /// <summary>The T-SQL test engine's capabilities (Babelfish): the statements that differ from SQL Server's.
    /// They run on the engine too; parsing them here also holds them to SQL Server 2016's grammar.</summary>
    private static readonly SqlServerDialect Babelfish = new() { Capabilities = SqlServerCatalog.FromServerProperties(3, 14, "PostgreSQL", babelfish: true) };

    [Theory, MemberData(nameof(Spellings))]
    public void Engine_capability_variants_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        // No default constraint to drop by name: the column alone.
        Check(Assert.Single(Babelfish.DropColumn(t, name)), marker, name: name);
        // Index names reported with the table's name and a hash: matched by LIKE as well as by name.
        var drop = Babelfish.DropIndex(t, name);
        Assert.Contains(" LIKE N'", drop);
        Check(drop, marker, name: name);
        // The guard of the sync trigger: TRIGGER_NESTLEVEL() without the trigger's own id.
        foreach (var rules in TriggerRuleSets(t, name))
        {
            var sql = Assert.Single(Babelfish.CreateSyncTrigger(t, Names.SyncTrigger(t, "0001_" + name), rules, Keys(name, 2)));
            Assert.Contains("IF TRIGGER_NESTLEVEL() > 1 RETURN;", sql);
            Check(sql, marker, name: name);
        }
        var caps = Babelfish.Capabilities;
        var step = Babelfish.CreateIndex("s", new IndexSpec(t, name, [name], [], true, null), caps, allowOffline: true);
        Assert.Null(step.DoneProbe);
        Check(Assert.Single(step.Statements), marker, name: name);
        Assert.Empty(Babelfish.RenameIndex(t, name, new IndexSpec(t, N(name, "_new"), [name], [], false, null)));
        Assert.Null(Babelfish.AbortIndexBuild(t, name, caps));
    }

    /// <summary>ALTER INDEX ... ABORT of an unfinished resumable build: only where CREATE INDEX can be resumable.</summary>
    [Theory, MemberData(nameof(SqlServerEditions.Names), MemberType = typeof(SqlServerEditions))]
    public void AbortIndexBuild_per_edition(string edition)
    {
        var (_, caps, parser) = SqlServerEditions.Get(edition);
        foreach (var (name, marker) in TSqlNames.All)
        {
            var sql = D.AbortIndexBuild(TSqlNames.Table(name), name, caps);
            Assert.Equal(caps.ResumableIndex, sql is not null);
            if (sql is null) continue;
            Check(sql, marker, parser, name);
            Assert.Contains(" ABORT;", sql);
        }
    }

    // ---- indexes ------------------------------------------------------------------------------------

    private static readonly bool[] Both = [false, true];

    private static Step IndexStep(string name, bool filter, bool include, bool unique, ServerCapabilities caps)
    {
        var t = TSqlNames.Table(name);
        var spec = new IndexSpec(t, name, [name, "b"], include ? [N(name, "_inc"), "c"] : [], unique, filter ? $"{D.Quote(name)} IS NOT NULL" : null);
        return D.CreateIndex("create index", spec, caps, allowOffline: true);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void CreateIndex_every_spelling(string name, string marker)
    {
        foreach (var (_, caps, parser) in SqlServerEditions.All)
            foreach (var filter in Both)
                foreach (var include in Both)
                    foreach (var unique in Both)
                    {
                        var step = IndexStep(name, filter, include, unique, caps);
                        Check(Assert.Single(step.Statements), marker, parser, name);
                        if (step.DoneProbe is not null) Check(step.DoneProbe, marker, parser, name);
                    }
    }

    public static IEnumerable<object[]> IndexCases =>
        from e in SqlServerEditions.All
        from filter in Both
        from include in Both
        from unique in Both
        select new object[] { e.Name, filter, include, unique };

    [Theory, MemberData(nameof(IndexCases))]
    public void CreateIndex_per_edition(string edition, bool filter, bool include, bool unique)
    {
        var (_, caps, parser) = SqlServerEditions.Get(edition);
        var step = IndexStep(Plain, filter, include, unique, caps);
        var sql = Assert.Single(step.Statements);
        Check(sql, Plain, parser);
        if (step.DoneProbe is not null) Check(step.DoneProbe, Plain, parser);

        var tokens = Upper(sql);
        Assert.Equal(caps.OnlineIndex, tokens.Contains("ONLINE = ON"));
        var resumable = caps.ResumableIndex && !filter;
        Assert.Equal(resumable, tokens.Contains("RESUMABLE = ON"));
        Assert.Equal(resumable, tokens.Contains(" RESUME;"));
        Assert.Equal(resumable, !step.Transactional);
        Assert.Equal(resumable, step.DoneProbe is not null);
        Assert.Equal(caps.WaitAtLowPriority, tokens.Contains("WAIT_AT_LOW_PRIORITY"));
        Assert.Equal(!caps.OnlineIndex, step.OfflineReason is not null);
        Assert.Equal(filter, tokens.Contains(" WHERE [") );
        Assert.Equal(include, tokens.Contains(" INCLUDE ("));
        Assert.Equal(unique, tokens.Contains("CREATE UNIQUE NONCLUSTERED INDEX"));
    }

    private static string Upper(string sql) => string.Join(" ", TSqlAssert.Tokens(sql).Where(t => t.Text is not null && t.TokenType is not (TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment))
        .Select(t => t.TokenType is TSqlTokenType.QuotedIdentifier or TSqlTokenType.UnicodeStringLiteral ? t.Text : t.Text.ToUpperInvariant()))
        .Replace(" ,", ",").Replace("( ", "(").Replace(" )", ")").Replace(" ;", ";");

    [Fact]
    public void CreateIndex_capability_matrix()
    {
        var spec = new IndexSpec(new QualifiedName("dbo", "T"), "IX", ["a"], [], false, null);
        string Sql(ServerCapabilities c) => D.CreateIndex("s", spec, c, true).Statements[0];
        Assert.DoesNotContain("ONLINE", Sql(SqlServerEditions.Standard2016));
        Assert.Contains("WITH (ONLINE = ON)", Sql(SqlServerEditions.Enterprise2017));
        Assert.Contains("WITH (ONLINE = ON, RESUMABLE = ON)", Sql(SqlServerEditions.Enterprise2019));
        Assert.Contains("WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON)", Sql(SqlServerEditions.Enterprise2022));
        Assert.Contains("WAIT_AT_LOW_PRIORITY", Sql(SqlServerEditions.AzureSqlDatabase));
        Assert.Contains("RESUMABLE = ON", Sql(SqlServerEditions.ManagedInstance));
        // The 2022 options do not parse as SQL Server 2019 syntax: the capability gate is what keeps them off older servers.
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TSqlAssert.Parses(Sql(SqlServerEditions.Enterprise2022), SqlVersion.Sql150));
    }

    [Fact]
    public void Filtered_index_is_never_resumable()
    {
        foreach (var (_, caps, _) in SqlServerEditions.All)
        {
            var step = D.CreateIndex("s", new IndexSpec(new QualifiedName("dbo", "T"), "IX", ["a"], [], false, "[a] > 0"), caps, true);
            Assert.DoesNotContain("RESUMABLE", step.Statements[0]);
            Assert.DoesNotContain("RESUME", step.Statements[0]);
            Assert.True(step.Transactional);
        }
    }

    [Fact]
    public void Standard_edition_without_AllowOffline_refuses_the_index()
    {
        foreach (var caps in new[] { SqlServerEditions.Standard2016, SqlServerCatalog.FromServerProperties(2, 16, "Standard 2022"), SqlServerCatalog.FromServerProperties(4, 16, "Express") })
        {
            var e = Assert.Throws<MigrationException>(() => D.CreateIndex("s", new IndexSpec(new QualifiedName("dbo", "T"), "IX", ["a"], [], false, null), caps, allowOffline: false));
            Assert.Equal("OfflineStepRefused", e.ErrorId);
        }
    }

    [Theory]
    [InlineData(2, 13, false, false, false)]   // Standard 2016
    [InlineData(2, 16, false, false, false)]   // Standard 2022: still no online index builds
    [InlineData(4, 15, false, false, false)]   // Express
    [InlineData(3, 13, true, false, false)]    // Enterprise/Developer 2016
    [InlineData(3, 14, true, false, false)]    // Enterprise 2017: resumable REBUILD only, not CREATE
    [InlineData(3, 15, true, true, false)]     // Enterprise 2019: resumable CREATE INDEX
    [InlineData(3, 16, true, true, true)]      // Enterprise 2022: WAIT_AT_LOW_PRIORITY on CREATE INDEX
    [InlineData(3, 17, true, true, true)]      // Enterprise 2025
    [InlineData(5, 12, true, true, true)]      // Azure SQL Database
    [InlineData(8, 12, true, true, true)]      // Azure SQL Managed Instance
    public void FromServerProperties_maps_editions(int edition, int major, bool online, bool resumable, bool lowPriority)
    {
        var c = SqlServerCatalog.FromServerProperties(edition, major, "p");
        Assert.Equal((online, resumable, lowPriority), (c.OnlineIndex, c.ResumableIndex, c.WaitAtLowPriority));
        Assert.Equal((edition, major, "p"), (c.EngineEdition, c.MajorVersion, c.Product));
    }

    // ---- sync triggers --------------------------------------------------------------------------------

    private static readonly int[] KeyCounts = [1, 3];

    private static List<string> Keys(string name, int keyCount) =>
        Enumerable.Range(0, keyCount).Select(i => i == 0 ? name : N(name, $"_k{i}")).ToList();

    /// <summary>Every rule kind alone, all of them together, and none.</summary>
    private static SyncRule[][] TriggerRuleSets(QualifiedName t, string name)
    {
        var col = D.Column(N(name, "_old"));
        return
        [
            [new FillRule(t, N(name, "_fill"), $"UPPER({col})")],
            [new MirrorRule(t, N(name, "_old"), N(name, "_new"))],
            [new ShadowRule(t, N(name, "_old"), N(name, "__om_1"), $"CAST({col} AS bigint)", null)],
            [new ShadowRule(t, N(name, "_old"), N(name, "__om_1"), $"CAST({col} AS bigint)", $"CAST({D.Column(N(name, "__om_1"))} AS int)")],
            [
                new FillRule(t, N(name, "_fill"), "N'x'"),
                new MirrorRule(t, N(name, "_old"), N(name, "_new")),
                new ShadowRule(t, N(name, "_a"), N(name, "_a__om"), $"CAST({D.Column(N(name, "_a"))} AS bigint)", $"CAST({D.Column(N(name, "_a__om"))} AS int)"),
            ],
            [],
        ];
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Sync_trigger_statements_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        foreach (var keyCount in KeyCounts)
        {
            var keys = Keys(name, keyCount);
            foreach (var rules in TriggerRuleSets(t, name))
            {
                var sql = Assert.Single(D.CreateSyncTrigger(t, Names.SyncTrigger(t, "0001_" + name), rules, keys));
                Check(sql, marker, name: name);
                // The trigger joins inserted to the table on every key column, each quoted.
                if (rules.Length > 0) foreach (var k in keys) Assert.Contains($"i.{D.Quote(k)} = ", sql);
            }
        }
        Check(D.DropSyncTrigger(t, Names.SyncTrigger(t, "0001_" + name)), marker, name: name);
    }

    [Theory, MemberData(nameof(KeyCountData))]
    public void CreateSyncTrigger_with_every_rule_kind(int keyCount)
    {
        var t = TSqlNames.Table(Plain);
        var keys = Keys(Plain, keyCount);
        foreach (var rules in TriggerRuleSets(t, Plain))
        {
            var statements = D.CreateSyncTrigger(t, Names.SyncTrigger(t, "0001_" + Plain), rules, keys);
            var sql = Assert.Single(statements);
            Check(sql, Plain);
            var script = TSqlAssert.Parses(sql);
            var create = Assert.IsType<CreateTriggerStatement>(Assert.Single(Assert.Single(script.Batches).Statements));
            Assert.Equal(TriggerType.After, create.TriggerType);
            Assert.Equal([TriggerActionType.Insert, TriggerActionType.Update], create.TriggerActions.Select(a => a.TriggerActionType));
            Assert.Contains("SET NOCOUNT ON;", sql);
            Assert.Contains("IF TRIGGER_NESTLEVEL(@@PROCID) > 1 RETURN;", sql);
            Assert.Contains($"SESSION_CONTEXT(N'{SqlServerDialect.BackfillContextKey}')", sql);
            // Set-based: no cursors, no per-row loops.
            Assert.DoesNotContain("CURSOR", sql, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("WHILE", sql, StringComparison.OrdinalIgnoreCase);
            if (rules.Length > 0) foreach (var k in keys) Assert.Contains($"i.{D.Quote(k)} = ", sql);
        }
        Check(D.DropSyncTrigger(t, Names.SyncTrigger(t, "0001_" + Plain)), Plain);
        Assert.Equal([Names.SyncTrigger(t, "x")], D.SyncTriggerObjects(Names.SyncTrigger(t, "x")));
    }

    public static IEnumerable<object[]> KeyCountData => KeyCounts.Select(k => new object[] { k });

    [Fact]
    public void Sync_trigger_reverse_directions_are_skipped_during_backfill()
    {
        var t = new QualifiedName("dbo", "T");
        var sql = D.CreateSyncTrigger(t, "tr", [new MirrorRule(t, "Old", "New"), new ShadowRule(t, "C", "C__om", "CAST([C] AS bigint)", "CAST([C__om] AS int)")], ["Id"])[0];
        Assert.Contains("IF UPDATE([New])\n    BEGIN\n        IF @backfill = 0 UPDATE [dbo].[T] SET [Old] = [New]", sql);
        Assert.Contains("IF UPDATE([C__om]) AND @backfill = 0", sql);
        // The session key a backfill sets is the one the trigger reads.
        Assert.Contains($"@key = N'{SqlServerDialect.BackfillContextKey}', @value = 1", Assert.Single(D.BeginBackfillSession()));
    }

    [Fact]
    public void Sync_trigger_comment_cannot_be_escaped_by_a_line_break_in_a_name()
    {
        // Identifier validation refuses control characters, but the dialect must not depend on it.
        var t = new QualifiedName("dbo", "T\rDROP TABLE x\u2028\n");
        var sql = D.CreateSyncTrigger(t, "tr", [new FillRule(t, "C", "1")], ["Id"])[0];
        var script = TSqlAssert.Parses(sql);
        Assert.IsType<CreateTriggerStatement>(Assert.Single(Assert.Single(script.Batches).Statements));
        Assert.DoesNotContain(TSqlAssert.Tokens(sql), k => k.TokenType == TSqlTokenType.Drop);
    }

    // ---- backfill and counting ----------------------------------------------------------------------

    /// <summary>The backfill and counting statements over <paramref name="t"/>: (what, sql).</summary>
    private static List<(string What, string Sql)> BackfillStatements(QualifiedName t, string name, List<string> keys, bool hasLower)
    {
        var where = $"{D.Column(N(name, "_new"))} IS NULL";
        return
        [
            ("BatchEnd", D.BatchEnd(t, keys, hasLower)),
            ("MaxKey", D.MaxKey(t, keys)),
            ("UpdateRange", D.UpdateRange(t, keys, hasLower, [(N(name, "_new"), D.Column(name)), ("Other", "(1)")], where)),
            ("CountRange", D.CountRange(t, keys, hasLower, where)),
            ("CountWhere", D.CountWhere(t, where)),
            ("CountRows", D.CountRows(t)),
            ("EvaluateRange", D.EvaluateRange(t, keys, hasLower, D.Converted(D.Column(name), "int"))),
            ("EvaluateRange without key", D.EvaluateRange(t, [], false, D.Column(name))),
            ("CompileExpression", D.CompileExpression(t, D.Column(name), [])),
            ("CompileExpression with planned columns", D.CompileExpression(t, $"UPPER({D.Column(N(name, "_new"))})", [N(name, "_new")])),
            ("VersionHistogram", D.VersionHistogram(t, name)),
            ("VersionHistogramRange", D.VersionHistogramRange(t, keys, hasLower, name)),
            ("VersionHistogram where", D.VersionHistogram(t, name, where)),
            ("VersionHistogramRange where", D.VersionHistogramRange(t, keys, hasLower, name, where)),
            ("TallyBatch", D.TallyBatch(t, new ColumnInfo(keys[0], "int", false, null, null, false, false), hasLower, null, [where, $"{D.Column(name)} = @expected_version"])!),
            ("TallyBatch grouped", D.TallyBatch(t, new ColumnInfo(keys[0], "nvarchar(20)", false, null, null, false, false), hasLower, name, [where])!),
        ];
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Backfill_and_counting_statements_every_spelling(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        foreach (var keyCount in KeyCounts)
            foreach (var hasLower in Both)
                foreach (var (_, sql) in BackfillStatements(t, name, Keys(name, keyCount), hasLower))
                    Check(sql, marker, name: name);
    }

    public static IEnumerable<object[]> KeyCases =>
        from keys in KeyCounts
        from lower in Both
        select new object[] { keys, lower };

    [Theory, MemberData(nameof(KeyCases))]
    public void Backfill_and_counting_statements(int keyCount, bool hasLower)
    {
        var t = TSqlNames.Table(Plain);
        var statements = BackfillStatements(t, Plain, Keys(Plain, keyCount), hasLower).ToDictionary(s => s.What, s => s.Sql);
        foreach (var sql in statements.Values) Check(sql, Plain);
        Assert.Contains("COUNT_BIG(CASE WHEN (", statements["VersionHistogram where"]);

        var batchEnd = statements["BatchEnd"];
        var update = statements["UpdateRange"];
        for (var i = 0; i < keyCount; i++)
        {
            Assert.Contains($"@hi_{i}", batchEnd);
            Assert.Contains($"@end_{i}", update);
            Assert.Equal(hasLower, batchEnd.Contains($"@lo_{i}") && update.Contains($"@lo_{i}"));
        }
        Assert.Contains("TOP (@n)", batchEnd);
        Assert.DoesNotContain("OFFSET", batchEnd, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(hasLower, statements["TallyBatch"].Contains("@lo_0"));
        Assert.Contains("@hi_0", statements["TallyBatch grouped"]);
        // MAX cannot take a bit: the walk reads each range's end apart.
        Assert.Null(D.TallyBatch(t, new ColumnInfo(Plain, "bit", false, null, null, false, false), hasLower, null, []));
    }

    [Fact]
    public void Session_probe_and_preamble_statements()
    {
        TSqlAssert.Parses(D.BeginBackfillSession(), Floor);
        Assert.All(D.EndBackfillBatch(), s => TSqlAssert.Parses(s, Floor));
        foreach (var sql in new[] { D.LoginQuery!, D.AcquireRunnerLock!, D.CheckRunnerLock!, D.ReleaseRunnerLock! }) TSqlAssert.Parses(sql, Floor);
        Assert.Contains("@LockOwner = N'Session'", D.AcquireRunnerLock);
        foreach (var timeout in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10) })
        {
            var pre = Assert.Single(D.DdlPreamble(timeout));
            TSqlAssert.Parses(pre, Floor);
            Assert.Contains($"SET LOCK_TIMEOUT {(long)timeout.TotalMilliseconds};", pre);
            Assert.Contains("SET XACT_ABORT ON;", pre);
        }
    }

    [Theory, MemberData(nameof(SqlServerEditions.Names), MemberType = typeof(SqlServerEditions))]
    public void ThrottleProbe_per_edition(string edition)
    {
        var (_, caps, parser) = SqlServerEditions.Get(edition);
        var sql = D.ThrottleProbe(caps);
        Assert.NotNull(sql);
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, parser);
        foreach (var column in new[] { "LogSendQueueKb", "RedoQueueKb", "LogUsedPercent", "LogWritePercent" }) Assert.Contains($"AS {column}", sql);
        Assert.Equal(caps.EngineEdition == 5, sql.Contains("sys.dm_db_resource_stats"));          // Azure SQL Database only
        Assert.Equal(caps.EngineEdition is not (5 or 8), sql.Contains("sys.dm_hadr_database_replica_states"));
    }

    [Fact]
    public void SplitScript_splits_on_GO_lines_only()
    {
        var batches = D.SplitScript("SELECT 1;\nGO\nSELECT N'GO';\n  go  \nSELECT 2 AS GOAL; -- GO here is not a separator\nGO -- comment\nCREATE VIEW v AS SELECT 1 AS GO_\r\nGO\r\n\r\nGO\n");
        Assert.Equal(["SELECT 1;", "SELECT N'GO';", "SELECT 2 AS GOAL; -- GO here is not a separator", "CREATE VIEW v AS SELECT 1 AS GO_"], batches);
        Assert.All(batches, b => TSqlAssert.Parses(b));
        Assert.Equal(["SELECT 1 AS GONE;"], D.SplitScript("SELECT 1 AS GONE;"));
        Assert.Empty(D.SplitScript("GO\nGO\n"));
    }
}
