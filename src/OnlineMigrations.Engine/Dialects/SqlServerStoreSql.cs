namespace OnlineMigrations.Engine.Dialects;

/// <summary>The state store on SQL Server: its own schema (OnlineMigrations unless -StoreSchema says otherwise).</summary>
public sealed class SqlServerStoreSql(string schema) : StoreSql
{
    public const string DefaultSchema = "OnlineMigrations";

    public string Schema { get; } = schema;
    private string S => "[" + Schema.Replace("]", "]]", StringComparison.Ordinal) + "]";
    private string SchemaLiteral => "N'" + Schema.Replace("'", "''", StringComparison.Ordinal) + "'";

    public override string T(string table) => $"{S}.[{table}]";
    public override string Location => $"schema [{Schema}]";
    public override string StoreExists => $"SELECT CASE WHEN OBJECT_ID(N'{T("StoreInfo").Replace("'", "''", StringComparison.Ordinal)}', N'U') IS NULL THEN 0 ELSE 1 END;";

    public override IReadOnlyList<IReadOnlyList<string>> Upgrades =>
    [
        [
            $"IF SCHEMA_ID({SchemaLiteral}) IS NULL EXEC (N'CREATE SCHEMA {S.Replace("'", "''", StringComparison.Ordinal)}');",
            $"""
            IF OBJECT_ID(N'{Esc(T("StoreInfo"))}', N'U') IS NULL
            BEGIN
                CREATE TABLE {T("StoreInfo")} (Name nvarchar(64) NOT NULL CONSTRAINT [PK_StoreInfo] PRIMARY KEY, Value nvarchar(256) NOT NULL);
                INSERT INTO {T("StoreInfo")} (Name, Value) VALUES (N'StoreVersion', N'0');
            END;
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Migration"))}', N'U') IS NULL
            CREATE TABLE {T("Migration")} (
                Id nvarchar(200) NOT NULL CONSTRAINT [PK_Migration] PRIMARY KEY,
                Description nvarchar(max) NULL,
                ObjectVersion varchar(32) NULL,
                Definition nvarchar(max) NOT NULL,
                Checksum char(64) NOT NULL,
                Phase varchar(16) NOT NULL,
                Facts nvarchar(max) NULL,
                CreatedAt datetime2(3) NOT NULL,
                ExpandStartedAt datetime2(3) NULL, ExpandedAt datetime2(3) NULL,
                MigrateStartedAt datetime2(3) NULL, MigratedAt datetime2(3) NULL,
                ContractRequested bit NOT NULL CONSTRAINT [DF_Migration_ContractRequested] DEFAULT (0),
                ContractRequestedAt datetime2(3) NULL, ContractRequestedBy nvarchar(256) NULL,
                ContractStartedAt datetime2(3) NULL, CompletedAt datetime2(3) NULL,
                RollbackStartedAt datetime2(3) NULL, RolledBackAt datetime2(3) NULL,
                LastError nvarchar(max) NULL);
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("StepDone"))}', N'U') IS NULL
            CREATE TABLE {T("StepDone")} (
                MigrationId nvarchar(200) NOT NULL, Phase varchar(16) NOT NULL, StepName nvarchar(240) NOT NULL, CompletedAt datetime2(3) NOT NULL,
                CONSTRAINT [PK_StepDone] PRIMARY KEY (MigrationId, Phase, StepName));
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Backfill"))}', N'U') IS NULL
            CREATE TABLE {T("Backfill")} (
                MigrationId nvarchar(200) NOT NULL, Name nvarchar(240) NOT NULL, Pass int NOT NULL,
                UpperKey nvarchar(max) NULL, LastKey nvarchar(max) NULL, RowsDone bigint NOT NULL,
                StartedAt datetime2(3) NOT NULL, UpdatedAt datetime2(3) NOT NULL, CompletedAt datetime2(3) NULL,
                CONSTRAINT [PK_Backfill] PRIMARY KEY (MigrationId, Name));
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Journal"))}', N'U') IS NULL
            BEGIN
                CREATE TABLE {T("Journal")} (
                    Id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT [PK_Journal] PRIMARY KEY,
                    MigrationId nvarchar(200) NULL, Phase varchar(16) NULL, Step nvarchar(1000) NULL, Statement nvarchar(max) NULL,
                    StartedAt datetime2(3) NOT NULL, DurationMs bigint NOT NULL, Outcome varchar(16) NOT NULL, Error nvarchar(max) NULL,
                    Login nvarchar(256) NULL, Host nvarchar(256) NULL, ProcessId int NULL, Reason nvarchar(max) NULL);
                -- A separate statement rather than an inline INDEX (SQL Server 2014+), so that engines without inline indexes create it too.
                CREATE INDEX [IX_Journal_Migration] ON {T("Journal")} (MigrationId, Id);
            END;
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Runner"))}', N'U') IS NULL
            CREATE TABLE {T("Runner")} (
                Name varchar(16) NOT NULL CONSTRAINT [PK_Runner] PRIMARY KEY, Host nvarchar(256) NOT NULL, ProcessId int NOT NULL,
                Login nvarchar(256) NULL, Since datetime2(3) NOT NULL, Command nvarchar(256) NULL);
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Client"))}', N'U') IS NULL
            CREATE TABLE {T("Client")} (
                InstanceId nvarchar(200) NOT NULL CONSTRAINT [PK_Client] PRIMARY KEY,
                Application nvarchar(200) NOT NULL, HostName nvarchar(256) NULL, ObjectVersion varchar(32) NULL, Acknowledged nvarchar(max) NULL,
                FirstSeen datetime2(3) NOT NULL, LastSeen datetime2(3) NOT NULL, TimeToLiveSeconds int NOT NULL);
            """,
            // The view and the procedure are created once and then only ever altered (never dropped and
            // created again), so the permissions applications were granted on them survive every upgrade.
            // Create-if-missing rather than CREATE OR ALTER: the same on SQL Server, and it also runs on
            // engines without CREATE OR ALTER (SQL Server before 2016 SP1, the T-SQL test engine).
            $"""
            IF OBJECT_ID(N'{Esc(T("ContractRequests"))}', N'V') IS NULL
            EXEC (N'CREATE VIEW {Esc(T("ContractRequests"))}
            AS
            SELECT Id AS MigrationId, ContractRequestedAt AS RequestedAt, ContractRequestedBy AS RequestedBy
            FROM {Esc(T("Migration"))}
            WHERE ContractRequested = 1 AND Phase NOT IN (''Completed'', ''RolledBack'', ''RollingBack'');');
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("Heartbeat"))}', N'P') IS NULL
            EXEC (N'CREATE PROCEDURE {Esc(T("Heartbeat"))} AS RETURN 0;');
            """,
            $"""
            ALTER PROCEDURE {T("Heartbeat")}
                @Application nvarchar(200),
                @InstanceId nvarchar(200),
                @HostName nvarchar(256) = NULL,
                @ObjectVersion varchar(32) = NULL,
                @Acknowledge nvarchar(max) = NULL,
                @TimeToLiveSeconds int = 300
            AS
            BEGIN
                -- Called by every application instance at start and every N seconds (README, "The client protocol").
                SET NOCOUNT ON;
                SET XACT_ABORT ON;
                BEGIN TRANSACTION;
                UPDATE {T("Client")} WITH (UPDLOCK, SERIALIZABLE)
                   SET Application = @Application, HostName = @HostName, ObjectVersion = @ObjectVersion,
                       Acknowledged = @Acknowledge, LastSeen = SYSUTCDATETIME(), TimeToLiveSeconds = @TimeToLiveSeconds
                 WHERE InstanceId = @InstanceId;
                IF @@ROWCOUNT = 0
                    INSERT INTO {T("Client")} (InstanceId, Application, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen, TimeToLiveSeconds)
                    VALUES (@InstanceId, @Application, @HostName, @ObjectVersion, @Acknowledge, SYSUTCDATETIME(), SYSUTCDATETIME(), @TimeToLiveSeconds);
                COMMIT TRANSACTION;
            END;
            """,
        ],
        [
            // Version 2: the tables each migration expects applications to stamp (README, "The client
            // protocol"), and the operator's declaration that no application reads the database.
            $"""
            IF OBJECT_ID(N'{Esc(T("VersionStamp"))}', N'U') IS NULL
            CREATE TABLE {T("VersionStamp")} (
                MigrationId nvarchar(200) NOT NULL, TableSchema nvarchar(128) NOT NULL, TableName nvarchar(128) NOT NULL, VersionColumn nvarchar(128) NOT NULL,
                CONSTRAINT [PK_VersionStamp] PRIMARY KEY (MigrationId, TableSchema, TableName));
            """,
            $"""
            IF OBJECT_ID(N'{Esc(T("FleetDeclaration"))}', N'U') IS NULL
            CREATE TABLE {T("FleetDeclaration")} (
                Name varchar(16) NOT NULL CONSTRAINT [PK_FleetDeclaration] PRIMARY KEY,
                DeclaredAt datetime2(3) NOT NULL, DeclaredBy nvarchar(256) NULL, Reason nvarchar(max) NOT NULL);
            """,
            // Created once, never dropped (grants survive), as the ContractRequests view.
            $"""
            IF OBJECT_ID(N'{Esc(T("ObjectVersions"))}', N'V') IS NULL
            EXEC (N'CREATE VIEW {Esc(T("ObjectVersions"))}
            AS
            SELECT s.TableSchema, s.TableName, s.VersionColumn, m.ObjectVersion, m.Id AS MigrationId, m.Phase
            FROM {Esc(T("VersionStamp"))} AS s
            JOIN {Esc(T("Migration"))} AS m ON m.Id = s.MigrationId
            WHERE m.Phase IN (''Expanded'', ''Migrating'', ''Migrated'', ''Contracting'', ''Completed'');');
            """,
        ],
        // Version 3: plans are saved typed (what each operation saw and decided) and the runner lock names the
        // database. A runner of an earlier version reads plans of this one wrongly and does not share its runner
        // lock, so it must refuse this store (StoreTooNew) rather than work beside this one.
        [
            $"""
            IF NOT EXISTS (SELECT 1 FROM {T("StoreInfo")} WHERE Name = N'PlanFormat')
            INSERT INTO {T("StoreInfo")} (Name, Value) VALUES (N'PlanFormat', N'typed');
            """,
        ],
    ];

    public override string? StampSchema(Model.QualifiedName table) => table.Schema;

    private static string Esc(string s) => s.Replace("'", "''", StringComparison.Ordinal);

    private const string JournalColumns = "Id, MigrationId, Phase, Step, Statement, StartedAt, DurationMs, Outcome, Error, Login, Host, ProcessId, Reason";

    // ORDER BY inside a derived table is only valid with TOP (error 1033): without a limit, order the rows directly.
    public override string SelectJournal(bool byMigration, int? last) => last is null
        ? $"SELECT {JournalColumns} FROM {T("Journal")}{(byMigration ? " WHERE MigrationId = @id" : "")} ORDER BY Id;"
        : $"SELECT {JournalColumns} FROM (" +
          $"SELECT TOP (@last) {JournalColumns} FROM {T("Journal")}{(byMigration ? " WHERE MigrationId = @id" : "")} ORDER BY Id DESC) AS j ORDER BY Id;";

    public override string Heartbeat =>
        $"EXEC {T("Heartbeat")} @Application = @application, @InstanceId = @instance, @HostName = @host, @ObjectVersion = @objectVersion, @Acknowledge = @acknowledge, @TimeToLiveSeconds = @ttl;";

    public override string SelectClients =>
        $"SELECT InstanceId, Application, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen, TimeToLiveSeconds, " +
        $"CASE WHEN DATEADD(second, TimeToLiveSeconds, LastSeen) >= SYSUTCDATETIME() THEN 1 ELSE 0 END AS Alive, SYSUTCDATETIME() AS Now " +
        $"FROM {T("Client")} ORDER BY Application, InstanceId;";
}
