using System.Text;
using System.Text.RegularExpressions;

namespace OnlineMigrations.Engine.Tests.TSql;

/// <summary>One string literal of a C# source file: where it starts, the member it is written in, and its
/// text with every interpolation hole replaced by <see cref="CSharpLiterals.Hole"/>.</summary>
public sealed record CSharpLiteral(string File, int Line, string Member, string Text)
{
    public override string ToString() => $"{File}:{Line} ({Member}): {Shorten(Text)}";

    private static string Shorten(string text)
    {
        var one = Regex.Replace(text, @"\s+", " ").Trim();
        return one.Length <= 140 ? one : one[..140] + "...";
    }
}

/// <summary>
/// A small lexer for the string literals of C# source: regular, verbatim (@""), interpolated ($"", $@"")
/// and raw literals ("""...""", $"""...""", $$"""..."""), with literals nested in interpolation holes
/// found as literals of their own. Comments and character literals are skipped. It does not compile
/// anything: it is just enough C# to find every piece of SQL text written in a source file.
///
/// The member a literal belongs to is the last declaration line before it that begins, at the indentation
/// of a member of a top-level type (4 spaces: every file here has a file-scoped namespace), with an access
/// modifier. Local functions have none, so a literal in a local function belongs to its method.
/// </summary>
public static class CSharpLiterals
{
    public const string Hole = "{…}";

    public static List<CSharpLiteral> Scan(string file, string source)
    {
        var found = new List<(int Start, string Text)>();
        new Lexer(source, found).Code(0, stopAtBrace: false);
        var members = Members(source);
        var lineStarts = LineStarts(source);
        return found.OrderBy(f => f.Start).Select(f =>
        {
            var line = LineOf(lineStarts, f.Start);
            var member = members.LastOrDefault(m => m.Line <= line).Name ?? "(file)";
            return new CSharpLiteral(file, line, member, f.Text);
        }).ToList();
    }

