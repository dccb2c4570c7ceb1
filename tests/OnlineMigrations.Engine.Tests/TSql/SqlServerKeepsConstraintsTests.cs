using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Phases;
using Xunit;
using ColumnDefinition = OnlineMigrations.Engine.Model.ColumnDefinition;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>How the operations keep a column's NOT NULL and default on SQL Server itself, whose ALTER COLUMN
/// the T-SQL test engine lacks (so the Pester tests RenameKeeps, DropColumnInsert and AddColumnDefault
/// cover these paths there only as refusals): planned against an in-memory catalog of SQL Server 2016.</summary>
public sealed class SqlServerKeepsConstraintsTests
{
    private static readonly SqlServerDialect D = new();
    private static readonly QualifiedName T = new("dbo", "Instances");

    private static FakeCatalog Catalog() =>
        new FakeCatalog(SqlServerEditions.Enterprise2019)
            .Table(T, ["Id"], ("Id", "int", false), ("Name", "nvarchar(64)", false), ("Rack", "int", false))
            .Column(T, new ColumnInfo("Status", "varchar(16)", false, "Latin1_General_CS_AS", "('ACTIVE')", false, false))
            .Index(T, new IndexInfo("IX_Instances_Rack", false, false, false, ["Rack"], [], null));

    private static MigrationDefinition Migration(Operation op)
    {
        op.JsonPath = "$.operations[0]." + op.Kind;
        return new() { Id = "0001_m", Operations = [op], Checksum = new string('0', 64), Source = "{}", ObjectVersion = "2.0" };
    }

    [Fact]
    public void A_NOT_NULL_column_without_a_default_is_relaxed_at_expand_and_made_NOT_NULL_again_offline_at_contract()
    {
        var op = new RenameColumn { Table = T, From = "Name", To = "DisplayName" };
        var c = new OperationContext(D, Migration(op), Catalog(), allowOffline: false) { Seen = new(), ExpandSteps = new() };
        var expand = Planner.Expand(c).ToList();
        Assert.Contains(expand, s => s.Name.Contains("make dbo.Instances.Name nullable"));
        // As expand left it: Name nullable, DisplayName added.
        var after = new FakeCatalog(SqlServerEditions.Enterprise2019)
            .Table(T, ["Id"], ("Id", "int", false), ("Name", "nvarchar(64)", true), ("Rack", "int", false), ("DisplayName", "nvarchar(64)", true));
        var later = new OperationContext(D, c.Migration, after, false) { Decided = c.Decided, Seen = c.Seen, ExpandSteps = c.ExpandSteps };
        var contract = op.Contract(later).ToList();
        var notNull = Assert.Single(contract, s => s.Name.Contains("make dbo.Instances.DisplayName NOT NULL"));
        Assert.NotNull(notNull.OfflineReason);
        Assert.Contains(op.Rollback(later), s => s.Name.Contains("NOT NULL again"));
    }

    [Fact]
    public void A_NOT_NULL_column_with_a_default_is_renamed_in_place_keeping_its_definition_with_no_offline_step()
    {
        var op = new RenameColumn { Table = T, From = "Status", To = "State" };
        var c = new OperationContext(D, Migration(op), Catalog(), allowOffline: false) { Seen = new(), ExpandSteps = new() };
        Assert.DoesNotContain(Planner.Expand(c).ToList(), s => s.Name.Contains("nullable"));
        var after = Catalog().Column(T, new ColumnInfo("State", "varchar(16)", true, "Latin1_General_CS_AS", null, false, false));
        var contract = op.Contract(new OperationContext(D, c.Migration, after, false) { Decided = c.Decided, Seen = c.Seen, ExpandSteps = c.ExpandSteps }).ToList();
        var step = Assert.Single(contract);
        Assert.Contains("in place", step.Name);
        Assert.Null(step.OfflineReason);
        Assert.Equal(T, step.EndsSync);
    }

    [Fact]
    public void An_indexed_NOT_NULL_int_column_that_new_code_omits_gets_a_temporary_default_which_contract_drops()
    {
        var op = new RenameColumn { Table = T, From = "Rack", To = "RackNo" };
        var c = new OperationContext(D, Migration(op), Catalog(), allowOffline: true) { Seen = new(), ExpandSteps = new() };
        Assert.Contains(Planner.Expand(c).ToList(), s => s.Name.Contains("temporary default"));
        var after = Catalog().Column(T, new ColumnInfo("RackNo", "int", true, null, null, false, false));
        var step = Assert.Single(op.Contract(new OperationContext(D, c.Migration, after, false) { Decided = c.Decided, Seen = c.Seen, ExpandSteps = c.ExpandSteps }).ToList());
        Assert.Contains("in place", step.Name);
        Assert.Contains(step.Statements, s => s.Contains("DROP CONSTRAINT", StringComparison.Ordinal));
    }

