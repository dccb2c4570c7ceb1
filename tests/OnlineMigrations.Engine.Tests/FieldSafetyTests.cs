using System.Text.Json;
using System.Text.Json.Nodes;
using OnlineMigrations.Engine.Files;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>
/// Fields the engine splices into SQL (type, default, collation, where, up, down, expression) hold
/// only what the field means, and no SQL text holds a control character: the reader refuses the
/// rest with the JSON path, and the shipped schema rejects it too. One theory per family of attack.
/// </summary>
public class FieldSafetyTests
{
    /// <summary>Where each kind of field sits in a migration, and the JSON path the refusal must name.</summary>
    private static (string Json, string Path) Place(string field, string value)
    {
        var v = JsonSerializer.Serialize(value);
        return field switch
        {
            "type" => ($$"""{ "operations": [ { "addColumn": { "table": "T", "column": { "name": "C", "type": {{v}} } } } ] }""", "$.operations[0].addColumn.column.type"),
            "alterType" => ($$"""{ "operations": [ { "alterColumn": { "table": "T", "column": "C", "type": {{v}}, "up": "[C]" } } ] }""", "$.operations[0].alterColumn.type"),
            "collation" => ($$"""{ "operations": [ { "addColumn": { "table": "T", "column": { "name": "C", "type": "int", "collation": {{v}} } } } ] }""", "$.operations[0].addColumn.column.collation"),
            "default" => ($$"""{ "operations": [ { "addColumn": { "table": "T", "column": { "name": "C", "type": "int", "default": {{v}} } } } ] }""", "$.operations[0].addColumn.column.default"),
            "where" => ($$"""{ "operations": [ { "createIndex": { "table": "T", "name": "IX", "columns": ["C"], "where": {{v}} } } ] }""", "$.operations[0].createIndex.where"),
            "up" => ($$"""{ "operations": [ { "addColumn": { "table": "T", "column": { "name": "C", "type": "int" }, "up": {{v}} } } ] }""", "$.operations[0].addColumn.up"),
            "down" => ($$"""{ "operations": [ { "alterColumn": { "table": "T", "column": "C", "type": "bigint", "up": "[C]", "down": {{v}} } } ] }""", "$.operations[0].alterColumn.down"),
            "expression" => ($$"""{ "operations": [ { "addCheckConstraint": { "table": "T", "name": "CK", "expression": {{v}} } } ] }""", "$.operations[0].addCheckConstraint.expression"),
            "script" => ($$"""{ "operations": [ { "sql": { "expand": {{v}} } } ] }""", "$.operations[0].sql.expand"),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
    }

    private static void AssertRefused(string field, string value, string fragment, bool schemaToo = true)
    {
        var (json, path) = Place(field, value);
        var problems = new List<FileProblem>();
        var definition = MigrationReader.Parse(json, "m.json", "0001_m", problems);
        Assert.Null(definition);
        Assert.Contains(problems, p => p.JsonPath == path && p.Message.Contains(fragment, StringComparison.Ordinal));
        if (schemaToo)
            Assert.Contains(MigrationSchema.Validate(JsonNode.Parse(json)), p => p.JsonPath == path);
    }

    private static void AssertAccepted(string field, string value)
    {
        var (json, _) = Place(field, value);
        var problems = new List<FileProblem>();
        Assert.NotNull(MigrationReader.Parse(json, "m.json", "0001_m", problems));
        Assert.Empty(problems);
        Assert.Empty(MigrationSchema.Validate(JsonNode.Parse(json)));
    }

    [Theory]
    [InlineData("default", "0; DROP TABLE T")]
    [InlineData("where", "[C] = 1;")]
    [InlineData("up", "1;SELECT 2")]
    [InlineData("expression", "[C] > 0 ; DELETE FROM T")]
    public void A_statement_separator_outside_a_literal_is_refused(string field, string value) =>
        AssertRefused(field, value, "';'");

    [Theory]
    [InlineData("default", "0 -- hidden")]
    [InlineData("where", "[C] = 1 /* x */")]
    [InlineData("down", "CAST([C] AS int)--")]
    public void A_comment_outside_a_literal_is_refused(string field, string value) =>
        AssertRefused(field, value, "comment");

    [Theory]
    [InlineData("default", "0 DROP TABLE T")]
    [InlineData("where", "[C] = 1 EXEC('x')")]
    [InlineData("up", "(SELECT 1) WAITFOR DELAY '1:00'")]
    [InlineData("expression", "1 = 1 set nocount on")]
    [InlineData("default", "0 DECLARE @x int")]
    [InlineData("up", "1 Insert INTO T VALUES (1)")]
    public void A_statement_keyword_outside_a_literal_is_refused(string field, string value) =>
        AssertRefused(field, value, "statement keyword");

    [Theory]
    [InlineData("default", "(0))")]
    [InlineData("where", "([C] = 1")]
    public void Unbalanced_parentheses_are_refused_by_the_reader(string field, string value) =>
        AssertRefused(field, value, "parenthes", schemaToo: false);

    [Theory]
    [InlineData("type", "INT; DROP TABLE T")]
    [InlineData("type", "int NOT NULL")]
    [InlineData("type", "int DEFAULT 1")]
    [InlineData("alterType", "bigint CHECK (1 = 0)")]
    [InlineData("type", "nvarchar(64) COLLATE Latin1_General_BIN")]
    [InlineData("type", "int)")]
    [InlineData("alterType", "varchar(8")]
    public void A_type_is_only_a_type_name_with_an_optional_length(string field, string value) =>
        AssertRefused(field, value, "is not a SQL type");

    [Theory]
    [InlineData("NOCASE; DROP TABLE T")]
    [InlineData("Latin1_General_CI_AS NOT NULL")]
    [InlineData("\"x\"")]
    public void A_collation_is_only_a_name(string value) =>
        AssertRefused("collation", value, "not a collation name");

    [Theory]
    [InlineData("type", "INT\u0000 NULL")]
    [InlineData("type", "int\u0007")]
    [InlineData("default", "'a\u0000b'")]
    [InlineData("where", "[C] = \u001b1")]
    [InlineData("up", "1\u0085")]
    [InlineData("collation", "NOCASE\u0000")]
    [InlineData("script", "SELECT 1\u0000; DROP TABLE T")]
    public void A_control_character_in_any_SQL_text_is_refused(string field, string value) =>
        AssertRefused(field, value, "control character");

    [Theory]
    [InlineData("type", "nvarchar(64)")]
    [InlineData("type", "decimal(18, 2)")]
    [InlineData("type", "varbinary(max)")]
    [InlineData("type", "DOUBLE PRECISION")]
    [InlineData("type", "UNSIGNED BIG INT")]
    [InlineData("type", "dbo.Phone")]
    [InlineData("collation", "Latin1_General_100_CI_AS")]
    [InlineData("default", "N'a; DROP TABLE T -- it''s text'")]
    [InlineData("default", "CURRENT_TIMESTAMP")]
    [InlineData("default", "-1")]
    [InlineData("where", "[Kind] = 'Tag' AND [Drop] IS NOT NULL AND \"Set\" > 0")]
    [InlineData("up", "CASE WHEN [A] / 2 > 1 THEN SUBSTRING([Location], 1, 4) ELSE NULL END")]
    [InlineData("up", "(SELECT MAX([Id]) FROM [Other] WHERE [Other].[Ref] = [T].[Ref])")]
    [InlineData("expression", "[MemoryMb] > 0\r\n\tAND [Updated] IS NOT NULL")]
    [InlineData("script", "UPDATE T SET C = 1;\nDROP TABLE X; -- scripts are linted, not limited")]
    public void What_the_field_means_is_accepted(string field, string value) => AssertAccepted(field, value);

    [Fact]
    public void The_schema_patterns_are_the_readers_patterns()
    {
        var defs = JsonNode.Parse(MigrationSchema.Text)!["$defs"]!;
        string Pattern(string def, string property) => defs[def]!["properties"]![property]!["pattern"]!.GetValue<string>();
        foreach (var def in new[] { "column", "newColumn" })
        {
            Assert.Equal(SqlFieldText.TypePattern, Pattern(def, "type"));
            Assert.Equal(SqlFieldText.ExpressionPattern, Pattern(def, "default"));
            Assert.Equal(SqlFieldText.CollationPattern, Pattern(def, "collation"));
        }
        Assert.Equal(SqlFieldText.TypePattern, Pattern("alterColumn", "type"));
        foreach (var (def, property) in new[] { ("alterColumn", "default"), ("alterColumn", "up"), ("alterColumn", "down"), ("addColumn", "up"), ("createIndex", "where"), ("addCheckConstraint", "expression") })
            Assert.Equal(SqlFieldText.ExpressionPattern, Pattern(def, property));
        foreach (var property in new[] { "expand", "migrate", "verify", "contract", "rollback" })
            Assert.Equal(SqlFieldText.ScriptPattern, Pattern("sql", property));
    }
}

/// <summary>What JSON readers disagree on never reaches the reader's fields: a duplicate key (which value
/// wins?), a lone surrogate (no .NET text), a byte that is not UTF-8 — each an InvalidMigrationFile problem with its path.</summary>
public class AmbiguousJsonTests
{
    private static List<FileProblem> Problems(string json)
    {
        var problems = new List<FileProblem>();
        Assert.Null(MigrationReader.Parse(json, "m.json", "0001_m", problems));
        return problems;
    }

