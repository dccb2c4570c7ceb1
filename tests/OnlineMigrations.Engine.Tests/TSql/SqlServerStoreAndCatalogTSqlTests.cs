using System.Reflection;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;
using Xunit;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>The state store's SQL on SQL Server and every catalog query parse, on SQL Server 2016 as well
/// as the newest parser. Store schemas that need quoting (<see cref="TSqlNames"/>) are tested once for the
/// store's DDL and once for its queries; the other tests use the default schema.</summary>
public sealed class SqlServerStoreAndCatalogTSqlTests
{
    private const string Default = SqlServerStoreSql.DefaultSchema;

    public static IEnumerable<object[]> Spellings => TSqlNames.Data;

    private static void Check(string sql, string marker, string? schema = null)
    {
        TSqlAssert.Parses(sql);
        TSqlAssert.Parses(sql, SqlVersion.Sql130);
        TSqlAssert.OnlyQuoted(sql, marker);
        if (schema is not null) TSqlAssert.RoundTrips(sql, schema);
    }

    /// <summary>Every DDL statement of every store upgrade, the existence probe, and every statement that
    /// runs through dynamic SQL, EXEC (N'...'): the CREATE SCHEMA, the CREATE VIEWs and the CREATE PROCEDURE
    /// (each inner statement is a batch of its own, and is checked as one).</summary>
    private static IEnumerable<string> StoreDdl(SqlServerStoreSql store)
    {
        var statements = store.Upgrades.SelectMany(u => u).ToList();
        Assert.NotEmpty(statements);
        foreach (var sql in statements) yield return sql;
        yield return store.StoreExists;
        var inner = statements.SelectMany(s => FindInner(TSqlAssert.Parses(s))).ToList();
        // CREATE SCHEMA, the ContractRequests and ObjectVersions views, the Heartbeat procedure's stub.
        Assert.Equal(4, inner.Count);
        Assert.Contains(inner, s => s.StartsWith("CREATE SCHEMA ", StringComparison.Ordinal));
        Assert.Equal(2, inner.Count(s => s.StartsWith("CREATE VIEW ", StringComparison.Ordinal)));
        Assert.Contains(inner, s => s.StartsWith("CREATE PROCEDURE ", StringComparison.Ordinal));
        foreach (var sql in inner) yield return sql;
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Store_DDL_every_spelling(string schema, string marker)
    {
        var store = new SqlServerStoreSql(schema);
        Assert.Equal(StoreSql.CurrentVersion, store.Upgrades.Count);
        foreach (var sql in StoreDdl(store)) Check(sql, marker, schema);
    }

    [Fact]
    public void Every_upgrade_statement_parses()
    {
        var store = new SqlServerStoreSql(Default);
        Assert.Equal(StoreSql.CurrentVersion, store.Upgrades.Count);
        foreach (var sql in StoreDdl(store)) Check(sql, Default);
    }

    /// <summary>The statement each EXEC (N'...') of <paramref name="fragment"/> runs, as the server reads it.</summary>
    internal static List<string> FindInner(TSqlFragment fragment)
    {
        var v = new ExecLiteralVisitor();
        fragment.Accept(v);
        return v.Inner;
    }

    private sealed class ExecLiteralVisitor : TSqlFragmentVisitor
    {
        public List<string> Inner { get; } = [];
        public override void Visit(ExecutableStringList node)
        {
            // Only literals: an EXEC of a variable or an expression cannot be read back here (the dialect's
            // DropColumn builds one; SqlServerDialectTSqlTests parses what it runs).
            Assert.All(node.Strings, s => Assert.IsType<StringLiteral>(s));
            Inner.Add(string.Concat(node.Strings.OfType<StringLiteral>().Select(s => s.Value)));
        }
    }

    private static readonly string[] TimestampColumns = ["ExpandStartedAt", "ExpandedAt", "MigrateStartedAt", "MigratedAt", "ContractStartedAt", "CompletedAt", "RollbackStartedAt", "RolledBackAt"];

    private static IEnumerable<string> QueryProperties() =>
        typeof(StoreSql).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(string) && p.Name is not (nameof(StoreSql.Location))).Select(p => p.Name);

    private static string Query(StoreSql store, string property) => (string)typeof(StoreSql).GetProperty(property)!.GetValue(store)!;

    /// <summary>Every query the store runs: each string property, each timestamp update, each journal read.</summary>
    private static IEnumerable<string> StoreQueries(SqlServerStoreSql store)
    {
        foreach (var p in QueryProperties()) yield return Query(store, p);
        foreach (var column in TimestampColumns) yield return store.SetTimestamp(column);
        foreach (var byMigration in new[] { false, true })
            foreach (var last in new int?[] { null, 20 })
                yield return store.SelectJournal(byMigration, last);
    }

    [Theory, MemberData(nameof(Spellings))]
    public void Store_queries_every_spelling(string schema, string marker)
    {
        var store = new SqlServerStoreSql(schema);
        var queries = StoreQueries(store).ToList();
        Assert.True(queries.Count > 30, $"only {queries.Count} store queries");
        foreach (var sql in queries) Check(sql, marker, schema);
        Assert.StartsWith("schema [", store.Location);
    }

    public static IEnumerable<object[]> QueryCases() => QueryProperties().Select(p => new object[] { p });

    [Theory, MemberData(nameof(QueryCases))]
    public void Every_query_property_parses(string property) => Check(Query(new SqlServerStoreSql(Default), property), Default);

    [Fact]
    public void Parameterised_queries_parse()
    {
        var store = new SqlServerStoreSql(Default);
        foreach (var column in TimestampColumns)
        {
            Assert.Contains(column, StoreSql.MigrationColumns);
            Check(store.SetTimestamp(column), Default);
        }
        foreach (var byMigration in new[] { false, true })
            foreach (var last in new int?[] { null, 20 })
            {
                var sql = store.SelectJournal(byMigration, last);
                Check(sql, Default);
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
        Assert.Superset(new HashSet<string> { "CapabilitiesQuery", "ColumnsQuery", "KeyQuery", "IndexesQuery", "FeaturesQuery", "PermissionQuery", "ModulesQuery", "ReferencedColumnsQuery", "ColumnObjectsQuery", "TableObjectsQuery", "TableExistsQuery", "ObjectExistsQuery", "TriggersQuery" }, names.ToHashSet());
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
