using System.Text.Json;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>
/// What the file reader answers for the inputs that matter, pinned: whether a deprecation window, an
/// object version or an id is accepted, and what it then means. (MigrationReaderTests only checks that
/// the reader and the schema agree; these say what both must answer.)
/// </summary>
public class FileReaderAnswersTests
{
    // ---- deprecation windows: accepted, and the TimeSpan they mean -------------------------------

    public static TheoryData<string, TimeSpan> AcceptedWindows() => new()
    {
        // ISO-8601 durations.
        { "P0D", TimeSpan.Zero },
        { "PT0S", TimeSpan.Zero },
        { "P7D", TimeSpan.FromDays(7) },
        { "PT30M", TimeSpan.FromMinutes(30) },
        { "P1DT2H3M4S", new TimeSpan(1, 2, 3, 4) },
        { "PT1.5S", TimeSpan.FromMilliseconds(1500) },
        { "PT.5S", TimeSpan.FromMilliseconds(500) },
        { "P6DT24H", TimeSpan.FromDays(7) },
        // Years and months have no fixed length; the reader counts a year as 365 days and a month as
        // 30 days (xs:duration to TimeSpan, as XmlConvert does): P1Y2M is 365 + 2 x 30 = 425 days.
        { "P1Y2M", TimeSpan.FromDays(425) },
        { "P1Y", TimeSpan.FromDays(365) },
        { "P1M", TimeSpan.FromDays(30) },
        // .NET TimeSpan, invariant "c" format: [d.]hh:mm[:ss[.fffffff]]; a bare number is days.
        { "7.00:00:00", TimeSpan.FromDays(7) },
        { "00:00:00", TimeSpan.Zero },
        { "0", TimeSpan.Zero },
        { "7", TimeSpan.FromDays(7) },
        { "12:00:00", TimeSpan.FromHours(12) },
        { "0:30", TimeSpan.FromMinutes(30) },
        { "1.02:03:04.1234567", new TimeSpan(1, 2, 3, 4) + TimeSpan.FromTicks(1234567) },
    };

    [Theory]
    [MemberData(nameof(AcceptedWindows))]
    public void A_deprecation_window_is_accepted_and_means(string text, TimeSpan meaning)
    {
        Assert.True(MigrationReader.TryParseWindow(text, out var window), $"\"{text}\" must be accepted");
        Assert.Equal(meaning, window);
        Assert.Equal(meaning, Parse(With("deprecationWindow", text)).DeprecationWindow);
    }

    [Theory]
    // Negative, lower-case, weeks, fractional days, empty designators, surrounding spaces.
    [InlineData("-P1D")] [InlineData("-PT0S")] [InlineData("-00:00:00")] [InlineData("p7d")] [InlineData("P1W")] [InlineData("P1.5D")]
    [InlineData("P")] [InlineData("PT")] [InlineData("P1DT")] [InlineData("P1M2Y")] [InlineData(" P7D")] [InlineData("P7D ")]
    // TimeSpan text out of range or not in the "c" format: 1.2 is not "1 day 2 hours" nor 1.2 days.
    [InlineData("1.2")] [InlineData("24:00:00")] [InlineData("00:60:00")] [InlineData("00:00:00.12345678")] [InlineData("1:2:3:4")]
    [InlineData("7.")] [InlineData("+7")] [InlineData("7 days")] [InlineData("")] [InlineData(" 7.00:00:00")]
    public void A_deprecation_window_is_refused(string text)
    {
        Assert.False(MigrationReader.TryParseWindow(text, out _), $"\"{text}\" must be refused");
        var problem = Assert.Single(Problems(With("deprecationWindow", text)), p => p.JsonPath == "$.deprecationWindow");
        Assert.Contains("is not a duration", problem.Message);
    }

    [Fact]
    public void No_deprecation_window_means_zero()
    {
        Assert.Equal(TimeSpan.Zero, Parse("""{ "operations": [ { "dropTable": { "table": "T" } } ] }""").DeprecationWindow);
        Assert.Equal(TimeSpan.Zero, Parse("""{ "deprecationWindow": null, "operations": [ { "dropTable": { "table": "T" } } ] }""").DeprecationWindow);
    }

    // ---- object versions: accepted as written, compared numerically ------------------------------

    [Theory]
    [InlineData("1.2")] [InlineData("1.10")] [InlineData("01.2")] [InlineData("2")] [InlineData("0")] [InlineData("2.0.1")]
    public void An_object_version_is_accepted_and_kept_as_written(string text)
    {
        Assert.Equal(text, Parse(With("objectVersion", text)).ObjectVersion);
        Assert.Equal(text, ObjectVersion.Parse(text).ToString());
    }

    [Fact]
    public void Object_versions_mean_dotted_numbers_compared_part_by_part()
    {
        var v12 = ObjectVersion.Parse("1.2");
        var v110 = ObjectVersion.Parse("1.10");
        var v012 = ObjectVersion.Parse("01.2");
        // 1.10 is version one, part ten: newer than 1.2 (not the decimal 1.1).
        Assert.True(v110.CompareTo(v12) > 0);
        Assert.True(v110.IsNewerThan("1.2"));
        Assert.True(v110.IsNewerThan("1.9"));
        Assert.False(v12.IsNewerThan("1.10"));
        // 01.2 is 1.2 (leading zeros do not count), and so are 1.02 and 1.2.0.
        Assert.Equal(v12, v012);
        Assert.Equal(0, v012.CompareTo(v12));
        Assert.False(v012.IsNewerThan("1.2"));
        Assert.False(v12.IsNewerThan("01.2"));
        Assert.Equal(v12, ObjectVersion.Parse("1.02"));
        Assert.Equal(v12, ObjectVersion.Parse("1.2.0"));
        // A row stamped with 1.2 is older than 1.10; a row with no version or text that is no version is older than any.
        Assert.True(ObjectVersion.Parse("0").IsNewerThan(null));
        Assert.True(ObjectVersion.Parse("0").IsNewerThan("v2"));
    }

