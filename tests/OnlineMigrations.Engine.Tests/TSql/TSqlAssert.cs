using System.Text;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Xunit;
using Xunit.Sdk;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>
/// Validates T-SQL the engine generates with Microsoft's own parser (ScriptDom). Every failure names
/// the full statement and every parser error (line, column, message), so a broken statement is
/// found from the test output alone.
///
/// Besides the grammar it checks rules the parser does not, which the server enforces per batch:
/// a generated string is one batch (no GO inside it), CREATE VIEW/PROCEDURE/TRIGGER/FUNCTION/SCHEMA
/// is the only statement of its batch, and ORDER BY is not used in a derived table, subquery, CTE or
/// view without TOP/OFFSET/FOR XML (error 1033 at compile time).
/// </summary>
public static class TSqlAssert
{
    /// <summary>The parser used: the newest SQL Server version this ScriptDom package ships a parser for
    /// that is a released product (TSql170Parser = SQL Server 2025; TSql180Parser is the next version and
    /// would accept syntax no shipped server knows).</summary>
    public static readonly SqlVersion Newest = SqlVersion.Sql170;

    private static int _parsed;

    /// <summary>How many statements (generated strings) have been parsed successfully in this process.</summary>
    public static int ParsedCount => Volatile.Read(ref _parsed);

    public static TSqlParser Parser(SqlVersion version) => TSqlParser.CreateParser(version, initialQuotedIdentifiers: true);

    /// <summary>Parses one generated string that the engine sends to the server as one batch.</summary>
    public static TSqlScript Parses(string sql) => Parses(sql, Newest);

    /// <summary>Parses one generated batch with the parser of <paramref name="version"/> (for version floors:
    /// a statement the product runs on SQL Server 2016 must parse with <see cref="SqlVersion.Sql130"/>).</summary>
    public static TSqlScript Parses(string sql, SqlVersion version)
    {
        Assert.NotNull(sql);
        if (string.IsNullOrWhiteSpace(sql)) throw new XunitException("Generated T-SQL is empty.");
        var script = ParseScript(sql, version);
        var problems = new List<string>();
        if (script.Batches.Count != 1)
            problems.Add($"expected exactly one batch, found {script.Batches.Count} (a GO inside generated SQL, or no statement at all; SqlClient does not understand GO)");
        foreach (var batch in script.Batches)
        {
            var first = batch.Statements.FirstOrDefault();
            foreach (var statement in batch.Statements)
                if (MustBeAloneInBatch(statement) && batch.Statements.Count > 1)
                    problems.Add($"{statement.GetType().Name} at line {statement.StartLine} must be the only statement in its batch, but the batch has {batch.Statements.Count} statements");
            _ = first;
        }
        var orderBy = new OrderByWithoutTopVisitor();
        script.Accept(orderBy);
        problems.AddRange(orderBy.Problems);
        if (problems.Count > 0) Fail(sql, version, problems);
        Interlocked.Increment(ref _parsed);
        Log(version, sql);
        return script;
    }

    /// <summary>Parses each generated batch.</summary>
    public static IReadOnlyList<TSqlScript> Parses(IEnumerable<string> statements) => Parses(statements, Newest);

    public static IReadOnlyList<TSqlScript> Parses(IEnumerable<string> statements, SqlVersion version)
    {
        var list = statements.ToList();
        Assert.NotEmpty(list);
        return list.Select(s => Parses(s, version)).ToList();
    }

    /// <summary>Parses a multi-batch script (GO separators allowed), reporting grammar errors only.</summary>
    public static TSqlScript ParsesScript(string script, SqlVersion? version = null)
    {
        var parsed = ParseScript(script, version ?? Newest);
        Interlocked.Increment(ref _parsed);
        return parsed;
    }

    private static readonly object LogLock = new();

    /// <summary>With TSQL_PARSE_LOG set to a file path, records each statement parsed (version, then the SQL on
    /// one line), so a run can report how many distinct statements it validated.</summary>
    private static void Log(SqlVersion version, string sql)
    {
        var path = Environment.GetEnvironmentVariable("TSQL_PARSE_LOG");
        if (string.IsNullOrEmpty(path)) return;
        lock (LogLock) File.AppendAllText(path, $"{version}\t{sql.ReplaceLineEndings("\\n")}\n");
    }

    private static TSqlScript ParseScript(string sql, SqlVersion version)
    {
        using var reader = new StringReader(sql);
        var fragment = Parser(version).Parse(reader, out var errors);
        if (errors.Count > 0)
            Fail(sql, version, errors.Select(e => $"line {e.Line}, column {e.Column}: error {e.Number}: {e.Message}"));
        return (TSqlScript)fragment;
    }

