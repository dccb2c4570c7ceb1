using System.Security.Cryptography;
using System.Text;

namespace OnlineMigrations.Engine.Model;

/// <summary>Names the engine gives to the objects it creates (shadow columns, sync triggers).</summary>
public static class Names
{
    public static string ShortHash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8].ToLowerInvariant();

    /// <summary><c>{name}__{suffix}</c>, shortened with a hash so it stays within the identifier limit.</summary>
    public static string Internal(string name, string suffix)
    {
        var full = $"{name}__{suffix}";
        if (full.Length <= QualifiedName.MaxIdentifierLength) return full;
        var keep = QualifiedName.MaxIdentifierLength - suffix.Length - 12;
        return $"{Cut(name, keep)}_{ShortHash(name)}__{suffix}";
    }

    /// <summary>The longest text a store key column holds: SQL Server limits a clustered key to 900 bytes,
    /// and the store's keys are (migration id, phase, this).</summary>
    public const int StoreKeyLength = 240;

    /// <summary>A step or table name as the store keys it: unchanged when short, else shortened with a hash.</summary>
    public static string StoreKey(string name) =>
        name.Length <= StoreKeyLength ? name : $"{Cut(name, StoreKeyLength - 10)}~{ShortHash(name)}";

    /// <summary>At most <paramref name="length"/> UTF-16 units of <paramref name="text"/>, never half of a
    /// surrogate pair: a lone surrogate is not a character, and the database would store it as another.</summary>
    public static string Cut(string text, int length) =>
        text.Length <= length ? text : text[..(length > 0 && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];

    public static string SyncTrigger(QualifiedName table, string migrationId) =>
        Internal($"OnlineMigrations_sync_{table.Name}", ShortHash(migrationId));
}
