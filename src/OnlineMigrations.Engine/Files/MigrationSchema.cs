using System.Text.Json.Nodes;
using Json.Schema;

namespace OnlineMigrations.Engine.Files;

/// <summary>The JSON Schema of migration files (module/schema/migration.schema.json, embedded here and
/// shipped beside the module for editors). Every file is validated against it before it is read.</summary>
public static class MigrationSchema
{
    private static readonly Lazy<(string Text, JsonSchema Schema)> Loaded = new(() =>
    {
        using var stream = typeof(MigrationSchema).Assembly.GetManifestResourceStream("OnlineMigrations.Engine.migration.schema.json")
            ?? throw new InvalidOperationException("The migration schema is not embedded in the engine assembly.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (text, JsonSchema.FromText(text));
    });

    private static readonly object Gate = new();

    public static string Text => Loaded.Value.Text;

    /// <summary>Problems the schema finds, as (JSON path, message).</summary>
    public static IReadOnlyList<(string JsonPath, string Message)> Validate(JsonNode? document)
    {
        // One evaluation at a time: evaluated from several threads at once (xunit runs test classes in
        // parallel), the schema library sometimes reported a oneOf matching two subschemas.
        EvaluationResults result;
        lock (Gate) result = Loaded.Value.Schema.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        var problems = new List<(string, string)>();
        foreach (var detail in result.Details ?? [])
        {
            if (detail.Errors is null) continue;
            foreach (var (keyword, message) in detail.Errors)
                problems.Add((ToJsonPath(detail.InstanceLocation.ToString()), $"{message} (schema: {keyword})"));
        }
        if (problems.Count == 0) problems.Add(("$", "the file does not match the migration schema"));
        return problems;
    }

    /// <summary>/operations/0/addColumn → $.operations[0].addColumn</summary>
    public static string ToJsonPath(string pointer)
    {
        var path = "$";
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var s = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path += s.All(char.IsAsciiDigit) ? $"[{s}]" : $".{s}";
        }
        return path;
    }
}
