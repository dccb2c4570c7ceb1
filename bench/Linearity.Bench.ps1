<#
.SYNOPSIS
    Does a backfill's and the gates' cost grow in proportion to the table (issue #17 item 4)? For each of
    -Sizes, the Instances table of samples/baseline with that many rows, expanded with
    0001_instances_compute_host; Invoke-Migrate with its defaults until done, then Test-ContractReady on the
    migrated table (-GateRepeats times, median); each time divided by the rows, as a ratio to the smallest
    size's. Writes its section of bench/results.md.
.DESCRIPTION
    Every call runs in this process after a warm-up on a small table of its own (so the first size does not
    carry the cmdlets' first-call cost). Target: each size's time per row within 1.2× the smallest size's.
    -Provider SqlServer: each size in a schema of its own in the database -ConnectionString (default
    ONLINEMIGRATIONS_TEST_SQLSERVER) names, dropped when that size is done.
    dotnet pwsh bench/Linearity.Bench.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -Provider Sqlite
#>
param(
    [Parameter(Mandatory, Position = 0)][string]$ModuleManifest,
    [ValidateSet('Sqlite', 'SqlServer')][string]$Provider = 'Sqlite',
    # Row counts; 'pwsh -File' hands '250000,1000000' over as one string, so commas separate them too.
    [string[]]$Sizes = @('250000', '1000000', '4000000'),
    [int]$GateRepeats = 3,
    [string]$ConnectionString = $env:ONLINEMIGRATIONS_TEST_SQLSERVER,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md'),
    [switch]$KeepTemp
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'
. (Join-Path $PSScriptRoot 'Common.ps1')
$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
$Id = '0001_instances_compute_host'
Import-Module $ModuleManifest -Force
$Temp = New-BenchTemp 'onlinemigrations-linearity-bench'
$BenchClock = [Diagnostics.Stopwatch]::StartNew()
$Admin = $null
$Sizes = @($Sizes -split '[,\s]+' | Where-Object { $_ } | ForEach-Object { [int]::Parse($_, $Invariant) } | Sort-Object)
if ($Sizes.Count -lt 2) { throw 'Linearity bench: -Sizes needs at least two row counts.' }

# One size: build, expand, migrate (timed), then the gates on the migrated table (timed). $Offline: the
# edition cannot build the renamed column's index online (expand needs -AllowOffline).
function Measure-Size([int]$Rows, [string]$Name) {
    $folder = Join-Path $Temp "$Name-migrations"
    $built = New-BenchInventory -Provider $Provider -Rows $Rows -Folder $folder -Ids $Id -ModuleManifest $ModuleManifest `
        -Path (Join-Path $Temp "$Name.db") -Admin $Admin -ConnectionString $ConnectionString
    $c = $built.Cmdlet
    try {
        $null = Invoke-Expand @c -Path $folder -AllowOffline:$Offline -Confirm:$false -WarningAction SilentlyContinue
        $w = [Diagnostics.Stopwatch]::StartNew(); $batches = 0; $calls = 0
        do { $r = @(Invoke-Migrate @c -Confirm:$false); $calls++; $batches += ($r | Measure-Object Batches -Sum).Sum } while ($r.ExitCode -contains 1)
        $migrateMs = $w.Elapsed.TotalMilliseconds
        $null = Register-MigrationClient @c -None -Reason 'bench: no application reads this database' -Confirm:$false
        $null = Request-Contract @c -Id $Id -Confirm:$false
        $gates = foreach ($i in 1..$GateRepeats) {
            $w.Restart()
            $t = Test-ContractReady @c -Id $Id
            $ms = $w.Elapsed.TotalMilliseconds
            # The gates that read the rows must pass: every row migrated and stamped.
            foreach ($gate in 'DataMigrated', 'ObjectVersion') {
                $check = @($t.Checks | Where-Object Name -EQ $gate)
                if (-not $check -or -not $check[0].Passed) { Fail "$Name`: the $gate gate does not pass on the migrated table ($(@($check | ForEach-Object Detail) -join '; '))." }
            }
            $ms
        }
        [pscustomobject]@{ Rows = $Rows; MigrateMs = $migrateMs; Batches = $batches; Calls = $calls; GateMs = (Get-Median $gates); Gates = @($gates) }
    }
    finally {
        if ($Admin) { foreach ($s in $built.Schemas) { Remove-BenchSchema $Admin $s } }
        elseif (Test-Path -LiteralPath (Join-Path $Temp "$Name.db")) { Get-ChildItem -LiteralPath $Temp -Filter "$Name.db*" | Remove-Item -Force }
    }
}

