@{
    Synopsis    = 'Shows where every migration of a database stands.'
    Description = @'
Get-MigrationState reads the state store of the target database and returns one MigrationState per migration it knows: its phase (Pending, Expanding, Expanded, Migrating, Migrated, Contracting, Completed, RollingBack, RolledBack), when each phase was reached, whether a contract was requested and by whom, and the last error of a failed step.

With -Path, the migration files are read too: migrations not yet expanded are returned as Pending, and a migration whose file no longer matches the applied definition is marked with Drift = $true and a warning. The applied definition, stored in the database, is what migrate, the gates, contract and rollback use.

Get-MigrationState only reads; it creates nothing, not even the state store, and takes no runner lock.
'@
    Parameters  = @{
        Path = @'
The folder of migration files (or one file). With it, migrations not yet in the state store are returned as Pending, and drift between a file and its applied definition is reported.
'@
        Id   = @'
Returns only the migrations with these ids (case-insensitive). Accepts the Id property of piped objects. Completes from -Path, else from the database of -ConnectionString.
'@
        Summary = @'
Over a fleet of databases (several -ConnectionString or -Database, or targets piped from a CSV file), returns one MigrationFleetSummary per migration instead of a row per database and migration: Targets (the databases read), how many are at each phase (Pending, Expanding, Expanded, Migrating, Migrated, Contracting, Completed, RollingBack, RolledBack), Unknown (read, but the migration is neither in their store nor, with -Path, in the files) and Unreadable (databases whose state could not be read; each one's error is written). The default table shows Id, Targets, Pending, Expanded, Migrating, Migrated, Completed, Other (Expanding, Contracting, RollingBack, RolledBack and Unknown together) and Unreadable. Without -Summary every row carries Server and Database, so 'Group-Object Id, Phase' gives the same counts.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example from Get-Migration).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'Id, Description, Phase, Drift, ObjectVersion, DeprecationWindow, ExpandStartedAt, ExpandedAt, MigratedAt, ContractRequested, ContractRequestedAt, ContractRequestedBy, CompletedAt, RolledBackAt, LastError, Checksum, FileChecksum, Path. Times are UTC. Server and Database name the database of the row.' }
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationFleetSummary'; Description = 'With -Summary: Id, Targets, a count per phase, Unknown and Unreadable.' }
    )
    Notes       = @'
The default table (80 columns) shows Id, Phase, Drift, Requested (when the contract was requested) and the start of LastError; Format-List shows the phase times too. Use Format-List * to see every property, or (Get-MigrationState -Id x).LastError for the whole error. An -Id that matches no migration is a non-terminating MigrationNotFound error for that id; the others are still returned.
'@
    Examples    = @(
        @{
            Title   = 'See where every migration stands, at an interactive prompt'
            Code    = @'
PS> $cs = 'Server=sql01;Database=Inventory;Integrated Security=True;Encrypt=True'
PS> Get-Command -Module OnlineMigrations | ForEach-Object { $PSDefaultParameterValues["$($_.Name):ConnectionString"] = $cs }
PS> Get-MigrationState -Path ./migrations

Id                          Phase    Drift ExpandedAt       MigratedAt       Requested        CompletedAt LastError
--                          -----    ----- ----------       ----------       ---------        ----------- ---------
0001_instances_compute_host Migrated False 2025-11-20 09:14 2025-11-20 09:31 2025-11-27 08:00
0002_split_location         Expanded False 2025-11-24 10:02
0003_drop_legacy_quotas     Pending  False
'@
            Remarks = 'Shows the applied migrations and, because -Path is given, the pending one as well.'
        }
        @{
            Title   = 'Fail an Azure DevOps pipeline step when a migration file drifted or a step failed'
            Code    = @'
$states = Get-MigrationState -Path $(Build.SourcesDirectory)/migrations
$bad = $states | Where-Object { $_.Drift -or $_.LastError }
if ($bad) {
    $bad | Format-Table Id, Phase, Drift, LastError -Wrap | Out-String | Write-Host
    throw "$(@($bad).Count) migration(s) drifted or failed; see the table above."
}
'@
            Remarks = 'Runs in a PowerShell@2 (pwsh: true) or AzureCLI@2 (scriptType: pscore) task after the connection was set with $PSDefaultParameterValues.'
        }
        @{
            Title   = 'Gate and contract everything that is ready, in one pipeline'
            Code    = @'
PS> Get-MigrationState | Test-ContractReady | Where-Object Ready | Invoke-Contract -Confirm:$false
'@
            Remarks = 'The Id property flows through the pipeline by property name.'
        }
        @{
            Title   = 'Where a fleet of databases stands, per migration'
            Code    = @'
PS> Import-Csv ./fleet.csv | Get-MigrationState -Path ./migrations -Summary | Format-Table Id, Targets, Pending, Expanded, Migrated, Completed, Unreadable
'@
            Remarks = 'fleet.csv has a ConnectionString column (or SqlInstance and Database), and a Provider column for SQLite. A database that cannot be read is an error naming it, and is counted as Unreadable.'
        }
    )
    Links       = @('Test-ContractReady', 'Get-MigrationJournal', 'about_OnlineMigrations')
}
