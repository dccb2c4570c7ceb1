using System.Text;
using System.Text.RegularExpressions;

namespace OnlineMigrations.Engine.Files;

/// <summary>
/// What a field the engine splices into SQL may hold. A <c>type</c> is a type name, a
/// <c>collation</c> a name, an expression (<c>default</c>, <c>where</c>, <c>up</c>, <c>down</c>, a
/// check's <c>expression</c>) one expression: nothing in it can end the statement the engine builds
/// around it or start another. The same rules are patterns in module/schema/migration.schema.json
/// (a test keeps them equal); the reader adds what a pattern cannot say (balanced parentheses).
/// </summary>
public static partial class SqlFieldText
{
    /// <summary>Words that start or change a statement; none belongs in one expression or a type.
    /// Inside string literals and quoted names they are text and allowed.</summary>
    public static readonly string[] StatementKeywords =
    [
        "DROP", "ALTER", "CREATE", "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "EXEC", "EXECUTE",
        "GRANT", "REVOKE", "DENY", "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "BEGIN", "COMMIT",
        "ROLLBACK", "SAVEPOINT", "DECLARE", "SET", "USE", "BACKUP", "RESTORE", "SHUTDOWN", "KILL", "DBCC",
        "WAITFOR", "INTO", "OPENROWSET", "OPENQUERY", "OPENDATASOURCE", "RECONFIGURE", "BULK",
    ];

    /// <summary>Words that end a type name and start a column constraint.</summary>
    public static readonly string[] ConstraintKeywords =
        ["NULL", "NOT", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "COLLATE", "CONSTRAINT", "GENERATED", "AS", "IDENTITY", "ON"];

    private const string Word = "[A-Za-z_][A-Za-z0-9_]*";
    private const string WordChar = "[A-Za-z0-9_$#@]";

    /// <summary>Type name words (one space or a dot between them), then (n), (n,m) or (max).</summary>
    public static readonly string TypePattern =
        $"^(?!(?:.*[^A-Za-z0-9_])?{AnyOf(StatementKeywords.Concat(ConstraintKeywords))}(?![A-Za-z0-9_])){Word}(?:(?: |\\.){Word})*" +
        "(?: ?\\( *(?:[0-9]+|[Mm][Aa][Xx]) *(?:, *[0-9]+ *)?\\))?$";

    public const string CollationPattern = "^[A-Za-z_][A-Za-z0-9_]*$";

    /// <summary>Outside literals and quoted names: no ';', no comment, no statement keyword, no control character.</summary>
    public static readonly string ExpressionPattern =
        "^(?:[^'\"`\\[;\\-/A-Za-z0-9_$#@\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]|-(?!-)|/(?!\\*)" +
        "|'[^'\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*'" +
        "|\"[^\"\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*\"" +
        "|`[^`\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*`" +
        "|\\[[^\\]\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*\\]" +
        $"|(?![0-9]*{AnyOf(StatementKeywords)}(?!{WordChar})){WordChar}+(?!{WordChar}))*$";

    /// <summary>Any SQL text (a <c>sql</c> operation's scripts): no control character but tab, CR and LF.</summary>
    public const string ScriptPattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex CollationRegex();

    private static readonly Regex TypeRegex = new(TypePattern, RegexOptions.CultureInvariant);

    public static string? ControlCharacterProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
            if (IsForbiddenControl(text[i]))
                return $"contains the control character U+{(int)text[i]:X4} at position {i + 1}; SQL text may hold tabs and line breaks, no other control character";
        return null;
    }

    public static string? ScriptProblem(string text) => ControlCharacterProblem(text);

    public static string? TypeProblem(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "the type is empty; write a SQL type such as \"nvarchar(64)\"";
        if (ControlCharacterProblem(text) is { } control) return control;
        if (TypeRegex.IsMatch(text)) return null;
        var keyword = Words(text).FirstOrDefault(w => StatementKeywords.Concat(ConstraintKeywords).Contains(w, StringComparer.OrdinalIgnoreCase));
        var why = keyword is not null ? $"\"{keyword}\" is not part of a type name" : "it is not a type name";
        return $"\"{text}\" is not a SQL type ({why}); write a type name with an optional length, such as \"nvarchar(64)\", \"decimal(18,2)\" or \"varbinary(max)\"; nullability, defaults and collations have their own fields";
    }

    public static string? CollationProblem(string text)
    {
        if (ControlCharacterProblem(text) is { } control) return control;
        return CollationRegex().IsMatch(text) ? null
            : $"\"{text}\" is not a collation name; write one name such as \"Latin1_General_100_CI_AS\" (SQL Server) or \"NOCASE\" (SQLite)";
    }

    /// <summary>The first reason <paramref name="text"/> is not one expression, or null.</summary>
    public static string? ExpressionProblem(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "the expression is empty";
        if (ControlCharacterProblem(text) is { } control) return control;
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            switch (ch)
            {
                case '\'' or '"' or '`' or '[':
                    var close = ch == '[' ? ']' : ch;
                    var end = text.IndexOf(close, i + 1);
                    if (end < 0) return $"a {(ch == '\'' ? "string literal" : "quoted name")} opened at position {i + 1} is not closed";
                    i = end;
                    break;
                case ';':
                    return $"contains ';' at position {i + 1}; a field holds one expression, never a statement separator";
                case '-' when i + 1 < text.Length && text[i + 1] == '-':
                case '/' when i + 1 < text.Length && text[i + 1] == '*':
                    return $"contains a comment at position {i + 1}; comments could hide text from a reader, so none is allowed here";
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth < 0) return $"the ')' at position {i + 1} closes a parenthesis the expression did not open";
                    break;
                default:
                    if (!IsWordChar(ch)) break;
                    var start = i;
                    while (i + 1 < text.Length && IsWordChar(text[i + 1])) i++;
                    var word = text[start..(i + 1)].TrimStart("0123456789".ToCharArray());
                    if (StatementKeywords.Contains(word, StringComparer.OrdinalIgnoreCase))
                        return $"contains the statement keyword {word.ToUpperInvariant()} at position {start + 1}; a field holds one expression (quote a column of that name: [{word}])";
                    break;
            }
        }
        return depth > 0 ? "a parenthesis '(' is not closed" : null;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '#' or '@';

    private static bool IsForbiddenControl(char c) => char.IsControl(c) && c is not ('\t' or '\r' or '\n');

    private static IEnumerable<string> Words(string text) => Regex.Matches(text, "[A-Za-z0-9_]+").Select(m => m.Value);

    /// <summary>(?:[Dd][Rr][Oo][Pp]|...): case-insensitive without an inline flag, so the schema's
    /// ECMAScript patterns read it the same way.</summary>
    private static string AnyOf(IEnumerable<string> words)
    {
        var sb = new StringBuilder("(?:");
        var first = true;
        foreach (var w in words)
        {
            if (!first) sb.Append('|');
            first = false;
            foreach (var c in w) sb.Append('[').Append(char.ToUpperInvariant(c)).Append(char.ToLowerInvariant(c)).Append(']');
        }
        return sb.Append(')').ToString();
    }
}
