using System.Text;

namespace OnlineMigrations.Engine.Dialects;

public enum SqlTokenKind { Word, QuotedName, String, Number, Symbol, Space, Comment }

/// <summary>One token of SQL text; <see cref="Name"/> is the identifier it spells (unquoted), for words and quoted names.</summary>
public readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Start)
{
    public string? Name => Kind switch
    {
        SqlTokenKind.Word => Text,
        SqlTokenKind.QuotedName => Unquote(Text),
        _ => null,
    };

    private static string Unquote(string text)
    {
        var close = text[0] == '[' ? ']' : text[0];
        if (text.Length < 2 || text[^1] != close) return text[1..]; // unterminated: what there is
        // A closing quote inside is written twice ("a""b", [a]]b], `a``b`).
        return text[1..^1].Replace($"{close}{close}", close.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// A small tokenizer for the SQL fragments the engine moves between columns (index filters, CHECK and
/// generated-column expressions, column definitions): it tells identifiers from string literals and
/// quoted names, so a rename rewrites names only and never the text of a literal.
/// </summary>
public static class SqlText
{
    public static IReadOnlyList<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var start = i;
            var c = sql[i];
            SqlTokenKind kind;
            if (char.IsWhiteSpace(c))
            {
                while (i < sql.Length && char.IsWhiteSpace(sql[i])) i++;
                kind = SqlTokenKind.Space;
            }
            else if (c == '-' && At(sql, i + 1, '-'))
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                kind = SqlTokenKind.Comment;
            }
            else if (c == '/' && At(sql, i + 1, '*'))
            {
                var close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + 2;
                kind = SqlTokenKind.Comment;
            }
            else if (c == '\'' || (c is 'N' or 'n' or 'X' or 'x' && At(sql, i + 1, '\'')))
            {
                if (c != '\'') i++;
                i = Quoted(sql, i, '\'');
                kind = SqlTokenKind.String;
            }
            else if (c is '"' or '`')
            {
                i = Quoted(sql, i, c);
                kind = SqlTokenKind.QuotedName;
            }
            else if (c == '[')
            {
                i = Quoted(sql, i, ']');
                kind = SqlTokenKind.QuotedName;
            }
            else if (char.IsDigit(c) || (c == '.' && i + 1 < sql.Length && char.IsDigit(sql[i + 1])))
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '.'
                       || (sql[i] is '+' or '-' && sql[i - 1] is 'e' or 'E' && !sql[start..i].StartsWith("0x", StringComparison.OrdinalIgnoreCase)))) i++;
                kind = SqlTokenKind.Number;
            }
            else if (IsWordChar(c))
            {
                while (i < sql.Length && (IsWordChar(sql[i]) || char.IsDigit(sql[i]))) i++;
                kind = SqlTokenKind.Word;
            }
            else
            {
                i += char.IsSurrogatePair(sql, i) ? 2 : 1;
                kind = SqlTokenKind.Symbol;
            }
            tokens.Add(new SqlToken(kind, sql[start..i], start));
        }
        return tokens;
    }

    private static bool At(string s, int i, char c) => i < s.Length && s[i] == c;

    private static bool IsWordChar(char c) => char.IsLetter(c) || c is '_' or '@' or '#' or '$' || char.IsSurrogate(c) || c > 127 && !char.IsWhiteSpace(c) && !char.IsPunctuation(c);

    // From an opening quote at i to just past its closing quote; a doubled closing quote is part of the text.
    private static int Quoted(string sql, int i, char close)
    {
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == close)
            {
                if (At(sql, i + 1, close)) { i += 2; continue; }
                return i + 1;
            }
            i++;
        }
        return sql.Length;
    }

    /// <summary>The identifier tokens of <paramref name="sql"/> that name a column: words and quoted names,
    /// not a function's name (a word followed by an opening parenthesis).</summary>
    public static IEnumerable<SqlToken> ColumnNames(IReadOnlyList<SqlToken> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == SqlTokenKind.QuotedName) { yield return t; continue; }
            if (t.Kind != SqlTokenKind.Word) continue;
            var next = i + 1;
            while (next < tokens.Count && tokens[next].Kind is SqlTokenKind.Space or SqlTokenKind.Comment) next++;
            if (next < tokens.Count && tokens[next].Text == "(") continue;
            yield return t;
        }
    }

    /// <summary>Whether <paramref name="sql"/> names <paramref name="column"/> anywhere outside string literals and comments.</summary>
    public static bool Mentions(string sql, string column, StringComparer names) =>
        ColumnNames(Tokenize(sql)).Any(t => names.Equals(t.Name, column));

    /// <summary><paramref name="sql"/> with every identifier naming <paramref name="from"/> replaced by
    /// <paramref name="quotedTo"/>; literals, comments and other names are kept byte for byte.</summary>
    public static string RenameColumn(string sql, string from, string quotedTo, StringComparer names)
    {
        var tokens = Tokenize(sql);
        var rename = ColumnNames(tokens).Where(t => names.Equals(t.Name, from)).Select(t => t.Start).ToHashSet();
        var sb = new StringBuilder(sql.Length + 16);
        foreach (var t in tokens) sb.Append(rename.Contains(t.Start) ? quotedTo : t.Text);
        return sb.ToString();
    }

    /// <summary>Splits a parenthesised list at its top-level commas: the column definitions and table
    /// constraints of a CREATE TABLE, given the text from just inside its opening parenthesis.</summary>
    public static List<List<SqlToken>> TopLevelItems(IReadOnlyList<SqlToken> tokens, int from)
    {
        var items = new List<List<SqlToken>> { new() };
        var depth = 0;
        for (var i = from; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == SqlTokenKind.Symbol && t.Text == "(") depth++;
            else if (t.Kind == SqlTokenKind.Symbol && t.Text == ")")
            {
                if (depth == 0) break;
                depth--;
            }
            else if (depth == 0 && t.Kind == SqlTokenKind.Symbol && t.Text == ",") { items.Add([]); continue; }
            if (t.Kind is not (SqlTokenKind.Space or SqlTokenKind.Comment)) items[^1].Add(t);
        }
        return items.Where(x => x.Count > 0).ToList();
    }

    /// <summary>The definitions inside a CREATE TABLE statement's parentheses (columns and table constraints), tokens without space.</summary>
    public static List<List<SqlToken>> TableItems(string createTable)
    {
        var tokens = Tokenize(createTable);
        var open = -1;
        for (var i = 0; i < tokens.Count; i++)
            if (tokens[i].Kind == SqlTokenKind.Symbol && tokens[i].Text == "(") { open = i; break; }
        return open < 0 ? [] : TopLevelItems(tokens, open + 1);
    }

    private static readonly HashSet<string> ConstraintWords = new(StringComparer.OrdinalIgnoreCase) { "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN" };

    /// <summary>Whether an item of <see cref="TableItems"/> is a table constraint rather than a column definition.</summary>
    public static bool IsTableConstraint(List<SqlToken> item) => item[0].Kind == SqlTokenKind.Word && ConstraintWords.Contains(item[0].Text);
}

/// <summary>ASCII-only case-insensitive comparison, as SQLite compares identifiers (and its NOCASE collation).</summary>
public sealed class AsciiIgnoreCaseComparer : StringComparer
{
    public static readonly AsciiIgnoreCaseComparer Instance = new();

    private static char Fold(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;

    public override int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var d = Fold(x[i]).CompareTo(Fold(y[i]));
            if (d != 0) return d;
        }
        return x.Length.CompareTo(y.Length);
    }

    public override bool Equals(string? x, string? y) => Compare(x, y) == 0;

    public override int GetHashCode(string obj)
    {
        var h = new HashCode();
        foreach (var c in obj) h.Add(Fold(c));
        return h.ToHashCode();
    }
}
