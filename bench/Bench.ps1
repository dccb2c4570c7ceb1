<#
.SYNOPSIS
    Performance figures of OnlineMigrations on SQLite, each a ratio against a baseline measured in the
    same run; writes the SQLite section of bench/results.md (bench/SqlServer.Bench.ps1 writes the
    SQL Server one).
.DESCRIPTION
    1. Backfill throughput: Invoke-Migrate (defaults: adaptive batches and, on SQLite, a pause of a quarter
       batch between batches; adaptive with -Delay 0; -BatchSize 20000 -Delay 0) vs one UPDATE doing the
       same assignments over the whole table, on identical copies of an expanded database.
    2. The backfill's own memory growth (its peak during Invoke-Migrate minus the process's baseline after
       Import-Module and opening the database, bench/Migrate.Child.ps1) at -LargeRows vs -Rows, -MemoryRepeats
       runs each; written to its own section of results.md, so that -Only Memory runs it alone.
    3. p99 latency of a concurrent single-row writer during the backfill (defaults) vs on the idle
       database; the same writer during a -Delay 0 backfill as information.
    4. Test-ContractReady on the migrated table vs one SELECT COUNT(*) evaluating the same predicates
       (the remaining-rows checks and the object-version check as the dialect writes them); a bare
       SELECT COUNT(*) as information.
    5. Import-Module in a fresh process vs a fresh process doing nothing; Get-MigrationState with
       -Migrations applied migrations vs one.
    6. Where the backfill's time goes (MigrationProgress.Timings: key range read, UPDATE, the sync triggers'
       estimated part, checkpoint, backfill mark, commit, pause, verification, ...), written to its own
       section of results.md; -BreakdownOnly runs only this figure.
    Everything happens in a temporary folder, which is removed at the end (unless -KeepTemp).
    Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 Bench
    The memory figure alone: dotnet pwsh ./build.ps1 Bench -MemoryOnly (or bench/Bench.ps1 <manifest> -Only Memory)
