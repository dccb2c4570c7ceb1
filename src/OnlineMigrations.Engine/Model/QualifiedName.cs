namespace OnlineMigrations.Engine.Model;

/// <summary>A table (or other object) name as written in a migration file: <c>schema.name</c> or <c>name</c>.</summary>
public sealed record QualifiedName(string Schema, string Name)
{
    public const string DefaultSchema = "dbo";

    /// <summary>SQL Server's limit for an identifier (sysname).</summary>
    public const int MaxIdentifierLength = 128;

    public static QualifiedName Parse(string text)
    {
        if (!TryParse(text, out var name, out var problem)) throw new FormatException(problem);
        return name!;
    }

    /// <summary>Splits on the first dot. Brackets are not a quoting syntax here: every identifier is
    /// quoted by the dialect, so a name may contain any character except a dot between schema and name.</summary>
    public static bool TryParse(string? text, out QualifiedName? name, out string? problem)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text)) { problem = "the name is empty; write 'schema.table' or 'table'"; return false; }
        var dot = text.IndexOf('.');
        var schema = dot < 0 ? DefaultSchema : text[..dot];
        var local = dot < 0 ? text : text[(dot + 1)..];
        problem = Identifier.Problem(schema) ?? Identifier.Problem(local);
        if (problem is not null) { problem = $"'{text}': {problem}"; return false; }
        name = new QualifiedName(schema, local);
        return true;
    }

    public override string ToString() => $"{Schema}.{Name}";
}

/// <summary>Rules every identifier in a migration file obeys, whatever the provider.</summary>
public static class Identifier
{
    public static string? Problem(string? identifier)
    {
        if (string.IsNullOrWhiteSpace(identifier)) return "an identifier is empty";
        if (identifier.Length > QualifiedName.MaxIdentifierLength)
            return $"the identifier '{Names.Cut(identifier, 20)}…' is {identifier.Length} characters long; the limit is {QualifiedName.MaxIdentifierLength}";
        if (identifier.Any(char.IsControl)) return $"the identifier '{identifier}' contains a control character";
        if (identifier != identifier.Trim()) return $"the identifier '{identifier}' starts or ends with white space";
        return null;
    }
}
