using System.Data.Common;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Store;

/// <summary>
/// The state store in the target database: migrations with their applied definitions, completed
/// steps, backfill checkpoints, the journal, the runner's holder row and the client fleet.
/// </summary>
public sealed class StateStore(Session session)
{
    private StoreSql Sql => session.Dialect.Store;

    public Session Session => session;

    public bool Exists() => session.Scalar<long>(Sql.StoreExists) > 0;

    public int Version() => Exists() ? int.Parse(session.Scalar<string>(Sql.ReadVersion) ?? "0", System.Globalization.CultureInfo.InvariantCulture) : -1;

    /// <summary>Creates the store or upgrades it to <see cref="StoreSql.CurrentVersion"/>. Returns the version it is at.</summary>
    public int EnsureCreated()
    {
        var version = Version();
        if (version > StoreSql.CurrentVersion)
            throw new MigrationException(ErrorIds.StoreTooNew,
                $"The state store in {session.Target} ({Sql.Location}) is at version {version}, newer than this module understands ({StoreSql.CurrentVersion}).",
                "Update the OnlineMigrations module to the release that wrote this store.");
        if (version == StoreSql.CurrentVersion) return version;
        for (var v = Math.Max(version, 0); v < StoreSql.CurrentVersion; v++)
        {
            var target = v + 1;
            session.InTransaction(() =>
            {
                foreach (var statement in Sql.Upgrades[v]) session.Execute(statement);
                // Version 2 lists what applications stamp; a store that already has migrations fills it from their definitions.
                if (target == 2) RefreshStamps();
                session.Execute(Sql.WriteVersion, new { version = target.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            });
        }
        return StoreSql.CurrentVersion;
    }

    // ---- migrations ---------------------------------------------------------------------------

    public List<StoredMigration> Migrations()
    {
        if (!Exists()) return [];
        var list = session.Query(Sql.SelectMigrations, null, Read);
        list.Sort((a, b) => MigrationDefinition.CompareIds(a.Id, b.Id));
        return list;
    }

    public StoredMigration? Migration(string id) => session.Query(Sql.SelectMigration, new { id }, Read).FirstOrDefault();

    /// <summary>The stored migration with this id, or an error that says it is not in this database's store.</summary>
    public StoredMigration Require(string id) =>
        (Exists() ? Migration(id) : null)
        ?? throw new MigrationException(ErrorIds.MigrationNotFound, $"Migration '{id}' is not in the state store of {session.Target}.",
            "Check the id with Get-MigrationState (with -Path, it lists the pending ones too); a migration enters the store when Invoke-Expand applies it.") { MigrationId = id };

    private static StoredMigration Read(DbDataReader r)
    {
        DateTime? At(int i) => r.IsDBNull(i) ? null : DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc);
        return new StoredMigration
        {
            Id = r.GetString(0),
            Description = r.IsDBNull(1) ? null : r.GetString(1),
            ObjectVersion = r.IsDBNull(2) ? null : r.GetString(2),
            Definition = r.GetString(3),
            Checksum = r.GetString(4).Trim(),
            Phase = Enum.Parse<Phase>(r.GetString(5)),
            Plans = SavedPlans.FromJson(r.IsDBNull(6) ? null : r.GetString(6)),
            CreatedAt = At(7) ?? default,
            ExpandStartedAt = At(8),
            ExpandedAt = At(9),
            MigrateStartedAt = At(10),
            MigratedAt = At(11),
            ContractRequested = System.Convert.ToBoolean(r.GetValue(12), System.Globalization.CultureInfo.InvariantCulture),
            ContractRequestedAt = At(13),
            ContractRequestedBy = r.IsDBNull(14) ? null : r.GetString(14),
            ContractStartedAt = At(15),
            CompletedAt = At(16),
            RollbackStartedAt = At(17),
            RolledBackAt = At(18),
            LastError = r.IsDBNull(19) ? null : r.GetString(19),
        };
    }

    public void Insert(MigrationDefinition definition, Phase phase, SavedPlans plans)
    {
        session.Execute(Sql.InsertMigration, new
        {
            id = definition.Id, description = definition.Description, objectVersion = definition.ObjectVersion, definition = definition.Source,
            checksum = definition.Checksum, phase = phase.ToString(), facts = plans.ToJson(), now = Now,
        });
        RefreshStamps();
    }

    /// <summary>Records a migration that is already in the database (a baseline) as Completed, with its checksum.</summary>
    public void InsertRegistered(MigrationDefinition definition) =>
        session.Execute(Sql.InsertRegistered, new
        {
            id = definition.Id, description = definition.Description, objectVersion = definition.ObjectVersion, definition = definition.Source,
            checksum = definition.Checksum, now = Now,
        });

    /// <summary>Replaces the applied definition (Repair-Migration): later phases run from this one.</summary>
    public void UpdateDefinition(MigrationDefinition definition)
    {
        session.Execute(Sql.UpdateDefinition, new
        {
            id = definition.Id, definition = definition.Source, checksum = definition.Checksum,
            description = definition.Description, objectVersion = definition.ObjectVersion,
        });
        RefreshStamps();
    }

    public void ClearLastError(string id) => session.Execute(Sql.ClearLastError, new { id });

    /// <summary>
    /// Rewrites the VersionStamp rows behind the ObjectVersions view: for each migration with an object
    /// version, the tracked tables it touches (those its migrate phase stamps).
    /// </summary>
    public void RefreshStamps()
    {
        var all = Migrations();
        var tracked = Phases.ObjectVersions.Tracked(all.Where(Parses), session.Dialect.Catalog(session).Tables);
        session.Execute(Sql.DeleteStamps);
        foreach (var m in all.Where(Parses))
            foreach (var (table, column) in Phases.ObjectVersions.TouchedBy(m.Parsed, tracked))
                session.Execute(Sql.InsertStamp, new { id = m.Id, schema = Sql.StampSchema(table), table = table.Name, column });
    }

    private static bool Parses(StoredMigration m)
    {
        try { _ = m.Parsed; return true; }
        catch (MigrationException) { return false; }
    }

    /// <summary>The rows of the ObjectVersions view: which table to stamp, in which column, with which version.</summary>
    public List<VersionStampRow> ObjectVersionRows() =>
        !Exists() || Version() < 2 ? [] : session.Query(Sql.SelectObjectVersions, null, r => new VersionStampRow(
            r.IsDBNull(0) ? null : r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5)));

