using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

public class SqlTextTests
{
    private static readonly StringComparer Sqlite = AsciiIgnoreCaseComparer.Instance;

    [Theory]
    [InlineData("Kind = 'Tag'", "[Label] = 'Tag'")]
    [InlineData("[Kind] = 'Kind'", "[Label] = 'Kind'")]
    [InlineData("\"Kind\" IS NOT NULL AND Note = '[Kind]'", "[Label] IS NOT NULL AND Note = '[Kind]'")]
    [InlineData("xKind = 1 AND Kindx = 2 AND t.kind = 3", "xKind = 1 AND Kindx = 2 AND t.[Label] = 3")]
    [InlineData("Kind = N'it''s Kind' -- Kind\n", "[Label] = N'it''s Kind' -- Kind\n")]
    [InlineData("\"Ki\"\"nd\" = 1 AND \"Kind\"\"\" = 2", "\"Ki\"\"nd\" = 1 AND \"Kind\"\"\" = 2")]
    [InlineData("Kind(1) = Kind", "Kind(1) = [Label]")]
    [InlineData("/* Kind */ Kind > 0x1F", "/* Kind */ [Label] > 0x1F")]
    public void A_rename_rewrites_identifiers_only_never_literals_or_other_names(string filter, string expected) =>
        Assert.Equal(expected, SqlText.RenameColumn(filter, "Kind", "[Label]", Sqlite));

    [Fact]
    public void Tokens_tell_strings_from_quoted_names_and_words()
    {
        var tokens = SqlText.Tokenize("[a]]b] = 'x''y' OR \"c\" = `d` OR e = 1.5e-3").Where(t => t.Kind != SqlTokenKind.Space).ToList();
        Assert.Equal(["a]b", null, null, "OR", "c", null, "d", "OR", "e", null, null], tokens.Select(t => t.Name));
        Assert.Equal(SqlTokenKind.String, tokens[2].Kind);
        Assert.Equal("'x''y'", tokens[2].Text);
        Assert.Equal(SqlTokenKind.Number, tokens[^1].Kind);
        Assert.Equal("1.5e-3", tokens[^1].Text);
    }

    [Fact]
    public void A_column_definition_is_found_by_its_own_name_not_a_longer_one()
    {
        const string table = "CREATE TABLE t (\"xHost\" TEXT COLLATE NOCASE, [Host] TEXT CHECK (Host <> 'a,b') COLLATE RTRIM, CHECK (xHost <> ''))";
        var items = SqlText.TableItems(table);
        Assert.Equal(3, items.Count);
        Assert.Equal("xHost", items[0][0].Name);
        Assert.Equal("Host", items[1][0].Name);
        Assert.True(SqlText.IsTableConstraint(items[2]));
        Assert.Equal("RTRIM", items[1][items[1].FindIndex(t => t.Text == "COLLATE") + 1].Name);
    }

    [Theory]
    [InlineData("instances", "INSTANCES", true)]
    [InlineData("Straße", "STRASSE", false)]
    [InlineData("é", "É", false)]
    public void Sqlite_names_compare_case_insensitively_for_ascii_letters_only(string a, string b, bool equal)
    {
        Assert.Equal(equal, Sqlite.Equals(a, b));
        if (equal) Assert.Equal(Sqlite.GetHashCode(a), Sqlite.GetHashCode(b));
    }

    [Fact]
    public void An_internal_name_from_a_long_unicode_name_is_cut_on_a_character_boundary()
    {
        var name = string.Concat(Enumerable.Repeat("😀", 58)); // 116 UTF-16 units
        var shadow = Names.Internal(name, "om_12345678");
        Assert.True(shadow.Length <= QualifiedName.MaxIdentifierLength);
        // A lone surrogate does not survive UTF-8 (it becomes U+FFFD), as it does not survive the database.
        Assert.Equal(shadow, System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(shadow)));
    }
}