    [Theory]
    [InlineData("""{ "operations": [ { "dropTable": { "table": "A", "table": "B" } } ] }""", "$.operations[0].dropTable.table")]
    [InlineData("""{ "id": "x", "operations": [ { "dropTable": { "table": "A" } } ], "id": "y" }""", "$.id")]
    [InlineData("""{ "operations": [ { "addColumn": { "table": "T", "column": { "name": "C", "type": "int", "type": "bigint" } } } ] }""", "$.operations[0].addColumn.column.type")]
    public void A_duplicate_key_is_refused_at_its_path(string json, string path) =>
        Assert.Contains(Problems(json), p => p.JsonPath == path && p.Message.Contains("more than once", StringComparison.Ordinal));

    [Theory]
    [InlineData("""{ "description": "\ud800", "operations": [ { "dropTable": { "table": "A" } } ] }""", "$.description")]
    [InlineData("""{ "operations": [ { "dropTable": { "table": "A\udfff" } } ] }""", "$.operations[0].dropTable.table")]
    [InlineData("""{ "operations": [ { "dropTable": { "table": "A", "\udc00": 1 } } ] }""", "$.operations[0].dropTable")]
    public void A_lone_surrogate_is_refused_at_its_path(string json, string path) =>
        Assert.Contains(Problems(json), p => p.JsonPath == path && p.Message.Contains("lone surrogate", StringComparison.Ordinal));

    [Fact]
    public void A_file_that_is_not_UTF8_is_refused()
    {
        var folder = Directory.CreateTempSubdirectory("om-utf8-");
        try
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes("""{ "description": "x", "operations": [ { "dropTable": { "table": "A" } } ] }""");
            bytes[18] = 0xFF; // inside the description
            File.WriteAllBytes(Path.Combine(folder.FullName, "0001_a.json"), bytes);
            var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(folder.FullName));
            Assert.Contains(e.Problems, p => p.Message.Contains("not valid UTF-8", StringComparison.Ordinal));
        }
        finally { folder.Delete(true); }
    }
}
