using Xunit;
using Xunit.Sdk;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>The harness must fail on broken T-SQL, or every test built on it proves nothing.</summary>
public sealed class TSqlAssertSelfTests
{
    [Fact]
    public void Accepts_valid_TSql() => TSqlAssert.Parses("SELECT [a] FROM [dbo].[t] WHERE [b] = N'it''s';");

    [Theory]
    [InlineData("SELECT 1 FROM;")] // (not "SELEC 1": a bare name first in a batch is a valid EXEC)
    [InlineData("SELECT * FROM [dbo].[t WHERE 1 = 1;")]
    [InlineData("ALTER TABLE [dbo].[t] ADD;")]
    [InlineData("UPDATE [dbo].[t] SET [a] = N'unterminated;")]
    [InlineData("CREATE INDEX [ix] ON [dbo].[t] ([a]) WITH (ONLINE = ON;")]
    public void Fails_on_broken_TSql_with_statement_and_error_position(string sql)
    {
        var e = Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses(sql));
        Assert.Contains(sql, e.Message);
        Assert.Matches(@"line \d+, column \d+", e.Message);
    }

    [Fact]
    public void Reports_every_error()
    {
        var e = Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses("SELECT FROM;\nUPDATE SET;"));
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void Fails_on_a_list_with_one_broken_statement() =>
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses(["SELECT 1;", "SELECT FROM WHERE;"]));

    [Fact]
    public void Fails_on_empty_sql() => Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses("   "));

    [Fact]
    public void Fails_on_GO_inside_a_generated_string() =>
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses("SELECT 1;\nGO\nSELECT 2;"));

    [Fact]
    public void Fails_when_CREATE_TRIGGER_is_not_alone_in_its_batch() =>
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses(
            "DROP TRIGGER IF EXISTS [dbo].[tr];\nCREATE TRIGGER [dbo].[tr] ON [dbo].[t] AFTER INSERT AS BEGIN SET NOCOUNT ON; END"));

    [Fact]
    public void Fails_on_ORDER_BY_in_a_derived_table_without_TOP() =>
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses("SELECT a FROM (SELECT a FROM [dbo].[t] ORDER BY a DESC) AS j ORDER BY a;"));

    [Fact]
    public void Accepts_ORDER_BY_in_a_derived_table_with_TOP() =>
        TSqlAssert.Parses("SELECT a FROM (SELECT TOP (@n) a FROM [dbo].[t] ORDER BY a DESC) AS j ORDER BY a;");

    [Fact]
    public void Version_floor_rejects_newer_syntax() =>
        // IS DISTINCT FROM arrived with SQL Server 2022.
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.Parses("SELECT 1 WHERE 1 IS DISTINCT FROM 2;", Microsoft.SqlServer.TransactSql.ScriptDom.SqlVersion.Sql130));

    [Fact]
    public void OnlyQuoted_fails_on_an_unquoted_identifier()
    {
        TSqlAssert.OnlyQuoted("SELECT [x;--drop] FROM [dbo].[t] WHERE [a] = N'x;--drop';", ";--drop");
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.OnlyQuoted("SELECT x;--drop\nFROM [dbo].[t];", ";--drop"));
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.OnlyQuoted("SELECT [we]ird] FROM [dbo].[t];", "we]"));
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.OnlyQuoted("SELECT 'has space' FROM has space;", "has space"));
    }

    [Fact]
    public void RoundTrips_fails_when_the_name_reads_back_as_another()
    {
        TSqlAssert.RoundTrips("SELECT [we]]ird] FROM [dbo].[t];", "we]ird");
        TSqlAssert.RoundTrips("SELECT OBJECT_ID(N'[it''s].[t]');", "it's");
        TSqlAssert.RoundTrips("EXEC sp_rename N'[dbo].[t].[a]', N'it''s', N'COLUMN';", "it's");
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.RoundTrips("SELECT [it''s] FROM [dbo].[t];", "it's"));
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.RoundTrips("SELECT [has_space] FROM [dbo].[t];", "has space"));
        Assert.ThrowsAny<XunitException>(() => TSqlAssert.RoundTrips("SELECT OBJECT_ID(N'[we]ird].[t]');", "we]ird"));
    }
}