    [Theory]
    [InlineData("")] [InlineData("1.")] [InlineData(".1")] [InlineData("1..2")] [InlineData("v2")] [InlineData(" 2")] [InlineData("2 ")]
    [InlineData("1.2a")] [InlineData("-1")] [InlineData("1,2")] [InlineData("\u0661")] [InlineData("1234567890")]
    public void An_object_version_is_refused(string text)
    {
        Assert.False(ObjectVersion.TryParse(text, out _));
        var problem = Assert.Single(Problems(With("objectVersion", text)), p => p.JsonPath == "$.objectVersion");
        Assert.Contains("is not an object version", problem.Message);
    }

    [Fact]
    public void An_object_version_longer_than_its_column_is_refused()
    {
        var text = string.Join('.', Enumerable.Repeat("1", 17)); // 33 characters
        Assert.Equal(ObjectVersion.MaxLength + 1, text.Length);
        Assert.Contains(Problems(With("objectVersion", text)), p => p.JsonPath == "$.objectVersion");
        Assert.Equal(text[..^2], Parse(With("objectVersion", text[..^2])).ObjectVersion);
    }

    // ---- ids: accepted as written; their leading number orders them -----------------------------

    [Theory]
    [InlineData("0001_init", 1L)] [InlineData("1_init", 1L)] [InlineData("0010_split", 10L)] [InlineData("20240101_a", 20240101L)]
    [InlineData("x", null)] [InlineData("a b", null)] [InlineData("Ünïcödé", null)] [InlineData("v2_init", null)]
    public void An_id_is_accepted_as_written_and_numbered_by_its_leading_digits(string id, long? number)
    {
        Assert.Equal(id, Parse(With("id", id)).Id);
        Assert.Equal(number, MigrationDefinition.Number(id));
    }

    [Fact]
    public void An_id_of_the_limit_length_is_accepted_one_longer_is_refused()
    {
        var id = new string('x', MigrationReader.MaxIdLength);
        Assert.Equal(id, Parse(With("id", id)).Id);
        var problem = Assert.Single(Problems(With("id", id + "x")), p => p.JsonPath == "$.id");
        Assert.Contains("the limit is 200", problem.Message);
    }

    [Theory]
    [InlineData("", "the id is empty")] [InlineData("  ", "the id is empty")] [InlineData("\u3000", "the id is empty")]
    [InlineData("a\nb", "control character")] [InlineData("a\tb", "control character")] [InlineData("a\u0000b", "control character")]
    public void An_id_is_refused(string id, string reason)
    {
        var problem = Assert.Single(Problems(With("id", id)), p => p.JsonPath == "$.id");
        Assert.Contains(reason, problem.Message);
    }

    [Fact]
    public void Without_an_id_the_file_name_is_the_id()
    {
        var folder = NewFolder(("0007_from_name.json", """{ "operations": [ { "dropTable": { "table": "T" } } ] }"""));
        try { Assert.Equal("0007_from_name", Assert.Single(MigrationReader.Read(folder)).Id); }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Ids_are_ordered_by_their_number_then_without_a_number_last()
    {
        var folder = NewFolder(
            ("a.json", With("id", "10_ten")), ("b.json", With("id", "9_nine")), ("c.json", With("id", "0002_two")),
            ("d.json", With("id", "zeta")), ("e.json", With("id", "alpha")));
        try
        {
            var ids = MigrationReader.Read(folder).Select(m => m.Id).ToArray();
            Assert.Equal(new[] { "0002_two", "9_nine", "10_ten" }, ids[..3]);
            Assert.Equal(new[] { "alpha", "zeta" }, ids[3..].Order(StringComparer.Ordinal).ToArray());
        }
        finally { Directory.Delete(folder, true); }
    }

    [Theory]
    // The same id in another case, and two ids with the same number (0001 and 1 are both 1).
    [InlineData("0001_Init", "0001_init", "is used by 2 files")]
    [InlineData("0001_a", "1_b", "starts with the number 1")]
    public void Two_files_whose_ids_collide_are_refused(string first, string second, string reason)
    {
        var folder = NewFolder(("a.json", With("id", first)), ("b.json", With("id", second)));
        try
        {
            var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(folder));
            Assert.Equal(2, e.Problems.Count);
            Assert.All(e.Problems, p => { Assert.Equal("$.id", p.JsonPath); Assert.Contains(reason, p.Message); });
        }
        finally { Directory.Delete(folder, true); }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static string With(string field, string value) =>
        $$"""{ "{{field}}": {{JsonSerializer.Serialize(value)}}, "operations": [ { "dropTable": { "table": "T" } } ] }""";

    private static List<FileProblem> Problems(string text)
    {
        var problems = new List<FileProblem>();
        Assert.Null(MigrationReader.Parse(text, "inline.json", "default-id", problems));
        Assert.NotEmpty(problems);
        return problems;
    }

    private static MigrationDefinition Parse(string text)
    {
        var problems = new List<FileProblem>();
        var m = MigrationReader.Parse(text, "inline.json", "default-id", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return m!;
    }

    private static string NewFolder(params (string Name, string Text)[] files)
    {
        var folder = Path.Combine(Path.GetTempPath(), "om-reader-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(folder, name), text);
        return folder;
    }
}
