using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

/// <summary>
/// The migration file reader and the JSON Schema, driven by the corpus in BadFiles/ (one mistake per
/// file, its expected problem in the header) and the files in GoodFiles/.
/// </summary>
public class MigrationReaderTests
{
    private static readonly string BadFiles = Path.Combine(AppContext.BaseDirectory, "BadFiles");
    private static readonly string GoodFiles = Path.Combine(AppContext.BaseDirectory, "GoodFiles");
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    // ---- header of a corpus file ---------------------------------------------------------------

    private sealed record Expectation(string JsonPath, string Fragment);

    private sealed record Header(IReadOnlyList<Expectation> Expect, string Schema);

    /// <summary>Reads the <c>// expect: path | fragment</c> and <c>// schema: rejects|accepts|n/a</c> lines at the top of a file.</summary>
    private static Header ReadHeader(string file)
    {
        var expect = new List<Expectation>();
        string? schema = null;
        foreach (var line in File.ReadLines(file).TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal)))
        {
            var text = line[2..].Trim();
            if (text.StartsWith("expect:", StringComparison.Ordinal))
            {
                var parts = text["expect:".Length..].Split(" | ", 2);
                Assert.True(parts.Length == 2, $"{file}: the expect line needs '<JSON path> | <message fragment>'");
                expect.Add(new Expectation(parts[0].Trim(), parts[1].Trim()));
            }
            else if (text.StartsWith("schema:", StringComparison.Ordinal)) schema = text["schema:".Length..].Trim();
        }
        Assert.True(schema is "rejects" or "accepts" or "n/a", $"{file}: the header needs '// schema: rejects', 'accepts' or 'n/a'");
        return new Header(expect, schema!);
    }

    /// <summary>Every top-level file of BadFiles/, and every sub-folder (read as one folder).</summary>
    public static TheoryData<string> BadCases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(BadFiles, "*.json").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        foreach (var d in Directory.GetDirectories(BadFiles).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(d) + "/");
        return data;
    }

    private static IEnumerable<string> FilesOf(string casePath) =>
        Directory.Exists(casePath) ? Directory.GetFiles(casePath, "*.json").Order(StringComparer.Ordinal) : [casePath];

    [Fact]
    public void The_corpus_has_at_least_35_bad_files()
    {
        var files = Directory.GetFiles(BadFiles, "*.json", SearchOption.AllDirectories).Where(f => ReadHeader(f).Expect.Count > 0).ToList();
        Assert.True(files.Count >= 35, $"only {files.Count} bad files");
    }

    [Theory]
    [MemberData(nameof(BadCases))]
    public void Bad_file_is_reported_at_its_path_with_its_message(string name)
    {
        var casePath = Path.Combine(BadFiles, name.TrimEnd('/'));
        var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(casePath));

        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in FilesOf(casePath))
        {
            var header = ReadHeader(file);
            var fileName = Path.GetFileName(file);
            if (header.Expect.Count > 0) expectedFiles.Add(fileName);
            foreach (var x in header.Expect)
            {
                Assert.True(e.Problems.Any(p => Path.GetFileName(p.File) == fileName && p.JsonPath == x.JsonPath && p.Message.Contains(x.Fragment, StringComparison.Ordinal)),
                    $"{fileName}: expected a problem at {x.JsonPath} containing '{x.Fragment}'; got:\n{string.Join("\n", e.Problems)}");
                Assert.Contains(fileName, e.Message, StringComparison.Ordinal);
            }
        }
        // No problem is blamed on a file that has none.
        Assert.All(e.Problems, p => Assert.Contains(Path.GetFileName(p.File), expectedFiles));
    }

    [Theory]
    [MemberData(nameof(BadCases))]
    public void The_schema_alone_agrees_with_the_header(string name)
    {
        foreach (var file in FilesOf(Path.Combine(BadFiles, name.TrimEnd('/'))))
        {
            var header = ReadHeader(file);
            if (header.Schema == "n/a")
            {
                Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(File.ReadAllText(file), documentOptions: Options));
                continue;
            }
            var problems = MigrationSchema.Validate(JsonNode.Parse(File.ReadAllText(file), documentOptions: Options));
            if (header.Schema == "rejects")
                Assert.True(problems.Count > 0, $"{Path.GetFileName(file)}: the schema accepts a structurally bad file");
            else
                Assert.True(problems.Count == 0, $"{Path.GetFileName(file)}: the schema rejects a structurally valid file: {string.Join("; ", problems)}");
        }
    }

    // ---- a folder's problems together ----------------------------------------------------------

    [Fact]
    public void All_problems_of_a_folder_are_reported_in_one_run()
    {
        var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(Path.Combine(BadFiles, "ThreeBrokenOneGood")));
        var files = e.Problems.Select(p => Path.GetFileName(p.File)).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["0002_unknown_operation.json", "0003_bad_window.json", "0004_not_json.json"], files);
        Assert.Contains("3 problem(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_ids_name_both_files()
    {
        var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(Path.Combine(BadFiles, "DuplicateIds")));
        Assert.Equal(2, e.Problems.Count);
        Assert.All(e.Problems, p =>
        {
            Assert.Contains("0001_first.json", p.Message, StringComparison.Ordinal);
            Assert.Contains("0002_second.json", p.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Malformed_json_gives_one_based_positions_only()
    {
        var e = Assert.Throws<MigrationFileException>(() => MigrationReader.Read(Path.Combine(BadFiles, "02_malformed_bad_comma.json")));
        var p = Assert.Single(e.Problems);
        Assert.DoesNotContain("LineNumber", p.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_is_its_own_error()
    {
        var e = Assert.Throws<MigrationException>(() => MigrationReader.Read(Path.Combine(BadFiles, "no-such-folder")));
        Assert.IsNotType<MigrationFileException>(e);
    }

    // ---- good files ----------------------------------------------------------------------------

    [Fact]
    public void Comments_and_trailing_commas_are_accepted_and_the_id_defaults_to_the_file_name()
    {
        var m = Assert.Single(MigrationReader.Read(Path.Combine(GoodFiles, "0005_comments_and_trailing_commas.json")));
        Assert.Equal("0005_comments_and_trailing_commas", m.Id);
        Assert.Equal("Comments and trailing commas", m.Description);
        Assert.Null(m.ObjectVersion);
        Assert.Equal(TimeSpan.Zero, m.DeprecationWindow);
        var drop = Assert.IsType<DropColumn>(Assert.Single(m.Operations));
        Assert.Equal("Legacy", drop.Column);
        Assert.Equal("$.operations[0].dropColumn", drop.JsonPath);
        Assert.Equal(Path.GetFullPath(Path.Combine(GoodFiles, "0005_comments_and_trailing_commas.json")), m.Path);
    }

    [Fact]
    public void Migrations_are_ordered_by_their_leading_number()
    {
        var ids = MigrationReader.Read(Path.Combine(GoodFiles, "Ordering")).Select(m => m.Id).ToArray();
        Assert.Equal(["1_first", "2_second", "10_third"], ids);
    }

    [Fact]
    public void The_checksum_ignores_line_endings_but_not_content()
    {
        const string lf = "{\n  \"operations\": [\n    { \"dropTable\": { \"table\": \"dbo.T\" } }\n  ]\n}\n";
        var crlf = lf.Replace("\n", "\r\n", StringComparison.Ordinal);
        var a = Parse(lf);
        var b = Parse(crlf);
        Assert.Equal(a.Checksum, b.Checksum);
        Assert.Matches("^[0-9a-f]{64}$", a.Checksum);
        Assert.NotEqual(a.Checksum, Parse(lf.Replace("dbo.T", "dbo.U", StringComparison.Ordinal)).Checksum);
        Assert.Equal(crlf, b.Source);
    }

    [Fact]
    public void Every_operation_is_read_into_its_class()
    {
        var m = Assert.Single(MigrationReader.Read(Path.Combine(GoodFiles, "all_operations.json")));
        Assert.Equal("0042_all_operations", m.Id);
        Assert.Equal("1.10", m.ObjectVersion);
        Assert.Equal(TimeSpan.FromHours(36), m.DeprecationWindow);
        Assert.Equal(OperationRegistry.Readers.Count, m.Operations.Count);
        var ops = m.Operations;

        var create = Assert.IsType<CreateTable>(ops[0]);
        Assert.Equal(new QualifiedName("sales", "Orders"), create.Table);
        Assert.Equal(["Id", "Region", "CustomerId"], create.Columns.Select(c => c.Name));
        Assert.Equal(new ColumnDefinition("Id", "bigint", Nullable: false, Identity: true), create.Columns[0]);
        Assert.Equal(new ColumnDefinition("Region", "nvarchar(32)", Default: "N'eu'", Collation: "Latin1_General_100_CI_AS"), create.Columns[1]);
        Assert.Equal(["Id"], create.PrimaryKey);

        var add = Assert.IsType<AddColumn>(ops[1]);
        Assert.Equal(new QualifiedName("dbo", "Customers"), add.Table);
        Assert.Equal(new ColumnDefinition("Tier", "int", Nullable: false, Default: "0"), add.Column);
        Assert.Equal("0", add.Up);

        var rename = Assert.IsType<RenameColumn>(ops[2]);
        Assert.Equal(("Host", "ComputeHost"), (rename.From, rename.To));

        var alter = Assert.IsType<AlterColumn>(ops[3]);
        Assert.Equal(("MemoryMb", "bigint", (bool?)false, "0"), (alter.Column, alter.Type, alter.Nullable, alter.Default));
        Assert.Equal("CAST([MemoryMb] AS bigint)", alter.Up);
        Assert.Equal("CAST([MemoryMb] AS int)", alter.Down);

        Assert.Equal("Legacy", Assert.IsType<DropColumn>(ops[4]).Column);
        Assert.Equal("IX_Old", Assert.IsType<DropIndex>(ops[5]).Name);
        Assert.Equal(new QualifiedName("dbo", "Obsolete"), Assert.IsType<DropTable>(ops[6]).Table);

        var renameTable = Assert.IsType<RenameTable>(ops[7]);
        Assert.Equal(new QualifiedName("dbo", "Hosts"), renameTable.From);
        Assert.Equal(new QualifiedName("dbo", "ComputeHosts"), renameTable.To);

        var index = Assert.IsType<CreateIndex>(ops[8]);
        Assert.Equal(["Region", "CustomerId"], index.Columns);
        Assert.Equal(["Id"], index.Include);
        Assert.True(index.Unique);
        Assert.Equal("[Region] IS NOT NULL", index.Where);

        var fk = Assert.IsType<AddForeignKey>(ops[9]);
        Assert.Equal("FK_Orders_Customers", fk.Name);
        Assert.Equal(["CustomerId"], fk.Columns);
        Assert.Equal(new QualifiedName("dbo", "Customers"), fk.ReferencedTable);
        Assert.Equal(["Id"], fk.ReferencedColumns);

        var check = Assert.IsType<AddCheckConstraint>(ops[10]);
        Assert.Equal(("CK_Instances_MemoryMb", "[MemoryMb] > 0"), (check.Name, check.Expression));

        var unique = Assert.IsType<AddUniqueConstraint>(ops[11]);
        Assert.Equal(["ComputeHost"], unique.Columns);

        var track = Assert.IsType<TrackObjectVersion>(ops[12]);
        Assert.Equal((new QualifiedName("dbo", "Instances"), "ObjectVersion"), (track.Table, track.Column));

        var sql = Assert.IsType<SqlOperation>(ops[13]);
        Assert.StartsWith("CREATE TABLE", sql.ExpandSql, StringComparison.Ordinal);
        Assert.NotNull(sql.MigrateSql);
        Assert.NotNull(sql.VerifySql);
        Assert.Equal("DROP TABLE dbo.Legacy;", sql.ContractSql);
        Assert.Equal("DROP TABLE dbo.Audit;", sql.RollbackSql);
        Assert.True(sql.Unsafe);

        Assert.Equal(OperationRegistry.Readers.Keys.Order(StringComparer.Ordinal), ops.Select(o => o.JsonPath.Split('.')[^1]).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, ops.Count).Select(i => $"$.operations[{i}]"), ops.Select(o => o.JsonPath[..o.JsonPath.LastIndexOf('.')]));
    }

    [Fact]
    public void The_sample_of_the_design_parses()
    {
        var m = Assert.Single(MigrationReader.Read(Path.Combine(GoodFiles, "design_sample.json")));
        Assert.Equal("0003_instances_compute_host", m.Id);
        Assert.Equal("2.0", m.ObjectVersion);
        Assert.Equal(TimeSpan.FromDays(7), m.DeprecationWindow);
        Assert.Equal([typeof(TrackObjectVersion), typeof(AddColumn), typeof(RenameColumn), typeof(AlterColumn), typeof(DropColumn), typeof(CreateIndex), typeof(SqlOperation)],
            m.Operations.Select(o => o.GetType()));
        var add = (AddColumn)m.Operations[1];
        Assert.Equal("N'eu-west'", add.Up);
        Assert.True(add.Column.Nullable);
        var alter = (AlterColumn)m.Operations[3];
        Assert.Null(alter.Nullable);
    }

    [Theory]
    [InlineData("7.00:00:00")]
    [InlineData("P7D")]
    [InlineData("P6DT24H")]
    public void A_deprecation_window_of_seven_days(string window)
    {
        Assert.Equal(TimeSpan.FromDays(7), Parse(WithWindow(window)).DeprecationWindow);
    }

    [Fact]
    public void Null_optional_fields_are_absent()
    {
        var m = Parse("""
            { "id": null, "description": null, "objectVersion": null, "deprecationWindow": null,
              "operations": [
                { "alterColumn": { "table": "T", "column": "A", "type": "bigint", "nullable": null, "default": null, "up": "[A]", "down": null } },
                { "createIndex": { "table": "T", "name": "IX", "columns": ["A"], "include": null, "unique": null, "where": null } } ] }
            """);
        Assert.Equal("default-id", m.Id);
        var alter = Assert.IsType<AlterColumn>(m.Operations[0]);
        Assert.Null(alter.Nullable);
        Assert.Null(alter.Down);
        var index = Assert.IsType<CreateIndex>(m.Operations[1]);
        Assert.Empty(index.Include);
        Assert.False(index.Unique);
    }

    [Fact]
    public void A_definition_reads_back_from_the_store()
    {
        var text = File.ReadAllText(Path.Combine(GoodFiles, "design_sample.json"));
        var m = MigrationReader.FromStore(text, "0003_instances_compute_host");
        Assert.Null(m.Path);
        Assert.Equal(MigrationReader.Checksum(text), m.Checksum);
        Assert.Equal(7, m.Operations.Count);
    }

    // ---- the schema and the reader agree --------------------------------------------------------

    [Fact]
    public void The_schema_is_a_valid_draft_2020_12_schema()
    {
        var result = MetaSchemas.Draft202012.Evaluate(JsonNode.Parse(MigrationSchema.Text), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid);
        var root = JsonNode.Parse(MigrationSchema.Text)!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)root["$schema"]);
        Assert.Equal(OperationRegistry.Readers.Keys.Order(StringComparer.Ordinal),
            root["properties"]!["operations"]!["items"]!["oneOf"]!.AsArray().Select(o => (string)o!["required"]![0]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_schema_property_has_a_title_and_a_description()
    {
        var missing = new List<string>();
        void Walk(JsonNode? node, string at)
        {
            if (node is JsonObject o)
            {
                if (o["properties"] is JsonObject props)
                    foreach (var (name, p) in props)
                        if (p is JsonObject po && (po["title"] is null || po["description"] is null) && po.Count > 1) missing.Add($"{at}/properties/{name}");
                foreach (var (k, v) in o.Where(kv => kv.Key is not ("if" or "then"))) Walk(v, $"{at}/{k}");
            }
            else if (node is JsonArray a) for (var i = 0; i < a.Count; i++) Walk(a[i], $"{at}/{i}");
        }
        Walk(JsonNode.Parse(MigrationSchema.Text), "#");
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("7.00:00:00")] [InlineData("00:30:00")] [InlineData("0:30")] [InlineData("23:59:59")] [InlineData("1.02:03:04.1234567")]
    [InlineData("7")] [InlineData("000:00:00")] [InlineData("10675199.02:48:05")]
    [InlineData("P7D")] [InlineData("PT30M")] [InlineData("P1DT2H3M4S")] [InlineData("PT1.5S")] [InlineData("PT.5S")] [InlineData("P1Y2M")] [InlineData("P0D")]
    [InlineData("7 days")] [InlineData("-P1D")] [InlineData("-PT0S")] [InlineData("-00:00:00")] [InlineData("24:00:00")] [InlineData("1:2:3:4")] [InlineData("00:60:00")]
    [InlineData("00:00:00.12345678")] [InlineData("P")] [InlineData("PT")] [InlineData("P1DT")] [InlineData("P1W")] [InlineData("P1.5D")] [InlineData("p7d")]
    [InlineData("P1M2Y")] [InlineData("")] [InlineData(" 7.00:00:00")] [InlineData("7.00:00:00 ")] [InlineData("P7D ")] [InlineData(" P7D")] [InlineData("7.")] [InlineData("+7")] [InlineData("1.2")]
    public void Windows_the_reader_and_the_schema_agree_on(string window)
    {
        var reader = MigrationReader.TryParseWindow(window, out _);
        Assert.Equal(reader, SchemaAccepts(WithWindow(window)));
    }

    [Theory]
    [InlineData("2.0")] [InlineData("1.10")] [InlineData("0")] [InlineData("123456789.1")] [InlineData("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1")]
    [InlineData("")] [InlineData("2.x")] [InlineData("1..2")] [InlineData(".1")] [InlineData("1.")] [InlineData("1234567890")] [InlineData("v2")] [InlineData(" 2")] [InlineData("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.11")] [InlineData("١")]
    public void Object_versions_the_reader_and_the_schema_agree_on(string version)
    {
        var text = $$"""{ "objectVersion": {{JsonSerializer.Serialize(version)}}, "operations": [ { "dropTable": { "table": "T" } } ] }""";
        Assert.Equal(ObjectVersion.TryParse(version, out _), SchemaAccepts(text));
    }

    public static TheoryData<string> Identifiers() =>
    [
        "Name", "a", "Name With Spaces", "dotted.name", "Ünïcödé", "[Bracketed]", new string('x', 128),
        "", " ", "\u00A0", " Name", "Name ", "Name\u3000", "Na\u0007me", "Na\u0085me", "Na\tme", new string('x', 129), "\u2028",
    ];

    [Theory]
    [MemberData(nameof(Identifiers))]
    public void Identifiers_the_reader_and_the_schema_agree_on(string name)
    {
        var text = $$"""{ "operations": [ { "dropColumn": { "table": "T", "column": {{JsonSerializer.Serialize(name)}} } } ] }""";
        Assert.Equal(Identifier.Problem(name) is null, SchemaAccepts(text));
    }

    public static TheoryData<string> TableNames() =>
    [
        "T", "dbo.T", "sales.Orders", "a.b.c", "my schema.my table", "x." + new string('t', 128), new string('s', 128) + "." + new string('t', 128),
        "", " ", ".T", "dbo.", "dbo. T", "dbo .T", " dbo.T", "a..b", "x." + new string('t', 129), new string('s', 129) + ".T", new string('t', 129), "d\u0001bo.T",
    ];

    [Theory]
    [MemberData(nameof(TableNames))]
    public void Table_names_the_reader_and_the_schema_agree_on(string name)
    {
        var text = $$"""{ "operations": [ { "dropTable": { "table": {{JsonSerializer.Serialize(name)}} } } ] }""";
        Assert.Equal(QualifiedName.TryParse(name, out _, out _), SchemaAccepts(text));
    }

    [Theory]
    [InlineData("x")] [InlineData("0001_init")] [InlineData("a b")] [InlineData(" x ")]
    [InlineData("")] [InlineData("  ")] [InlineData("\u3000")] [InlineData("a\nb")]
    public void Ids_the_reader_and_the_schema_agree_on(string id)
    {
        var text = $$"""{ "id": {{JsonSerializer.Serialize(id)}}, "operations": [ { "dropTable": { "table": "T" } } ] }""";
        var problems = new List<FileProblem>();
        var readerAccepts = MigrationReader.Parse(text, "inline.json", "inline", problems) is not null;
        Assert.Equal(readerAccepts, SchemaAccepts(text));
    }

    [Fact]
    public void Every_good_file_passes_the_schema()
    {
        foreach (var file in Directory.GetFiles(GoodFiles, "*.json", SearchOption.AllDirectories))
            Assert.Empty(MigrationSchema.Validate(JsonNode.Parse(File.ReadAllText(file), documentOptions: Options)));
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static string WithWindow(string window) =>
        $$"""{ "deprecationWindow": {{JsonSerializer.Serialize(window)}}, "operations": [ { "dropTable": { "table": "T" } } ] }""";

    private static bool SchemaAccepts(string text) => MigrationSchema.Validate(JsonNode.Parse(text, documentOptions: Options)).Count == 0;

    private static MigrationDefinition Parse(string text)
    {
        var problems = new List<FileProblem>();
        var m = MigrationReader.Parse(text, "inline.json", "default-id", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return m!;
    }
}
