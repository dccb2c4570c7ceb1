<#
.SYNOPSIS
    Azure Automation runbook: runs the online data migration of OnlineMigrations on a schedule,
    a bounded slice at a time, resuming where the previous run stopped.

.DESCRIPTION
    Setup (once):
      - A PowerShell 7.4 runtime environment (the module cannot load in Windows PowerShell 5.1)
        with the OnlineMigrations package imported (from the PowerShell Gallery or an uploaded
        OnlineMigrations.<version>.nupkg / zip of the module folder).
      - The Automation account's managed identity (system-assigned, or user-assigned with
        -ClientId) as a database user with the permissions Invoke-Migrate needs (README).
      - A schedule, for example every hour. Each run migrates for at most -MaxDuration
        (25 minutes by default: well inside a cloud job's limits and short enough that two
        scheduled runs never overlap); the next run resumes from the checkpoint. A run that
        starts while another runner (a pipeline) holds the database waits up to -RunnerTimeout.

    Output: objects only. Each MigrationProgress (Id, RowsMigrated, RowsRemaining, Complete,
    ExitCode, Batches, Duration, StoppedBecause) is written to the output stream, so the job
    output stays machine-readable (Get-AzAutomationJobOutput, Log Analytics). Progress messages
    go to the verbose stream; errors are ErrorRecords with the migration as target.

    ExitCode of each result: 0 nothing left, 1 progress made (the next run continues),
    2 failed with no progress. The runbook never calls exit; it throws when a migration failed,
    so the job is marked Failed and alerts can fire.

.PARAMETER ConnectionString
    The target database, without credentials:
    'Server=tcp:inventory-prod.database.windows.net,1433;Database=Inventory;Encrypt=True'.
    Default: the Automation variable 'InventoryConnectionString'.

.PARAMETER ClientId
    The client id of a user-assigned managed identity; omit for the system-assigned one.

.PARAMETER MaxDuration
    How long this run migrates before it stops cleanly after the current batch.
#>
param(
    [string]$ConnectionString,
    [string]$ClientId,
    [TimeSpan]$MaxDuration = '00:25:00',
    [TimeSpan]$RunnerTimeout = '00:05:00'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if (-not $ConnectionString) {
    # Get-AutomationVariable exists inside Azure Automation only.
    $ConnectionString = Get-AutomationVariable -Name 'InventoryConnectionString'
}

Import-Module OnlineMigrations

# The connection, set once for every cmdlet of the module.
foreach ($name in (Get-Command -Module OnlineMigrations).Name) {
    $PSDefaultParameterValues["${name}:ConnectionString"] = $ConnectionString
    $PSDefaultParameterValues["${name}:Authentication"] = 'ManagedIdentity'
    if ($ClientId) { $PSDefaultParameterValues["${name}:ClientId"] = $ClientId }
}

# Nothing to do is a normal, quiet outcome: no output at all.
$open = @(Get-MigrationState | Where-Object Phase -in 'Expanded', 'Migrating', 'Migrated')
if ($open.Count -eq 0) {
    Write-Verbose 'No expanded migration: nothing to migrate.'
    return
}

# Failures are written as errors (not thrown) so every migration gets its chance; they are
# collected and rethrown at the end.
$failures = @()
$results = @(Invoke-Migrate -MaxDuration $MaxDuration -Authentication ManagedIdentity -RunnerTimeout $RunnerTimeout -Confirm:$false `
        -ErrorAction SilentlyContinue -ErrorVariable +failures)
$results

if ($failures.Count -gt 0 -or @($results | Where-Object ExitCode -eq 2).Count -gt 0) {
    foreach ($e in $failures) { Write-Error -ErrorRecord $e -ErrorAction Continue }
    throw "Invoke-Migrate failed for $(@($results | Where-Object ExitCode -eq 2 | ForEach-Object Id) -join ', '); the checkpoint is intact and the next scheduled run retries."
}
foreach ($r in $results | Where-Object ExitCode -eq 1) {
    Write-Verbose "$($r.Id): $($r.RowsRemaining) rows remain ($($r.StoppedBecause)); the next scheduled run continues."
}
