using OnlineMigrations.Engine.Dialects;
using Xunit;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>The expand lint finds destructive statements, with their lines, in multi-batch scripts.</summary>
public sealed class SqlServerLintTSqlTests
{
    private static readonly SqlServerDialect D = new();

    private const string Script = """
        -- expand script
        ALTER TABLE [dbo].[T] ADD [New] int NULL;
        CREATE INDEX [IX_T_New] ON [dbo].[T] ([New]);
        GO
        UPDATE [dbo].[T] SET [New] = 1 WHERE [New] IS NULL;
        DELETE FROM [dbo].[T] WHERE [Id] < 0;
        GO
        DROP TABLE [dbo].[Old];
        ALTER TABLE [dbo].[T]
            DROP COLUMN [Legacy];
        GO
        TRUNCATE TABLE [dbo].[Log];
        DELETE FROM [dbo].[Audit];
        GO
        EXEC sys.sp_rename @objname = N'[dbo].[T].[A]', @newname = N'B', @objtype = N'COLUMN';
        EXEC sp_rename 'dbo.T.C', 'D', 'COLUMN';
        ALTER TABLE [dbo].[T] ALTER COLUMN [Size] smallint NULL;
        go
        SELECT 1;
        """;

    [Fact]
    public void Finds_each_destructive_statement_on_its_line()
    {
        TSqlAssert.ParsesScript(Script);
        var findings = D.LintExpand(Script);
        Assert.Equal(
            [
                (8, "DROP"),
                (9, "ALTER TABLE ... DROP"),
                (12, "TRUNCATE"),
                (13, "DELETE without WHERE"),
                (15, "sp_rename"),
                (16, "sp_rename"),
                (17, "ALTER COLUMN"),
            ],
            findings.Select(f => (f.Line, Reason: Prefix(f.Reason))).ToList());
        Assert.Contains("[Legacy]", findings[1].Statement);
        Assert.DoesNotContain(findings, f => f.Reason.Contains("does not parse"));
    }

    private static string Prefix(string reason) =>
        new[] { "DROP", "ALTER TABLE ... DROP", "TRUNCATE", "DELETE without WHERE", "sp_rename", "ALTER COLUMN" }
            .OrderByDescending(p => p.Length).First(p => reason.StartsWith(p, StringComparison.Ordinal));

    [Theory]
    [InlineData("CREATE INDEX [IX] ON [dbo].[T] ([a]) WITH (ONLINE = ON);")]
    [InlineData("CREATE UNIQUE NONCLUSTERED INDEX [IX] ON [dbo].[T] ([a]) INCLUDE ([b]) WHERE [a] IS NOT NULL;")]
    [InlineData("ALTER TABLE [dbo].[T] ADD [c] int NULL;\nGO\nALTER TABLE [dbo].[T] ADD CONSTRAINT [CK] CHECK ([c] > 0);")]
    [InlineData("UPDATE [dbo].[T] SET [c] = 1 WHERE [c] IS NULL;")]
    [InlineData("DELETE FROM [dbo].[T] WHERE [c] < 0;\nGO\nDELETE TOP (100) FROM [dbo].[T] WHERE [c] IS NULL;")]
    [InlineData("CREATE TABLE [dbo].[New] ([Id] int NOT NULL PRIMARY KEY);\nGO\nCREATE VIEW [dbo].[V] AS SELECT 1 AS [x];\nGO\nSELECT 'DROP TABLE x' AS [t]; -- DROP TABLE y")]
    public void Additive_scripts_pass(string script)
    {
        TSqlAssert.ParsesScript(script);
        Assert.Empty(D.LintExpand(script));
    }

    [Fact]
    public void A_script_that_does_not_parse_is_reported_not_passed()
    {
        var findings = D.LintExpand("ALTER TABLE [dbo].[T] ADD;\nGO\nSELECT 1;");
        var f = Assert.Single(findings);
        Assert.Equal(1, f.Line);
        Assert.Contains("does not parse", f.Reason);
    }

    [Fact]
    public void SplitScript_splits_on_GO_lines_only_and_each_batch_parses()
    {
        var batches = D.SplitScript(Script);
        Assert.Equal(6, batches.Count);
        Assert.All(batches, b => TSqlAssert.ParsesScript(b));
        Assert.All(batches, b => Assert.DoesNotMatch(@"(?im)^\s*GO\s*$", b));
        Assert.Equal(["SELECT N'x' AS GO;", "SELECT 1 AS [GO]"], D.SplitScript("SELECT N'x' AS GO;\n   GO   \nSELECT 1 AS [GO]"));
        // GO inside a line is not a separator.
        Assert.Single(D.SplitScript("SELECT 1; GO"));
    }
}
