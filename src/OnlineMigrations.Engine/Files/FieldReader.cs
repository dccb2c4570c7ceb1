using System.Text.Json;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Files;

/// <summary>
/// Reads the fields of one JSON object into typed values, collecting every problem with its JSON
/// path instead of stopping at the first, so a folder's mistakes are all reported in one run.
/// </summary>
public sealed class FieldReader(JsonElement element, string path, List<FileProblem> problems, string file)
{
    public string Path { get; } = path;
    public JsonElement Element { get; } = element;

    public void Problem(string subPath, string message) => problems.Add(new FileProblem(file, subPath, message));

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null) return true;
        if (required) Problem(Path, $"the required field \"{name}\" is missing");
        value = default;
        return false;
    }

    public string? String(string name, bool required = true)
    {
        if (!TryGet(name, required, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        Problem($"{Path}.{name}", $"expected a string, found {Describe(v)}");
        return null;
    }

    /// <summary>A string the engine splices into SQL, checked by <paramref name="problemOf"/> (see <see cref="SqlFieldText"/>).</summary>
    private string? Sql(string name, bool required, Func<string, string?> problemOf)
    {
        var s = String(name, required);
        if (s is null) return null;
        if (problemOf(s) is not { } problem) return s;
        Problem($"{Path}.{name}", problem);
        return null;
    }

    /// <summary>One SQL expression (a default, a filter, up/down, a check).</summary>
    public string? Expression(string name, bool required = true) => Sql(name, required, SqlFieldText.ExpressionProblem);

    /// <summary>A type name with an optional length.</summary>
    public string? SqlType(string name, bool required = true) => Sql(name, required, SqlFieldText.TypeProblem);

    /// <summary>A collation name.</summary>
    public string? Collation(string name, bool required = false) => Sql(name, required, SqlFieldText.CollationProblem);

    /// <summary>A script of statements (a sql operation's parts): any SQL, but no control character.</summary>
    public string? Script(string name, bool required = true) => Sql(name, required, SqlFieldText.ScriptProblem);

    public bool Bool(string name, bool fallback)
    {
        if (!TryGet(name, false, out var v)) return fallback;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        Problem($"{Path}.{name}", $"expected true or false, found {Describe(v)}");
        return fallback;
    }

    public string? Identifier(string name, bool required = true)
    {
        var s = String(name, required);
        if (s is null) return null;
        var problem = Model.Identifier.Problem(s);
        if (problem is null) return s;
        Problem($"{Path}.{name}", problem);
        return null;
    }

    public QualifiedName? Table(string name = "table", bool required = true)
    {
        var s = String(name, required);
        if (s is null) return null;
        if (QualifiedName.TryParse(s, out var q, out var problem)) return q;
        Problem($"{Path}.{name}", problem!);
        return null;
    }

    public IReadOnlyList<string>? Identifiers(string name, bool required = true, bool allowEmpty = false)
    {
        if (!TryGet(name, required, out var v)) return required ? null : [];
        if (v.ValueKind != JsonValueKind.Array) { Problem($"{Path}.{name}", $"expected an array of column names, found {Describe(v)}"); return null; }
        var list = new List<string>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            var at = $"{Path}.{name}[{i++}]";
            if (item.ValueKind != JsonValueKind.String) { Problem(at, $"expected a column name, found {Describe(item)}"); continue; }
            var problem = Model.Identifier.Problem(item.GetString());
            if (problem is not null) { Problem(at, problem); continue; }
            list.Add(item.GetString()!);
        }
        if (list.Count == 0 && !allowEmpty && i == 0) Problem($"{Path}.{name}", "expected at least one column name");
        return list;
    }

    public FieldReader? Object(string name, bool required = true)
    {
        if (!TryGet(name, required, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Object) return new FieldReader(v, $"{Path}.{name}", problems, file);
        Problem($"{Path}.{name}", $"expected an object, found {Describe(v)}");
        return null;
    }

    public IEnumerable<FieldReader> Objects(string name, bool required = true)
    {
        if (!TryGet(name, required, out var v)) yield break;
        if (v.ValueKind != JsonValueKind.Array) { Problem($"{Path}.{name}", $"expected an array of objects, found {Describe(v)}"); yield break; }
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            var at = $"{Path}.{name}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) { Problem(at, $"expected an object, found {Describe(item)}"); continue; }
            yield return new FieldReader(item, at, problems, file);
        }
    }

    /// <summary>Reports every property not in <paramref name="known"/>: a typo must never silently change what runs.</summary>
    public void OnlyKnown(params string[] known)
    {
        if (Element.ValueKind != JsonValueKind.Object) return;
        foreach (var p in Element.EnumerateObject())
            if (!known.Contains(p.Name, StringComparer.Ordinal))
                Problem($"{Path}.{p.Name}", $"unknown property \"{p.Name}\"{Suggest(p.Name, known)}; expected one of: {string.Join(", ", known)}");
    }

    public ColumnDefinition? Column(FieldReader? c)
    {
        if (c is null) return null;
        c.OnlyKnown("name", "type", "nullable", "default", "identity", "primaryKey", "collation");
        var name = c.Identifier("name");
        var type = c.SqlType("type");
        var @default = c.Expression("default", false);
        var collation = c.Collation("collation");
        return name is null || type is null ? null : new ColumnDefinition(name, type, c.Bool("nullable", true), @default,
            c.Bool("identity", false), c.Bool("primaryKey", false), collation);
    }

    public static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(v.GetString()!)}\"",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {v.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => v.ValueKind.ToString(),
    };

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>" (did you mean \"x\"?)" when a known name is one or two edits away.</summary>
    public static string Suggest(string name, IEnumerable<string> known)
    {
        var best = known.Select(k => (k, d: Distance(name.ToLowerInvariant(), k.ToLowerInvariant()))).OrderBy(x => x.d).FirstOrDefault();
        return best.k is not null && best.d <= 2 ? $" (did you mean \"{best.k}\"?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