#>
param(
    [Parameter(Mandatory, Position = 0)][string]$ModuleManifest,
    [int]$Rows = 1000000,
    [int]$LargeRows = 4000000,
    [int]$Repeats = 5,
    # Runs of figure 2 at each size (alternating which size goes first).
    [ValidateRange(2, 20)][int]$MemoryRepeats = 3,
    # Memory: figure 2 alone, writing only its section of results.md; AllButMemory: every other figure (the
    # SQLite section), leaving the memory section as it was.
    [ValidateSet('All', 'Memory', 'AllButMemory')][string]$Only = 'All',
    [int]$ProcessRepeats = 5,
    [int]$Migrations = 500,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md'),
    # Only the backfill breakdown (where Invoke-Migrate's time goes, part by part): -Rows rows, -Repeats runs.
    # A quick run: dotnet pwsh bench/Bench.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -BreakdownOnly -Rows 200000 -Repeats 2
    [switch]$BreakdownOnly,
    [switch]$KeepTemp
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Issue 17: on SQLite, Invoke-Migrate with its defaults at 0.75 or more of one UPDATE of the same rows.
$BackfillTarget = 0.75
$BackfillTargetText = '≥ 0.75'
$ProgressPreference = 'SilentlyContinue'
. (Join-Path $PSScriptRoot 'Common.ps1')
$MigrationId = '0001_instances_compute_host'
$TargetBatchMs = 200

if (-not (Test-Path -LiteralPath $ModuleManifest)) { throw "Bench: the module manifest '$ModuleManifest' does not exist (run it through build.ps1 Bench)." }
$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
$Samples = Join-Path $PSScriptRoot '../samples'
$InventoryFolder = Join-Path $Samples 'inventory'
Import-Module (Join-Path $Samples 'DemoDatabase.psm1') -Force
Import-Module $ModuleManifest -Force

$Temp = New-BenchTemp 'onlinemigrations-bench'
$BenchClock = [Diagnostics.Stopwatch]::StartNew()

# ---------------------------------------------------------------------------------------------- helpers

function Invoke-Sql([string]$Database, [string]$Sql) {
    $db = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $Database
    try { Invoke-DemoSql $db $Sql } finally { $db.Dispose() }
}

function Remove-Database([string]$Path) {
    foreach ($p in $Path, "$Path-wal", "$Path-shm", "$Path.onlinemigrations.lock") {
        if (Test-Path -LiteralPath $p) { Remove-Item -LiteralPath $p -Force }
    }
}

# Folds the WAL into the database file so that a copy of the file alone is the whole database.
function Copy-Database([string]$From, [string]$To) {
    $null = Invoke-Sql $From 'PRAGMA wal_checkpoint(TRUNCATE)'
    $wal = "$From-wal"
    if ((Test-Path -LiteralPath $wal) -and (Get-Item -LiteralPath $wal).Length -gt 0) { Fail "the WAL of $From is not empty after a checkpoint; is a connection still open?" }
    Remove-Database $To
    Copy-Item -LiteralPath $From -Destination $To
}

function Connection([string]$Database) { @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$Database" } }

# The inventory of samples/Demo.ps1 (same baseline schema and rows), expanded with migration 0001.
function New-ExpandedInventory([string]$Path, [int]$Count) {
    Remove-Database $Path
    Initialize-BenchSqliteInventory $Path $Count $ModuleManifest
    $c = Connection $Path
    $state = Invoke-Expand @c -Path $InventoryFolder -Id $MigrationId -Confirm:$false -WarningAction SilentlyContinue
    if ($state.Phase -ne 'Expanded') { Fail "expanding $MigrationId on $Path left it in phase $($state.Phase) ($($state.LastError))." }
    $n = (Invoke-Sql $Path 'SELECT COUNT(*) AS n FROM Instances').n
    if ($n -ne $Count) { Fail "$Path holds $n rows instead of $Count." }
}

# What the backfill leaves behind must hold after any of the runs compared in figure 1.
function Assert-Migrated([string]$Database, [string]$Shadow) {
    $left = (Invoke-Sql $Database "SELECT COUNT(*) AS n FROM Instances WHERE ComputeHost IS NOT Host OR [$Shadow] IS NOT CAST(MemoryMb AS bigint) OR ObjectVersion IS NOT '2.0'").n
    if ($left -ne 0) { Fail "$Database still has $left rows not migrated." }
}

function Invoke-MigrateChild([string]$Database, [int]$BatchSize = 0, [string]$What = 'Invoke-Migrate', [int]$DelayMs = -1) {
    $result = Join-Path $Temp ("migrate-{0}.json" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    Invoke-Child (Join-Path $PSScriptRoot 'Migrate.Child.ps1') @('-ModuleManifest', $ModuleManifest, '-Database', $Database, '-ResultFile', $result, '-BatchSize', "$BatchSize", '-DelayMs', "$DelayMs")
    $r = Read-Json $result $What
    $r | Add-Member -NotePropertyName RowsPerSecond -NotePropertyValue ($r.RowsMigrated / $r.Seconds) -PassThru
}

# The backfill's own UPDATE over the whole table in one transaction marked as a backfill (as figure 1's
# baseline); with -NoTriggers the expand's sync triggers are dropped first, for the trigger's estimate.
function Measure-SingleUpdate([string]$Database, [string]$Sql, [string[]]$Triggers, [switch]$NoTriggers) {
    $db = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $Database
    try {
        if ($NoTriggers) { foreach ($t in $Triggers) { $null = Invoke-DemoSql $db "DROP TRIGGER [$t]" } }
        $w = [Diagnostics.Stopwatch]::StartNew()
        $null = Invoke-DemoSql $db 'BEGIN'
        $null = Invoke-DemoSql $db 'INSERT INTO [OnlineMigrations_BackfillMark] (Mark) VALUES (1)'
        $null = Invoke-DemoSql $db $Sql -Parameters @{ version = '2.0' }
        $null = Invoke-DemoSql $db 'DELETE FROM [OnlineMigrations_BackfillMark]'
        $null = Invoke-DemoSql $db 'COMMIT'
        $w.Elapsed.TotalSeconds
    }
    finally { $db.Dispose() }
}

# Figure 6: where Invoke-Migrate's time goes (MigrationProgress.Timings), with its defaults, -Repeats runs
# on fresh copies; the sync trigger's part of the UPDATE estimated from one whole-table UPDATE with and
# without the triggers, on fresh copies too. Writes its own section of results.md.
function Invoke-BreakdownFigure([string]$Expanded, [string]$Sql, [string[]]$Triggers) {
    Step "Figure 6: where the backfill's time goes, $(Format-N $Rows) rows, $Repeats runs with the defaults"
    $runs = [Collections.Generic.List[object]]::new(); $with = [Collections.Generic.List[double]]::new(); $without = [Collections.Generic.List[double]]::new()
    for ($r = 0; $r -lt $Repeats; $r++) {
        $copy = Join-Path $Temp 'breakdown.db'
        Copy-Database $Expanded $copy
        $m = Invoke-MigrateChild $copy 0 'Invoke-Migrate (breakdown)'
        Assert-Migrated $copy $shadow
        $runs.Add($m)
        Say ("run {0}: Invoke-Migrate {1:0.00} s, {2} batches; {3}" -f ($r + 1), $m.Seconds, $m.Batches, (($m.TimingsMs.PSObject.Properties | ForEach-Object { "$($_.Name) $(Format-N $_.Value 'N0')" }) -join ', '))
        Copy-Database $Expanded $copy
        $with.Add((Measure-SingleUpdate $copy $Sql $Triggers))
        Copy-Database $Expanded $copy
        $without.Add((Measure-SingleUpdate $copy $Sql $Triggers -NoTriggers))
        Say ("run {0}: one UPDATE of the whole table {1:0.00} s with the sync triggers, {2:0.00} s without" -f ($r + 1), $with[$r], $without[$r])
        Remove-Database $copy
    }
    $withS = Get-Median $with; $withoutS = Get-Median $without
    $triggerShare = [Math]::Max(0.0, 1.0 - $withoutS / $withS)
    $b = Get-BackfillBreakdown $runs $triggerShare 'backfill mark: INSERT and DELETE of the mark row'
    Write-BackfillBreakdown $b
    $top = @($b.Parts | Where-Object { $_.Name -notin 'Trigger' } | Sort-Object Ms -Descending | Select-Object -First 3)
    $md = @"
## SQLite: where the backfill's time goes

Generated by ``bench/Bench.ps1 -BreakdownOnly`` (or as figure 6 of a whole run) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC, commit $(git -C $PSScriptRoot rev-parse --short HEAD 2>$null), load average $(((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' '):
$(Format-N $Rows) rows, $Repeats runs of ``Invoke-Migrate`` with its defaults (adaptive batches, a pause of a quarter batch), each on a fresh copy of the expanded database of figure 1, in a fresh pwsh. Each part is the mean over the runs of the time ``MigrationProgress.Timings`` reports for it (Stopwatch timestamps around each part inside the Backfiller), its share of the cmdlet's wall time and its time per batch ($(Format-N $b.Batches 'N0') batches on average).
The sync triggers' part of the UPDATE is estimated from one ``UPDATE`` of the whole table marked as a backfill, with the triggers ($(Format-N $withS 'N2') s, median) and with them dropped ($(Format-N $withoutS 'N2') s): the triggers take $(Format-N (100 * $triggerShare) 'N0')% of that statement's time, applied to the batches' UPDATE time (on SQLite the triggers are row triggers: they fire for every row the batch updates, and each looks for the mark row to skip the reverse direction). ``outside the backfiller`` is the cmdlet's wall time less the parts: module work before and after the run (connecting, the runner lock, reading the store and the catalog, planning the migrations).

$($b.Table)

Each run alone (ms): $(@(for ($i = 0; $i -lt $runs.Count; $i++) { "run $($i + 1): $(Format-N $runs[$i].Seconds 'N2') s in $($runs[$i].Batches) batches, " + (($runs[$i].TimingsMs.PSObject.Properties | Where-Object { $_.Value -ge 0.5 } | ForEach-Object { "$($_.Name) $(Format-N $_.Value 'N0')" }) -join ', ') }) -join '; ').

The largest parts: $(($top | ForEach-Object { "$($_.Label) $(Format-N (100 * $_.Share) 'N0')%" }) -join '; ').
"@
    Set-ResultsSection $ResultsPath 'SQLite backfill breakdown' $md
    $b
}

# ---------------------------------------------------------------------------------------------- the run

try {
    Step 'Machine'
    $probe = Join-Path $Temp 'probe.db'
    $sqliteVersion = (Invoke-Sql $probe 'SELECT sqlite_version() AS v').v
    Remove-Database $probe
    $machine = Get-BenchMachine $ModuleManifest
    $machine['SQLite'] = "$sqliteVersion (Microsoft.Data.Sqlite from the staged module's bin/linux-x64)"
    $machine.GetEnumerator() | ForEach-Object { Say "$($_.Key): $($_.Value)" }

    if ($BreakdownOnly) {
        Step "Building the $(Format-N $Rows)-row inventory and expanding $MigrationId"
        $expanded = Join-Path $Temp 'expanded.db'
        New-ExpandedInventory $expanded $Rows
        $shadow = (Invoke-Sql $expanded "SELECT name FROM pragma_table_info('Instances') WHERE name LIKE 'MemoryMb\_\_om\_%' ESCAPE '\'").name
        $triggers = @((Invoke-Sql $expanded "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'Instances'").name)
        $backfill = Get-BackfillStatement (Connection $expanded) $MigrationId
        $null = Invoke-BreakdownFigure $expanded "UPDATE $($backfill.Table) SET $($backfill.Set) WHERE $($backfill.Where)" $triggers
        Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
        Say "Results: $ResultsPath"
        return
    }

    # ------------------------------------------------------------------ 1. backfill throughput
    Step "Figure 1: building the $(Format-N $Rows)-row inventory and expanding $MigrationId"
    $expanded = Join-Path $Temp 'expanded.db'
    New-ExpandedInventory $expanded $Rows
    $shadow = (Invoke-Sql $expanded "SELECT name FROM pragma_table_info('Instances') WHERE name LIKE 'MemoryMb\_\_om\_%' ESCAPE '\'").name
    if (-not $shadow -or @($shadow).Count -ne 1) { Fail "cannot find the single shadow column of MemoryMb after expand (found: $shadow)." }
    $triggers = @((Invoke-Sql $expanded "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'Instances'").name)
    if ($triggers.Count -lt 2) { Fail "expected the expand's sync triggers on Instances, found: $($triggers -join ', ')." }
    Say "shadow column $shadow; triggers $($triggers -join ', ')"

    # -Only AllButMemory keeps the SQLite memory section as the last run that measured it left it.
    if ($Only -ne 'AllButMemory') {
    # ------------------------------------------------------------------ 2. the backfill's memory growth
    Step "Figure 2: the backfill's own memory growth at $(Format-N $Rows) and $(Format-N $LargeRows) rows, $MemoryRepeats runs each"
    $large = Join-Path $Temp 'large.db'
    New-ExpandedInventory $large $LargeRows
    $memSmall = [Collections.Generic.List[object]]::new(); $memLarge = [Collections.Generic.List[object]]::new()
    $mib = { param($kb) Format-N ($kb / 1024) 'N1' }
    for ($r = 0; $r -lt $MemoryRepeats; $r++) {
        # Each run on a fresh copy of its size's expanded database, the sizes alternating which runs first.
        foreach ($n in $(if ($r % 2) { @($LargeRows, $Rows) } else { @($Rows, $LargeRows) })) {
            $copy = Join-Path $Temp "memory-$n.db"
            Copy-Database $(if ($n -eq $Rows) { $expanded } else { $large }) $copy
            $m = Invoke-MigrateChild $copy 0 "Invoke-Migrate on $n rows (memory)"
            if ($m.RowsMigrated -ne $n) { Fail "a memory run migrated $($m.RowsMigrated) rows instead of $n." }
            if (-not $m.PeakSinceBaseline) { Fail "the kernel refused to reset VmHWM (/proc/<pid>/clear_refs), so the peak would not be the backfill's own." }
            Assert-Migrated $copy $shadow
            Remove-Database $copy
            if ($n -eq $Rows) { $memSmall.Add($m) } else { $memLarge.Add($m) }
            Say ("run {0}, {1,9} rows: baseline {2} MiB, peak {3} MiB, growth {4} MiB (anon {5} → {6}, file {7} → {8} MiB at the end; GC heap {9} MiB, allocated {10} MiB, {11} gen0/1/2 GCs; SQLite high-water {12} MiB; WAL {15} MiB, its index {16} KiB); {13:0.0} s, {14} batches" -f ($r + 1), (Format-N $n),
                (& $mib $m.BaselineRssKb), (& $mib $m.VmHWMKb), (& $mib $m.GrowthKb), (& $mib $m.BaselineAnonKb), (& $mib $m.EndAnonKb), (& $mib $m.BaselineFileKb), (& $mib $m.EndFileKb),
                (Format-N ($m.GcHeapSizeBytes / 1MB) 'N1'), (Format-N ($m.AllocatedBytes / 1MB) 'N0'), "$($m.Gen0Collections)/$($m.Gen1Collections)/$($m.Gen2Collections)", (Format-N ($m.SqliteHighWater / 1MB) 'N1'), $m.Seconds, $m.Batches,
                (Format-N ($m.WalBytes / 1MB) 'N1'), (Format-N ($m.ShmBytes / 1KB) 'N0'))
        }
    }
    Remove-Database $large
    $medianOf = { param($runs, $property) Get-Median ($runs | ForEach-Object { [double]$_.$property }) }
    $growthSmall = & $medianOf $memSmall GrowthKb; $growthLarge = & $medianOf $memLarge GrowthKb
    $growthRatio = $growthLarge / [Math]::Max(1, $growthSmall)
    $peakSmall = & $medianOf $memSmall VmHWMKb; $peakLarge = & $medianOf $memLarge VmHWMKb
    $wholeSmall = Get-Median ($memSmall | ForEach-Object { [Math]::Max([double]$_.VmHWMKb, [double]$_.VmHWMKbBefore) })
    $wholeLarge = Get-Median ($memLarge | ForEach-Object { [Math]::Max([double]$_.VmHWMKb, [double]$_.VmHWMKbBefore) })
    $baseSmall = & $medianOf $memSmall BaselineRssKb; $baseLarge = & $medianOf $memLarge BaselineRssKb
    $anonSmall = Get-Median ($memSmall | ForEach-Object { [double]($_.EndAnonKb - $_.BaselineAnonKb) }); $anonLarge = Get-Median ($memLarge | ForEach-Object { [double]($_.EndAnonKb - $_.BaselineAnonKb) })
    $fileSmall = Get-Median ($memSmall | ForEach-Object { [double]($_.EndFileKb - $_.BaselineFileKb) }); $fileLarge = Get-Median ($memLarge | ForEach-Object { [double]($_.EndFileKb - $_.BaselineFileKb) })
    $shmemSmall = Get-Median ($memSmall | ForEach-Object { [double]($_.VmRSSKb - $_.EndAnonKb - $_.EndFileKb) - ($_.BaselineRssKb - $_.BaselineAnonKb - $_.BaselineFileKb) })
    $shmemLarge = Get-Median ($memLarge | ForEach-Object { [double]($_.VmRSSKb - $_.EndAnonKb - $_.EndFileKb) - ($_.BaselineRssKb - $_.BaselineAnonKb - $_.BaselineFileKb) })
    $retainedSmall = Get-Median ($memSmall | ForEach-Object { ([double]$_.RetainedBytes - $_.RetainedBeforeBytes) / 1KB })
    $retainedLarge = Get-Median ($memLarge | ForEach-Object { ([double]$_.RetainedBytes - $_.RetainedBeforeBytes) / 1KB })
    $gen0Small = & $medianOf $memSmall Gen0Collections; $gen0Large = & $medianOf $memLarge Gen0Collections
    $gcSmall = (& $medianOf $memSmall GcHeapSizeBytes) / 1KB; $gcLarge = (& $medianOf $memLarge GcHeapSizeBytes) / 1KB
    $committedSmall = (& $medianOf $memSmall GcCommittedBytes) / 1KB; $committedLarge = (& $medianOf $memLarge GcCommittedBytes) / 1KB
    $allocSmall = (& $medianOf $memSmall AllocatedBytes) / 1KB; $allocLarge = (& $medianOf $memLarge AllocatedBytes) / 1KB
    $sqliteSmall = (& $medianOf $memSmall SqliteHighWater) / 1KB; $sqliteLarge = (& $medianOf $memLarge SqliteHighWater) / 1KB
    $met2 = $growthRatio -le 1.2
    Say ("growth {0} MiB at {1} rows vs {2} MiB at {3} rows: ratio {4:0.00}" -f (& $mib $growthLarge), (Format-N $LargeRows), (& $mib $growthSmall), (Format-N $Rows), $growthRatio)
    Add-Measurement 2 "The backfill's own memory growth (peak VmHWM during Invoke-Migrate − VmRSS before it), $(Format-N $LargeRows) vs $(Format-N $Rows) rows (MiB)" (& $mib $growthLarge) (& $mib $growthSmall) $growthRatio '≤ 1.20' (YesNo $met2)
    Add-Measurement 2 "(info) Peak VmHWM during Invoke-Migrate, $(Format-N $LargeRows) vs $(Format-N $Rows) rows (MiB)" (& $mib $peakLarge) (& $mib $peakSmall) ($peakLarge / $peakSmall) '–' '–'
    Add-Measurement 2 '(info) The whole process''s peak VmHWM, Import-Module included (the figure reported before) (MiB)' (& $mib $wholeLarge) (& $mib $wholeSmall) ($wholeLarge / $wholeSmall) '–' '–'
    Add-Measurement 2 '(info) Anonymous memory (RssAnon) at the end − at the baseline (MiB)' (& $mib $anonLarge) (& $mib $anonSmall) ($anonLarge / [Math]::Max(1, $anonSmall)) '–' '–'
    Add-Measurement 2 '(info) Shared memory (RssShmem: where the runtime maps the code it generates) at the end − at the baseline (MiB)' (& $mib $shmemLarge) (& $mib $shmemSmall) ($shmemLarge / [Math]::Max(1, $shmemSmall)) '–' '–'
    Add-Measurement 2 '(info) .NET heap the run leaves behind: after a full collection at the end − before the run (MiB)' (& $mib $retainedLarge) (& $mib $retainedSmall) $(if ([Math]::Abs($retainedSmall) -ge 64) { $retainedLarge / $retainedSmall } else { 1.0 }) '–' '–'
    Add-Measurement 2 '(info) .NET memory allocated during Invoke-Migrate (MiB)' (& $mib $allocLarge) (& $mib $allocSmall) ($allocLarge / [Math]::Max(1, $allocSmall)) '–' '–'
    Add-Measurement 2 '(info) SQLite allocator high-water during Invoke-Migrate (MiB)' (& $mib $sqliteLarge) (& $mib $sqliteSmall) ($sqliteLarge / [Math]::Max(1, $sqliteSmall)) '–' '–'
    $rateSmall = & $medianOf $memSmall RowsPerSecond; $rateLarge = & $medianOf $memLarge RowsPerSecond
    Add-Measurement 2 "(info) Backfill throughput at $(Format-N $LargeRows) vs $(Format-N $Rows) rows, defaults (rows/s)" (Format-N $rateLarge) (Format-N $rateSmall) ($rateLarge / $rateSmall) '–' '–'

    $runList = { param($runs) ($runs | ForEach-Object { & $mib $_.GrowthKb }) -join ', ' }
    $fig2 = "**2. The backfill's own memory.** Each Invoke-Migrate runs with the defaults in a fresh pwsh (bench/Migrate.Child.ps1) on a fresh copy of an expanded database of its size, built as in figure 1; " +
        "$MemoryRepeats runs at each size, alternating which size runs first. The child imports the module and runs Get-MigrationState on the database once (the engine, Microsoft.Data.Sqlite and its native library loaded, a connection opened, the store read); its VmRSS then is the baseline, and it resets VmHWM to it (``/proc/<pid>/clear_refs``, 5) so that VmHWM after Invoke-Migrate returns is the peak during the backfill alone. " +
        "Growth = that peak − the baseline. $(Format-N $Rows) rows: $(& $runList $memSmall) MiB (median $(& $mib $growthSmall)); $(Format-N $LargeRows) rows: $(& $runList $memLarge) MiB (median $(& $mib $growthLarge)); ratio of the medians $(Format-N $growthRatio 'N2'), target ≤ 1.20: $(if ($met2) { 'met' } else { '**missed**' }). " +
        "Baselines $(& $mib $baseSmall) and $(& $mib $baseLarge) MiB; peaks $(& $mib $peakSmall) and $(& $mib $peakLarge) MiB (the whole process's VmHWM, Import-Module included, the figure this bench reported before: $(& $mib $wholeSmall) and $(& $mib $wholeLarge) MiB, ratio $(Format-N ($wholeLarge / $wholeSmall) 'N2'), which hides the growth under the process's fixed size). " +
        "Where the growth sits, at the end of the run against the baseline (medians, $(Format-N $Rows) vs $(Format-N $LargeRows) rows): anonymous memory +$(& $mib $anonSmall) vs +$(& $mib $anonLarge) MiB, file-backed +$(& $mib $fileSmall) vs +$(& $mib $fileLarge) MiB; " +
        "shared memory +$(& $mib $shmemSmall) vs +$(& $mib $shmemLarge) MiB (RssShmem: the runtime maps the code and stubs it generates there, writable and executable views of one memory file); " +
        "the .NET GC heap $(& $mib $gcSmall) vs $(& $mib $gcLarge) MiB (committed $(& $mib $committedSmall) vs $(& $mib $committedLarge) MiB), after allocating $(& $mib $allocSmall) vs $(& $mib $allocLarge) MiB during the run with $(Format-N $gen0Small) vs $(Format-N $gen0Large) gen0 collections; " +
        "after a full collection at the end the run had left $(& $mib $retainedSmall) vs $(& $mib $retainedLarge) MiB of .NET heap behind; SQLite's allocator peaked at $(& $mib $sqliteSmall) vs $(& $mib $sqliteLarge) MiB."
    $batchesSmall = & $medianOf $memSmall Batches; $batchesLarge = & $medianOf $memLarge Batches
    $perBatchKb = if ($batchesLarge -gt $batchesSmall) { ($allocLarge - $allocSmall) / ($batchesLarge - $batchesSmall) } else { 0 }
    # Retained: what the larger run leaves behind is not more than the smaller's (within 1 MiB of noise).
    $retainedFlat = $retainedLarge -le $retainedSmall + 1024
    $sqliteFlat = $sqliteLarge -le 1.2 * $sqliteSmall
    if (-not $met2) {
        $fig2 += " **Target missed** by $(Format-N (100 * ($growthRatio - 1.2) / 1.2) 'N0')% ($(Format-N $growthRatio 'N2') against 1.20; $(& $mib ($growthLarge - $growthSmall)) MiB more growth for 4× the rows). "
        if ($retainedFlat -and $sqliteFlat) {
            $perBatch = { param($a, $b) Format-N (($a - $b) / [Math]::Max(1, $batchesLarge - $batchesSmall)) 'N0' }
            $fig2 += "What the run keeps does not grow with the table: the .NET heap it leaves behind after a full collection is no larger at $(Format-N $LargeRows) rows, and SQLite's allocator peaks at the same size. " +
                "What grows is memory the process touches as the run goes on, batch after batch ($(Format-N $batchesSmall) vs $(Format-N $batchesLarge)), and has not handed back: per extra batch about $(& $perBatch $anonLarge $anonSmall) KiB of anonymous memory, " +
                "of which about $(Format-N $perBatchKb 'N0') KiB are the run's own .NET allocations that no collection has reclaimed yet ($(Format-N $gen0Small) vs $(Format-N $gen0Large) collections during the whole run: the GC's first-generation budget is larger than everything the run allocates), the rest native memory this bench does not break down further; " +
                "about $(& $perBatch $shmemLarge $shmemSmall) KiB of shared memory (code and stubs the runtime generates as the loop's methods are called again and again); and about $(& $perBatch $fileLarge $fileSmall) KiB of mapped files (more of the native libraries' code paged in). " +
                "So the run's length in batches, not state held per row or per batch, sets this growth."
        }
        else {
            $fig2 += "Something the run keeps grows with the table (the .NET heap it leaves behind: $(& $mib $retainedSmall) vs $(& $mib $retainedLarge) MiB; SQLite's allocator peak: $(& $mib $sqliteSmall) vs $(& $mib $sqliteLarge) MiB): look for per-row or per-batch state kept across the run."
        }
    }
    $memoryMd = @"
## SQLite memory

Generated by ``bench/Bench.ps1`` (``dotnet pwsh ./build.ps1 Bench``, or alone with ``-MemoryOnly``) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC; module $($machine['Module']), load average $(((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ') at the end; the machine as in the SQLite section.

$(Format-MeasurementTable 2)

$fig2
"@
    Set-ResultsSection $ResultsPath 'SQLite memory' $memoryMd -After 'SQLite'
    if ($Only -eq 'Memory') {
        Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
        Write-MeasurementSummary
        Say "Results: $ResultsPath (the SQLite memory section)"
        return
    }
    } # figure 2

    # ------------------------------------------------------------------ 1. backfill throughput
    Step "Figure 1: backfill throughput on copies of the $(Format-N $Rows)-row inventory"

    # The backfill's own UPDATE (from Invoke-Migrate -WhatIf) without the key range, in one transaction
    # that marks itself as a backfill exactly as each batch does, so the triggers behave the same.
    $backfill = Get-BackfillStatement (Connection $expanded) $MigrationId
    $singleUpdate = "UPDATE $($backfill.Table) SET $($backfill.Set) WHERE $($backfill.Where)"
    $single = [Collections.Generic.List[double]]::new()
    $adaptive = [Collections.Generic.List[object]]::new()
    $fixed = [Collections.Generic.List[object]]::new()
    $nopause = [Collections.Generic.List[object]]::new()
    $migratedCopy = Join-Path $Temp 'migrated.db'
    # Four variants in the four rotations of one order, so that each runs in each position once in four repeats.
    $variants = @('single', 'adaptive', 'nopause', 'fixed')
    for ($r = 0; $r -lt $Repeats; $r++) {
        foreach ($kind in @(for ($k = 0; $k -lt $variants.Count; $k++) { $variants[($k + $r) % $variants.Count] })) {
            $copy = Join-Path $Temp "run-$kind.db"
            Copy-Database $expanded $copy
            switch ($kind) {
                'single' {
                    $db = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $copy
                    try {
                        $w = [Diagnostics.Stopwatch]::StartNew()
                        $null = Invoke-DemoSql $db 'BEGIN'
                        $null = Invoke-DemoSql $db 'INSERT INTO [OnlineMigrations_BackfillMark] (Mark) VALUES (1)'
                        $null = Invoke-DemoSql $db $singleUpdate -Parameters @{ version = '2.0' }
                        $null = Invoke-DemoSql $db 'DELETE FROM [OnlineMigrations_BackfillMark]'
                        $null = Invoke-DemoSql $db 'COMMIT'
                        $w.Stop()
                    }
                    finally { $db.Dispose() }
                    $single.Add($Rows / $w.Elapsed.TotalSeconds)
                    Say ("repeat {0}: single UPDATE        {1,9} rows/s ({2:0.00} s)" -f ($r + 1), (Format-N ($Rows / $w.Elapsed.TotalSeconds)), $w.Elapsed.TotalSeconds)
                }
                'adaptive' {
                    $m = Invoke-MigrateChild $copy 0 'Invoke-Migrate (adaptive)'
                    $adaptive.Add($m)
                    Say ("repeat {0}: Invoke-Migrate defaults {1,9} rows/s ({2:0.00} s, {3} batches, VmHWM {4} MiB)" -f ($r + 1), (Format-N $m.RowsPerSecond), $m.Seconds, $m.Batches, (Format-N ($m.VmHWMKb / 1024)))
                }
                'nopause' {
                    $m = Invoke-MigrateChild $copy 0 'Invoke-Migrate -Delay 0' 0
                    $nopause.Add($m)
                    Say ("repeat {0}: Invoke-Migrate -Delay 0 {1,9} rows/s ({2:0.00} s, {3} batches)" -f ($r + 1), (Format-N $m.RowsPerSecond), $m.Seconds, $m.Batches)
                }
                'fixed' {
                    $m = Invoke-MigrateChild $copy 20000 'Invoke-Migrate -BatchSize 20000 -Delay 0' 0
                    $fixed.Add($m)
                    Say ("repeat {0}: -BatchSize 20000 -Delay 0 {1,9} rows/s ({2:0.00} s, {3} batches)" -f ($r + 1), (Format-N $m.RowsPerSecond), $m.Seconds, $m.Batches)
                }
            }
            Assert-Migrated $copy $shadow
            if ($kind -eq 'adaptive') { Copy-Database $copy $migratedCopy }
            Remove-Database $copy
        }
    }
    foreach ($m in @($adaptive) + @($fixed) + @($nopause)) { if ($m.RowsMigrated -ne $Rows) { Fail "a backfill migrated $($m.RowsMigrated) rows instead of $Rows." } }
    $singleRate = Get-Median $single
    $adaptiveRate = Get-Median ($adaptive | ForEach-Object RowsPerSecond)
    $fixedRate = Get-Median ($fixed | ForEach-Object RowsPerSecond)
    $adaptiveBatches = Get-Median ($adaptive | ForEach-Object Batches)
    $adaptiveSeconds = Get-Median ($adaptive | ForEach-Object Seconds)
    $nopauseSeconds = Get-Median ($nopause | ForEach-Object Seconds)
    $nopauseBatches = Get-Median ($nopause | ForEach-Object Batches)
    $fixedSeconds = Get-Median ($fixed | ForEach-Object Seconds)
    # On a shared machine the load changes between repeats: compare runs of the same repeat (run
    # back to back) and report the median of those paired ratios.
    $adaptiveRatios = [double[]]@(for ($r = 0; $r -lt $Repeats; $r++) { $adaptive[$r].RowsPerSecond / $single[$r] })
    $fixedRatios = [double[]]@(for ($r = 0; $r -lt $Repeats; $r++) { $fixed[$r].RowsPerSecond / $single[$r] })
    $nopauseRatios = [double[]]@(for ($r = 0; $r -lt $Repeats; $r++) { $nopause[$r].RowsPerSecond / $single[$r] })
    $nopauseRatio = Get-Median $nopauseRatios; $nopauseRate = Get-Median ($nopause | ForEach-Object RowsPerSecond)
    $adaptiveRatio = Get-Median $adaptiveRatios; $fixedRatio = Get-Median $fixedRatios
    $pauseShares = [double[]]@(for ($r = 0; $r -lt $Repeats; $r++) { $adaptive[$r].RowsPerSecond / $nopause[$r].RowsPerSecond })
    $pauseShare = Get-Median $pauseShares
    Say ("paired ratios to the single UPDATE, defaults: {0}; -Delay 0: {1}; -BatchSize 20000 -Delay 0: {2}" -f (($adaptiveRatios | ForEach-Object { Format-N $_ 'N2' }) -join ', '), (($nopauseRatios | ForEach-Object { Format-N $_ 'N2' }) -join ', '), (($fixedRatios | ForEach-Object { Format-N $_ 'N2' }) -join ', '))
    Add-Measurement 1 "Backfill of $(Format-N $Rows) rows, Invoke-Migrate defaults: adaptive batches, SQLite pause of 1/4 batch (rows/s)" (Format-N $adaptiveRate) (Format-N $singleRate) $adaptiveRatio $BackfillTargetText (YesNo ($adaptiveRatio -ge $BackfillTarget))
    Add-Measurement 1 "Backfill of $(Format-N $Rows) rows, Invoke-Migrate adaptive, -Delay 0 (rows/s)" (Format-N $nopauseRate) (Format-N $singleRate) $nopauseRatio $BackfillTargetText (YesNo ($nopauseRatio -ge $BackfillTarget))
    Add-Measurement 1 "Backfill of $(Format-N $Rows) rows, Invoke-Migrate -BatchSize 20000 -Delay 0 (rows/s)" (Format-N $fixedRate) (Format-N $singleRate) $fixedRatio $BackfillTargetText (YesNo ($fixedRatio -ge $BackfillTarget))
    $null = Invoke-BreakdownFigure $expanded $singleUpdate $triggers


    # ------------------------------------------------------------------ 3. concurrent writer latency
    Step 'Figure 3: a single-row writer during the backfill, then on the idle database'
    $writerScript = Join-Path $PSScriptRoot 'Writer.Child.ps1'
    # A writer on a fresh copy while Invoke-Migrate runs; only writes started inside the cmdlet's run count.
    function Measure-WriterDuringBackfill([int]$DelayMs) {
        $tag = "during-$DelayMs"
        $db = Join-Path $Temp "$tag.db"
        Copy-Database $expanded $db
        $ready = Join-Path $Temp "writer-$tag.ready"; $stop = Join-Path $Temp "writer-$tag.stop"; $result = Join-Path $Temp "writer-$tag.json"
        $writer = Start-Child $writerScript @('-ModuleManifest', $ModuleManifest, '-Database', $db, '-ResultFile', $result,
            '-ReadyFile', $ready, '-StopFile', $stop, '-MaxSeconds', '300', '-Rows', "$Rows")
        Wait-WriterReady $writer $ready
        try { $run = Invoke-MigrateChild $db 0 "Invoke-Migrate -Delay $DelayMs ms with a concurrent writer" $DelayMs }
        finally { Set-Content -LiteralPath $stop -Value 'stop' }
        Wait-Child $writer 60 'the writer (during the backfill)'
        Assert-Migrated $db $shadow
        Remove-Database $db
        $w = Read-Json $result 'the writer (during the backfill)'
        $l = Select-WriterLatency $w $run.StartedAtTicks $run.EndedAtTicks
        if ($l.Count -lt 50) { Fail "only $($l.Count) writes fell inside the backfill window; the measurement is meaningless." }
        $stats = [pscustomobject]@{
            DelayMs = $DelayMs; Run = $run; Count = $l.Count; Errors = @($w.Errors).Count
            Window = [TimeSpan]::FromTicks($run.EndedAtTicks - $run.StartedAtTicks).TotalSeconds
            P50 = Get-Percentile $l 50; P99 = Get-Percentile $l 99; Max = ($l | Measure-Object -Maximum).Maximum
            Over400 = @($l | Where-Object { $_ -gt 2 * $TargetBatchMs }).Count
            BatchMs = 1000 * $run.Seconds / [Math]::Max(1, $run.Batches); RowsPerBatch = $run.RowsMigrated / [Math]::Max(1, $run.Batches)
        }
        Say ("{0}: {1} writes in {2:0.0} s, p50 {3:0.00} ms, p99 {4:0.0} ms, max {5:0.0} ms, {6} over {7} ms, {8} failed; backfill {9} rows/s in {10} batches" -f
            $(if ($DelayMs -lt 0) { 'defaults' } else { "-Delay $DelayMs ms" }), $stats.Count, $stats.Window, $stats.P50, $stats.P99, $stats.Max, $stats.Over400, (2 * $TargetBatchMs), $stats.Errors, (Format-N $run.RowsPerSecond), $run.Batches)
        $stats
    }
    # The defaults first (SQLite: a pause of a quarter batch between batches), then back to back.
    $dur = Measure-WriterDuringBackfill -1
    $window = $dur.Window

    $idle = Join-Path $Temp 'idle.db'
    Copy-Database $expanded $idle
    $ready2 = Join-Path $Temp 'writer-idle.ready'; $idleResult = Join-Path $Temp 'writer-idle.json'
    $writer2 = Start-Child $writerScript @('-ModuleManifest', $ModuleManifest, '-Database', $idle, '-ResultFile', $idleResult,
        '-ReadyFile', $ready2, '-MaxSeconds', $window.ToString('0.000', $Invariant), '-Rows', "$Rows")
    Wait-Child $writer2 ($window + 120) 'the writer (idle database)'
    $w2 = Read-Json $idleResult 'the writer (idle database)'
    $idleLatencies = [double[]]@($w2.Latencies)
    if ($idleLatencies.Count -lt 50) { Fail "the idle writer recorded only $($idleLatencies.Count) writes." }
    Remove-Database $idle
    $p99Idle = Get-Percentile $idleLatencies 99
    $p50Idle = Get-Percentile $idleLatencies 50
    $maxIdle = ($idleLatencies | Measure-Object -Maximum).Maximum
    $idleErrors = @($w2.Errors).Count
    Say ("idle: {0} writes in {1:0.0} s, p50 {2:0.00} ms, p99 {3:0.0} ms, max {4:0.0} ms, {5} failed" -f $idleLatencies.Count, $window, $p50Idle, $p99Idle, $maxIdle, $idleErrors)

    # The same with batches back to back (-Delay 0), to show why the default pauses on SQLite.
    $backToBack = Measure-WriterDuringBackfill 0

    $limit = $p99Idle + 2 * $TargetBatchMs
    $met3 = ($dur.P99 -le $limit) -and ($dur.Errors + $idleErrors) -eq 0
    Add-Measurement 3 'p99 latency of a single-row UPDATE, during the backfill vs idle (ms)' (Format-N $dur.P99 'N1') (Format-N $p99Idle 'N1') ($dur.P99 / $p99Idle) ("≤ idle + 2 × $TargetBatchMs ms = $(Format-N $limit 'N1') ms") (YesNo $met3)
    Add-Measurement 3 '(info) max latency of that writer, during the backfill vs idle (ms)' (Format-N $dur.Max 'N1') (Format-N $maxIdle 'N1') ($dur.Max / $maxIdle) '–' '–'
    Add-Measurement 3 '(info) p99 / max latency during Invoke-Migrate -Delay 0 (batches back to back) vs idle (ms)' "$(Format-N $backToBack.P99 'N1') / $(Format-N $backToBack.Max 'N1')" "$(Format-N $p99Idle 'N1') / $(Format-N $maxIdle 'N1')" ($backToBack.P99 / $p99Idle) '–' '–'
    Add-Measurement 3 '(info) backfill throughput with -Delay 0 vs the default pause, writer running (rows/s)' (Format-N $backToBack.Run.RowsPerSecond) (Format-N $dur.Run.RowsPerSecond) ($backToBack.Run.RowsPerSecond / $dur.Run.RowsPerSecond) '–' '–'

    # ------------------------------------------------------------------ 4. Test-ContractReady
    Step "Figure 4: Test-ContractReady on the migrated $(Format-N $Rows)-row table vs one SELECT COUNT(*) of the same predicates"
    $c = Connection $migratedCopy
    $coldTcr = Measure-Ms { $script:readiness = Test-ContractReady @c -Id $MigrationId }
    $dataCheck = @($readiness.Checks | Where-Object Name -eq 'DataMigrated')
    if ($dataCheck.Count -ne 1 -or -not $dataCheck[0].Passed) { Fail "Test-ContractReady did not report DataMigrated as passed on the migrated copy: $(($readiness.Checks | ForEach-Object { "$($_.Name)=$($_.Passed) $($_.Detail)" }) -join '; ')" }
    # The two table reads the data gates make on SQLite, timed alone on the same open connection as the
    # COUNT(*): DataMigrated's one OR'd remaining-rows count (RenameColumn's and AlterColumn's checks, as
    # SqliteDialect.Differ writes them, here taken from the backfill's predicate) and ObjectVersion's histogram (SqliteDialect.VersionHistogram).
    $remainingSql = "SELECT COUNT(*) AS n FROM [Instances] WHERE ($($backfill.Remaining))"
    $histogramSql = 'SELECT [ObjectVersion], COUNT(*) AS n FROM [Instances] GROUP BY [ObjectVersion]'
    # The baseline: one statement that reads every row and evaluates what the data gates evaluate, the
    # remaining-rows checks OR ObjectVersion's check as SqliteDialect.VersionOlder writes it for a table
    # whose histogram holds no version older than 2.0 (here: only 2.0): the backfill's own predicate.
    $likeSql = "SELECT COUNT(*) AS n FROM [Instances] WHERE $($backfill.Where)"
    $tcr = [Collections.Generic.List[double]]::new(); $cnt = [Collections.Generic.List[double]]::new()
    $rem = [Collections.Generic.List[double]]::new(); $hist = [Collections.Generic.List[double]]::new()
    $like = [Collections.Generic.List[double]]::new()
    $db = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $migratedCopy
    try {
        $null = Invoke-DemoSql $db 'SELECT COUNT(*) FROM Instances'
        if ((Invoke-DemoSql $db $remainingSql).n -ne 0) { Fail 'the remaining-rows predicate of figure 4 finds rows on the migrated copy.' }
        if ((Invoke-DemoSql $db $likeSql).n -ne 0) { Fail 'the like-for-like COUNT of figure 4 finds rows on the migrated copy.' }
        for ($r = 0; $r -lt $ProcessRepeats; $r++) {
            $tcr.Add((Measure-Ms { Test-ContractReady @c -Id $MigrationId }))
            $like.Add((Measure-Ms { Invoke-DemoSql $db $likeSql }))
            $cnt.Add((Measure-Ms { Invoke-DemoSql $db 'SELECT COUNT(*) AS n FROM Instances' }))
            $rem.Add((Measure-Ms { Invoke-DemoSql $db $remainingSql }))
            $hist.Add((Measure-Ms { Invoke-DemoSql $db $histogramSql }))
        }
    }
    finally { $db.Dispose() }
    $tcrMs = Get-Median $tcr; $likeMs = Get-Median $like; $countOnlyMs = Get-Median $cnt; $remainingMs = Get-Median $rem; $histogramMs = Get-Median $hist
    $readsMs = $remainingMs + $histogramMs
    Say ("Test-ContractReady {0:0.0} ms (first call in this process {1:0.0} ms), one COUNT of the same predicates {2:0.0} ms, bare SELECT COUNT(*) {3:0.0} ms; its reads alone: remaining-rows count {4:0.0} ms + histogram {5:0.0} ms" -f $tcrMs, $coldTcr, $likeMs, $countOnlyMs, $remainingMs, $histogramMs)
    Add-Measurement 4 "Test-ContractReady on the migrated $(Format-N $Rows)-row table vs one SELECT COUNT(*) of the same predicates (ms)" (Format-N $tcrMs 'N1') (Format-N $likeMs 'N1') ($tcrMs / $likeMs) '≤ 1.5' (YesNo ($tcrMs / $likeMs -le 1.5))
    Add-Measurement 4 '(info) the same vs a bare SELECT COUNT(*) (ms)' (Format-N $tcrMs 'N1') (Format-N $countOnlyMs 'N1') ($tcrMs / $countOnlyMs) '–' '–'

    # ------------------------------------------------------------------ 5. import and state
    Step 'Figure 5a: Import-Module in a fresh process vs a fresh process doing nothing'
    $timer = '$w = [Diagnostics.Stopwatch]::StartNew(); {0}; [Console]::Out.WriteLine($w.Elapsed.TotalMilliseconds.ToString([Globalization.CultureInfo]::InvariantCulture))'
    $withImport = $timer -f "Import-Module '$($ModuleManifest.Replace("'", "''"))'"
    $nothing = $timer -f '$null'
    $wallImport = [Collections.Generic.List[double]]::new(); $wallEmpty = [Collections.Generic.List[double]]::new(); $inside = [Collections.Generic.List[double]]::new()
    for ($r = 0; $r -lt $ProcessRepeats; $r++) {
        foreach ($kind in 'empty', 'import') {
            $command = if ($kind -eq 'import') { $withImport } else { $nothing }
            $w = [Diagnostics.Stopwatch]::StartNew()
            $out = & $Pwsh @PwshArguments -NoProfile -NonInteractive -Command $command 2>&1
            $w.Stop()
            if ($LASTEXITCODE -ne 0) { Fail "a fresh pwsh ($kind) exited with code $LASTEXITCODE`: $out" }
            $ms = 0.0
            if (-not [double]::TryParse(("$(@($out)[-1])").Trim(), [Globalization.NumberStyles]::Float, $Invariant, [ref]$ms)) { Fail "a fresh pwsh ($kind) printed '$out' instead of a time." }
            if ($kind -eq 'import') { $wallImport.Add($w.Elapsed.TotalMilliseconds); $inside.Add($ms) } else { $wallEmpty.Add($w.Elapsed.TotalMilliseconds) }
        }
    }
    $wallImportMs = Get-Median $wallImport; $wallEmptyMs = Get-Median $wallEmpty; $insideMs = Get-Median $inside
    Say ("process with Import-Module {0:0} ms (Import-Module itself {1:0} ms), empty process {2:0} ms" -f $wallImportMs, $insideMs, $wallEmptyMs)
    Add-Measurement 5 'Fresh pwsh running Import-Module vs a fresh pwsh doing nothing (process wall ms)' (Format-N $wallImportMs) (Format-N $wallEmptyMs) ($wallImportMs / $wallEmptyMs) 'none set' '–'

    Step "Figure 5b: Get-MigrationState with $Migrations applied migrations vs 1"
    $many = Join-Path $Temp 'many'
    $null = New-Item -ItemType Directory -Path $many
    for ($i = 1; $i -le $Migrations; $i++) {
        Set-Content -LiteralPath (Join-Path $many ('{0:D4}_bench_noop.json' -f $i)) -Value '{ "description": "bench: a no-op", "operations": [ { "sql": { "expand": "SELECT 1" } } ] }'
    }
    $one = Join-Path $Temp 'one'
    $null = New-Item -ItemType Directory -Path $one
    Copy-Item -LiteralPath (Join-Path $many '0001_bench_noop.json') -Destination $one
    $oneDb = Join-Path $Temp 'state-1.db'; $manyDb = Join-Path $Temp "state-$Migrations.db"
    $c1 = @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$oneDb;Mode=ReadWriteCreate" }
    $cN = @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$manyDb;Mode=ReadWriteCreate" }
    $expandOneMs = Measure-Ms { $script:s1 = Invoke-Expand @c1 -Path $one -Confirm:$false }
    Say "expanding $Migrations no-op migrations (one Invoke-Expand)..."
    $expandManyMs = Measure-Ms { $script:sN = Invoke-Expand @cN -Path $many -Confirm:$false }
    if (@($s1 | Where-Object Phase -eq 'Expanded').Count -ne 1) { Fail 'the single no-op migration was not expanded.' }
    if (@($sN | Where-Object Phase -eq 'Expanded').Count -ne $Migrations) { Fail "only $(@($sN | Where-Object Phase -eq 'Expanded').Count) of $Migrations no-op migrations were expanded." }
    $c1.ConnectionString = "Data Source=$oneDb"; $cN.ConnectionString = "Data Source=$manyDb"
    $null = Get-MigrationState @c1; $null = Get-MigrationState @cN
    $gms1 = [Collections.Generic.List[double]]::new(); $gmsN = [Collections.Generic.List[double]]::new()
    for ($r = 0; $r -lt $ProcessRepeats; $r++) {
        $gms1.Add((Measure-Ms { $script:st1 = Get-MigrationState @c1 }))
        $gmsN.Add((Measure-Ms { $script:stN = Get-MigrationState @cN }))
    }
    if (@($st1).Count -ne 1 -or @($stN).Count -ne $Migrations) { Fail "Get-MigrationState returned $(@($st1).Count) and $(@($stN).Count) states instead of 1 and $Migrations." }
    $gms1Ms = Get-Median $gms1; $gmsNMs = Get-Median $gmsN
    Say ("Get-MigrationState {0:0.0} ms for {1}, {2:0.0} ms for 1; Invoke-Expand {3:0.0} s for {1} ({4:0} ms each), {5:0} ms for 1" -f $gmsNMs, $Migrations, $gms1Ms, ($expandManyMs / 1000), ($expandManyMs / $Migrations), $expandOneMs)
    Add-Measurement 5 "Get-MigrationState, $Migrations applied migrations vs 1 (ms)" (Format-N $gmsNMs 'N1') (Format-N $gms1Ms 'N1') ($gmsNMs / $gms1Ms) 'none set' '–'
    Add-Measurement 5 "(info) Invoke-Expand per migration, $Migrations no-op migrations in one call vs 1 (ms each)" (Format-N ($expandManyMs / $Migrations) 'N1') (Format-N $expandOneMs 'N1') (($expandManyMs / $Migrations) / $expandOneMs) '–' '–'

    # ------------------------------------------------------------------ results.md
    Step "Writing the SQLite section of $ResultsPath"
    $singleSeconds = $Rows / $singleRate
    $list = { param($values) ($values | ForEach-Object { Format-N $_ 'N2' }) -join ', ' }
    # What Invoke-Migrate reads besides its batches, priced with figure 4's timings of the same statements
    # on the migrated table: the object-version histogram before the walk, and at the end RemainingRows
    # (the histogram again, then one OR'd count per table).
    $verifyMs = 2 * $histogramMs + $remainingMs
    $loopMs = 1000 * $nopauseSeconds - $verifyMs
    $fig1 = "**1. Backfill throughput.** One database of $(Format-N $Rows) rows (the schema and rows of samples/Demo.ps1) is built and expanded with ``$MigrationId`` " +
        "(rename Host→ComputeHost, MemoryMb→bigint through a shadow column, object version 2.0), then copied after a WAL checkpoint, so every run starts from an identical file with the same sync triggers. " +
        "Each of $Repeats repeats runs four variants back to back, each on a fresh copy, in a rotating order (each variant takes each position once in four repeats): " +
        "``Invoke-Migrate`` with its defaults (adaptive batches: 500 rows first, toward $TargetBatchMs ms, at most 20,000 on SQLite; and on SQLite a pause of a quarter of each batch's duration before the next), ``Invoke-Migrate -Delay 0`` (adaptive, batches back to back), and ``Invoke-Migrate -BatchSize 20000 -Delay 0``, each in a fresh pwsh that times only the cmdlet call; " +
        "and the baseline, the backfill's own SET list and row predicate as one ``UPDATE`` over the whole table in one transaction that sets the backfill mark as each batch does (so the triggers do the same work). Every run is checked to leave no row unmigrated. " +
        "The value and baseline columns are medians over the repeats (defaults: $(Format-N $adaptiveSeconds 'N2') s in $(Format-N $adaptiveBatches) batches; -Delay 0: $(Format-N $nopauseSeconds 'N2') s in $(Format-N $nopauseBatches) batches; -BatchSize 20000 -Delay 0: $(Format-N $fixedSeconds 'N2') s; the single statement: $(Format-N $singleSeconds 'N2') s); " +
        "the ratio is the median of the ratios within each repeat, because the load of this shared machine changed between repeats: " +
        "defaults $(& $list $adaptiveRatios); -Delay 0 $(& $list $nopauseRatios); -BatchSize 20000 -Delay 0 $(& $list $fixedRatios); the single UPDATE alone ranged from $(Format-N ($single | Measure-Object -Minimum).Minimum) to $(Format-N ($single | Measure-Object -Maximum).Maximum) rows/s. " +
        "**What the pause costs.** Within each repeat the defaults ran at $(& $list $pauseShares) of the -Delay 0 throughput (median $(Format-N $pauseShare 'N2')). A pause of a quarter batch after every batch can cost at most 1 − 1/1.25 = 20% of the batch loop (a ratio of 0.80), less where the run also does fixed work that is not paused. " +
        "The batches stay short on SQLite: at most 20,000 rows, and $(Format-N $Rows) rows in $(Format-N $nopauseBatches) batches took $(Format-N $nopauseSeconds 'N2') s with -Delay 0, about $(Format-N (1000 * $nopauseSeconds / [Math]::Max(1, $nopauseBatches)) 'N0') ms per batch with everything else included$(if (1000 * $nopauseSeconds / [Math]::Max(1, $nopauseBatches) -lt $TargetBatchMs) { ", under the $TargetBatchMs ms target, so the 20,000-row cap, not the time target, sets the batch size and each default pause is under $(Format-N ($TargetBatchMs / 4) 'N0') ms" } else { '' }). " +
        "**What else separates Invoke-Migrate from one statement.** Per batch: the probe that finds the batch's end key, a checkpoint row in the store and a commit (an fsync in WAL mode), and the adaptive start (the first batches are small). Per run: planning, the object-version histogram before the walk and, at the end, the data verification (RemainingRows: the histogram again and one count of the rows any check still catches, an OR of the checks' predicates). " +
        "Those three reads cost about $(Format-N $verifyMs 'N0') ms on this table (figure 4 times the same statements on the migrated copy: histogram $(Format-N $histogramMs 'N0') ms, remaining-rows count $(Format-N $remainingMs 'N0') ms), $(Format-N (100 * $verifyMs / (1000 * $nopauseSeconds)) 'N0')% of the -Delay 0 run; " +
        "without them the -Delay 0 batch loop alone would run at about $(Format-N ((1000 * $singleSeconds) / [Math]::Max(1, $loopMs)) 'N2') of the single statement's rate."
    $missed1 = @(@(if ($adaptiveRatio -lt $BackfillTarget) { "the defaults ($(Format-N $adaptiveRatio 'N2'))" }) + @(if ($nopauseRatio -lt $BackfillTarget) { "-Delay 0 ($(Format-N $nopauseRatio 'N2'))" }) + @(if ($fixedRatio -lt $BackfillTarget) { "-BatchSize 20000 -Delay 0 ($(Format-N $fixedRatio 'N2'))" }))
    if ($missed1.Count -gt 0) {
        $fig1 += " **Target missed** for $($missed1 -join ' and ')."
        if ($adaptiveRatio -lt $BackfillTarget -and $nopauseRatio -ge $BackfillTarget) {
            $fig1 += " Without the pause the same batches meet it; the defaults give up $(Format-N (100 * (1 - $pauseShare)) 'N0')% of the throughput for the concurrent writer's latency (figure 3). Without the pause it holds, which is the right choice when nothing else writes to the database."
        }
        if ($nopauseRatio -lt $BackfillTarget -or $fixedRatio -lt $BackfillTarget) {
            $fig1 += " Without the pause, what remains is the per-batch work (a commit and a checkpoint row per batch) and the reads before and after the walk estimated above."
        }
    }
    $pauseMs = $backToBack.BatchMs / 4
    $fig3 = "**3. Latency of a concurrent writer.** A child pwsh opens its own connection (Microsoft.Data.Sqlite, WAL, busy_timeout 10 s, as samples/DemoDatabase.psm1 does) and runs ``UPDATE Instances SET Host = @host, Status = @status WHERE Id = @id`` for random ids (old code's write, so the sync trigger fires), pausing 2 ms between writes and timing each ExecuteNonQuery. " +
        "It runs during an Invoke-Migrate with the defaults on a fresh copy; only writes started between the cmdlet's start and end count ($($dur.Count) writes in $(Format-N $window 'N1') s; the backfill ran at $(Format-N $dur.Run.RowsPerSecond) rows/s meanwhile, in $(Format-N $dur.Run.Batches) batches, about $(Format-N $dur.BatchMs) ms per batch with its pause and the run's fixed work included). " +
        "Then the same writer runs for the same $(Format-N $window 'N1') s on an idle copy ($($idleLatencies.Count) writes), and finally during an ``Invoke-Migrate -Delay 0`` on another fresh copy, as information. " +
        "Defaults: p50 $(Format-N $dur.P50 'N2') ms during vs $(Format-N $p50Idle 'N2') ms idle; p99 $(Format-N $dur.P99 'N1') ms vs $(Format-N $p99Idle 'N1') ms; max $(Format-N $dur.Max 'N1') ms vs $(Format-N $maxIdle 'N1') ms; $($dur.Over400) writes took over $(2 * $TargetBatchMs) ms; $($dur.Errors) writes failed during the backfill and $idleErrors on the idle copy. " +
        "The target is p99(during) ≤ p99(idle) + 2 × $TargetBatchMs ms = $(Format-N $limit 'N1') ms with no failed write: $(if ($met3) { 'met' } else { '**not met**' }). " +
        "-Delay 0: $($backToBack.Count) writes in $(Format-N $backToBack.Window 'N1') s, p50 $(Format-N $backToBack.P50 'N2') ms, p99 $(Format-N $backToBack.P99 'N1') ms, max $(Format-N $backToBack.Max 'N1') ms, $($backToBack.Over400) over $(2 * $TargetBatchMs) ms, $($backToBack.Errors) failed, for a backfill at $(Format-N $backToBack.Run.RowsPerSecond) rows/s ($(Format-N ($dur.Run.RowsPerSecond / $backToBack.Run.RowsPerSecond) 'N2')× of that is what the defaults kept with the writer running). " +
        "Why the pause matters: SQLite has one write lock per database and each batch holds it from its first write to its commit. A waiting writer does not queue; it retries when its busy handler wakes up (SQLite's default handler sleeps 1, 2, 5, … up to 100 ms between tries), so with batches back to back it only gets in if a retry happens to fall in the microseconds between one commit and the next batch, and may wait through many batches. " +
        "With the default pause every batch is followed by a gap of a quarter of its duration (about $(Format-N $pauseMs 'N0') ms here, from the -Delay 0 run's $(Format-N $backToBack.BatchMs 'N0') ms per batch), in which a retrying writer takes the lock; a writer can still sleep past a gap shorter than its handler's sleep, so it may wait a few batches, not the whole loop."
    if (-not $met3) {
        $fig3 += " **Target missed**: with the defaults $($dur.Over400) writes waited over $(2 * $TargetBatchMs) ms (max $(Format-N $dur.Max 'N0') ms" + $(if ($dur.Errors + $idleErrors -gt 0) { ", $($dur.Errors + $idleErrors) failed" } else { '' }) + ")" +
            $(if ($pauseMs -lt 100) { ": the gap of about $(Format-N $pauseMs 'N0') ms is shorter than the up to 100 ms a long-waiting writer sleeps between tries, so such a writer can miss several gaps in a row. A longer -Delay (at least the busy handler's 100 ms) would bound the wait nearer one batch, at a further cost in throughput." } else { ", although the gap of about $(Format-N $pauseMs 'N0') ms is longer than the busy handler's longest sleep; see the writer's and the backfill's logs of this run before drawing a conclusion." })
    }
    $fig4 = "**4. Test-ContractReady.** On the migrated copy from figure 1, in this process after one warm-up call (first call $(Format-N $coldTcr 'N0') ms), median of ${ProcessRepeats}: Test-ContractReady $(Format-N $tcrMs 'N1') ms. " +
        "The baseline is one statement on an open connection that reads every row and evaluates what the data gates evaluate: ``SELECT COUNT(*) ... WHERE`` DataMigrated's remaining-rows checks (Host vs ComputeHost, the shadow column vs ``up``) OR ObjectVersion's ``[ObjectVersion] IS NULL`` (no older version is present): $(Format-N $likeMs 'N1') ms, ratio $(Format-N ($tcrMs / $likeMs) 'N2'). " +
        "A bare ``SELECT COUNT(*) FROM Instances`` took $(Format-N $countOnlyMs 'N1') ms (ratio $(Format-N ($tcrMs / $countOnlyMs) 'N1')), as information: SQLite answers it from the narrowest index without reading the columns the gates must read. " +
        "On SQLite the two data gates read the table with one statement each (WAL readers block no writer, so nothing is cut into key ranges): DataMigrated counts the rows that any remaining-rows check still catches with one OR'd predicate (the per-check counts are only taken when that total is not zero, and here it is zero), and ObjectVersion reads the object-version histogram with one ``GROUP BY``, from the version column's index (trackObjectVersion builds one) without touching rows. " +
        "Timed alone on the same open connection: the remaining-rows count $(Format-N $remainingMs 'N1') ms, the histogram $(Format-N $histogramMs 'N1') ms; together $(Format-N $readsMs 'N1') ms, $(Format-N (100 * $readsMs / $tcrMs) 'N0')% of the cmdlet's time, the rest ($(Format-N ([Math]::Max(0, $tcrMs - $readsMs)) 'N1') ms) being its own work outside those reads: opening its connection, reading the migration store and the catalog, the other gates."
    if ($tcrMs / $likeMs -gt 1.5) {
        $fig4 += " **Target missed** ($(Format-N ($tcrMs / $likeMs) 'N2') against 1.5): beyond the one scan, the histogram costs $(Format-N (100 * $histogramMs / $likeMs) 'N0')% of it and the cmdlet's own work $(Format-N (100 * [Math]::Max(0, $tcrMs - $readsMs) / $likeMs) 'N0')%. " +
            "Folding the histogram into the remaining-rows scan (one ``GROUP BY`` counting the rows each check catches) was tried and was slower on SQLite, because the histogram alone comes from the index; SQL Server, which walks key ranges, does read both in one walk."
    }
    $expandEach = $expandManyMs / $Migrations
    $fig5 = "**5. Start-up and state.** (a) $ProcessRepeats alternating pairs of fresh ``pwsh -NoProfile -NonInteractive -Command`` processes, one running Import-Module of the staged module and one doing nothing, each timing itself inside and timed from outside: " +
        "$(Format-N $wallImportMs) ms vs $(Format-N $wallEmptyMs) ms of process wall time (medians, ratio $(Format-N ($wallImportMs / $wallEmptyMs) 'N2')); Import-Module itself took $(Format-N $insideMs) ms inside the process (it loads the engine into its own load context through ScriptsToProcess). " +
        "(b) $Migrations migration files, each one ``sql`` operation ``{`"expand`": `"SELECT 1`"}``, expanded by one Invoke-Expand ($(Format-N ($expandManyMs / 1000) 'N1') s, $(Format-N $expandEach 'N1') ms per migration vs $(Format-N $expandOneMs 'N1') ms for a lone one, ratio $(Format-N ($expandEach / $expandOneMs) 'N2')); " +
        "then Get-MigrationState (no -Path), warm, median of $($ProcessRepeats): $(Format-N $gmsNMs 'N1') ms for $Migrations vs $(Format-N $gms1Ms 'N1') ms for 1 ($(Format-N (($gmsNMs - $gms1Ms) / ($Migrations - 1)) 'N2') ms per extra migration). No target was set for these figures. " +
        "The expander reads and parses the stored migrations once per run and checks each migration's conflicts against that list in memory" +
        $(if ($expandEach / $expandOneMs -le 1.5) { ", so a migration in a long run costs no more than a lone one (the lone one also carries the run's fixed work: connecting, taking the lock, reading the store). " } else { ". " }) +
        "Get-MigrationState reads each stored migration and turns it into a state, so it grows with their number."
    if ($expandEach / $expandOneMs -gt 3) {
        $fig5 += " Expanding in one call still costs $(Format-N ($expandEach / $expandOneMs) 'N1')× a lone migration's time per migration, which points to work per migration that grows with the number of migrations; profile Invoke-Expand with $Migrations migrations before relying on it for long runs."
    }

    $md = @"
## SQLite

Generated by ``bench/Bench.ps1`` (``dotnet tool restore && dotnet pwsh ./build.ps1 Bench``) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC in $(Format-N $BenchClock.Elapsed.TotalMinutes 'N1') minutes.

### Machine

$(($machine.GetEnumerator() | ForEach-Object { "- $($_.Key): $($_.Value)" }) -join "`n")

The machine is shared: other jobs (builds, test suites) may have run at the same time, so absolute figures are noisy,
and even ratios move by several percent between runs. Medians of repeats are reported where a figure was repeated.

### Measurements

$(Format-MeasurementTable 1, 3, 4, 5)

Figure 2 (the backfill's own memory) has its own section below, written by the same bench or by ``-MemoryOnly`` alone.

### Method and findings

$fig1

$fig3

$fig4

$fig5
"@
    Set-ResultsSection $ResultsPath 'SQLite' $md
    Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
    Write-MeasurementSummary
    Say "Results: $ResultsPath"
}
catch {
    Write-Host "`nBench failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    Write-Host "The temporary folder is kept for inspection: $Temp" -ForegroundColor Yellow
    $KeepTemp = $true
    exit 1
}
finally {
    if (-not $KeepTemp -and (Test-Path -LiteralPath $Temp)) { Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue }
}
