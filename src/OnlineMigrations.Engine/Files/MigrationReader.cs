using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Files;

/// <summary>All problems found in a set of migration files, reported together.</summary>
public sealed class MigrationFileException(IReadOnlyList<FileProblem> problems)
    : MigrationException(ErrorIds.InvalidMigrationFile,
        $"{problems.Count} problem(s) in migration files:\n" + string.Join("\n", problems.Select(p => "  " + p)),
        "Fix each problem at the file and JSON path given, then run the command again. The schema (schema/migration.schema.json in the module) lists every field.")
{
    public IReadOnlyList<FileProblem> Problems { get; } = problems;
}

/// <summary>Reads migration files: JSON with comments and trailing commas, validated against the
/// schema and then read into typed operations. Every problem of a folder is reported in one run.</summary>
public static class MigrationReader
{
    public const int MaxIdLength = 200;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 };

    private static readonly string[] RootProperties = ["$schema", "id", "description", "objectVersion", "deprecationWindow", "operations"];

    /// <summary>Reads one file, or every *.json file of a folder, in ordinal id order.</summary>
    public static IReadOnlyList<MigrationDefinition> Read(string path)
    {
        string[] files;
        if (Directory.Exists(path))
            files = Directory.GetFiles(path, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();
        else if (File.Exists(path))
            files = [path];
        else
            throw new MigrationException(ErrorIds.MigrationPathNotFound, $"No migration file or folder at '{path}'.",
                "Give -Path a folder of *.json migration files or one file; relative paths are resolved from the current location.");

        var problems = new List<FileProblem>();
        var definitions = new List<MigrationDefinition>();
        foreach (var file in files)
        {
            var text = ReadText(file, problems);
            if (text is null) continue;
            var definition = Parse(text, file, Path.GetFileNameWithoutExtension(file), problems);
            if (definition is not null) definitions.Add(definition);
        }
        foreach (var group in definitions.GroupBy(d => d.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            foreach (var d in group)
                problems.Add(new FileProblem(d.Path!, "$.id", $"the id \"{d.Id}\" is used by {group.Count()} files ({string.Join(", ", group.Select(x => Path.GetFileName(x.Path)))}); every migration needs its own id"));
        // One number, one migration: the order of two ids that share their number would rest on the rest of their names.
        foreach (var group in definitions.Where(d => MigrationDefinition.Number(d.Id) is not null)
                     .GroupBy(d => MigrationDefinition.Number(d.Id)).Where(g => g.Select(d => d.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1))
            foreach (var d in group)
                problems.Add(new FileProblem(d.Path!, "$.id",
                    $"the id \"{d.Id}\" starts with the number {group.Key}, as do the ids of {string.Join(", ", group.Where(x => x != d).Select(x => $"{Path.GetFileName(x.Path)} (\"{x.Id}\")"))}; " +
                    "each migration needs its own number: renumber one of them (a migration already applied keeps its id)"));
        if (problems.Count > 0) throw new MigrationFileException(problems);
        definitions.Sort((a, b) => MigrationDefinition.CompareIds(a.Id, b.Id));
        return definitions;
    }

    /// <summary>Reads a definition back from the state store (the applied file's text).</summary>
    public static MigrationDefinition FromStore(string source, string id)
    {
        var problems = new List<FileProblem>();
        var definition = Parse(source, $"(applied definition of {id})", id, problems);
        if (problems.Count > 0 || definition is null) throw new MigrationFileException(problems);
        return definition;
    }

    public static string Checksum(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")))).ToLowerInvariant();

    /// <summary>Parses one file's text; adds its problems to <paramref name="problems"/> and returns null when it has any.</summary>
    public static MigrationDefinition? Parse(string text, string file, string defaultId, List<FileProblem> problems)
    {
        var before = problems.Count;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException e)
        {
            problems.Add(new FileProblem(file, e.Path is { Length: > 0 } p ? p : "$",
                $"the file is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}"));
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            // Before any field is read: a duplicate key would let one value silently replace another,
            // and a lone surrogate cannot become .NET text at all.
            FindStructureProblems(root, "$", file, problems);
            if (problems.Count > before) return null;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new FileProblem(file, "$", $"expected an object with \"operations\", found {FieldReader.Describe(root)}"));
                return null;
            }
            var r = new FieldReader(root, "$", problems, file);
            r.OnlyKnown(RootProperties);

            var id = r.String("id", required: false) ?? defaultId;
            if (string.IsNullOrWhiteSpace(id)) r.Problem("$.id", "the id is empty");
            else if (id.Length > MaxIdLength) r.Problem("$.id", $"the id is {id.Length} characters long; the limit is {MaxIdLength}");
            else if (id.Any(char.IsControl)) r.Problem("$.id", "the id contains a control character");

            var description = r.String("description", required: false);
            var objectVersion = r.String("objectVersion", required: false);
            if (objectVersion is not null && !ObjectVersion.TryParse(objectVersion, out _))
                r.Problem("$.objectVersion", $"\"{objectVersion}\" is not an object version; write dotted numbers such as \"2.0\" or \"1.10\" (at most {ObjectVersion.MaxLength} characters)");

            var window = TimeSpan.Zero;
            var windowText = r.String("deprecationWindow", required: false);
            if (windowText is not null && !TryParseWindow(windowText, out window))
                r.Problem("$.deprecationWindow", $"\"{windowText}\" is not a duration; write a TimeSpan such as \"7.00:00:00\" or an ISO-8601 duration such as \"P7D\" or \"PT30M\"");

            var operations = new List<Operation>();
            if (!root.TryGetProperty("operations", out var ops) || ops.ValueKind == JsonValueKind.Null)
                r.Problem("$", "the required field \"operations\" is missing");
            else if (ops.ValueKind != JsonValueKind.Array)
                r.Problem("$.operations", $"expected an array of operations, found {FieldReader.Describe(ops)}");
            else
            {
                var i = 0;
                foreach (var item in ops.EnumerateArray())
                {
                    var at = $"$.operations[{i++}]";
                    var op = ReadOperation(item, at, problems, file);
                    if (op is not null) operations.Add(op);
                }
                if (i == 0) r.Problem("$.operations", "a migration needs at least one operation");
            }
            if (objectVersion is null && operations.OfType<TrackObjectVersion>().Any())
                r.Problem("$.objectVersion", "this migration tracks an object version (trackObjectVersion) but names none; add \"objectVersion\", the version the new code stamps on rows");

            // The schema is the contract editors see; anything it rejects that the reader above let pass is reported too.
            if (problems.Count == before)
            {
                foreach (var (path, message) in MigrationSchema.Validate(JsonNode.Parse(text, documentOptions: DocumentOptions)))
                    problems.Add(new FileProblem(file, path, message));
            }
            if (problems.Count > before) return null;
            return new MigrationDefinition
            {
                Id = id,
                Description = description,
                ObjectVersion = objectVersion,
                DeprecationWindow = window,
                Operations = operations,
                Checksum = Checksum(text),
                Path = File.Exists(file) ? Path.GetFullPath(file) : null,
                Source = text,
            };
        }
    }

    private static Operation? ReadOperation(JsonElement item, string at, List<FileProblem> problems, string file)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new FileProblem(file, at, $"expected an object such as {{ \"addColumn\": {{ ... }} }}, found {FieldReader.Describe(item)}"));
            return null;
        }
        var properties = item.EnumerateObject().ToList();
        if (properties.Count != 1)
        {
            problems.Add(new FileProblem(file, at, properties.Count == 0
                ? "an operation is empty; write one operation name such as \"addColumn\" with its fields"
                : $"an operation has exactly one name, found {properties.Count}: {string.Join(", ", properties.Select(p => p.Name))}; put each in its own entry of \"operations\""));
            return null;
        }
        var kind = properties[0].Name;
        if (!OperationRegistry.Readers.TryGetValue(kind, out var read))
        {
            problems.Add(new FileProblem(file, $"{at}.{kind}",
                $"unknown operation \"{kind}\"{FieldReader.Suggest(kind, OperationRegistry.Readers.Keys)}; expected one of: {string.Join(", ", OperationRegistry.Readers.Keys)}"));
            return null;
        }
        var body = properties[0].Value;
        var path = $"{at}.{kind}";
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new FileProblem(file, path, $"expected the fields of {kind} as an object, found {FieldReader.Describe(body)}"));
            return null;
        }
        var before = problems.Count;
        var op = read(new FieldReader(body, path, problems, file));
        if (op is null || problems.Count > before) return null;
        op.JsonPath = path;
        return op;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's text: UTF-8 (with or without a byte-order mark) read strictly, so a broken byte is
    /// reported instead of becoming U+FFFD; UTF-16 when the file says so with its byte-order mark.</summary>
    private static string? ReadText(string file, List<FileProblem> problems)
    {
        var bytes = File.ReadAllBytes(file);
        if (bytes.Length >= 2 && (bytes[0], bytes[1]) is (0xFF, 0xFE) or (0xFE, 0xFF)) return File.ReadAllText(file);
        var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try { return StrictUtf8.GetString(bytes, start, bytes.Length - start); }
        catch (DecoderFallbackException e)
        {
            problems.Add(new FileProblem(file, "$", $"the file is not valid UTF-8 (byte {start + e.Index + 1}); save it as UTF-8"));
            return null;
        }
    }

    private static void FindStructureProblems(JsonElement element, string path, string file, List<FileProblem> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                var i = 0;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try { name = property.Name; }
                    catch (InvalidOperationException)
                    {
                        problems.Add(new FileProblem(file, path, $"property {i + 1} has a name with a lone surrogate (a \\uD800-\\uDFFF escape without its pair); write the character itself or both halves"));
                        i++;
                        continue;
                    }
                    i++;
                    var at = $"{path}.{name}";
                    if (!names.Add(name))
                        problems.Add(new FileProblem(file, at, $"the property \"{name}\" appears more than once in this object; keep one (a later value would silently replace the first)"));
                    FindStructureProblems(property.Value, at, file, problems);
                }
                break;
            case JsonValueKind.Array:
                var n = 0;
                foreach (var item in element.EnumerateArray()) FindStructureProblems(item, $"{path}[{n++}]", file, problems);
                break;
            case JsonValueKind.String:
                try { _ = element.GetString(); }
                catch (InvalidOperationException)
                {
                    problems.Add(new FileProblem(file, path, "the string holds a lone surrogate (a \\uD800-\\uDFFF escape without its pair); write the character itself or both halves"));
                }
                break;
        }
    }

    public static bool TryParseWindow(string text, out TimeSpan window)
    {
        window = TimeSpan.Zero;
        if (text.StartsWith('P') || text.StartsWith('-'))
        {
            try { window = XmlConvert.ToTimeSpan(text); }
            catch (FormatException) { return false; }
            catch (OverflowException) { return false; }
        }
        else if (!TimeSpan.TryParseExact(text, ["c"], CultureInfo.InvariantCulture, out window)) return false;
        return window >= TimeSpan.Zero && text[0] != '-' && text == text.Trim();
    }

    private static string FirstSentence(string message)
    {
        // Cut System.Text.Json's own " Path: ... | LineNumber: n | ..." tail: its numbers are 0-based and the caller already gives 1-based ones.
        var i = new[] { message.IndexOf(" Path:", StringComparison.Ordinal), message.IndexOf(" LineNumber:", StringComparison.Ordinal) }.Where(x => x > 0).DefaultIfEmpty(-1).Min();
        return i > 0 ? message[..i] : message;
    }
}
