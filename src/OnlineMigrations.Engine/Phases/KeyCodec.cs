using System.Globalization;
using System.Text.Json;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Saves a (possibly composite) key in a checkpoint as JSON, keeping each part's type so it
/// goes back to the server as the same typed parameter.</summary>
public static class KeyCodec
{
    public static string Encode(object?[] key) =>
        JsonSerializer.Serialize(key.Select(v => v switch
        {
            null => new[] { "null", "" },
            DateTime d => ["DateTime", d.ToString("O", CultureInfo.InvariantCulture)],
            DateTimeOffset d => ["DateTimeOffset", d.ToString("O", CultureInfo.InvariantCulture)],
            byte[] b => ["Bytes", Convert.ToBase64String(b)],
            IFormattable f => [v.GetType().Name, f.ToString(null, CultureInfo.InvariantCulture)],
            _ => [v.GetType().Name, v.ToString() ?? ""],
        }).ToArray());

    public static object?[] Decode(string json)
    {
        var parts = JsonSerializer.Deserialize<string[][]>(json) ?? [];
        return parts.Select(p => (object?)(p[0] switch
        {
            "null" => null,
            "Int64" => long.Parse(p[1], CultureInfo.InvariantCulture),
            "Int32" => int.Parse(p[1], CultureInfo.InvariantCulture),
            "Int16" => short.Parse(p[1], CultureInfo.InvariantCulture),
            "Byte" => byte.Parse(p[1], CultureInfo.InvariantCulture),
            "Decimal" => decimal.Parse(p[1], CultureInfo.InvariantCulture),
            "Double" => double.Parse(p[1], CultureInfo.InvariantCulture),
            "Guid" => Guid.Parse(p[1]),
            "DateTime" => DateTime.Parse(p[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            "DateTimeOffset" => DateTimeOffset.Parse(p[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            "Bytes" => Convert.FromBase64String(p[1]),
            _ => p[1],
        })).ToArray();
    }
}
