<#
.SYNOPSIS
    Bench child: runs Invoke-Migrate of 0001_instances_compute_host on one database (a SQLite file,
    or SQL Server with its own store schema) and writes what it measured (wall time of the cmdlet,
    rows, batches, its own peak memory) to a JSON file.
.DESCRIPTION
    Started by bench/Bench.ps1 and bench/SqlServer.Bench.ps1 in a fresh pwsh, so that its memory belongs to
    one migrate run only. The backfill's own memory growth is measured against a baseline taken after
    Import-Module and after Get-MigrationState has opened the database once (the engine, the provider and
    its native library loaded, a connection opened, the store read): VmRSS then is the baseline, and the
    process's peak (VmHWM, read from /proc/<pid>/status) is reset to it through /proc/<pid>/clear_refs, so
    that VmHWM at the end is the peak during Invoke-Migrate alone. Growth = that peak − the baseline.
    Where the kernel refuses the reset, VmHWM at the end is the process's peak since it started, and
    PeakSinceBaseline says so.
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

function Get-MemoryStatus {
    $status = @{}
    foreach ($line in Get-Content -LiteralPath "/proc/$PID/status") {
        if ($line -match '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):\s+(\d+)') { $status[$Matches[1]] = [long]$Matches[2] }
    }
    $status
}

# SQLite's own allocator (SQLitePCL.raw, in the module's load context): bytes in use and its high-water mark.
function Get-SqliteRaw {
    $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SQLitePCLRaw.core' } | Select-Object -First 1
    if ($core) { $core.GetType('SQLitePCL.raw') }
}
function Get-SqliteMemory([type]$Raw, [int]$Reset = 0) {
    if (-not $Raw) { return $null }
    try { [pscustomobject]@{ Used = [long]$Raw.GetMethod('sqlite3_memory_used').Invoke($null, @()); HighWater = [long]$Raw.GetMethod('sqlite3_memory_highwater').Invoke($null, @($Reset)) } }
    catch { $null }
}

Import-Module $ModuleManifest
$parameters = if ($Database) { @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$Database" } }
else { @{ Provider = 'SqlServer'; ConnectionString = $ConnectionString; StoreSchema = $StoreSchema } }
$hwmAfterImport = Get-StatusKb VmHWM
# Open the database once before the baseline, so that it holds what any command holds (the engine, the
# provider, a connection, the store) and the growth after it is the backfill's own.
$null = Get-MigrationState @parameters
$parameters.Id = '0001_instances_compute_host'
$parameters.Confirm = $false
if ($BatchSize -gt 0) { $parameters.BatchSize = $BatchSize }
if ($DelayMs -ge 0) { $parameters.Delay = [TimeSpan]::FromMilliseconds($DelayMs) }

# Managed memory the process holds before the run, measured the same way at the end (a full collection,
# taken before the baseline so that the collection itself is not part of the run).
$retainedBefore = [GC]::GetTotalMemory($true)
$hwmBefore = Get-StatusKb VmHWM
$raw = Get-SqliteRaw
$baseline = Get-MemoryStatus
$allocatedBefore = [GC]::GetTotalAllocatedBytes($false)
$gen0Before = [GC]::CollectionCount(0); $gen1Before = [GC]::CollectionCount(1); $gen2Before = [GC]::CollectionCount(2)
# Linux 4.0+: writing 5 resets VmHWM to the current VmRSS.
$peakReset = $false
try { [IO.File]::WriteAllText("/proc/$PID/clear_refs", '5'); $peakReset = (Get-StatusKb VmHWM) -le $baseline.VmRSS + 1024 } catch { $peakReset = $false }
$sqliteBefore = Get-SqliteMemory $raw 1
$startedAt = [DateTime]::UtcNow
$clock = [Diagnostics.Stopwatch]::StartNew()
$progress = Invoke-Migrate @parameters
$clock.Stop()
$endedAt = [DateTime]::UtcNow
$end = Get-MemoryStatus
$sqliteAfter = Get-SqliteMemory $raw 0
$gc = [GC]::GetGCMemoryInfo()
if (-not $progress.Complete) {
    throw "Invoke-Migrate did not complete: $($progress.RowsMigrated) rows migrated, $($progress.RowsRemaining) remaining, stopped: $($progress.StoppedBecause)."
}

$gen0 = [GC]::CollectionCount(0) - $gen0Before; $gen1 = [GC]::CollectionCount(1) - $gen1Before; $gen2 = [GC]::CollectionCount(2) - $gen2Before
$allocated = [GC]::GetTotalAllocatedBytes($false) - $allocatedBefore
# What the run leaves behind once its garbage is collected (after the peak was read): retained managed memory.
$retainedBytes = [GC]::GetTotalMemory($true)

# Where the time went inside the backfill, part by part (MigrationProgress.Timings), in ms.
$timings = [ordered]@{}
foreach ($part in $progress.Timings.Parts) { $timings[$part.Key] = $part.Value.TotalMilliseconds }

[pscustomobject]@{
    Seconds           = $clock.Elapsed.TotalSeconds
    RowsMigrated      = [long]$progress.RowsMigrated
    Batches           = [long]$progress.Batches
    ReportedRate      = [double]$progress.RowsPerSecond
    StartedAtTicks    = $startedAt.Ticks
    EndedAtTicks      = $endedAt.Ticks
    VmHWMKbAfterImport = $hwmAfterImport
    VmHWMKbBefore     = $hwmBefore
    BaselineRssKb     = $baseline.VmRSS
    BaselineAnonKb    = $baseline.RssAnon
    BaselineFileKb    = $baseline.RssFile
    PeakSinceBaseline = $peakReset
    VmHWMKb           = $end.VmHWM
    GrowthKb          = $end.VmHWM - $baseline.VmRSS
    VmRSSKb           = $end.VmRSS
    EndAnonKb         = $end.RssAnon
    EndFileKb         = $end.RssFile
    EndShmemKb        = $end.RssShmem
    GcHeapBytes       = [GC]::GetTotalMemory($false)
    RetainedBytes     = $retainedBytes
    RetainedBeforeBytes = $retainedBefore
    GcHeapSizeBytes   = $gc.HeapSizeBytes
    GcCommittedBytes  = $gc.TotalCommittedBytes
    AllocatedBytes    = $allocated
    Gen0Collections   = $gen0
    Gen1Collections   = $gen1
    Gen2Collections   = $gen2
    # SQLite: the WAL and its index (mapped into the process, so counted in its file-backed RSS) as the run leaves them.
    WalBytes          = if ($Database -and (Test-Path -LiteralPath "$Database-wal")) { (Get-Item -LiteralPath "$Database-wal").Length } else { $null }
    ShmBytes          = if ($Database -and (Test-Path -LiteralPath "$Database-shm")) { (Get-Item -LiteralPath "$Database-shm").Length } else { $null }
    SqliteUsedBefore  = if ($sqliteBefore) { $sqliteBefore.Used } else { $null }
    SqliteHighWater   = if ($sqliteAfter) { $sqliteAfter.HighWater } else { $null }
    SqliteUsedAfter   = if ($sqliteAfter) { $sqliteAfter.Used } else { $null }
    # Where the time went inside the backfill, part by part (MigrationProgress.Timings), in ms.
    TimingsMs         = $timings
    TimedBatches      = [long]$progress.Timings.Batches
} | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8
