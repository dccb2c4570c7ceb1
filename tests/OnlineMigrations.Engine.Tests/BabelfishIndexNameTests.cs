using OnlineMigrations.Engine.Dialects;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>The T-SQL test engine (Babelfish) reports an index as lower(name + table) cut to 31 bytes, then a
/// 32-digit hash; the names below are the ones it reported (shared/tsql-engine, Babelfish 4.2.0).</summary>
public sealed class BabelfishIndexNameTests
{
    [Theory]
    [InlineData("ux_instances_nameinstancescf859fb2624acbf6e65c356c42a5c15f", "Instances", "ux_instances_name")]
    [InlineData("ux_instances_name_activeinstanc21511d5ada966590b705e5dd72f8e0b0", "Instances", "ux_instances_name_active")]
    [InlineData("ix_shortaverylongtablenamefortec8db175e70b94860ba736ccca959e9f4", "AVeryLongTableNameForTestingTruncation01", "ix_short")]
    [InlineData("instances_pkey", "Instances", "instances_pkey")]
    public void The_declared_name_is_recovered_when_the_table_name_was_cut(string reported, string table, string declared) =>
        Assert.Equal(declared, SqlServerCatalog.DeclaredIndexName(reported, table));

    [Theory]
    [InlineData("UX_Instances_Name", "Instances", "ux_instances_nameinstances")]
    [InlineData("UX_Instances_Name_Active", "Instances", "ux_instances_name_activeinstanc")]
    [InlineData("IX_AVeryLongIndexNameThatIsLongerThan31Chars", "Instances", "ix_averylongindexnamethatislong")]
    public void The_reported_prefix_is_name_and_table_cut_to_31_bytes(string name, string table, string prefix) =>
        Assert.Equal(prefix, SqlServerCatalog.ReportedIndexPrefix(name, table));
}
