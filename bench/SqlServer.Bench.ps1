<#
.SYNOPSIS
    Performance figures of OnlineMigrations on SQL Server, each a ratio against a baseline measured in
    the same run; writes the SQL Server section of bench/results.md.
.DESCRIPTION
    Runs against the database that -ConnectionString names (default: ONLINEMIGRATIONS_TEST_SQLSERVER),
    in schemas of its own (om_bench_<run>_<n> and their _store schemas), all dropped at the end.
    1. Backfill throughput: Invoke-Migrate with its defaults vs one UPDATE doing the backfill's own
       assignments over the whole table, in one transaction marked as a backfill the way each batch
       marks itself (SESSION_CONTEXT), so the sync trigger does the same work; each run on a table
       built and expanded afresh, -Repeats times, in alternating order.
    2. p99 latency of a concurrent single-row writer (its own SqlClient connection) during the
       backfill vs the same writer on the idle table.
    3. Test-ContractReady on the migrated table vs one SELECT COUNT_BIG(*) evaluating the same
       predicates (the remaining-rows checks and the object-version check as the dialect writes them);
       a bare COUNT_BIG(*) and the gate's own histogram statement over the whole table as information.
    4. Where the backfill's time goes (MigrationProgress.Timings: key range read, UPDATE, the sync trigger's
       estimated part, checkpoint, SESSION_CONTEXT, commit, verification, ...), written to its own section
       of results.md; -BreakdownOnly runs only this figure.
    build.ps1 Bench runs it after bench/Bench.ps1 when ONLINEMIGRATIONS_TEST_SQLSERVER is set.
    A quick smoke run: dotnet pwsh bench/SqlServer.Bench.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -Rows 5000 -Repeats 1