    private static bool MustBeAloneInBatch(TSqlStatement s) => s is CreateTriggerStatement or CreateOrAlterTriggerStatement or AlterTriggerStatement
        or CreateViewStatement or CreateOrAlterViewStatement or AlterViewStatement
        or CreateProcedureStatement or CreateOrAlterProcedureStatement or AlterProcedureStatement
        or CreateFunctionStatement or CreateOrAlterFunctionStatement or AlterFunctionStatement
        or CreateSchemaStatement;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string sql, SqlVersion version, IEnumerable<string> problems)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Generated T-SQL is not valid ({version} parser):");
        foreach (var p in problems) sb.Append("  ").AppendLine(p);
        sb.AppendLine("---- statement ----");
        var lines = sql.Split('\n');
        for (var i = 0; i < lines.Length; i++) sb.Append((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append(": ").AppendLine(lines[i].TrimEnd('\r'));
        sb.Append("-------------------");
        throw new XunitException(sb.ToString());
    }

    /// <summary>The tokens of a statement as the server's lexer sees them.</summary>
    public static IList<TSqlParserToken> Tokens(string sql)
    {
        using var reader = new StringReader(sql);
        var tokens = Parser(Newest).GetTokenStream(reader, out var errors);
        if (errors.Count > 0) Fail(sql, Newest, errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}"));
        return tokens;
    }

    /// <summary>
    /// Asserts that every occurrence of <paramref name="marker"/> (a distinctive part of a user-supplied
    /// identifier) lies inside a bracket-quoted identifier or an N'' string literal: an identifier that
    /// reaches the SQL text unquoted would change what the statement does.
    /// </summary>
    public static void OnlyQuoted(string sql, string marker)
    {
        var bad = new List<string>();
        foreach (var token in Tokens(sql))
        {
            if (token.Text is null) continue;
            // A single-line comment is inert as long as nothing can end it early; the dialect strips line
            // breaks from what it writes into comments, and CreateSyncTrigger has its own test for that.
            var allowed = token.TokenType is TSqlTokenType.QuotedIdentifier or TSqlTokenType.UnicodeStringLiteral or TSqlTokenType.SingleLineComment;
            if (!allowed && token.Text.Contains(marker, StringComparison.Ordinal))
                bad.Add($"line {token.Line}, column {token.Column}: {token.TokenType} token `{token.Text}`");
        }
        // A marker split across tokens (e.g. `we` `]` `ird`) shows up in the raw text but in no single token.
        var inTokens = Tokens(sql).Sum(t => t.Text is null ? 0 : CountOccurrences(t.Text, marker));
        var inText = CountOccurrences(sql, marker);
        if (inTokens < inText) bad.Add($"`{marker}` occurs {inText} times in the text but only {inTokens} times inside single tokens: it was split by the lexer, so it is unquoted somewhere");
        if (bad.Count > 0) Fail(sql, Newest, bad.Prepend($"the identifier part `{marker}` appears outside [brackets] and N'' literals:"));
    }

    /// <summary>
    /// Asserts that the server reads <paramref name="name"/> back exactly from <paramref name="sql"/>: the
    /// parsed statement holds an identifier whose value is the name, or an N'' literal whose value is the
    /// name or holds it bracket-quoted (for OBJECT_ID, sp_rename and dynamic SQL). A name escaped the wrong
    /// way (`'` doubled inside brackets, `]` not doubled) parses as some other name and fails here.
    /// </summary>
    public static void RoundTrips(string sql, string name)
    {
        var visitor = new NameVisitor(name);
        ParseScript(sql, Newest).Accept(visitor);
        if (!visitor.Found)
            Fail(sql, Newest, [$"no identifier or N'' literal of the statement reads back as `{name}`"]);
    }

    private sealed class NameVisitor(string name) : TSqlFragmentVisitor
    {
        private readonly string _bracketed = "[" + name.Replace("]", "]]", StringComparison.Ordinal) + "]";
        public bool Found { get; private set; }
        public override void Visit(Identifier node) => Found |= node.Value == name;
        public override void Visit(StringLiteral node) =>
            Found |= node.Value == name || node.Value.Contains(_bracketed, StringComparison.Ordinal);
    }

    private static int CountOccurrences(string text, string marker)
    {
        var n = 0;
        for (var i = text.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = text.IndexOf(marker, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Flags ORDER BY in a derived table, subquery, CTE or view without TOP, OFFSET or FOR XML.</summary>
    private sealed class OrderByWithoutTopVisitor : TSqlFragmentVisitor
    {
        public List<string> Problems { get; } = [];

        private void Check(QueryExpression? q, string where)
        {
            if (q is QuerySpecification { OrderByClause: not null } s && s.TopRowFilter is null && s.OffsetClause is null && s.ForClause is null)
                Problems.Add($"ORDER BY in a {where} without TOP, OFFSET or FOR XML at line {s.OrderByClause.StartLine} (server error 1033)");
            if (q is QueryParenthesisExpression p) Check(p.QueryExpression, where);
        }

        public override void Visit(QueryDerivedTable node) { Check(node.QueryExpression, "derived table"); base.Visit(node); }
        public override void Visit(ScalarSubquery node) { Check(node.QueryExpression, "subquery"); base.Visit(node); }
        public override void Visit(CommonTableExpression node) { Check(node.QueryExpression, "common table expression"); base.Visit(node); }
        public override void Visit(ViewStatementBody node) { Check(node.SelectStatement?.QueryExpression, "view"); base.Visit(node); }
    }
}