    /// <summary>Moves the migration from <paramref name="from"/> to <paramref name="to"/>; throws WrongPhase when it is no longer
    /// in <paramref name="from"/> (another runner moved it), so two runners can never both act on it.</summary>
    public void SetPhase(string id, Phase from, Phase to)
    {
        if (session.Execute(Sql.UpdatePhase, new { id, phase = to.ToString(), expected = from.ToString() }) == 1) return;
        var now = Migration(id)?.Phase.ToString() ?? "gone from the state store";
        throw new MigrationException(ErrorIds.WrongPhase,
            $"Migration '{id}' was to move from {from} to {to}, but it is {now}: another runner changed it meanwhile.",
            "Nothing was changed by this command's last step. Run Get-MigrationState to see where the migration is, then run the command its phase needs.")
            { MigrationId = id };
    }
    public void SavePlans(string id, SavedPlans plans) => session.Execute(Sql.UpdateFacts, new { id, facts = plans.ToJson() });
    public void SetLastError(string id, string error) => session.Execute(Sql.SetLastError, new { id, error });
    public void Stamp(string id, string column) => session.Execute(Sql.SetTimestamp(column), new { id, now = Now });
    public void RequestContract(string id, string by) => session.Execute(Sql.RequestContract, new { id, now = Now, by });