try {
    $target = Open-BenchTarget $Provider $ModuleManifest $ConnectionString 'Linearity'
    $Admin = $target.Admin; $Offline = $target.Offline; $engine = $target.Engine
    Step "Linearity: $engine, sizes $(($Sizes | ForEach-Object { Format-N $_ }) -join ', ')"
    $machine = Get-BenchMachine $ModuleManifest
    $machine.GetEnumerator() | ForEach-Object { Say "$($_.Key): $($_.Value)" }
    Step 'Warm-up (20,000 rows, not counted)'
    $null = Measure-Size 20000 'warmup'
    $results = foreach ($n in $Sizes) {
        Step "$(Format-N $n) rows"
        $m = Measure-Size $n "rows$n"
        Say ("Invoke-Migrate {0:N1} s in {1} batches ({2} call(s)); Test-ContractReady {3:N0} ms (runs {4})" -f ($m.MigrateMs / 1000), $m.Batches, $m.Calls, $m.GateMs, (($m.Gates | ForEach-Object { Format-N $_ }) -join ', '))
        $m
    }
    $base = $results[0]
    $rowsMd = foreach ($m in $results) {
        $bPerRow = ($m.MigrateMs / $m.Rows) / ($base.MigrateMs / $base.Rows)
        $gPerRow = ($m.GateMs / $m.Rows) / ($base.GateMs / $base.Rows)
        Say ("{0,10} rows: backfill {1:N2} µs/row ({2:N2}× the smallest), gates {3:N2} µs/row ({4:N2}×)" -f (Format-N $m.Rows), (1000 * $m.MigrateMs / $m.Rows), $bPerRow, (1000 * $m.GateMs / $m.Rows), $gPerRow)
        "| $(Format-N $m.Rows) | $(Format-N ($m.MigrateMs / 1000) 'N1') s | $($m.Batches) | $(Format-N (1000 * $m.MigrateMs / $m.Rows) 'N2') µs | $(Format-N $bPerRow 'N2')× | $(YesNo ($bPerRow -le 1.2)) | $(Format-N $m.GateMs 'N0') ms | $(Format-N (1000 * $m.GateMs / $m.Rows) 'N3') µs | $(Format-N $gPerRow 'N2')× | $(YesNo ($gPerRow -le 1.2)) |"
    }
    $md = @"
## $engine`: cost per row at $(($Sizes | ForEach-Object { Format-N $_ }) -join ', ') rows

Generated by ``bench/Linearity.Bench.ps1 -Provider $Provider`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC in $(Format-N $BenchClock.Elapsed.TotalMinutes 'N1') minutes, commit $(git -C $PSScriptRoot rev-parse --short HEAD 2>$null), load average $(((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ') at the end; one run of each size (the machine of the other sections).
Each size: the Instances table of samples/baseline with that many rows, expanded with ``$Id``$(if ($Offline) { ' (-AllowOffline: this edition builds indexes offline)' }); ``Invoke-Migrate`` with its defaults until done (timed, in this process, after a warm-up on 20,000 rows); then ``Test-ContractReady`` on the migrated table, median of $GateRepeats. Per-row time as a ratio to the smallest size's; target ≤ 1.2×.

| rows | backfill | batches | per row | vs smallest | ≤ 1.2× | gates | per row | vs smallest | ≤ 1.2× |
|---|---|---|---|---|---|---|---|---|---|
$($rowsMd -join "`n")
"@
    Set-ResultsSection $ResultsPath "$Provider linearity" $md
    Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
}
catch {
    Write-Host "`nLinearity bench failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    Write-Host "The temporary folder is kept for inspection: $Temp" -ForegroundColor Yellow
    $KeepTemp = $true; $failed = $true
}
finally {
    if ($Admin) { $Admin.Dispose() }
    if (-not $KeepTemp -and (Test-Path -LiteralPath $Temp)) { Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue }
}
if (Get-Variable failed -ValueOnly -ErrorAction SilentlyContinue) { exit 1 }