    [Fact]
    public void A_migration_expanded_by_an_earlier_version_is_contracted_from_the_facts_that_version_saved()
    {
        // Earlier versions saved no SeenTable: what expand saw and decided were string facts, lists joined by U+001F.
        var op = new RenameColumn { Table = T, From = "Rack", To = "RackNo" };
        var m = Migration(op);
        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["$.operations[0].renameColumn:fromType"] = "int",
            ["$.operations[0].renameColumn:indexes"] = "IX_Instances_Rack",
            ["$.operations[0].renameColumn:uniqueConstraints"] = "",
            ["$.operations[0].renameColumn:renameInPlace"] = "true",
            ["$.operations[0].renameColumn:temporaryDefault"] = "DF_Instances_Rack__om_1234",
        };
        var after = Catalog().Column(T, new ColumnInfo("RackNo", "int", true, null, null, false, false));
        var step = Assert.Single(op.Contract(new OperationContext(D, m, after, false) { Facts = facts }).ToList());
        Assert.Contains(step.Statements, x => x.Contains("DROP INDEX [IX_Instances_Rack", StringComparison.Ordinal));
        Assert.Contains(step.Statements, x => x.Contains("DROP CONSTRAINT [DF_Instances_Rack__om_1234]", StringComparison.Ordinal));
        // Without the facts (and with nothing seen) there is no index to drop: the facts are what it read.
        var bare = Assert.Single(op.Contract(new OperationContext(D, m, after, false) { Facts = new() { ["$.operations[0].renameColumn:renameInPlace"] = "true" } }).ToList());
        Assert.DoesNotContain(bare.Statements, x => x.Contains("DROP INDEX", StringComparison.Ordinal));
    }

    [Fact]
    public void Under_a_unique_index_the_temporary_default_differs_per_row_or_expand_refuses()
    {
        // One placeholder for every row new code inserts would let the first in and refuse the second.
        var catalog = Catalog()
            .Column(T, new ColumnInfo("Code", "char(40)", false, null, null, false, false))
            .Index(T, new IndexInfo("UX_Instances_Code", true, false, false, ["Code"], [], null))
            .Index(T, new IndexInfo("UX_Instances_Rack", true, false, false, ["Rack"], [], null));
        var code = new DropColumn { Table = T, Column = "Code" };
        var c = new OperationContext(D, Migration(code), catalog, allowOffline: false) { Seen = new(), ExpandSteps = new() };
        var step = Assert.Single(Planner.Expand(c), s => s.Name.Contains("temporary default"));
        var statement = Assert.Single(step.Statements);
        Assert.Contains("NEWID()", statement, StringComparison.Ordinal);
        TSqlAssert.Parses(statement, Microsoft.SqlServer.TransactSql.ScriptDom.SqlVersion.Sql130);

        var rack = new DropColumn { Table = T, Column = "Rack" };
        var refused = Assert.Throws<MigrationException>(() => Planner.Expand(new OperationContext(D, Migration(rack), catalog, allowOffline: false) { Seen = new(), ExpandSteps = new() }));
        Assert.Equal(ErrorIds.OperationRefused.Id, refused.ErrorId);
        Assert.Contains("UX_Instances_Rack", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DropColumn_of_a_NOT_NULL_column_without_a_default_lets_inserts_omit_it_from_expand_on()
    {
        var op = new DropColumn { Table = T, Column = "Name" };
        var c = new OperationContext(D, Migration(op), Catalog(), allowOffline: false) { Seen = new(), ExpandSteps = new() };
        Assert.Contains(Planner.Expand(c).ToList(), s => s.Name.Contains("make dbo.Instances.Name nullable"));
        var relaxed = new FakeCatalog(SqlServerEditions.Enterprise2019).Table(T, ["Id"], ("Id", "int", false), ("Name", "nvarchar(64)", true));
        var later = new OperationContext(D, c.Migration, relaxed, false) { Decided = c.Decided, Seen = c.Seen, ExpandSteps = c.ExpandSteps };
        Assert.Contains(op.Rollback(later), s => s.Name.Contains("NOT NULL again"));
        Assert.Single(op.RollbackLoss(later));
    }

    [Fact]
    public void AddColumn_with_a_default_and_no_up_fills_existing_rows_by_the_backfill()
    {
        var op = new AddColumn { Table = T, Column = new ColumnDefinition("Region", "nvarchar(16)", Nullable: false, Default: "N'EU'") };
        var c = new OperationContext(D, Migration(op), Catalog(), allowOffline: false) { Seen = new(), ExpandSteps = new() };
        Planner.Expand(c).ToList();
        var fill = Assert.Single(op.Backfill(c));
        Assert.Equal("(N'EU')", fill.Value);
        Assert.Equal("[Region] IS NULL", fill.Needed);
        Assert.Contains(op.Contract(c), s => s.OfflineReason is not null);
    }
}
