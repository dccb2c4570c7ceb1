using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace OnlineMigrations.Engine.Dialects;

/// <summary>Finds destructive statements in a T-SQL script with Microsoft's own parser.</summary>
internal static class SqlServerLint
{
    public static IReadOnlyList<LintFinding> Find(string script)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(script);
        var fragment = parser.Parse(reader, out var errors);
        if (errors.Count > 0)
            return errors.Select(e => new LintFinding(e.Line, "the script does not parse as T-SQL", e.Message)).ToList();
        var visitor = new Visitor(script);
        fragment.Accept(visitor);
        return visitor.Findings;
    }

    private sealed class Visitor(string script) : TSqlFragmentVisitor
    {
        public List<LintFinding> Findings { get; } = [];

        private void Add(TSqlFragment f, string reason)
        {
            var text = script.Substring(f.StartOffset, Math.Min(f.FragmentLength, 200)).ReplaceLineEndings(" ");
            Findings.Add(new LintFinding(f.StartLine, reason, text));
        }

        public override void Visit(TSqlStatement node)
        {
            var name = node.GetType().Name;
            if (name.StartsWith("Drop", StringComparison.Ordinal)) Add(node, "DROP removes an object old code may still use");
            base.Visit(node);
        }

        public override void Visit(AlterTableDropTableElementStatement node) => Add(node, "ALTER TABLE ... DROP removes a column or constraint old code may still use");
        public override void Visit(TruncateTableStatement node) => Add(node, "TRUNCATE removes every row");
        public override void Visit(AlterTableAlterColumnStatement node) => Add(node, "ALTER COLUMN changes a column in place (narrowing loses data, and it blocks the table); use an alterColumn operation");

        public override void Visit(DeleteStatement node)
        {
            if (node.DeleteSpecification?.WhereClause is null) Add(node, "DELETE without WHERE removes every row");
        }

        public override void Visit(ExecuteStatement node)
        {
            var proc = (node.ExecuteSpecification?.ExecutableEntity as ExecutableProcedureReference)?.ProcedureReference?.ProcedureReference?.Name;
            if (proc?.BaseIdentifier?.Value is { } n && n.Equals("sp_rename", StringComparison.OrdinalIgnoreCase))
                Add(node, "sp_rename renames an object old code still uses by its old name; use renameColumn or renameTable");
        }
    }
}

/// <summary>The same rules for SQLite scripts, by statement text.</summary>
internal static class SqliteLint
{
    private static readonly (System.Text.RegularExpressions.Regex Pattern, string Reason)[] Rules =
    [
        (new(@"^\s*DROP\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase), "DROP removes an object old code may still use"),
        (new(@"^\s*ALTER\s+TABLE\b.*\bDROP\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline), "ALTER TABLE ... DROP COLUMN removes a column old code may still use"),
        (new(@"^\s*ALTER\s+TABLE\b.*\bRENAME\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline), "ALTER TABLE ... RENAME renames what old code still uses; use renameColumn"),
        (new(@"^\s*DELETE\s+FROM\s+[^\s;]+\s*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase), "DELETE without WHERE removes every row"),
    ];

    public static IReadOnlyList<LintFinding> Find(string script)
    {
        var findings = new List<LintFinding>();
        var offset = 0;
        foreach (var statement in script.Split(';'))
        {
            var trimmedStart = statement.Length - statement.TrimStart().Length;
            var line = 1 + script.AsSpan(0, offset + trimmedStart).Count('\n');
            var text = statement.Trim();
            foreach (var (pattern, reason) in Rules)
                if (text.Length > 0 && pattern.IsMatch(text)) { findings.Add(new LintFinding(line, reason, text.ReplaceLineEndings(" "))); break; }
            offset += statement.Length + 1;
        }
        return findings;
    }
}
