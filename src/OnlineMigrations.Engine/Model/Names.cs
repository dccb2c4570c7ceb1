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
        return $"{name[..keep]}_{ShortHash(name)}__{suffix}";
    }

    public static string SyncTrigger(QualifiedName table, string migrationId) =>
        Internal($"OnlineMigrations_sync_{table.Name}", ShortHash(migrationId));
}
