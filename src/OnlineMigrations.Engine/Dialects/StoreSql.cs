namespace OnlineMigrations.Engine.Dialects;

/// <summary>
/// The state store's SQL. Table names come from <see cref="T"/>; values are always parameters.
/// The store carries its version in StoreInfo so a later release upgrades it in place: each entry
/// of <see cref="Upgrades"/> moves the store one version up.
/// </summary>
public abstract class StoreSql
{
    public const int CurrentVersion = 3;

    /// <summary>The qualified, quoted name of a store table (Migration, Journal, ...).</summary>
    public abstract string T(string table);

    /// <summary>Human-readable place of the store, for messages.</summary>
    public abstract string Location { get; }

    /// <summary>Returns 1 when the store exists (its StoreInfo table), else 0.</summary>
    public abstract string StoreExists { get; }

    /// <summary>Scripts that take the store from version i to i + 1 (index 0 creates it).</summary>
    public abstract IReadOnlyList<IReadOnlyList<string>> Upgrades { get; }

    public string ReadVersion => $"SELECT Value FROM {T("StoreInfo")} WHERE Name = 'StoreVersion'";
    public string WriteVersion => $"UPDATE {T("StoreInfo")} SET Value = @version WHERE Name = 'StoreVersion'";

    // ---- migrations -----------------------------------------------------------------------------
    public const string MigrationColumns =
        "Id, Description, ObjectVersion, Definition, Checksum, Phase, Facts, CreatedAt, ExpandStartedAt, ExpandedAt, " +
        "MigrateStartedAt, MigratedAt, ContractRequested, ContractRequestedAt, ContractRequestedBy, ContractStartedAt, " +
        "CompletedAt, RollbackStartedAt, RolledBackAt, LastError";

    public string SelectMigrations => $"SELECT {MigrationColumns} FROM {T("Migration")}";
    public string SelectMigration => $"SELECT {MigrationColumns} FROM {T("Migration")} WHERE Id = @id";
    public string InsertMigration =>
        $"INSERT INTO {T("Migration")} (Id, Description, ObjectVersion, Definition, Checksum, Phase, Facts, CreatedAt, ContractRequested) " +
        "VALUES (@id, @description, @objectVersion, @definition, @checksum, @phase, @facts, @now, 0)";
    // Compare-and-set: a phase change names the phase it leaves, so of two runners only one moves it.
    public string UpdatePhase => $"UPDATE {T("Migration")} SET Phase = @phase, LastError = NULL WHERE Id = @id AND Phase = @expected";
    public string UpdateFacts => $"UPDATE {T("Migration")} SET Facts = @facts WHERE Id = @id";
    public string SetLastError => $"UPDATE {T("Migration")} SET LastError = @error WHERE Id = @id";
    /// <summary>Sets a timestamp column; <paramref name="column"/> is one of the fixed names of <see cref="MigrationColumns"/>.</summary>
    public string SetTimestamp(string column) => $"UPDATE {T("Migration")} SET {column} = @now WHERE Id = @id";
    /// <summary>Removes the migration's row (Remove-Migration); its steps and checkpoints go first.</summary>
    public string DeleteMigration => $"DELETE FROM {T("Migration")} WHERE Id = @id";
    public string RequestContract =>
        $"UPDATE {T("Migration")} SET ContractRequested = 1, ContractRequestedAt = @now, ContractRequestedBy = @by WHERE Id = @id";

    // ---- steps ------------------------------------------------------------------------------------
    public string SelectStepsDone => $"SELECT StepName FROM {T("StepDone")} WHERE MigrationId = @id AND Phase = @phase";
    public string InsertStepDone => $"INSERT INTO {T("StepDone")} (MigrationId, Phase, StepName, CompletedAt) VALUES (@id, @phase, @step, @now)";
    public string DeleteStepsDone => $"DELETE FROM {T("StepDone")} WHERE MigrationId = @id AND Phase = @phase";
    /// <summary>The completed steps of every phase of a migration.</summary>
    public string DeleteAllStepsDone => $"DELETE FROM {T("StepDone")} WHERE MigrationId = @id";

