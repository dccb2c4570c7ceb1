using System.Management.Automation;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Install-MigrationStore: creates or upgrades the state store explicitly.</summary>
[Cmdlet(VerbsLifecycle.Install, "MigrationStore", SupportsShouldProcess = true)]
[OutputType(typeof(int))]
public sealed class InstallMigrationStoreCommand : ChangeCmdlet
{
    protected override void ProcessRecord() => Guard(() =>
    {
        var options = ChangeConnection();
        int version;
        using (var reading = TargetDatabase.OpenForReading(options, Reporter)) version = reading.Store.Version();
        if (version == StoreSql.CurrentVersion) { WriteVerbose($"The state store is at version {version}; nothing to do."); WriteObject(version); return; }
        var script = string.Join("\n", options.CreateDialect().Store.Upgrades.Skip(Math.Max(0, version)).SelectMany(u => u));
        if (!ShouldProcess(script, version < 0 ? "Create the state store" : $"Upgrade the state store from version {version} to {StoreSql.CurrentVersion}")) return;
        using var target = TargetDatabase.OpenForChanges(options, Reporter, "Install-MigrationStore");
        WriteObject(target.Store.Version());
    });
}