    private static List<int> LineStarts(string s)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < s.Length; i++) if (s[i] == '\n') starts.Add(i + 1);
        return starts;
    }

    private static int LineOf(List<int> starts, int offset)
    {
        var i = starts.BinarySearch(offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    private static readonly Regex Declaration = new(@"^    (?:\[[^\]]*\]\s*)*(?:public|internal|private|protected)\b(?<rest>.*)$", RegexOptions.Compiled);
    private static readonly Regex TypeDeclaration = new(@"\b(?:class|record|struct|interface|enum)\s+(?<name>[A-Za-z_]\w*)", RegexOptions.Compiled);

    /// <summary>(line, name) of each member declaration.</summary>
    internal static List<(int Line, string Name)> Members(string source)
    {
        var result = new List<(int, string)>();
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var m = Declaration.Match(lines[i].TrimEnd('\r'));
            if (!m.Success) continue;
            var rest = m.Groups["rest"].Value;
            var type = TypeDeclaration.Match(rest);
            var name = type.Success ? type.Groups["name"].Value : MemberName(rest);
            if (name is not null) result.Add((i + 1, name));
        }
        return result;
    }

    /// <summary>The identifier just before the first '(', '=', '{' or ';' outside generic arguments and
    /// tuple types, or the last identifier of the line: `IReadOnlyList&lt;(string A, int B)&gt; Name(...)` → Name.</summary>
    internal static string? MemberName(string declaration)
    {
        int angle = 0, paren = 0;
        for (var i = 0; i < declaration.Length; i++)
        {
            var c = declaration[i];
            if (c == '<') angle++;
            else if (c == '>' && angle > 0 && (i == 0 || declaration[i - 1] != '=')) angle--;
            else if (angle > 0) continue;
            else if (c == '(' && paren == 0 && i > 0 && IsIdentifierChar(declaration[i - 1])) return IdentifierBefore(declaration, i);
            else if (c == '(') paren++;
            else if (c == ')') paren--;
            else if (paren == 0 && c is '=' or '{' or ';') return IdentifierBefore(declaration, i);
        }
        return IdentifierBefore(declaration, declaration.Length);
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static string? IdentifierBefore(string s, int end)
    {
        var i = end;
        while (i > 0 && char.IsWhiteSpace(s[i - 1])) i--;
        var stop = i;
        while (i > 0 && IsIdentifierChar(s[i - 1])) i--;
        return i < stop ? s[i..stop] : null;
    }

    private sealed class Lexer(string s, List<(int Start, string Text)> found)
    {
        /// <summary>Code from <paramref name="i"/>: returns the index after the closing brace of an interpolation
        /// hole (with <paramref name="stopAtBrace"/>), or the end of the source.</summary>
        public int Code(int i, bool stopAtBrace, int closingBraces = 1)
        {
            var depth = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '/' && At(i + 1, '/')) { i = s.IndexOf('\n', i) is var n and >= 0 ? n : s.Length; continue; }
                if (c == '/' && At(i + 1, '*')) { i = s.IndexOf("*/", i + 2, StringComparison.Ordinal) is var n and >= 0 ? n + 2 : s.Length; continue; }
                if (c == '\'') { i = CharLiteral(i); continue; }
                if (c is '"' or '$' or '@' && StringStart(i) is { } start) { i = Literal(i, start); continue; }
                if (c == '{') { depth++; i++; continue; }
                if (c == '}')
                {
                    if (stopAtBrace && depth == 0)
                    {
                        var run = Run(i, '}');
                        if (run >= closingBraces) return i + closingBraces;
                    }
                    depth--;
                    i++;
                    continue;
                }
                i++;
            }
            if (stopAtBrace) throw new InvalidOperationException($"unterminated interpolation hole at offset {i}");
            return i;
        }

        private bool At(int i, char c) => i < s.Length && s[i] == c;

        private int Run(int i, char c)
        {
            var n = 0;
            while (At(i + n, c)) n++;
            return n;
        }

        private int CharLiteral(int i)
        {
            var j = i + 1;
            if (At(j, '\\')) j += 2; else j++;
            while (j < s.Length && s[j] != '\'') j++;
            return j + 1;
        }

        private sealed record Start(int Dollars, bool Verbatim, int Quotes, int Content);

        /// <summary>The kind of literal that starts at <paramref name="i"/>, or null when none does ($ and @ in
        /// other roles: a verbatim identifier such as @default, for example).</summary>
        private Start? StringStart(int i)
        {
            int dollars = 0, j = i;
            var verbatim = false;
            while (j < s.Length && (s[j] == '$' || s[j] == '@'))
            {
                if (s[j] == '$') dollars++; else verbatim = true;
                j++;
            }
            if (!At(j, '"')) return null;
            // An identifier character before the prefix: not a literal's start (cannot happen in valid C#, but be safe).
            if (i > 0 && IsIdentifierChar(s[i - 1]) && j > i) return null;
            var quotes = Run(j, '"');
            if (quotes >= 3 && !verbatim) return new Start(dollars, false, quotes, j + quotes);
            return new Start(dollars, verbatim, 1, j + 1);
        }

        private int Literal(int i, Start start)
        {
            var text = new StringBuilder();
            var j = start.Content;
            if (start.Quotes >= 3)
            {
                // Raw: ends at a run of as many quotes; with n dollars a run of n braces opens a hole.
                while (true)
                {
                    if (j >= s.Length) throw new InvalidOperationException($"unterminated raw string literal at offset {i}");
                    if (s[j] == '"' && Run(j, '"') >= start.Quotes) { j += start.Quotes; break; }
                    if (start.Dollars > 0 && s[j] == '{' && Run(j, '{') >= start.Dollars)
                    {
                        var run = Run(j, '{');
                        text.Append('{', run - start.Dollars).Append(Hole);
                        j = Code(j + run, stopAtBrace: true, closingBraces: start.Dollars);
                        continue;
                    }
                    text.Append(s[j++]);
                }
            }
            else
            {
                while (true)
                {
                    if (j >= s.Length) throw new InvalidOperationException($"unterminated string literal at offset {i}");
                    var c = s[j];
                    if (start.Verbatim && c == '"' && At(j + 1, '"')) { text.Append('"'); j += 2; continue; }
                    if (c == '"') { j++; break; }
                    if (!start.Verbatim && c == '\\') { text.Append(Unescape(s[j + 1])); j += 2; continue; }
                    if (start.Dollars > 0 && c == '{' && At(j + 1, '{')) { text.Append('{'); j += 2; continue; }
                    if (start.Dollars > 0 && c == '}' && At(j + 1, '}')) { text.Append('}'); j += 2; continue; }
                    if (start.Dollars > 0 && c == '{') { text.Append(Hole); j = Code(j + 1, stopAtBrace: true); continue; }
                    if (!start.Verbatim && c == '\n') throw new InvalidOperationException($"line break in a regular string literal at offset {i}");
                    text.Append(c);
                    j++;
                }
            }
            found.Add((i, text.ToString()));
            return j;
        }

        private static char Unescape(char c) => c switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', _ => c };
    }
}