    // ---- backfill checkpoints ------------------------------------------------------------------
    public string SelectBackfill => $"SELECT Name, Pass, UpperKey, LastKey, RowsDone, CompletedAt FROM {T("Backfill")} WHERE MigrationId = @id";
    public string InsertBackfill =>
        $"INSERT INTO {T("Backfill")} (MigrationId, Name, Pass, UpperKey, LastKey, RowsDone, StartedAt, UpdatedAt) VALUES (@id, @name, @pass, @upper, NULL, 0, @now, @now)";
    public string CheckpointBackfill =>
        $"UPDATE {T("Backfill")} SET LastKey = @last, RowsDone = RowsDone + @rows, UpdatedAt = @now WHERE MigrationId = @id AND Name = @name";
    public string CompleteBackfill => $"UPDATE {T("Backfill")} SET CompletedAt = @now, UpdatedAt = @now WHERE MigrationId = @id AND Name = @name";
    public string DeleteBackfill => $"DELETE FROM {T("Backfill")} WHERE MigrationId = @id";

    // ---- journal ------------------------------------------------------------------------------------
    public string InsertJournal =>
        $"INSERT INTO {T("Journal")} (MigrationId, Phase, Step, Statement, StartedAt, DurationMs, Outcome, Error, Login, Host, ProcessId, Reason) " +
        "VALUES (@id, @phase, @step, @statement, @startedAt, @durationMs, @outcome, @error, @login, @host, @pid, @reason)";
    public abstract string SelectJournal(bool byMigration, int? last);

    // ---- runner -------------------------------------------------------------------------------------
    public string SelectRunner => $"SELECT Host, ProcessId, Login, Since, Command FROM {T("Runner")} WHERE Name = 'runner'";
    public string DeleteRunner => $"DELETE FROM {T("Runner")} WHERE Name = 'runner'";
    public string InsertRunner =>
        $"INSERT INTO {T("Runner")} (Name, Host, ProcessId, Login, Since, Command) VALUES ('runner', @host, @pid, @login, @now, @command)";

    // ---- clients --------------------------------------------------------------------------------------
    /// <summary>Records a heartbeat; parameters @application, @instance, @host, @objectVersion, @acknowledge, @ttl (seconds).</summary>
    public abstract string Heartbeat { get; }
    /// <summary>Clients with an Alive column computed from the server's clock.</summary>
    public abstract string SelectClients { get; }
    public string DeleteClient => $"DELETE FROM {T("Client")} WHERE InstanceId = @instance";
    /// <summary>The view applications read for pending contract requests.</summary>
    public string SelectContractRequests => $"SELECT MigrationId, RequestedAt, RequestedBy FROM {T("ContractRequests")}";
    public string CountRetirements => $"SELECT COUNT(*) FROM {T("Journal")} WHERE MigrationId IS NULL AND Step LIKE 'retire %'";
    public string DeleteClientsOf => $"DELETE FROM {T("Client")} WHERE Application = @application";

    // ---- store version 2: what applications stamp, and the declaration of an empty fleet ----------
    /// <summary>The schema a tracked table is listed under in the ObjectVersions view (null where the engine has none).</summary>
    public abstract string? StampSchema(Model.QualifiedName table);
    public string DeleteStamps => $"DELETE FROM {T("VersionStamp")}";
    public string InsertStamp =>
        $"INSERT INTO {T("VersionStamp")} (MigrationId, TableSchema, TableName, VersionColumn) VALUES (@id, @schema, @table, @column)";
    /// <summary>The view applications poll to learn which tables to stamp with which object version.</summary>
    public string SelectObjectVersions => $"SELECT TableSchema, TableName, VersionColumn, ObjectVersion, MigrationId, Phase FROM {T("ObjectVersions")}";
    public string SelectFleetDeclaration => $"SELECT DeclaredAt, DeclaredBy, Reason FROM {T("FleetDeclaration")} WHERE Name = 'none'";
    public string DeleteFleetDeclaration => $"DELETE FROM {T("FleetDeclaration")} WHERE Name = 'none'";
    public string InsertFleetDeclaration =>
        $"INSERT INTO {T("FleetDeclaration")} (Name, DeclaredAt, DeclaredBy, Reason) VALUES ('none', @now, @by, @reason)";

    // ---- adoption and repair ---------------------------------------------------------------------
    public string InsertRegistered =>
        $"INSERT INTO {T("Migration")} (Id, Description, ObjectVersion, Definition, Checksum, Phase, Facts, CreatedAt, CompletedAt, ContractRequested) " +
        "VALUES (@id, @description, @objectVersion, @definition, @checksum, 'Completed', NULL, @now, @now, 0)";
    public string UpdateDefinition =>
        $"UPDATE {T("Migration")} SET Definition = @definition, Checksum = @checksum, Description = @description, ObjectVersion = @objectVersion WHERE Id = @id";
    public string ClearLastError => $"UPDATE {T("Migration")} SET LastError = NULL WHERE Id = @id";
}
