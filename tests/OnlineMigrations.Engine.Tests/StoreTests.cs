using Microsoft.Data.Sqlite;
using OnlineMigrations.Engine;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;
using OnlineMigrations.Engine.Store;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

public sealed class StoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"om-store-{Guid.NewGuid():N}.db");
    private ConnectionOptions Options => new() { ConnectionString = $"Data Source={_path};Mode=ReadWriteCreate", Provider = Provider.Sqlite };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm", _path + ".onlinemigrations.lock" }) File.Delete(f);
    }

    private static long Count(Session s, string sql) => s.Scalar<long>(sql);

    [Fact]
    public void Reading_never_creates_the_store()
    {
        using var target = TargetDatabase.OpenForReading(Options, SilentReporter.Instance);
        Assert.Empty(target.Store.Migrations());
        Assert.Equal(-1, target.Store.Version());
        Assert.Equal(0, Count(target.Session, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'OnlineMigrations%'"));
    }

    [Fact]
    public void The_store_is_created_on_first_change_with_every_table_and_its_version()
    {
        using (TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test")) { }
        using var target = TargetDatabase.OpenForReading(Options, SilentReporter.Instance);
        Assert.Equal(StoreSql.CurrentVersion, target.Store.Version());
        foreach (var table in new[] { "StoreInfo", "Migration", "StepDone", "Backfill", "Journal", "Runner", "Client" })
            Assert.Equal(1, Count(target.Session, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'OnlineMigrations_{table}'"));
        Assert.Equal(1, Count(target.Session, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'OnlineMigrations_ContractRequests'"));
        // The holder row is removed when the runner lets go.
        Assert.Equal(0, Count(target.Session, "SELECT COUNT(*) FROM OnlineMigrations_Runner"));
    }

    [Fact]
    public void An_older_store_is_upgraded_in_place_and_keeps_its_rows()
    {
        using (var setup = Connector.Open(Options))
        {
            // A store some earlier build left at version 0 (tables present, version not yet written), with a journal line.
            foreach (var s in SqliteDialect.Instance.Store.Upgrades[0]) setup.Execute(s);
            setup.Execute("UPDATE OnlineMigrations_StoreInfo SET Value = '0' WHERE Name = 'StoreVersion'");
            setup.Execute("INSERT INTO OnlineMigrations_Journal (StartedAt, DurationMs, Outcome) VALUES ('2026-01-01 00:00:00', 1, 'Succeeded')");
        }
        using var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test");
        Assert.Equal(StoreSql.CurrentVersion, target.Store.Version());
        Assert.Single(target.Store.Journal(null, null));
    }

    [Fact]
    public void A_version_1_store_with_a_tracking_migration_is_upgraded_and_its_view_lists_what_to_stamp()
    {
        using (var setup = Connector.Open(Options))
        {
            foreach (var s in SqliteDialect.Instance.Store.Upgrades[0]) setup.Execute(s);
            setup.Execute("UPDATE OnlineMigrations_StoreInfo SET Value = '1' WHERE Name = 'StoreVersion'");
            setup.Execute("""
                INSERT INTO OnlineMigrations_Migration (Id, ObjectVersion, Definition, Checksum, Phase, CreatedAt, ContractRequested)
                VALUES ('0001_track', '2.0', '{ "objectVersion": "2.0", "operations": [ { "trackObjectVersion": { "table": "t", "column": "V" } } ] }', 'x', 'Migrated', '2026-01-01 00:00:00', 0)
                """);
        }
        using var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test");
        Assert.Equal(StoreSql.CurrentVersion, target.Store.Version());
        var row = Assert.Single(target.Store.ObjectVersionRows());
        Assert.Equal(new VersionStampRow(null, "t", "V", "2.0", "0001_track", "Migrated"), row);
        Assert.Null(target.Store.Declaration());
    }

    [Fact]
    public void A_store_newer_than_the_module_is_refused()
    {
        using (TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test")) { }
        using (var s = Connector.Open(Options)) s.Execute("UPDATE OnlineMigrations_StoreInfo SET Value = '99' WHERE Name = 'StoreVersion'");
        var e = Assert.Throws<MigrationException>(() => TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test"));
        Assert.Equal("StoreTooNew", e.ErrorId);
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public void A_second_runner_is_refused_and_told_who_holds_the_lock()
    {
        using var first = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "Invoke-Expand");
        var e = Assert.Throws<MigrationException>(() => TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "Invoke-Migrate"));
        Assert.Equal("RunnerBusy", e.ErrorId);
        Assert.Contains(Environment.MachineName, e.Message);
        Assert.Contains($"process {Environment.ProcessId}", e.Message);
        Assert.Contains("Invoke-Expand", e.Message);
    }

    [Fact]
    public void The_lock_is_released_when_the_runner_lets_go()
    {
        using (TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "first")) { }
        using var second = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "second");
        Assert.NotNull(second.Lock);
    }

    [Fact]
    public void A_missing_sqlite_file_is_an_error_that_names_it_and_creates_nothing()
    {
        var options = new ConnectionOptions { ConnectionString = $"Data Source={_path}", Provider = Provider.Sqlite };
        var e = Assert.Throws<MigrationException>(() => TargetDatabase.OpenForReading(options, SilentReporter.Instance));
        Assert.Equal("ConnectionFailed", e.ErrorId);
        Assert.Contains(_path, e.Message);
        Assert.Contains("Mode=ReadWriteCreate", e.RecommendedAction);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public void Heartbeats_upsert_and_liveness_follows_the_time_to_live()
    {
        using var target = TargetDatabase.OpenForChanges(Options, SilentReporter.Instance, "test");
        target.Store.Heartbeat("app", "i-1", "h", "1.0", [], TimeSpan.FromMinutes(5));
        target.Store.Heartbeat("app", "i-1", "h", "2.0", ["0001", "0002"], TimeSpan.FromMinutes(5));
        target.Store.Heartbeat("job", "i-2", "h", "1.0", [], TimeSpan.FromSeconds(1));
        target.Session.Execute("UPDATE OnlineMigrations_Client SET LastSeen = '2000-01-01 00:00:00.000' WHERE InstanceId = 'i-2'");
        var clients = target.Store.Clients();
        var one = Assert.Single(clients, c => c.InstanceId == "i-1");
        Assert.Equal("2.0", one.ObjectVersion);
        Assert.Equal(["0001", "0002"], one.Acknowledged);
        Assert.True(one.Alive);
        Assert.False(Assert.Single(clients, c => c.InstanceId == "i-2").Alive);
    }
}

public sealed class StoreKeyTests
{
    [Fact]
    public void Store_keys_fit_a_sql_server_clustered_key()
    {
        // (MigrationId nvarchar(200), Phase varchar(16), StepName nvarchar(240)) must stay within 900 bytes.
        Assert.True(OnlineMigrations.Engine.Files.MigrationReader.MaxIdLength * 2 + 16 + OnlineMigrations.Engine.Model.Names.StoreKeyLength * 2 <= 900);
    }

    [Fact]
    public void Long_step_names_are_shortened_the_same_way_every_time_and_stay_distinct()
    {
        var a = new string('a', 300) + "1";
        var b = new string('a', 300) + "2";
        var ka = OnlineMigrations.Engine.Model.Names.StoreKey(a);
        Assert.Equal(ka, OnlineMigrations.Engine.Model.Names.StoreKey(a));
        Assert.NotEqual(ka, OnlineMigrations.Engine.Model.Names.StoreKey(b));
        Assert.True(ka.Length <= OnlineMigrations.Engine.Model.Names.StoreKeyLength);
        Assert.Equal("short", OnlineMigrations.Engine.Model.Names.StoreKey("short"));
    }
}
