<#
.SYNOPSIS
    Azure Automation runbook: works through a fleet of databases (one per tenant) within the job's
    time limit, and resumes on the next schedule where this run stopped.

.DESCRIPTION
    Each run, for every database of the fleet list:
      1. expands the pending migrations of -MigrationsPath (a target not started before the time
         limit is passed over, named in a warning, and expanded by the next run);
      2. migrates the data of every expanded migration, up to -ThrottleLimit databases at once,
         until the time limit: every running backfill stops after its current batch with its
         checkpoint saved, and the next run resumes it;
      3. writes one summary object per migration: how many databases are at each phase.
    Contract is not run here: it drops the old shape and is a decision per migration. Run
    Test-ContractReady over the fleet, then Invoke-Contract for the databases that are ready.

    Setup (once):
      - A PowerShell 7.4 runtime environment with the OnlineMigrations module imported.
      - The fleet list: a CSV file with a ConnectionString column (or SqlInstance and Database
        columns), and optionally Provider, one row per database; give its path with -FleetCsv, or
        store its text in the Automation variable 'OnlineMigrationsFleet'.
      - The migration files, unpacked beside the runbook or on a share (-MigrationsPath).
      - The Automation account's managed identity as a database user of every database, with the
        permissions Invoke-Expand and Invoke-Migrate need (README, "Minimum permissions").
      - A schedule, for example every hour, with -MaxDuration well inside the job's limit and the
        schedule's interval (two runs never overlap; if they did, the second would find each database's
        runner lock held and pass that database over with an error).

    Output: objects only (MigrationState of each expand, MigrationProgress of each target's data
    migration, MigrationFleetSummary per migration), each naming its Server and Database. The
    runbook throws at the end when a database failed, after every other database had its turn, so
    the job is marked Failed and alerts fire; a failed database is retried by the next run.

.PARAMETER FleetCsv
    Path of the fleet's CSV file. Default: the text of the Automation variable 'OnlineMigrationsFleet'.

.PARAMETER MigrationsPath
    The folder of migration files.

.PARAMETER MaxDuration
    How long this run works before it stops cleanly (default 25 minutes, for a 30-minute slot); a
    plain number is seconds.

.PARAMETER ThrottleLimit
    How many databases are worked on at once (default 4). On one SQL Server (an elastic pool),
    choose it by the server's headroom: each running database is one more session of work there.

.PARAMETER Authentication
    Entra ID authentication for SQL Server targets (default ManagedIdentity); None uses the
    connection strings as they are (and for SQLite targets).

.PARAMETER MigrateParameters
    More parameters for Invoke-Migrate, for example @{ TargetBatchDuration = '00:00:00.5' }.
#>
param(
    [string]$FleetCsv,
    [Parameter(Mandatory)][string]$MigrationsPath,
    [object]$MaxDuration = '00:25:00',
    [ValidateRange(1, 64)][int]$ThrottleLimit = 4,
    [ValidateSet('None', 'ManagedIdentity', 'WorkloadIdentity', 'Default')][string]$Authentication = 'ManagedIdentity',
    [string]$ClientId,
    [hashtable]$MigrateParameters = @{}
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module OnlineMigrations -ErrorAction SilentlyContinue

$fleet = if ($FleetCsv) { @(Import-Csv -LiteralPath $FleetCsv) }
else { @(Get-AutomationVariable -Name 'OnlineMigrationsFleet' | ConvertFrom-Csv) }   # Get-AutomationVariable exists inside Azure Automation only
if ($fleet.Count -eq 0) { Write-Verbose 'The fleet list is empty: nothing to do.'; return }

# As the module reads a duration: a plain number is seconds; else a TimeSpan ('00:25:00').
$MaxDuration = if ("$MaxDuration" -match '^\d+(\.\d+)?$') { [TimeSpan]::FromSeconds([double]"$MaxDuration") } else { [TimeSpan]$MaxDuration }
$clock = [Diagnostics.Stopwatch]::StartNew()
$common = @{ ThrottleLimit = $ThrottleLimit; ErrorAction = 'SilentlyContinue' }
if ($Authentication -ne 'None') {
    $common.Authentication = $Authentication
    if ($ClientId) { $common.ClientId = $ClientId }
}
$change = $common + @{ Confirm = $false }
function Get-Left { $left = $MaxDuration - $clock.Elapsed; if ($left -lt [TimeSpan]::Zero) { [TimeSpan]::Zero } else { $left } }

# Failures are written as errors (not thrown) so every database gets its turn; they are collected and
# reported at the end.
$failures = [Collections.Generic.List[object]]::new()
$expandErrors = $null
$fleet | Invoke-Expand -Path $MigrationsPath -MaxDuration (Get-Left) @change -ErrorVariable expandErrors
$failures.AddRange(@($expandErrors))

$migrateErrors = $null
$progress = @($fleet | Invoke-Migrate -MaxDuration (Get-Left) @change @MigrateParameters -ErrorVariable migrateErrors)
$failures.AddRange(@($migrateErrors))
$progress

# The fleet at a glance, per migration: how many databases are at each phase.
$summaryErrors = $null
$fleet | Get-MigrationState -Path $MigrationsPath -Summary @common -ErrorVariable summaryErrors

$remaining = @($progress | Where-Object ExitCode -eq 1).Count
if ($remaining -gt 0 -or $clock.Elapsed -ge $MaxDuration) {
    Write-Verbose "Stopped at the time limit ($MaxDuration): $remaining database(s) have data left; the next scheduled run resumes them, and takes up any database not started."
}
if ($failures.Count -gt 0) {
    foreach ($e in $failures) { Write-Error -ErrorRecord $e -ErrorAction Continue }
    throw "$($failures.Count) error(s) over the fleet (each names its database above); every other database went on, and the next scheduled run retries."
}
