using Microsoft.SqlServer.TransactSql.ScriptDom;
using OnlineMigrations.Engine.Dialects;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>Server capabilities as <see cref="SqlServerCatalog.FromServerProperties"/> derives them from
/// SERVERPROPERTY('EngineEdition') and ProductMajorVersion, with the parser of each version.</summary>
public static class SqlServerEditions
{
    public static readonly ServerCapabilities Standard2016 = SqlServerCatalog.FromServerProperties(2, 13, "Standard Edition 13.0");
    public static readonly ServerCapabilities Enterprise2017 = SqlServerCatalog.FromServerProperties(3, 14, "Enterprise Edition 14.0");
    public static readonly ServerCapabilities Enterprise2019 = SqlServerCatalog.FromServerProperties(3, 15, "Enterprise Edition 15.0");
    public static readonly ServerCapabilities Enterprise2022 = SqlServerCatalog.FromServerProperties(3, 16, "Enterprise Edition 16.0");
    public static readonly ServerCapabilities AzureSqlDatabase = SqlServerCatalog.FromServerProperties(5, 12, "SQL Azure 12.0");
    public static readonly ServerCapabilities ManagedInstance = SqlServerCatalog.FromServerProperties(8, 16, "SQL Azure 16.0");

    public static readonly (string Name, ServerCapabilities Caps, SqlVersion Parser)[] All =
    [
        ("Standard2016", Standard2016, SqlVersion.Sql130),
        ("Enterprise2017", Enterprise2017, SqlVersion.Sql140),
        ("Enterprise2019", Enterprise2019, SqlVersion.Sql150),
        ("Enterprise2022", Enterprise2022, SqlVersion.Sql160),
        ("AzureSqlDatabase", AzureSqlDatabase, TSqlAssert.Newest),
        ("ManagedInstance", ManagedInstance, TSqlAssert.Newest),
    ];

    public static (string Name, ServerCapabilities Caps, SqlVersion Parser) Get(string name) => All.Single(e => e.Name == name);
    public static IEnumerable<object[]> Names => All.Select(e => new object[] { e.Name });
}
