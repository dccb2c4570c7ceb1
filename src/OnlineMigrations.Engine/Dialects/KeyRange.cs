namespace OnlineMigrations.Engine.Dialects;

/// <summary>Keyset predicates over a (possibly composite) key, written with the dialect's column quoting.
/// Parameters: @lo_0.. for the last key done, @hi_0.. for an upper bound; comparisons are lexicographic.</summary>
internal static class KeyRange
{
    /// <summary>key &gt; (@lo_0, @lo_1, ...), with a leading k0 &gt;= @lo_0 so the server can seek.</summary>
    public static string After(IReadOnlyList<string> quotedKeys, string prefix = "lo") =>
        Lexicographic(quotedKeys, prefix, ">", strictLast: true);

    /// <summary>key &lt;= (@hi_0, @hi_1, ...).</summary>
    public static string UpTo(IReadOnlyList<string> quotedKeys, string prefix = "hi") =>
        Lexicographic(quotedKeys, prefix, "<", strictLast: false);

    private static string Lexicographic(IReadOnlyList<string> keys, string prefix, string op, bool strictLast)
    {
        if (keys.Count == 1) return $"{keys[0]} {op}{(strictLast ? "" : "=")} @{prefix}_0";
        var terms = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            var parts = new List<string>();
            for (var j = 0; j < i; j++) parts.Add($"{keys[j]} = @{prefix}_{j}");
            var last = i == keys.Count - 1 && !strictLast ? "=" : "";
            parts.Add($"{keys[i]} {op}{last} @{prefix}_{i}");
            terms.Add("(" + string.Join(" AND ", parts) + ")");
        }
        return $"({keys[0]} {op}= @{prefix}_0 AND ({string.Join(" OR ", terms)}))";
    }

    public static string OrderBy(IReadOnlyList<string> quotedKeys, bool descending = false) =>
        string.Join(", ", quotedKeys.Select(k => descending ? k + " DESC" : k));
}
