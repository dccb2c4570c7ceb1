using OnlineMigrations.Engine.Model;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

public class ObjectVersionTests
{
    [Theory]
    [InlineData("1.10", "1.9")]
    [InlineData("2", "1.99")]
    [InlineData("2.0.1", "2")]
    [InlineData("10", "9")]
    [InlineData("1.0.0.1", "1")]
    public void Compares_numerically(string newer, string older)
    {
        Assert.True(ObjectVersion.Parse(newer).CompareTo(ObjectVersion.Parse(older)) > 0);
        Assert.True(ObjectVersion.Parse(older).CompareTo(ObjectVersion.Parse(newer)) < 0);
        Assert.True(ObjectVersion.Parse(newer).IsNewerThan(older));
        Assert.False(ObjectVersion.Parse(older).IsNewerThan(newer));
    }

    [Theory]
    [InlineData("2", "2.0")]
    [InlineData("2.0", "2.0.0")]
    [InlineData("01.1", "1.01")]
    public void Trailing_zeros_and_leading_zeros_do_not_matter(string a, string b)
    {
        var x = ObjectVersion.Parse(a);
        var y = ObjectVersion.Parse(b);
        Assert.Equal(0, x.CompareTo(y));
        Assert.Equal(x, y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.False(x.IsNewerThan(b));
        Assert.Equal(a, x.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("2.x")]
    [InlineData("99999.99999.x")]
    public void Null_and_garbage_count_as_older(string? row)
    {
        Assert.True(ObjectVersion.Parse("0").IsNewerThan(row));
        Assert.True(ObjectVersion.Parse("1.0").IsNewerThan(row));
    }

    [Fact]
    public void A_newer_row_is_not_older()
    {
        Assert.False(ObjectVersion.Parse("2.0").IsNewerThan("3"));
        Assert.False(ObjectVersion.Parse("2.0").IsNewerThan("2"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2.x")]
    [InlineData("1..2")]
    [InlineData(".1")]
    [InlineData("1.")]
    [InlineData("-1")]
    [InlineData(" 1")]
    [InlineData("1234567890")]
    [InlineData("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1")]
    public void Parse_errors(string text)
    {
        Assert.False(ObjectVersion.TryParse(text, out var v));
        Assert.Null(v);
        var e = Assert.Throws<FormatException>(() => ObjectVersion.Parse(text));
        Assert.Contains("not an object version", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_error_for_null()
    {
        Assert.False(ObjectVersion.TryParse(null, out _));
    }

    [Fact]
    public void The_longest_version_fits_the_column()
    {
        var longest = "123456789.123456789.123456789.12"; // 32 characters
        Assert.Equal(ObjectVersion.MaxLength, longest.Length);
        Assert.True(ObjectVersion.TryParse(longest, out var v));
        Assert.Equal(longest, v!.Text);
        Assert.False(ObjectVersion.TryParse(longest + "3", out _));
    }
}
