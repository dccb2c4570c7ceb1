namespace OnlineMigrations.Engine.Files;

/// <summary>One thing wrong with a migration file: where (file and JSON path), what, and what is expected.</summary>
public sealed record FileProblem(string File, string JsonPath, string Message)
{
    public override string ToString() => $"{File}: {JsonPath}: {Message}";
}
