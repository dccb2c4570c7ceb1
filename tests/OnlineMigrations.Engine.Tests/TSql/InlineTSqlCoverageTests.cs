using System.Reflection;
using System.Text.RegularExpressions;
using OnlineMigrations.Engine.Dialects;
using Xunit;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>
/// Every piece of T-SQL written in the product's source is parsed by some test. The parse tests reach SQL
/// through the dialect, the catalog and the store; this test reads the source itself (every .cs file under
/// src/, except the SQLite files), finds each string literal that looks like SQL, and fails when the member
/// it is written in is neither reached by a test known to parse it nor listed as not being SQL that runs on
/// SQL Server. So a new query written inline anywhere (a Scalar("SELECT ...") in a phase, a probe in the
/// connector) fails here until a test parses it; and an entry whose member no longer holds SQL fails too,
/// so the list below says only what is true.
///
/// How a member counts as parsed:
///   - a const string field of <see cref="SqlServerCatalog"/>: <see cref="SqlServerStoreAndCatalogTSqlTests.Every_catalog_query_parses"/>
///     (the field must be one that test's reflection lists);
///   - a public string property of <see cref="StoreSql"/> or <see cref="SqlServerStoreSql"/>: <see cref="SqlServerStoreAndCatalogTSqlTests.Every_query_property_parses"/>
///     and Store_queries_every_spelling (checked the same way);
///   - a public string property of <see cref="SqlServerDialect"/>: <see cref="SqlServerStoreAndCatalogTSqlTests.Every_string_property_of_the_dialect_parses"/>;
///   - any other member: an entry of <see cref="Parsed"/> naming the test methods that parse what it
///     returns (each must exist and be a test).
/// </summary>
public sealed class InlineTSqlCoverageTests
{
    /// <summary>A literal that looks like T-SQL: it begins with a statement keyword, or holds a query's shape
    /// (SELECT ... FROM, EXISTS (SELECT), a catalog view, a system procedure, a NULL test, a session setting).
    /// Keywords are matched in capitals, as the product writes SQL; prose that quotes SQL is listed in
    /// <see cref="NotTSql"/> with the reason.</summary>
    private static readonly Regex LooksLikeTSql = new(
        @"^\s*(?:SELECT|INSERT|UPDATE|DELETE|MERGE|EXEC|EXECUTE|DECLARE|ALTER|CREATE|DROP|TRUNCATE|IF|SET|WITH|BEGIN|COMMIT|ROLLBACK|SAVE|WAITFOR|GRANT|REVOKE|DENY|USE|DBCC|PRAGMA|RETURN)\b"
        + @"|\bSELECT\b[\s\S]*\bFROM\b|\bEXISTS\s*\(\s*SELECT\b|\bsys\.[a-z_]+|\bsp_[a-z_]+|@@[A-Z]+|\bIS\s+(?:NOT\s+)?NULL\b|\b(?:SERVERPROPERTY|SESSION_CONTEXT|DATABASEPROPERTYEX|OBJECT_ID|APPLOCK_MODE|TRIGGER_NESTLEVEL|HAS_PERMS_BY_NAME|QUOTENAME)\s*\(",
        RegexOptions.Compiled);