    public void Delete(string id)
    {
        session.Execute(Sql.DeleteAllStepsDone, new { id });
        session.Execute(Sql.DeleteBackfill, new { id });
        session.Execute(Sql.DeleteMigration, new { id });
        RefreshStamps();
    }

    // ---- steps --------------------------------------------------------------------------------

    public HashSet<string> StepsDone(string id, Phase phase) =>
        session.Query(Sql.SelectStepsDone, new { id, phase = phase.ToString() }, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    public void MarkStepDone(string id, Phase phase, string step) => session.Execute(Sql.InsertStepDone, new { id, phase = phase.ToString(), step = Names.StoreKey(step), now = Now });

    public bool IsStepDone(HashSet<string> done, string step) => done.Contains(Names.StoreKey(step));
    public void ClearSteps(string id, Phase phase) => session.Execute(Sql.DeleteStepsDone, new { id, phase = phase.ToString() });

    // ---- backfill -----------------------------------------------------------------------------

    public List<BackfillCheckpoint> Backfills(string id) =>
        session.Query(Sql.SelectBackfill, new { id }, r => new BackfillCheckpoint(
            r.GetString(0), System.Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
            r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            System.Convert.ToInt64(r.GetValue(4), System.Globalization.CultureInfo.InvariantCulture), !r.IsDBNull(5)));

    public void StartBackfill(string id, string name, int pass, string? upper) => session.Execute(Sql.InsertBackfill, new { id, name = Names.StoreKey(name), pass, upper, now = Now });
    public void CheckpointBackfill(string id, string name, string last, long rows) => session.Execute(Sql.CheckpointBackfill, new { id, name = Names.StoreKey(name), last, rows, now = Now });
    public void CompleteBackfill(string id, string name) => session.Execute(Sql.CompleteBackfill, new { id, name = Names.StoreKey(name), now = Now });
    public void ClearBackfills(string id) => session.Execute(Sql.DeleteBackfill, new { id });

    // ---- runner -------------------------------------------------------------------------------

    public RunnerHolder? Holder()
    {
        if (!Exists()) return null;
        return session.Query(Sql.SelectRunner, null, r => new RunnerHolder(r.GetString(0),
            System.Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
            r.IsDBNull(2) ? null : r.GetString(2), DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc), r.IsDBNull(4) ? null : r.GetString(4))).FirstOrDefault();
    }

    public void SetHolder(string command, string login)
    {
        session.InTransaction(() =>
        {
            session.Execute(Sql.DeleteRunner);
            session.Execute(Sql.InsertRunner, new { host = Environment.MachineName, pid = Environment.ProcessId, login, now = Now, command });
        });
    }

    public void ClearHolder() => session.Execute(Sql.DeleteRunner);

    // ---- clients ------------------------------------------------------------------------------

    public void Heartbeat(string application, string instance, string? host, string? objectVersion, IEnumerable<string> acknowledge, TimeSpan ttl) =>
        session.Execute(Sql.Heartbeat, new
        {
            application, instance, host, objectVersion,
            acknowledge = string.Join(",", acknowledge),
            ttl = (int)Math.Ceiling(ttl.TotalSeconds),
        });

