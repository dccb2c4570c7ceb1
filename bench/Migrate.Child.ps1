<#
.SYNOPSIS
    Bench child: runs Invoke-Migrate of 0001_instances_compute_host on one database (a SQLite file,
    or SQL Server with its own store schema) and writes what it measured (wall time of the cmdlet,
    rows, batches, its own peak memory) to a JSON file.
.DESCRIPTION
    Started by bench/Bench.ps1 and bench/SqlServer.Bench.ps1 in a fresh pwsh, so that VmHWM (the peak
    resident set of this process, read from /proc/<pid>/status by the process itself at the end)
    belongs to one migrate run only.
#>
param(
    [Parameter(Mandatory)][string]$ModuleManifest,
    # SQLite: the database file.
    [string]$Database,
    # SQL Server: the connection string and the store schema the migration was expanded with.
    [string]$ConnectionString,
    [string]$StoreSchema,
    [Parameter(Mandatory)][string]$ResultFile,
    [int]$BatchSize = 0,
    # -1: the provider's default pause (SQLite: a quarter of each batch's duration; SQL Server: none); 0 or more: -Delay in ms.
    [int]$DelayMs = -1
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Progress rendering is a host concern, not the engine's; keep it out of the measurement.
$ProgressPreference = 'SilentlyContinue'

function Get-StatusKb([string]$Name) {
    $line = Get-Content -LiteralPath "/proc/$PID/status" | Where-Object { $_ -like "${Name}:*" } | Select-Object -First 1
    if (-not $line) { throw "No $Name line in /proc/$PID/status." }
    [long]([regex]::Match($line, '(\d+)').Groups[1].Value)
}

Import-Module $ModuleManifest
$parameters = if ($Database) { @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$Database" } }
else { @{ Provider = 'SqlServer'; ConnectionString = $ConnectionString; StoreSchema = $StoreSchema } }
$parameters.Id = '0001_instances_compute_host'
$parameters.Confirm = $false
if ($BatchSize -gt 0) { $parameters.BatchSize = $BatchSize }
if ($DelayMs -ge 0) { $parameters.Delay = [TimeSpan]::FromMilliseconds($DelayMs) }

$hwmBefore = Get-StatusKb VmHWM
$startedAt = [DateTime]::UtcNow
$clock = [Diagnostics.Stopwatch]::StartNew()
$progress = Invoke-Migrate @parameters
$clock.Stop()
$endedAt = [DateTime]::UtcNow
if (-not $progress.Complete) {
    throw "Invoke-Migrate did not complete: $($progress.RowsMigrated) rows migrated, $($progress.RowsRemaining) remaining, stopped: $($progress.StoppedBecause)."
}

# Where the time went inside the backfill, part by part (MigrationProgress.Timings), in ms.
$timings = [ordered]@{}
foreach ($part in $progress.Timings.Parts) { $timings[$part.Key] = $part.Value.TotalMilliseconds }

[pscustomobject]@{
    Seconds         = $clock.Elapsed.TotalSeconds
    RowsMigrated    = [long]$progress.RowsMigrated
    Batches         = [long]$progress.Batches
    ReportedRate    = [double]$progress.RowsPerSecond
    StartedAtTicks  = $startedAt.Ticks
    EndedAtTicks    = $endedAt.Ticks
    VmHWMKbBefore   = $hwmBefore
    VmHWMKb         = Get-StatusKb VmHWM
    VmRSSKb         = Get-StatusKb VmRSS
    GcHeapBytes     = [GC]::GetTotalMemory($false)
    # Where the time went inside the backfill, part by part (MigrationProgress.Timings), in ms.
    TimingsMs       = $timings
    TimedBatches    = [long]$progress.Timings.Batches
} | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8