#>
param(
    [Parameter(Mandatory, Position = 0)][string]$ModuleManifest,
    [string]$ConnectionString = $env:ONLINEMIGRATIONS_TEST_SQLSERVER,
    [int]$Rows = 200000,
    [int]$Repeats = 3,
    [int]$GateRepeats = 5,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md'),
    # Only the backfill breakdown (where Invoke-Migrate's time goes, part by part): -Rows rows, -Repeats runs.
    # A quick run: dotnet pwsh bench/SqlServer.Bench.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -BreakdownOnly -Rows 200000 -Repeats 2
    [switch]$BreakdownOnly,
    [switch]$KeepTemp
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'
. (Join-Path $PSScriptRoot 'Common.ps1')
$MigrationId = '0001_instances_compute_host'
$TargetBatchMs = 200

if (-not $ConnectionString) { throw 'Bench: SqlServer.Bench.ps1 needs -ConnectionString or ONLINEMIGRATIONS_TEST_SQLSERVER (a connection string to a database it may create schemas in).' }
if (-not (Test-Path -LiteralPath $ModuleManifest)) { throw "Bench: the module manifest '$ModuleManifest' does not exist (run it through build.ps1 Bench)." }
if ($Rows -lt 1000 -or $Repeats -lt 1 -or $GateRepeats -lt 1) { throw 'Bench: -Rows must be at least 1000, -Repeats and -GateRepeats at least 1.' }
$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
$Samples = Join-Path $PSScriptRoot '../samples'
Import-Module (Join-Path $PSScriptRoot 'SqlServerClient.psm1') -Force
Import-Module $ModuleManifest -Force

$Temp = New-BenchTemp 'onlinemigrations-sqlserver-bench'
$BenchClock = [Diagnostics.Stopwatch]::StartNew()
$RunTag = [guid]::NewGuid().ToString('N').Substring(0, 6)
$Schemas = [Collections.Generic.List[string]]::new()
$Built = 0
$Admin = $null

# ---------------------------------------------------------------------------------------------- helpers

function Connect { Open-BenchSqlServer -ModuleManifest $ModuleManifest -ConnectionString $ConnectionString }

# The inventory of samples/Demo.ps1 (the same baseline schema and rows as the SQLite bench) in a schema
# of its own, expanded with migration 0001 against a store schema of its own.
function New-ExpandedInventory([int]$Count) {
    $script:Built++
    $schema = "om_bench_${RunTag}_$Built"
    $store = "${schema}_store"
    $Schemas.Add($schema); $Schemas.Add($store)
    $table = "[$schema].[Instances]"
    Initialize-BenchSqlServerInventory $Admin $schema $Count
    $n = (Invoke-BenchSql $Admin "SELECT COUNT_BIG(*) AS n FROM $table").n
    if ($n -ne $Count) { Fail "$table holds $n rows instead of $Count." }
    $folder = Join-Path $Temp "migrations-$schema"
    $null = New-Item -ItemType Directory -Path $folder
    $text = (Get-Content -Raw -LiteralPath (Join-Path $Samples "inventory/$MigrationId.json")) -replace '(?<![\w\]])dbo\.', "$schema."
    Set-Content -LiteralPath (Join-Path $folder "$MigrationId.json") -Value $text -Encoding utf8
    $c = @{ Provider = 'SqlServer'; ConnectionString = $ConnectionString; StoreSchema = $store }
    $state = Invoke-Expand @c -Path $folder -Id $MigrationId -AllowOffline:$Offline -Confirm:$false -WarningAction SilentlyContinue
    if ($state.Phase -ne 'Expanded') { Fail "expanding $MigrationId in $schema left it in phase $($state.Phase) ($($state.LastError))." }
    $shadow = @(@(Invoke-BenchSql $Admin "SELECT COLUMN_NAME AS name FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = @s AND TABLE_NAME = 'Instances' AND COLUMN_NAME LIKE 'MemoryMb\_\_om\_%' ESCAPE '\'" -Parameters @{ s = $schema }) | ForEach-Object name)
    if ($shadow.Count -ne 1) { Fail "cannot find the single shadow column of MemoryMb in $table after expand (found: $shadow)." }
    [pscustomobject]@{ Schema = $schema; Store = $store; Table = $table; Shadow = $shadow[0]; Cmdlet = $c; Backfill = (Get-BackfillStatement $c $MigrationId) }
}

function Remove-Inventory($Inventory) {
    foreach ($s in $Inventory.Schema, $Inventory.Store) { Remove-BenchSchema $Admin $s; $null = $Schemas.Remove($s) }
}

# What the backfill leaves behind must hold after either run compared in figure 1.
function Assert-Migrated($Inventory) {
    $left = (Invoke-BenchSql $Admin "SELECT COUNT_BIG(*) AS n FROM $($Inventory.Table) WHERE $($Inventory.Backfill.Remaining) OR [ObjectVersion] IS NULL OR [ObjectVersion] <> '2.0'").n
    if ($left -ne 0) { Fail "$($Inventory.Table) still has $left rows not migrated." }
}

function Invoke-MigrateChild($Inventory, [string]$What = 'Invoke-Migrate') {
    $result = Join-Path $Temp ("migrate-{0}.json" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    Invoke-Child (Join-Path $PSScriptRoot 'Migrate.Child.ps1') @('-ModuleManifest', $ModuleManifest, '-ConnectionString', $ConnectionString,
        '-StoreSchema', $Inventory.Store, '-ResultFile', $result)
    $r = Read-Json $result $What
    $r | Add-Member -NotePropertyName RowsPerSecond -NotePropertyValue ($r.RowsMigrated / $r.Seconds) -PassThru
}

# The baseline of figure 1: the backfill's own SET list and row predicate (Get-BackfillStatement, from
# Invoke-Migrate -WhatIf) without the key range, in one transaction that marks itself as a backfill
# exactly as each batch does (SqlServerDialect.BeginBackfillSession / EndBackfillBatch), so the sync
# trigger skips the same reverse directions. The table is fresh: every ObjectVersion is NULL, so the
# version predicate lists no older version, as the backfill's own lists none.
function Measure-SingleUpdate($Inventory, [switch]$NoTriggers) {
    if ($NoTriggers) {
        # For the breakdown's estimate of the sync trigger's part: the same statement with the table's triggers dropped.
        $names = @(@(Invoke-BenchSql $Admin "SELECT name FROM sys.triggers WHERE parent_id = OBJECT_ID(@t)" -Parameters @{ t = $Inventory.Table }) | ForEach-Object name)
        if ($names.Count -lt 1) { Fail "no trigger found on $($Inventory.Table) to drop." }
        foreach ($n in $names) { $null = Invoke-BenchSql $Admin "DROP TRIGGER [$($Inventory.Schema)].[$n];" }
    }
    $sql = @"
SET XACT_ABORT ON;
BEGIN TRANSACTION;
EXEC sys.sp_set_session_context @key = N'OnlineMigrations.Backfill', @value = 1;
UPDATE $($Inventory.Backfill.Table) SET $($Inventory.Backfill.Set) WHERE $($Inventory.Backfill.Where);
EXEC sys.sp_set_session_context @key = N'OnlineMigrations.Backfill', @value = NULL;
COMMIT TRANSACTION;
"@
    $connection = Connect
    try { Measure-Ms { Invoke-BenchSql $connection $sql -Parameters @{ version = '2.0' } -TimeoutSeconds 0 } }
    finally { $connection.Dispose() }
}

function Start-Writer($Inventory, [string]$Tag, [double]$MaxSeconds, [switch]$Stoppable) {
    $files = [pscustomobject]@{ Ready = (Join-Path $Temp "writer-$Tag.ready"); Stop = (Join-Path $Temp "writer-$Tag.stop"); Result = (Join-Path $Temp "writer-$Tag.json") }
    $arguments = @('-ModuleManifest', $ModuleManifest, '-ConnectionString', $ConnectionString, '-Table', $Inventory.Table,
        '-ResultFile', $files.Result, '-ReadyFile', $files.Ready, '-MaxSeconds', $MaxSeconds.ToString('0.000', $Invariant), '-Rows', "$Rows")
    if ($Stoppable) { $arguments += @('-StopFile', $files.Stop) }
    $process = Start-Child (Join-Path $PSScriptRoot 'Writer.Child.ps1') $arguments
    $process | Add-Member -NotePropertyName Files -NotePropertyValue $files -PassThru
}

function Get-LatencyStats([double[]]$Latencies, $Errors) {
    [pscustomobject]@{
        Count = $Latencies.Count; Errors = @($Errors).Count
        P50 = Get-Percentile $Latencies 50; P99 = Get-Percentile $Latencies 99; Max = ($Latencies | Measure-Object -Maximum).Maximum
        Over = @($Latencies | Where-Object { $_ -gt 2 * $TargetBatchMs }).Count
    }
}

# Figure 4: where Invoke-Migrate's time goes (MigrationProgress.Timings), with its defaults, -Repeats runs,
# each on a table built and expanded afresh; the sync trigger's part of the UPDATE estimated from one
# whole-table UPDATE with and without the trigger, each on a fresh table too. Writes its own section of results.md.
function Invoke-BreakdownFigure {
    Step "Figure 4: where the backfill's time goes, $(Format-N $Rows) rows, $Repeats runs with the defaults"
    $runs = [Collections.Generic.List[object]]::new(); $with = [Collections.Generic.List[double]]::new(); $without = [Collections.Generic.List[double]]::new()
    for ($r = 0; $r -lt $Repeats; $r++) {
        $inventory = New-ExpandedInventory $Rows
        $m = Invoke-MigrateChild $inventory 'Invoke-Migrate (breakdown)'
        Assert-Migrated $inventory
        Remove-Inventory $inventory
        $runs.Add($m)
        Say ("run {0}: Invoke-Migrate {1:0.00} s, {2} batches; {3}" -f ($r + 1), $m.Seconds, $m.Batches, (($m.TimingsMs.PSObject.Properties | ForEach-Object { "$($_.Name) $(Format-N $_.Value 'N0')" }) -join ', '))
        $inventory = New-ExpandedInventory $Rows
        $with.Add((Measure-SingleUpdate $inventory) / 1000)
        Remove-Inventory $inventory
        $inventory = New-ExpandedInventory $Rows
        $without.Add((Measure-SingleUpdate $inventory -NoTriggers) / 1000)
        Remove-Inventory $inventory
        Say ("run {0}: one UPDATE of the whole table {1:0.00} s with the sync trigger, {2:0.00} s without" -f ($r + 1), $with[$r], $without[$r])
    }
    $withS = Get-Median $with; $withoutS = Get-Median $without
    $triggerShare = [Math]::Max(0.0, 1.0 - $withoutS / $withS)
    $b = Get-BackfillBreakdown $runs $triggerShare 'SESSION_CONTEXT: sp_set_session_context set and clear'
    Write-BackfillBreakdown $b
    $top = @($b.Parts | Where-Object { $_.Name -notin 'Trigger' } | Sort-Object Ms -Descending | Select-Object -First 3)
    $md = @"
## SQL Server: where the backfill's time goes

Generated by ``bench/SqlServer.Bench.ps1 -BreakdownOnly`` (or as figure 4 of a whole run) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC, commit $(git -C $PSScriptRoot rev-parse --short HEAD 2>$null), load average $(((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' '), against $($machine['SQL Server']):
$(Format-N $Rows) rows, $Repeats runs of ``Invoke-Migrate`` with its defaults (adaptive batches of at most 4,000 rows, no pause), each on a table built and expanded afresh as in figure 1, in a fresh pwsh. Each part is the mean over the runs of the time ``MigrationProgress.Timings`` reports for it (Stopwatch timestamps around each part inside the Backfiller), its share of the cmdlet's wall time and its time per batch ($(Format-N $b.Batches 'N0') batches on average).
The sync trigger's part of the UPDATE is estimated from figure 1's single ``UPDATE`` of the whole table marked as a backfill in ``SESSION_CONTEXT``, on a fresh table with the trigger ($(Format-N $withS 'N2') s, median) and on one with the trigger dropped ($(Format-N $withoutS 'N2') s): the trigger takes $(Format-N (100 * $triggerShare) 'N0')% of that statement's time, applied to the batches' UPDATE time (the statement-level trigger runs once per batch, reads the mark and skips the reverse direction, so per batch it may cost more than its share of one big statement). ``outside the backfiller`` is the cmdlet's wall time less the parts: module work before and after the run (connecting, the runner lock, reading the store and the catalog, planning the migrations).

$($b.Table)

Each run alone (ms): $(@(for ($i = 0; $i -lt $runs.Count; $i++) { "run $($i + 1): $(Format-N $runs[$i].Seconds 'N2') s in $($runs[$i].Batches) batches, " + (($runs[$i].TimingsMs.PSObject.Properties | Where-Object { $_.Value -ge 0.5 } | ForEach-Object { "$($_.Name) $(Format-N $_.Value 'N0')" }) -join ', ') }) -join '; ').

The largest parts: $(($top | ForEach-Object { "$($_.Label) $(Format-N (100 * $_.Share) 'N0')%" }) -join '; ').
"@
    Set-ResultsSection $ResultsPath 'SQL Server backfill breakdown' $md
    $b
}

# ---------------------------------------------------------------------------------------------- the run

try {
    Step 'Machine and server'
    $Admin = Connect
    $server = Invoke-BenchSql $Admin "SELECT @@VERSION AS v, CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS pv, CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS ed, CAST(SERVERPROPERTY('EngineEdition') AS int) AS ee, DB_NAME() AS db"
    # Online index builds: Enterprise and Developer (3), Azure SQL (5, 8). Elsewhere expand's index build
    # on the renamed column runs offline, which Invoke-Expand refuses without -AllowOffline.
    $Offline = $server.ee -notin 3, 5, 8
    $machine = Get-BenchMachine $ModuleManifest
    $machine['SQL Server'] = "$((($server.v -split "`n")[0]).Trim()); ProductVersion $($server.pv), $($server.ed) (EngineEdition $($server.ee)), on this machine (127.0.0.1)"
    $machine['Client'] = "Microsoft.Data.SqlClient from the staged module's bin/linux-x64, for the module and for the bench's own statements"
    $machine.GetEnumerator() | ForEach-Object { Say "$($_.Key): $($_.Value)" }
    Say "database $($server.db); schemas om_bench_${RunTag}_*; expand with -AllowOffline: $Offline"

    if ($BreakdownOnly) {
        $null = Invoke-BreakdownFigure
        Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
        Say "Results: $ResultsPath"
        return
    }

    # ------------------------------------------------------------------ 1. backfill throughput
    Step "Figure 1: Invoke-Migrate vs one UPDATE, $(Format-N $Rows) rows, $Repeats repeats, each run on a table built and expanded afresh"
    $single = [Collections.Generic.List[double]]::new()
    $migrate = [Collections.Generic.List[object]]::new()
    $migrated = $null
    for ($r = 0; $r -lt $Repeats; $r++) {
        $order = if ($r % 2 -eq 0) { 'single', 'migrate' } else { 'migrate', 'single' }
        foreach ($kind in $order) {
            $inventory = New-ExpandedInventory $Rows
            if ($kind -eq 'single') {
                $ms = Measure-SingleUpdate $inventory
                $single.Add($Rows / ($ms / 1000))
                Say ("repeat {0}: single UPDATE          {1,9} rows/s ({2:0.00} s)" -f ($r + 1), (Format-N ($Rows / ($ms / 1000))), ($ms / 1000))
            }
            else {
                $m = Invoke-MigrateChild $inventory
                if ($m.RowsMigrated -ne $Rows) { Fail "a backfill migrated $($m.RowsMigrated) rows instead of $Rows." }
                $migrate.Add($m)
                Say ("repeat {0}: Invoke-Migrate defaults {1,9} rows/s ({2:0.00} s, {3} batches)" -f ($r + 1), (Format-N $m.RowsPerSecond), $m.Seconds, $m.Batches)
            }
            Assert-Migrated $inventory
            # The last migrated table is kept for figure 3.
            if ($kind -eq 'migrate' -and $r -eq $Repeats - 1) { $migrated = $inventory } else { Remove-Inventory $inventory }
        }
    }
    $ratios = [double[]]@(for ($r = 0; $r -lt $Repeats; $r++) { $migrate[$r].RowsPerSecond / $single[$r] })
    $ratio1 = Get-Median $ratios
    $singleRate = Get-Median $single; $migrateRate = Get-Median ($migrate | ForEach-Object RowsPerSecond)
    $migrateSeconds = Get-Median ($migrate | ForEach-Object Seconds); $migrateBatches = Get-Median ($migrate | ForEach-Object Batches)
    $list = { param($values) ($values | ForEach-Object { Format-N $_ 'N2' }) -join ', ' }
    Say "paired ratios to the single UPDATE: $(& $list $ratios)"
    Add-Measurement 1 "Backfill of $(Format-N $Rows) rows, Invoke-Migrate defaults: adaptive batches of at most 4,000 rows, no pause (rows/s)" (Format-N $migrateRate) (Format-N $singleRate) $ratio1 '≥ 0.70' (YesNo ($ratio1 -ge 0.7))
    $null = Invoke-BreakdownFigure

    # ------------------------------------------------------------------ 2. concurrent writer latency
    Step 'Figure 2: a single-row writer during the backfill, then on the idle table'
    $wInventory = New-ExpandedInventory $Rows
    $writer = Start-Writer $wInventory 'during' 900 -Stoppable
    Wait-WriterReady $writer $writer.Files.Ready
    try { $run = Invoke-MigrateChild $wInventory 'Invoke-Migrate with a concurrent writer' }
    finally { Set-Content -LiteralPath $writer.Files.Stop -Value 'stop' }
    Wait-Child $writer 120 'the writer (during the backfill)'
    Assert-Migrated $wInventory
    $wDuring = Read-Json $writer.Files.Result 'the writer (during the backfill)'
    $duringLatencies = Select-WriterLatency $wDuring $run.StartedAtTicks $run.EndedAtTicks
    if ($duringLatencies.Count -lt 50) { Fail "only $($duringLatencies.Count) writes fell inside the backfill window; the measurement is meaningless." }
    $during = Get-LatencyStats $duringLatencies $wDuring.Errors
    $window = [TimeSpan]::FromTicks($run.EndedAtTicks - $run.StartedAtTicks).TotalSeconds
    Say ("during: {0} writes in {1:0.0} s, p50 {2:0.00} ms, p99 {3:0.0} ms, max {4:0.0} ms, {5} over {6} ms, {7} failed; backfill {8} rows/s in {9} batches" -f
        $during.Count, $window, $during.P50, $during.P99, $during.Max, $during.Over, (2 * $TargetBatchMs), $during.Errors, (Format-N $run.RowsPerSecond), $run.Batches)
    # The same writer for as long again on the same table, now idle (the same sync trigger fires).
    $idleWriter = Start-Writer $wInventory 'idle' $window
    Wait-Child $idleWriter ($window + 120) 'the writer (idle table)'
    $wIdle = Read-Json $idleWriter.Files.Result 'the writer (idle table)'
    $idleLatencies = [double[]]@($wIdle.Latencies)
    if ($idleLatencies.Count -lt 50) { Fail "the idle writer recorded only $($idleLatencies.Count) writes." }
    $idle = Get-LatencyStats $idleLatencies $wIdle.Errors
    Say ("idle: {0} writes in {1:0.0} s, p50 {2:0.00} ms, p99 {3:0.0} ms, max {4:0.0} ms, {5} failed" -f $idle.Count, $window, $idle.P50, $idle.P99, $idle.Max, $idle.Errors)
    Remove-Inventory $wInventory
    $limit = $idle.P99 + 2 * $TargetBatchMs
    $met2 = $during.P99 -le $limit -and ($during.Errors + $idle.Errors) -eq 0
    Add-Measurement 2 'p99 latency of a single-row UPDATE, during the backfill vs idle (ms)' (Format-N $during.P99 'N1') (Format-N $idle.P99 'N1') ($during.P99 / $idle.P99) "≤ idle + 2 × $TargetBatchMs ms = $(Format-N $limit 'N1') ms" (YesNo $met2)
    Add-Measurement 2 '(info) max latency of that writer, during the backfill vs idle (ms)' (Format-N $during.Max 'N1') (Format-N $idle.Max 'N1') ($during.Max / $idle.Max) '–' '–'
    Add-Measurement 2 '(info) backfill throughput with the writer running vs without (figure 1) (rows/s)' (Format-N $run.RowsPerSecond) (Format-N $migrateRate) ($run.RowsPerSecond / $migrateRate) '–' '–'

    # ------------------------------------------------------------------ 3. Test-ContractReady
    Step "Figure 3: Test-ContractReady on the migrated $(Format-N $Rows)-row table vs one SELECT COUNT_BIG(*) of the same predicates"
    $c = $migrated.Cmdlet
    $coldTcr = Measure-Ms { $script:readiness = Test-ContractReady @c -Id $MigrationId }
    foreach ($gate in 'DataMigrated', 'ObjectVersion') {
        $check = @($readiness.Checks | Where-Object Name -eq $gate)
        if ($check.Count -ne 1 -or -not $check[0].Passed) { Fail "Test-ContractReady did not report $gate as passed on the migrated table: $(($readiness.Checks | ForEach-Object { "$($_.Name)=$($_.Passed) $($_.Detail)" }) -join '; ')" }
    }
    # The checks the backfill's predicate ORs (the same Differ of each operation the gates count, and the
    # object-version check as SqlServerDialect.VersionOlder writes it for a table with no version older
    # than 2.0; here only 2.0).
    $any = $migrated.Backfill.Remaining
    $likeSql = "SELECT COUNT_BIG(*) AS n FROM $($migrated.Table) WHERE $($migrated.Backfill.Where);"
    $bareSql = "SELECT COUNT_BIG(*) AS n FROM $($migrated.Table);"
    # The gates' own statement (SqlServerDialect.VersionHistogram with the remaining-rows predicate
    # counted per version), once over the whole table instead of in key ranges of 20,000 rows.
    $histogramSql = "SELECT [ObjectVersion], COUNT_BIG(*) AS n, COUNT_BIG(CASE WHEN ($any) THEN 1 END) AS m FROM $($migrated.Table) GROUP BY [ObjectVersion];"
    $tcr = [Collections.Generic.List[double]]::new(); $like = [Collections.Generic.List[double]]::new()
    $bare = [Collections.Generic.List[double]]::new(); $hist = [Collections.Generic.List[double]]::new()
    $g = Connect
    try {
        if ((Invoke-BenchSql $g $likeSql).n -ne 0) { Fail 'the like-for-like COUNT of figure 3 finds rows on the migrated table.' }
        $null = Invoke-BenchSql $g $bareSql; $null = Invoke-BenchSql $g $histogramSql
        for ($r = 0; $r -lt $GateRepeats; $r++) {
            $tcr.Add((Measure-Ms { Test-ContractReady @c -Id $MigrationId }))
            $like.Add((Measure-Ms { Invoke-BenchSql $g $likeSql }))
            $bare.Add((Measure-Ms { Invoke-BenchSql $g $bareSql }))
            $hist.Add((Measure-Ms { Invoke-BenchSql $g $histogramSql }))
        }
    }
    finally { $g.Dispose() }
    $tcrMs = Get-Median $tcr; $likeMs = Get-Median $like; $bareMs = Get-Median $bare; $histMs = Get-Median $hist
    Say ("Test-ContractReady {0:0.0} ms (first call in this process {1:0.0} ms); one COUNT of the same predicates {2:0.0} ms; bare COUNT_BIG(*) {3:0.0} ms; the gates' histogram in one statement {4:0.0} ms" -f $tcrMs, $coldTcr, $likeMs, $bareMs, $histMs)
    Add-Measurement 3 "Test-ContractReady on the migrated $(Format-N $Rows)-row table vs one SELECT COUNT_BIG(*) of the same predicates (ms)" (Format-N $tcrMs 'N1') (Format-N $likeMs 'N1') ($tcrMs / $likeMs) '≤ 1.5' (YesNo ($tcrMs / $likeMs -le 1.5))
    Add-Measurement 3 '(info) the same vs a bare SELECT COUNT_BIG(*) (ms)' (Format-N $tcrMs 'N1') (Format-N $bareMs 'N1') ($tcrMs / $bareMs) '–' '–'
    Add-Measurement 3 "(info) the gates' histogram statement once over the whole table vs the same COUNT (ms)" (Format-N $histMs 'N1') (Format-N $likeMs 'N1') ($histMs / $likeMs) '–' '–'
    Remove-Inventory $migrated

    # ------------------------------------------------------------------ results.md
    Step "Writing the SQL Server section of $ResultsPath"
    $fig1 = "**1. Backfill throughput.** Each run gets a table of its own: the baseline schema of samples/baseline/sqlserver.sql with $(Format-N $Rows) rows (the rows of the SQLite bench), expanded with ``$MigrationId`` " +
        "(rename Host→ComputeHost with its index built again on the new column$(if ($Offline) { ', offline with -AllowOffline on this edition' }), MemoryMb→bigint through a shadow column, object version 2.0, one sync trigger), so every run starts from the same table with the same trigger. " +
        "Each of $Repeats repeats runs ``Invoke-Migrate`` with its defaults (adaptive batches: 500 rows first, toward $TargetBatchMs ms, at most 4,000 rows, below the lock-escalation threshold; on SQL Server no pause) in a fresh pwsh that times only the cmdlet call, " +
        "and the baseline: the backfill's own SET list and row predicate as one ``UPDATE`` of the whole table in one transaction that sets and clears the backfill mark in ``SESSION_CONTEXT`` as each batch does, so the sync trigger skips the same reverse directions; the two alternate in order between repeats. Every run is checked to leave no row unmigrated. " +
        "Medians: Invoke-Migrate $(Format-N $migrateSeconds 'N2') s in $(Format-N $migrateBatches) batches, the single statement $(Format-N ($Rows / $singleRate) 'N2') s; the ratio is the median of the ratios within each repeat: $(& $list $ratios); the single UPDATE alone ranged from $(Format-N ($single | Measure-Object -Minimum).Minimum) to $(Format-N ($single | Measure-Object -Maximum).Maximum) rows/s. " +
        "Each batch is its own transaction: a probe for its end key, the UPDATE (whose statement-level sync trigger runs once per batch), a checkpoint row in the store, two ``sp_set_session_context`` calls and a commit; the run adds planning, the object-version histogram before the walk and the verification walk after it (in key ranges, figure 3's reads)."
    if ($ratio1 -lt 0.7) { $fig1 += " **Target missed** ($(Format-N $ratio1 'N2') against 0.70): the difference is that per-batch and per-run work, which this bench does not yet break down into its parts." }
    $fig2 = "**2. Latency of a concurrent writer.** A child pwsh opens its own connection (Microsoft.Data.SqlClient, no pooling) and runs ``UPDATE [..].[Instances] SET Host = @host, Status = @status WHERE Id = @id`` for random ids (old code's write, so the sync trigger copies Host to ComputeHost), pausing 2 ms between writes and timing each ExecuteNonQuery. " +
        "It runs during an Invoke-Migrate with the defaults on a table built for it; only writes started between the cmdlet's start and end count ($($during.Count) writes in $(Format-N $window 'N1') s; the backfill ran at $(Format-N $run.RowsPerSecond) rows/s meanwhile, in $(Format-N $run.Batches) batches, about $(Format-N (1000 * $run.Seconds / [Math]::Max(1, $run.Batches))) ms per batch with the run's fixed work included). " +
        "Then the same writer runs for the same $(Format-N $window 'N1') s on that table, idle ($($idle.Count) writes). " +
        "p50 $(Format-N $during.P50 'N2') ms during vs $(Format-N $idle.P50 'N2') ms idle; p99 $(Format-N $during.P99 'N1') ms vs $(Format-N $idle.P99 'N1') ms; max $(Format-N $during.Max 'N1') ms vs $(Format-N $idle.Max 'N1') ms; $($during.Over) writes took over $(2 * $TargetBatchMs) ms; $($during.Errors) failed during the backfill and $($idle.Errors) on the idle table. " +
        "The target is p99(during) ≤ p99(idle) + 2 × $TargetBatchMs ms = $(Format-N $limit 'N1') ms with no failed write: $(if ($met2) { 'met' } else { '**not met**' }). " +
        "A batch locks only the rows it updates, so a write waits only when it hits the batch's key range, for at most the rest of that batch."
    $fig3 = "**3. Test-ContractReady.** On the migrated table of the last repeat of figure 1, in this process after one warm-up call (first call $(Format-N $coldTcr 'N0') ms), median of ${GateRepeats}: Test-ContractReady $(Format-N $tcrMs 'N1') ms. " +
        "The baseline is one statement that reads every row and evaluates what the data gates evaluate: ``SELECT COUNT_BIG(*) ... WHERE`` DataMigrated's remaining-rows checks (ComputeHost vs Host, the shadow column vs ``up``, each as the dialect's ``Differ``, taken from the backfill's predicate in ``Invoke-Migrate -WhatIf``) OR ObjectVersion's ``[ObjectVersion] IS NULL`` (no older version is present): $(Format-N $likeMs 'N1') ms, ratio $(Format-N ($tcrMs / $likeMs) 'N2'). " +
        "On SQL Server the gates read the table in key ranges of 20,000 rows (so that no read holds long locks), each range one ``GROUP BY [ObjectVersion]`` that also counts the rows any check still catches; that statement once over the whole table took $(Format-N $histMs 'N1') ms. " +
        "A bare ``SELECT COUNT_BIG(*)`` took $(Format-N $bareMs 'N1') ms (ratio $(Format-N ($tcrMs / $bareMs) 'N1')), as information: it reads no column the gates must read. " +
        "The rest of the cmdlet's time is its own work outside those reads: opening its connection, reading the store and the catalog (the NoDependents gate and contract's preflight), the other gates."
    if ($tcrMs / $likeMs -gt 1.5) { $fig3 += " **Target missed** ($(Format-N ($tcrMs / $likeMs) 'N2') against 1.5)." }

    $md = @"
## SQL Server

Generated by ``bench/SqlServer.Bench.ps1`` (``dotnet pwsh ./build.ps1 Bench`` with ``ONLINEMIGRATIONS_TEST_SQLSERVER`` set) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC in $(Format-N $BenchClock.Elapsed.TotalMinutes 'N1') minutes:
$(Format-N $Rows) rows, $Repeats repeats of figure 1, $GateRepeats of figure 3.

### Machine and server

$(($machine.GetEnumerator() | ForEach-Object { "- $($_.Key): $($_.Value)" }) -join "`n")

$(if ($server.v -match 'Babelfish') { "This is the T-SQL engine of the tests (Babelfish for PostgreSQL, see the README's ""Where it runs""), not SQL Server: it runs T-SQL on PostgreSQL's storage and locking, so absolute figures and even the ratios say how the module behaves there, not on SQL Server. " })The server runs on the same shared 2-core machine as the bench and the module, and other jobs may use it at the same time.

### Measurements

$(Format-MeasurementTable)

### Method and findings

$fig1

$fig2

$fig3
"@
    Set-ResultsSection $ResultsPath 'SQL Server' $md
    Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
    Write-MeasurementSummary
    Say "Results: $ResultsPath"
}
catch {
    Write-Host "`nSQL Server bench failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    Write-Host "The temporary folder is kept for inspection: $Temp" -ForegroundColor Yellow
    $KeepTemp = $true
    $failed = $true
}
finally {
    # Everything this run created in the database: its schemas, each with what is in it.
    if ($Admin) {
        foreach ($schema in @($Schemas)) {
            try { Remove-BenchSchema $Admin $schema }
            catch { Write-Host "Could not drop schema $schema`: $($_.Exception.Message)" -ForegroundColor Red; $failed = $true }
        }
        $Admin.Dispose()
    }
    if (-not $KeepTemp -and (Test-Path -LiteralPath $Temp)) { Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue }
}
if (Get-Variable failed -ValueOnly -ErrorAction SilentlyContinue) { exit 1 }