    /// <summary>Members (file under src/, then the member) whose SQL a parse test reaches through a method,
    /// with the tests that parse it. SqlServerDialectTSqlTests parse at the SQL Server 2016 floor and the
    /// newest parser, per edition where the statement depends on it, and for the T-SQL test engine's
    /// capabilities.</summary>
    private static readonly Dictionary<string, string[]> Parsed = new(StringComparer.Ordinal)
    {
        // ---- SqlServerDialect: each statement family, every identifier spelling, floor and newest parser
        ["SqlServerDialect.cs:CreateTable"] = [Dialect + "Table_statements_every_spelling"],
        ["SqlServerDialect.cs:DropTable"] = [Dialect + "Table_statements_every_spelling"],
        ["SqlServerDialect.cs:RenameTable"] = [Dialect + "Table_statements_every_spelling"],
        ["SqlServerDialect.cs:EstimateRows"] = [Dialect + "Table_statements_every_spelling"],
        ["SqlServerDialect.cs:AddColumn"] = [Dialect + "Column_statements_every_spelling"],
        ["SqlServerDialect.cs:DropColumn"] = [Dialect + "Column_statements_every_spelling", Dialect + "DropColumn_dynamic_drop_of_the_default_every_spelling", Dialect + "Engine_capability_variants_every_spelling"],
        ["SqlServerDialect.cs:MakeNullable"] = [Dialect + "Column_statements_every_spelling"],
        ["SqlServerDialect.cs:MakeNotNull"] = [Dialect + "Column_statements_every_spelling"],
        ["SqlServerDialect.cs:AddDefault"] = [Dialect + "Column_statements_every_spelling"],
        ["SqlServerDialect.cs:RenameColumn"] = [Dialect + "Column_statements_every_spelling"],
        ["SqlServerDialect.cs:DropIndex"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling", Dialect + "Engine_capability_variants_every_spelling"],
        ["SqlServerDialect.cs:RenameIndex"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:CreateSynonym"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:DropSynonym"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:AddForeignKey"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:AddCheckConstraint"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:TrustConstraint"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:DropConstraint"] = [Dialect + "Constraint_synonym_and_index_maintenance_statements_every_spelling"],
        ["SqlServerDialect.cs:Differ"] = [Dialect + "Expressions_every_spelling", Dialect + "Sync_trigger_statements_every_spelling"],
        // Enterprise, 2019+ (RESUMABLE) and 2022+ (WAIT_AT_LOW_PRIORITY): no engine here runs these, the parser
        // of each version is the only check.
        ["SqlServerDialect.cs:IndexBody"] = [Dialect + "CreateIndex_every_spelling", Dialect + "CreateIndex_per_edition"],
        ["SqlServerDialect.cs:IndexOptions"] = [Dialect + "CreateIndex_every_spelling", Dialect + "CreateIndex_per_edition", Dialect + "CreateIndex_capability_matrix"],
        ["SqlServerDialect.cs:CreateIndex"] = [Dialect + "CreateIndex_every_spelling", Dialect + "CreateIndex_per_edition", Dialect + "Engine_capability_variants_every_spelling"],
        ["SqlServerDialect.cs:AbortIndexBuild"] = [Dialect + "AbortIndexBuild_per_edition", Operations + "Every_operation_per_edition"],
        ["SqlServerDialect.cs:ThrottleProbe"] = [Dialect + "ThrottleProbe_per_edition"],
        ["SqlServerDialect.cs:CreateSyncTrigger"] = [Dialect + "Sync_trigger_statements_every_spelling", Dialect + "CreateSyncTrigger_with_every_rule_kind", Dialect + "Engine_capability_variants_every_spelling"],
        ["SqlServerDialect.cs:NestLevelGuard"] = [Dialect + "CreateSyncTrigger_with_every_rule_kind", Dialect + "Engine_capability_variants_every_spelling"],
        ["SqlServerDialect.cs:DropSyncTrigger"] = [Dialect + "Sync_trigger_statements_every_spelling"],
        // SESSION_CONTEXT, LOCK_TIMEOUT / XACT_ABORT
        ["SqlServerDialect.cs:BeginBackfillSession"] = [Dialect + "Session_probe_and_preamble_statements"],
        ["SqlServerDialect.cs:EndBackfillBatch"] = [Dialect + "Session_probe_and_preamble_statements"],
        ["SqlServerDialect.cs:DdlPreamble"] = [Dialect + "Session_probe_and_preamble_statements"],
        // ---- the keyset statements the dialect delegates to (the LIMIT form of First is SQLite's)
        ["KeysetStatements.cs:First"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:UpdateRange"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:CountRange"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:EvaluateRange"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:CompileExpression"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:CountWhere"] = [Dialect + "Backfill_and_counting_statements_every_spelling", Dialect + "Expressions_every_spelling"],
        ["KeysetStatements.cs:CountRows"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:VersionHistogram"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:VersionHistogramRange"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:TallyBatch"] = [Dialect + "Backfill_and_counting_statements_every_spelling"],
        ["KeysetStatements.cs:VersionOlder"] = [Dialect + "Expressions_every_spelling"],
        // ---- the store's parameterised queries and its DDL (with the statements its dynamic SQL runs)
        ["StoreSql.cs:SetTimestamp"] = [Store + "Parameterised_queries_parse", Store + "Store_queries_every_spelling"],
        ["SqlServerStoreSql.cs:SelectJournal"] = [Store + "Parameterised_queries_parse", Store + "Store_queries_every_spelling"],
        ["SqlServerStoreSql.cs:Upgrades"] = [Store + "Every_upgrade_statement_parses", Store + "Store_DDL_every_spelling"],
        // ---- predicates the operations hand to CountWhere / CountRange / UpdateRange, planned in full
        ["AddColumn.cs:Unwritten"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["AddColumn.cs:StillToFill"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["AddColumn.cs:Remaining"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["AddColumn.cs:RollbackLoss"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["AddForeignKey.cs:Violations"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["AlterColumn.cs:Remaining"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
        ["DropColumn.cs:RollbackLoss"] = [Operations + "Every_operation_plans_valid_TSql_every_spelling", Operations + "Every_operation_per_edition"],
    };

    private const string Dialect = nameof(SqlServerDialectTSqlTests) + ".";
    private const string Store = nameof(SqlServerStoreAndCatalogTSqlTests) + ".";
    private const string Operations = nameof(SqlServerOperationsTSqlTests) + ".";

    /// <summary>Members whose literals look like SQL but are not T-SQL sent to SQL Server: why, and the pattern
    /// each such literal of the member matches (a literal of the member that does not match is still reported).</summary>
    private static readonly Dictionary<string, (string Reason, string Pattern)> NotTSql = new(StringComparer.Ordinal)
    {
        ["Connector.cs:OpenSqlite"] = ("SQLite's PRAGMAs, run only on a SQLite connection", @"^PRAGMA busy_timeout = 10000; (?:PRAGMA journal_mode = WAL; )?SELECT COUNT\(\*\) FROM sqlite_master;$"),
        ["SqlFieldText.cs:StatementKeywords"] = ("the statement keywords a migration file's SQL fields are checked for", @"^[A-Z]+$"),
        ["SqlServerLint.cs:Visitor"] = ("the lint's findings about a user's script (which it reads with ScriptDom), and the procedure name it looks for", @"^(?:sp_rename$|[A-Za-z_ .]+ (?:removes|renames|changes) )"),
        ["SqlServerLint.cs:Rules"] = ("the lint's findings, for engines whose scripts ScriptDom does not read", @"^(?:DROP|ALTER TABLE \.\.\. (?:DROP|RENAME)|DELETE without WHERE) (?:COLUMN )?(?:removes|renames)"),
        ["SqlServerDialect.cs:UntrustedLacking"] = ("the name of a missing feature, in a refusal message", @"^WITH NOCHECK ADD CONSTRAINT$"),
        ["SqlServerCatalog.cs:Dependents"] = ("a hint in an error message: the statement an administrator runs", @"^GRANT VIEW DEFINITION TO <the login's user>;"),
        ["FinalNotNull.cs:Steps"] = ("the reason a step is offline, a message", @"^ALTER COLUMN \.\.\. NOT NULL on "),
        ["AddCheckConstraint.cs:Contract"] = ("the reason a step is offline, a message (the statement is the dialect's TrustConstraint)", @"^WITH CHECK CHECK CONSTRAINT \{…\} scans "),
        ["AddForeignKey.cs:Contract"] = ("the reason a step is offline, a message (the statement is the dialect's TrustConstraint)", @"^WITH CHECK CHECK CONSTRAINT \{…\} scans "),
        ["RenameColumn.cs:KeyColumnFix"] = ("part of a refusal message", @"^\(sp_rename on SQL Server, ALTER TABLE \.\.\. RENAME COLUMN on SQLite\)"),
        ["RunnerLock.cs:Acquire"] = ("part of the RunnerBusy message (the lock's statements are the dialect's AcquireRunnerLock, CheckRunnerLock, ReleaseRunnerLock)", @"^ \(sp_getapplock returned \{…\}\)$"),
    };

    internal static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "src", "OnlineMigrations.Engine", "OnlineMigrations.Engine.csproj")))
                return Path.Combine(dir.FullName, "src");
        throw new Xunit.Sdk.XunitException($"The product's source (src/OnlineMigrations.Engine) was not found above {AppContext.BaseDirectory}: this test reads it.");
    }

    /// <summary>Every .cs file under src/ that can send SQL to SQL Server: not bin/ or obj/, not the SQLite dialect's files.</summary>
    internal static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj") && !Path.GetFileName(f).StartsWith("Sqlite", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    internal static List<CSharpLiteral> TSqlLiterals()
    {
        var root = SourceRoot();
        return SourceFiles(root)
            .SelectMany(f => CSharpLiterals.Scan(f, File.ReadAllText(Path.Combine(root, f))))
            .Where(l => LooksLikeTSql.IsMatch(l.Text)).ToList();
    }

    private static string Key(CSharpLiteral l) => $"{Path.GetFileName(l.File)}:{l.Member}";

    private static HashSet<string> ReflectedStrings(Type type, bool constants) =>
        (constants
            ? type.GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => f.Name)
            : type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(string)).Select(p => p.Name))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>How the member is parsed by a reflection-driven test, or null.</summary>
    private static string? CoveredByReflection(string key)
    {
        var (file, member) = (key[..key.IndexOf(':')], key[(key.IndexOf(':') + 1)..]);
        var catalog = SqlServerStoreAndCatalogTSqlTests.CatalogQueries.Select(o => (string)o[0]).ToHashSet(StringComparer.Ordinal);
        var storeProperties = SqlServerStoreAndCatalogTSqlTests.QueryCases().Select(o => (string)o[0]).ToHashSet(StringComparer.Ordinal);
        return file switch
        {
            "SqlServerCatalog.cs" when catalog.Contains(member) => nameof(SqlServerStoreAndCatalogTSqlTests.Every_catalog_query_parses),
            "StoreSql.cs" or "SqlServerStoreSql.cs" when storeProperties.Contains(member) => nameof(SqlServerStoreAndCatalogTSqlTests.Every_query_property_parses),
            "SqlServerDialect.cs" when ReflectedStrings(typeof(SqlServerDialect), false).Contains(member) && member != nameof(SqlServerDialect.ObjectVersionType)
                => nameof(SqlServerStoreAndCatalogTSqlTests.Every_string_property_of_the_dialect_parses),
            _ => null,
        };
    }

    [Fact]
    public void Every_inline_TSql_text_in_src_is_parsed_by_a_test()
    {
        var literals = TSqlLiterals();
        var problems = new List<string>();
        foreach (var group in literals.GroupBy(Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (CoveredByReflection(group.Key) is not null || Parsed.ContainsKey(group.Key)) continue;
            if (NotTSql.TryGetValue(group.Key, out var prose))
            {
                foreach (var l in group.Where(l => !Regex.IsMatch(l.Text, prose.Pattern)))
                    problems.Add($"{group.Key} is listed as not T-SQL ({prose.Reason}), but this literal of it does not match /{prose.Pattern}/:\n      {l}");
                continue;
            }
            problems.Add($"{group.Key}: no test is known to parse its T-SQL. Parse it with TSqlAssert (at SqlVersion.Sql130 and the newest parser) and add it to Parsed, "
                         + "or make it a const field of SqlServerCatalog / a string property of StoreSql or SqlServerDialect, which the reflection tests parse:\n      "
                         + string.Join("\n      ", group));
        }
        var keys = literals.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Parsed.Keys.Concat(NotTSql.Keys).Where(k => !keys.Contains(k)))
            problems.Add($"{stale}: listed here, but no member of that name in src/ holds a literal that looks like T-SQL any more: remove or rename the entry");
        foreach (var both in Parsed.Keys.Where(k => NotTSql.ContainsKey(k) || CoveredByReflection(k) is not null))
            problems.Add($"{both}: listed twice (Parsed and NotTSql, or Parsed although a reflection test covers it)");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Listed_tests_exist()
    {
        var tests = typeof(InlineTSqlCoverageTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods().Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()).Select(m => $"{t.Name}.{m.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        var missing = Parsed.SelectMany(p => p.Value.Where(t => !tests.Contains(t)).Select(t => $"{p.Key}: {t}")).ToList();
        Assert.True(missing.Count == 0, "named tests that do not exist (or are not [Fact]/[Theory]):\n" + string.Join("\n", missing));
        Assert.All(Parsed, p => Assert.NotEmpty(p.Value));
        Assert.All(NotTSql, p => Assert.False(string.IsNullOrWhiteSpace(p.Value.Reason)));
    }
    /// <summary>The scan sees the SQL it must see: if the lexer lost its way in a file, these would go missing.</summary>
    [Fact]
    public void Scan_finds_the_known_SQL()
    {
        var root = SourceRoot();
        Assert.True(SourceFiles(root).Count() > 50, "too few source files under src/");
        Assert.DoesNotContain(SourceFiles(root), f => Path.GetFileName(f).StartsWith("Sqlite", StringComparison.Ordinal));
        var keys = TSqlLiterals().Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var known in new[]
        {
            "SqlServerCatalog.cs:CapabilitiesQuery", "SqlServerCatalog.cs:TableExistsQuery", "SqlServerCatalog.cs:TriggersQuery", "SqlServerCatalog.cs:UnreportedFilterQuery",
            "SqlServerDialect.cs:CreateSyncTrigger", "SqlServerDialect.cs:AcquireRunnerLock", "SqlServerDialect.cs:ThrottleProbe", "SqlServerDialect.cs:DdlPreamble",
            "SqlServerStoreSql.cs:Upgrades", "SqlServerStoreSql.cs:Heartbeat", "StoreSql.cs:DeleteMigration", "StoreSql.cs:DeleteAllStepsDone", "KeysetStatements.cs:UpdateRange",
        })
            Assert.Contains(known, keys);
        // Every file whose literals were scanned ends where it should: no literal runs past the end.
        foreach (var f in SourceFiles(root)) _ = CSharpLiterals.Scan(f, File.ReadAllText(Path.Combine(root, f)));
    }

    [Fact]
    public void Lexer_reads_every_kind_of_literal()
    {
        const string source = """"
            namespace N;
            public sealed class C
            {
                // "SELECT in a comment" is not a literal
                private const char Q = '"';
                internal const string A = "SELECT 1 FROM \"t\";";
                public string B(string x) => $"UPDATE {Q(x, "inner {")} SET a = {{1}}";
                public IReadOnlyList<(string A, int B)> D(int y) => [@"DELETE ""x""", $@"EXEC {y}"];
                public string E => $$"""
                    IF {{Cond("}")}} SELECT '{x}';
                    """;
                private static readonly (string A, int B)[] F = [("""DROP TABLE t;""", 1)];
                public void G()
                {
                    string Local() => "INSERT local";
                }
            }
            """";
        var literals = CSharpLiterals.Scan("C.cs", source).Select(l => (l.Member, l.Text)).ToList();
        Assert.Equal(
        [
            ("A", "SELECT 1 FROM \"t\";"),
            ("B", "UPDATE {…} SET a = {1}"),
            ("B", "inner {"),
            ("D", "DELETE \"x\""),
            ("D", "EXEC {…}"),
            ("E", "IF {…} SELECT '{x}';"),
            ("E", "}"),
            ("F", "DROP TABLE t;"),
            ("G", "INSERT local"),
        ], literals.Select(l => (l.Member, l.Text.Trim())).ToList());
    }
}