    public List<MigrationClient> Clients()
    {
        if (!Exists()) return [];
        return session.Query(Sql.SelectClients, null, r => new MigrationClient
        {
            InstanceId = r.GetString(0),
            Application = r.GetString(1),
            HostName = r.IsDBNull(2) ? null : r.GetString(2),
            ObjectVersion = r.IsDBNull(3) ? null : r.GetString(3),
            Acknowledged = MigrationClient.SplitAcknowledged(r.IsDBNull(4) ? null : r.GetString(4)),
            FirstSeen = DateTime.SpecifyKind(r.GetDateTime(5), DateTimeKind.Utc),
            LastSeen = DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc),
            TimeToLive = TimeSpan.FromSeconds(System.Convert.ToInt32(r.GetValue(7), System.Globalization.CultureInfo.InvariantCulture)),
            Alive = System.Convert.ToInt32(r.GetValue(8), System.Globalization.CultureInfo.InvariantCulture) == 1,
        });
    }

    public int RemoveClient(string instance) => session.Execute(Sql.DeleteClient, new { instance });
    public int RemoveApplication(string application) => session.Execute(Sql.DeleteClientsOf, new { application });

    /// <summary>How many times an operator retired an instance or an application (journaled by Remove-MigrationClient).</summary>
    public long Retirements() => Exists() ? session.Scalar<long>(Sql.CountRetirements) : 0;

    /// <summary>The operator's declaration that no application reads this database, if one was made.</summary>
    public FleetDeclaration? Declaration()
    {
        if (!Exists() || Version() < 2) return null;
        return session.Query(Sql.SelectFleetDeclaration, null, r => new FleetDeclaration(
            DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2))).FirstOrDefault();
    }

    public void Declare(string by, string reason) => session.InTransaction(() =>
    {
        session.Execute(Sql.DeleteFleetDeclaration);
        session.Execute(Sql.InsertFleetDeclaration, new { now = Now, by, reason });
    });

    public int WithdrawDeclaration() => session.Execute(Sql.DeleteFleetDeclaration);

    // ---- journal ------------------------------------------------------------------------------

    public List<MigrationJournalEntry> Journal(string? id, int? last)
    {
        if (!Exists()) return [];
        return session.Query(Sql.SelectJournal(id is not null, last), new { id, last }, r => new MigrationJournalEntry
        {
            Sequence = System.Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            Id = r.IsDBNull(1) ? null : r.GetString(1),
            Phase = r.IsDBNull(2) ? null : r.GetString(2),
            Step = r.IsDBNull(3) ? null : r.GetString(3),
            Statement = r.IsDBNull(4) ? null : r.GetString(4),
            StartedAt = DateTime.SpecifyKind(r.GetDateTime(5), DateTimeKind.Utc),
            Duration = TimeSpan.FromMilliseconds(System.Convert.ToInt64(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture)),
            Outcome = r.GetString(7),
            Error = r.IsDBNull(8) ? null : r.GetString(8),
            Login = r.IsDBNull(9) ? null : r.GetString(9),
            Host = r.IsDBNull(10) ? null : r.GetString(10),
            ProcessId = r.IsDBNull(11) ? null : System.Convert.ToInt32(r.GetValue(11), System.Globalization.CultureInfo.InvariantCulture),
            Reason = r.IsDBNull(12) ? null : r.GetString(12),
        });
    }

    public void WriteJournal(string? id, string? phase, string? step, string? statement, DateTime startedAt, TimeSpan duration, string outcome,
        string? error, string? login, string? reason = null) =>
        session.Execute(Sql.InsertJournal, new
        {
            id, phase, step, statement, startedAt, durationMs = (long)duration.TotalMilliseconds, outcome, error, login,
            host = Environment.MachineName, pid = Environment.ProcessId, reason,
        });

    /// <summary>UTC now, truncated to milliseconds (the store's precision).</summary>
    public static DateTime Now
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        }
    }
}

/// <summary>An operator's journaled statement that no application reads the database (FleetAcknowledged then passes with no heartbeat).</summary>
public sealed record FleetDeclaration(DateTime DeclaredAt, string? DeclaredBy, string Reason);

/// <summary>One row of the ObjectVersions view.</summary>
public sealed record VersionStampRow(string? TableSchema, string TableName, string VersionColumn, string? ObjectVersion, string MigrationId, string Phase);

public sealed record BackfillCheckpoint(string Name, int Pass, string? UpperKey, string? LastKey, long RowsDone, bool Completed);

/// <summary>Who holds the runner lock, as its holder row says.</summary>
public sealed record RunnerHolder(string Host, int ProcessId, string? Login, DateTime Since, string? Command)
{
    public override string ToString() => $"{Command ?? "a runner"} on host {Host}, process {ProcessId}{(Login is null ? "" : $", login {Login}")}, since {Since:u}";
}
