namespace OnlineMigrations.Engine.Model;

/// <summary>One application instance of the fleet, as its last heartbeat reported it.</summary>
public sealed class MigrationClient : IOnDatabase
{
    public string? Server { get; set; }
    public string? Database { get; set; }
    public required string InstanceId { get; init; }
    public required string Application { get; init; }
    public string? HostName { get; init; }
    public string? ObjectVersion { get; init; }
    public IReadOnlyList<string> Acknowledged { get; init; } = [];
    public DateTime FirstSeen { get; init; }
    public DateTime LastSeen { get; init; }
    public TimeSpan TimeToLive { get; init; }
    /// <summary>Alive while its last heartbeat is younger than its time-to-live (by the database's clock).</summary>
    public bool Alive { get; init; }
    public string Status => Alive ? "Alive" : "Gone";

    public bool HasAcknowledged(string migrationId) => Acknowledged.Contains(migrationId, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<string> SplitAcknowledged(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
