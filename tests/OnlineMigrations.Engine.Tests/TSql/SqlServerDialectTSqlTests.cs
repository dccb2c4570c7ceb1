using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using Xunit;
using ColumnDefinition = OnlineMigrations.Engine.Model.ColumnDefinition;
using Names = OnlineMigrations.Engine.Model.Names;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>Every statement <see cref="SqlServerDialect"/> generates parses, on the oldest version that
/// runs it (SQL Server 2016 unless the statement is gated on a newer version), with identifiers that
/// need quoting as schema, table, column and index names; and those identifiers appear only quoted.</summary>
public sealed class SqlServerDialectTSqlTests
{
    private static readonly SqlServerDialect D = new();
    private const SqlVersion Floor = SqlVersion.Sql130;

    /// <summary>A name derived from <paramref name="name"/> that stays within the 128-character limit.</summary>
    private static string N(string name, string suffix) => (name.Length + suffix.Length > 128 ? name[..(128 - suffix.Length)] : name) + suffix;

    /// <summary>Parses with the newest and the 2016 parser and checks the marker is only ever quoted.</summary>
    private static void Check(string sql, string marker, SqlVersion floor = Floor)
    {
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, floor);
        TSqlAssert.OnlyQuoted(sql, marker);
    }

    private static void Check(IEnumerable<string> sql, string marker, SqlVersion floor = Floor)
    {
        var list = sql.ToList();
        Assert.NotEmpty(list);
        foreach (var s in list) Check(s, marker, floor);
    }

    public static IEnumerable<object[]> NameData => TSqlNames.Data;

    [Theory, MemberData(nameof(NameData))]
    public void CreateTable_with_composite_key_identity_defaults_and_collation(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.CreateTable(t,
        [
            new ColumnDefinition(name, "int", Nullable: false, Identity: true),
            new ColumnDefinition(N(name, "2"), "nvarchar(50)", Nullable: false, Default: "N'x'", Collation: "Latin1_General_CI_AS"),
            new ColumnDefinition("Other", "decimal(18, 2)", Nullable: true, Default: "(0)"),
            new ColumnDefinition("Created", "datetime2(3)", Nullable: false, Default: "SYSUTCDATETIME()"),
        ], [name, N(name, "2")]), marker);
        Check(D.CreateTable(t, [new ColumnDefinition(name, "bigint", Nullable: false, PrimaryKey: true), new ColumnDefinition("v", "int")], []), marker);
        Check(D.CreateTable(t, [new ColumnDefinition(name, "int")], []), marker);
    }

    [Theory, MemberData(nameof(NameData))]
    public void Column_statements(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.DropTable(t), marker);
        Check(D.AddColumn(t, new ColumnDefinition(name, "nvarchar(32)")), marker);
        Check(D.AddColumn(t, new ColumnDefinition(name, "int", Nullable: false, Default: "0")), marker);
        Check(D.AddColumn(t, new ColumnDefinition(name, "varchar(32)", Nullable: true, Default: "'1.0'", Collation: "Latin1_General_BIN2")), marker);
        Check(D.DropColumn(t, name), marker);
        Check(D.MakeNullable(t, new ColumnInfo(name, "nvarchar(max)", false, "SQL_Latin1_General_CP1_CI_AS", null, false, false)), marker);
        Check(D.MakeNullable(t, new ColumnInfo(name, "int", false, null, "(0)", false, false)), marker);
        Check(D.MakeNotNull(t, name, "decimal(18, 2)"), marker);
        foreach (var type in new[] { "int", "bigint", "nvarchar(64)", "varbinary(16)", "uniqueidentifier", "datetime2(7)", "datetimeoffset(7)", "date", "time(7)", "decimal(18, 2)", "bit" })
            Check(D.AddDefault(t, name, N(name, "_df"), D.Placeholder(type)), marker);
        Check(D.EstimateRows(t), marker);
        Check(D.RenameColumn(t, name, N(name, "_new")), marker);
        Check(D.RenameTable(t, new QualifiedName(name, N(name, "_new"))), marker);
    }

    [Theory, MemberData(nameof(NameData))]
    public void Constraint_synonym_and_index_maintenance_statements(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        var other = new QualifiedName(name, "Parent " + name[..Math.Min(name.Length, 100)]);
        Check(D.DropIndex(t, name), marker);
        Check(D.RenameIndex(t, name, new IndexSpec(t, N(name, "_new"), [name], [], false, null)), marker);
        Check(D.CreateSynonym(new QualifiedName(name, N(name, "_syn")), t), marker);
        Check(D.DropSynonym(new QualifiedName(name, N(name, "_syn"))), marker);
        Check(D.AddForeignKey(t, name, [name], other, [name]), marker);
        Check(D.AddForeignKey(t, "FK_" + name[..Math.Min(name.Length, 100)], [name, "b", N(name, "c")], other, ["x", name, "z"]), marker);
        Check(D.AddCheckConstraint(t, name, $"{D.Quote(name)} > 0"), marker);
        Check(D.TrustConstraint(t, name), marker);
        Check(D.DropConstraint(t, name), marker);
    }

    [Theory, MemberData(nameof(NameData))]
    public void Expressions(string name, string marker)
    {
        var t = TSqlNames.Table(name);
        Check(D.CountWhere(t, D.Differ(D.Column(name), D.Column(N(name, "2")))), marker);
        Check(D.CountWhere(t, D.VersionOlder(name, [])), marker);
        Check(D.CountWhere(t, D.VersionOlder(name, ["@v0", "@v1"])), marker);
        Assert.Equal("[" + name.Replace("]", "]]") + "]", D.Quote(name));
        Assert.Equal("N'" + name.Replace("'", "''") + "'", D.Literal(name));
    }

    // ---- indexes ------------------------------------------------------------------------------------

    public static IEnumerable<object[]> IndexCases =>
        from e in SqlServerEditions.All
        from filter in new[] { false, true }
        from include in new[] { false, true }
        from unique in new[] { false, true }
        from n in TSqlNames.All
        select new object[] { e.Name, filter, include, unique, n.Name, n.Marker };

    [Theory, MemberData(nameof(IndexCases))]
    public void CreateIndex_per_edition(string edition, bool filter, bool include, bool unique, string name, string marker)
    {
        var (_, caps, parser) = SqlServerEditions.Get(edition);
        var t = TSqlNames.Table(name);
        var spec = new IndexSpec(t, name, [name, "b"], include ? [N(name, "_inc"), "c"] : [], unique, filter ? $"{D.Quote(name)} IS NOT NULL" : null);
        var step = D.CreateIndex("create index", spec, caps, allowOffline: true);
        var sql = Assert.Single(step.Statements);
        Check(sql, marker, parser);
        if (step.DoneProbe is not null) Check(step.DoneProbe, marker, parser);

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

    public static IEnumerable<object[]> TriggerCases =>
        from n in TSqlNames.All
        from keys in new[] { 1, 3 }
        select new object[] { n.Name, n.Marker, keys };

    [Theory, MemberData(nameof(TriggerCases))]
    public void CreateSyncTrigger_with_every_rule_kind(string name, string marker, int keyCount)
    {
        var t = TSqlNames.Table(name);
        var keys = Enumerable.Range(0, keyCount).Select(i => i == 0 ? name : N(name, $"_k{i}")).ToList();
        var col = D.Column(N(name, "_old"));
        SyncRule[][] ruleSets =
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
        foreach (var rules in ruleSets)
        {
            var statements = D.CreateSyncTrigger(t, Names.SyncTrigger(t, "0001_" + name), rules, keys);
            var sql = Assert.Single(statements);
            Check(sql, marker);
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
        Check(D.DropSyncTrigger(t, Names.SyncTrigger(t, "0001_" + name)), marker);
        Assert.Equal([Names.SyncTrigger(t, "x")], D.SyncTriggerObjects(Names.SyncTrigger(t, "x")));
    }

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

    public static IEnumerable<object[]> KeyCases =>
        from n in TSqlNames.All
        from keys in new[] { 1, 3 }
        from lower in new[] { false, true }
        select new object[] { n.Name, n.Marker, keys, lower };

    [Theory, MemberData(nameof(KeyCases))]
    public void Backfill_and_counting_statements(string name, string marker, int keyCount, bool hasLower)
    {
        var t = TSqlNames.Table(name);
        var keys = Enumerable.Range(0, keyCount).Select(i => i == 0 ? name : N(name, $"_k{i}")).ToList();
        var where = $"{D.Column(N(name, "_new"))} IS NULL";
        var batchEnd = D.BatchEnd(t, keys, hasLower);
        Check(batchEnd, marker);
        Check(D.MaxKey(t, keys), marker);
        var update = D.UpdateRange(t, keys, hasLower, [(N(name, "_new"), D.Column(name)), ("Other", "(1)")], where);
        Check(update, marker);
        Check(D.CountRange(t, keys, hasLower, where), marker);
        Check(D.CountWhere(t, where), marker);
        Check(D.CountRows(t), marker);
        Check(D.EvaluateRange(t, keys, hasLower, D.Converted(D.Column(name), "int")), marker);
        Check(D.EvaluateRange(t, [], false, D.Column(name)), marker);
        Check(D.CompileExpression(t, D.Column(name), []), marker);
        Check(D.CompileExpression(t, $"UPPER({D.Column(N(name, "_new"))})", [N(name, "_new")]), marker);
        Check(D.VersionHistogram(t, name), marker);
        Check(D.VersionHistogramRange(t, keys, hasLower, name), marker);
        Check(D.VersionHistogram(t, name, where), marker);
        Check(D.VersionHistogramRange(t, keys, hasLower, name, where), marker);
        Assert.Contains("COUNT_BIG(CASE WHEN (", D.VersionHistogram(t, name, where));

        for (var i = 0; i < keyCount; i++)
        {
            Assert.Contains($"@hi_{i}", batchEnd);
            Assert.Contains($"@end_{i}", update);
            Assert.Equal(hasLower, batchEnd.Contains($"@lo_{i}") && update.Contains($"@lo_{i}"));
        }
        Assert.Contains("TOP (@n)", batchEnd);
        Assert.DoesNotContain("OFFSET", batchEnd, StringComparison.OrdinalIgnoreCase);
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
