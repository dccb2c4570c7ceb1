namespace OnlineMigrations.Engine.Dialects;

/// <summary>The state store on SQLite: tables prefixed OnlineMigrations_ in the same database file.</summary>
public sealed class SqliteStoreSql : StoreSql
{
    public const string Prefix = "OnlineMigrations_";

    public override string T(string table) => $"[{Prefix}{table}]";
    public override string Location => $"tables {Prefix}*";
    public override string StoreExists => $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{Prefix}StoreInfo'";

    public override IReadOnlyList<IReadOnlyList<string>> Upgrades =>
    [
        [
            $"CREATE TABLE IF NOT EXISTS {T("StoreInfo")} (Name TEXT NOT NULL PRIMARY KEY, Value TEXT NOT NULL)",
            $"INSERT OR IGNORE INTO {T("StoreInfo")} (Name, Value) VALUES ('StoreVersion', '0')",
            $"""
            CREATE TABLE IF NOT EXISTS {T("Migration")} (
                Id TEXT NOT NULL PRIMARY KEY,
                Description TEXT NULL,
                ObjectVersion TEXT NULL,
                Definition TEXT NOT NULL,
                Checksum TEXT NOT NULL,
                Phase TEXT NOT NULL,
                Facts TEXT NULL,
                CreatedAt TEXT NOT NULL,
                ExpandStartedAt TEXT NULL, ExpandedAt TEXT NULL,
                MigrateStartedAt TEXT NULL, MigratedAt TEXT NULL,
                ContractRequested INTEGER NOT NULL DEFAULT 0, ContractRequestedAt TEXT NULL, ContractRequestedBy TEXT NULL,
                ContractStartedAt TEXT NULL, CompletedAt TEXT NULL,
                RollbackStartedAt TEXT NULL, RolledBackAt TEXT NULL,
                LastError TEXT NULL)
            """,
            $"CREATE TABLE IF NOT EXISTS {T("StepDone")} (MigrationId TEXT NOT NULL, Phase TEXT NOT NULL, StepName TEXT NOT NULL, CompletedAt TEXT NOT NULL, PRIMARY KEY (MigrationId, Phase, StepName))",
            $"CREATE TABLE IF NOT EXISTS {T("Backfill")} (MigrationId TEXT NOT NULL, Name TEXT NOT NULL, Pass INTEGER NOT NULL, UpperKey TEXT NULL, LastKey TEXT NULL, RowsDone INTEGER NOT NULL, StartedAt TEXT NOT NULL, UpdatedAt TEXT NOT NULL, CompletedAt TEXT NULL, PRIMARY KEY (MigrationId, Name))",
            $"""
            CREATE TABLE IF NOT EXISTS {T("Journal")} (
                Id INTEGER PRIMARY KEY AUTOINCREMENT,
                MigrationId TEXT NULL, Phase TEXT NULL, Step TEXT NULL, Statement TEXT NULL,
                StartedAt TEXT NOT NULL, DurationMs INTEGER NOT NULL, Outcome TEXT NOT NULL, Error TEXT NULL,
                Login TEXT NULL, Host TEXT NULL, ProcessId INTEGER NULL, Reason TEXT NULL)
            """,
            $"CREATE INDEX IF NOT EXISTS [{Prefix}Journal_Migration] ON {T("Journal")} (MigrationId, Id)",
            $"CREATE TABLE IF NOT EXISTS {T("Runner")} (Name TEXT NOT NULL PRIMARY KEY, Host TEXT NOT NULL, ProcessId INTEGER NOT NULL, Login TEXT NULL, Since TEXT NOT NULL, Command TEXT NULL)",
            $"""
            CREATE TABLE IF NOT EXISTS {T("Client")} (
                InstanceId TEXT NOT NULL PRIMARY KEY,
                Application TEXT NOT NULL, HostName TEXT NULL, ObjectVersion TEXT NULL, Acknowledged TEXT NULL,
                FirstSeen TEXT NOT NULL, LastSeen TEXT NOT NULL, TimeToLiveSeconds INTEGER NOT NULL)
            """,
            $"CREATE TABLE IF NOT EXISTS {SqliteDialect.BackfillMark} (Mark INTEGER NOT NULL)",
            $"""
            CREATE VIEW IF NOT EXISTS {T("ContractRequests")} AS
                SELECT Id AS MigrationId, ContractRequestedAt AS RequestedAt, ContractRequestedBy AS RequestedBy
                FROM {T("Migration")}
                WHERE ContractRequested = 1 AND Phase NOT IN ('Completed', 'RolledBack', 'RollingBack')
            """,
        ],
        [
            $"CREATE TABLE IF NOT EXISTS {T("VersionStamp")} (MigrationId TEXT NOT NULL, TableSchema TEXT NULL, TableName TEXT NOT NULL, VersionColumn TEXT NOT NULL, PRIMARY KEY (MigrationId, TableName))",
            $"CREATE TABLE IF NOT EXISTS {T("FleetDeclaration")} (Name TEXT NOT NULL PRIMARY KEY, DeclaredAt TEXT NOT NULL, DeclaredBy TEXT NULL, Reason TEXT NOT NULL)",
            $"""
            CREATE VIEW IF NOT EXISTS {T("ObjectVersions")} AS
                SELECT s.TableSchema, s.TableName, s.VersionColumn, m.ObjectVersion, m.Id AS MigrationId, m.Phase
                FROM {T("VersionStamp")} AS s JOIN {T("Migration")} AS m ON m.Id = s.MigrationId
                WHERE m.Phase IN ('Expanded', 'Migrating', 'Migrated', 'Contracting', 'Completed')
            """,
        ],
        // Version 3: plans are saved typed (what each operation saw and decided): a runner of an earlier version
        // would read them wrongly, so it must refuse this store (StoreTooNew).
        [
            $"INSERT OR IGNORE INTO {T("StoreInfo")} (Name, Value) VALUES ('PlanFormat', 'typed')",
        ],
    ];

    // SQLite has no schemas: applications name the table alone.
    public override string? StampSchema(Model.QualifiedName table) => null;

    public override string SelectJournal(bool byMigration, int? last) =>
        $"SELECT Id, MigrationId, Phase, Step, Statement, StartedAt, DurationMs, Outcome, Error, Login, Host, ProcessId, Reason FROM (" +
        $"SELECT * FROM {T("Journal")}{(byMigration ? " WHERE MigrationId = @id" : "")} ORDER BY Id DESC{(last is null ? "" : " LIMIT @last")}) ORDER BY Id";

    // The documented statement applications run (README, "The client protocol").
    public override string Heartbeat =>
        $"""
        INSERT INTO {T("Client")} (InstanceId, Application, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen, TimeToLiveSeconds)
        VALUES (@instance, @application, @host, @objectVersion, @acknowledge, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'), @ttl)
        ON CONFLICT (InstanceId) DO UPDATE SET
            Application = excluded.Application, HostName = excluded.HostName, ObjectVersion = excluded.ObjectVersion,
            Acknowledged = excluded.Acknowledged, LastSeen = excluded.LastSeen, TimeToLiveSeconds = excluded.TimeToLiveSeconds
        """;

    public override string SelectClients =>
        $"SELECT InstanceId, Application, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen, TimeToLiveSeconds, " +
        $"CASE WHEN julianday(LastSeen) + TimeToLiveSeconds / 86400.0 >= julianday('now') THEN 1 ELSE 0 END AS Alive, " +
        $"strftime('%Y-%m-%d %H:%M:%f', 'now') AS Now FROM {T("Client")} ORDER BY Application, InstanceId";
}
