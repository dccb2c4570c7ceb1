using System.Reflection;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;
using Xunit;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>The state store's SQL on SQL Server (with store schemas that need quoting) and every catalog
/// query parse, on SQL Server 2016 as well as the newest parser.</summary>
public sealed class SqlServerStoreAndCatalogTSqlTests
{
    public static IEnumerable<object[]> Schemas =>
        TSqlNames.Data.Prepend([SqlServerStoreSql.DefaultSchema, SqlServerStoreSql.DefaultSchema]);

    private static void Check(string sql, string marker)
    {
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, SqlVersion.Sql130);
        TSqlAssert.OnlyQuoted(sql, marker);
    }

    [Theory, MemberData(nameof(Schemas))]
    public void Every_upgrade_statement_parses(string schema, string marker)
    {
        var store = new SqlServerStoreSql(schema);
        var upgrades = store.Upgrades.Count;
        Assert.Equal(StoreSql.CurrentVersion, upgrades);
        var statements = store.Upgrades.SelectMany(u => u).ToList();
        Assert.NotEmpty(statements);
        foreach (var sql in statements) Check(sql, marker);
        Check(store.StoreExists, marker);

        // CREATE SCHEMA runs through dynamic SQL: check the inner statement too.
        var createSchema = TSqlAssert.Parses(statements[0]);
        var literal = FindInner(createSchema);
        Assert.NotNull(literal);
        Check(literal, marker);
    }

    private static string? FindInner(TSqlFragment fragment)
    {
        var v = new ExecLiteralVisitor();
        fragment.Accept(v);
        return v.Inner;
    }

    private sealed class ExecLiteralVisitor : TSqlFragmentVisitor
    {
        public string? Inner { get; private set; }
        public override void Visit(ExecutableStringList node) =>
            Inner ??= string.Concat(node.Strings.OfType<StringLiteral>().Select(s => s.Value));
    }

    public static IEnumerable<object[]> QueryCases()
    {
        foreach (var n in Schemas)
            foreach (var p in typeof(StoreSql).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(string)))
                if (p.Name is not (nameof(StoreSql.Location)))
                    yield return [n[0], n[1], p.Name];
    }

    [Theory, MemberData(nameof(QueryCases))]
    public void Every_query_property_parses(string schema, string marker, string property)
    {
        var store = new SqlServerStoreSql(schema);
        var sql = (string)typeof(StoreSql).GetProperty(property)!.GetValue(store)!;
        Check(sql, marker);
    }

    [Theory, MemberData(nameof(Schemas))]
    public void Parameterised_queries_parse(string schema, string marker)
    {
        var store = new SqlServerStoreSql(schema);
        foreach (var column in new[] { "ExpandStartedAt", "ExpandedAt", "MigrateStartedAt", "MigratedAt", "ContractStartedAt", "CompletedAt", "RollbackStartedAt", "RolledBackAt" })
        {
            Assert.Contains(column, StoreSql.MigrationColumns);
            Check(store.SetTimestamp(column), marker);
        }
        foreach (var byMigration in new[] { false, true })
            foreach (var last in new int?[] { null, 20 })
            {
                var sql = store.SelectJournal(byMigration, last);
                Check(sql, marker);
                Assert.Equal(byMigration, sql.Contains("@id"));
                Assert.Equal(last is not null, sql.Contains("TOP (@last)"));
                Assert.EndsWith("ORDER BY Id;", sql);
            }
        Assert.Contains("schema [", store.Location);
    }

    [Fact]
    public void Store_DDL_is_idempotent_and_batch_safe()
    {
        var store = new SqlServerStoreSql(SqlServerStoreSql.DefaultSchema);
        foreach (var sql in store.Upgrades[0])
        {
            var statement = Assert.Single(Assert.Single(TSqlAssert.Parses(sql).Batches).Statements);
            // Each entry can run again after a partial upgrade: guarded by IF, or an ALTER of what an IF created
            // (never drop and create: the grants on the view and the procedure must survive).
            Assert.True(statement is IfStatement or AlterProcedureStatement or CreateOrAlterViewStatement or CreateOrAlterProcedureStatement,
                $"not idempotent: {statement.GetType().Name}\n{sql}");
        }
    }

    public static IEnumerable<object[]> CatalogQueries =>
        typeof(SqlServerCatalog).GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name != nameof(SqlServerCatalog.UnknownFilter)).Select(f => new object[] { f.Name });

    [Theory, MemberData(nameof(CatalogQueries))]
    public void Every_catalog_query_parses(string field)
    {
        var sql = (string)typeof(SqlServerCatalog).GetField(field, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, SqlVersion.Sql130);
    }

    [Fact]
    public void Catalog_query_list_is_complete()
    {
        var names = CatalogQueries.Select(o => (string)o[0]).ToList();
        Assert.Superset(new HashSet<string> { "CapabilitiesQuery", "ColumnsQuery", "KeyQuery", "IndexesQuery", "FeaturesQuery", "PermissionQuery", "ModulesQuery", "ReferencedColumnsQuery", "ColumnObjectsQuery", "TableObjectsQuery" }, names.ToHashSet());
    }

    [Fact]
    public void Every_string_property_of_the_dialect_parses()
    {
        // Statements exposed as properties (for example the runner lock) are covered whatever their name.
        var d = new SqlServerDialect();
        var props = typeof(SqlServerDialect).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(string) && p.Name != nameof(SqlServerDialect.ObjectVersionType)).ToList();
        foreach (var p in props)
            if (p.GetValue(d) is string sql) { TSqlAssert.Parses(sql); TSqlAssert.Parses(sql, SqlVersion.Sql130); }
    }
}
