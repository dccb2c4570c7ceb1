<#
.SYNOPSIS
    How long each expand and contract step takes on a large table (issue #17 item 5): the sample migrations
    of samples/inventory (0001 rename + widen + object version, 0002 split Location with an index and a
    dropped column, 0003 drop a table), expanded, migrated and contracted on -Rows rows, each step's
    duration read back from the journal (Get-MigrationJournal); writes its section of bench/results.md.
.DESCRIPTION
    -Provider Sqlite: a database file in a temporary folder (removed at the end).
    -Provider SqlServer: a schema of its own (and its _store schema) in the database that -ConnectionString
    (default ONLINEMIGRATIONS_TEST_SQLSERVER) names, dropped at the end; expand and contract run with
    -AllowOffline where the edition cannot build an index online or a step cannot run online.
    For each step it says, from the statement, whether the step takes a schema lock (SQL Server: Sch-M or a
    table lock; SQLite: every DDL holds the one database write lock until it commits) and whether it reads or
    rewrites the table's rows, and compares the duration with the -LockTimeout default (2 s).
    dotnet pwsh bench/Steps.Bench.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -Provider Sqlite -Rows 1000000
#>
param(
    [Parameter(Mandatory, Position = 0)][string]$ModuleManifest,
    [ValidateSet('Sqlite', 'SqlServer')][string]$Provider = 'Sqlite',
    [int]$Rows = 1000000,
    [string]$ConnectionString = $env:ONLINEMIGRATIONS_TEST_SQLSERVER,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md'),
    [switch]$KeepTemp
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'
. (Join-Path $PSScriptRoot 'Common.ps1')
$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
$Ids = '0001_instances_compute_host', '0002_split_location', '0003_drop_legacy_quotas'
$LockTimeoutDefault = 2000
Import-Module $ModuleManifest -Force
$Temp = New-BenchTemp 'onlinemigrations-steps-bench'
$BenchClock = [Diagnostics.Stopwatch]::StartNew()
$Admin = $null; $Schemas = @()

# What a step's statement does to the table, from its text: the lock it holds and whether it reads every row.
function Get-StepNature([string]$Sql) {
    $s = ($Sql -replace '\s+', ' ').Trim()
    if ($Provider -eq 'SqlServer') {
        switch -Regex ($s) {
            '^CREATE (UNIQUE )?(NONCLUSTERED |CLUSTERED )?INDEX' {
                if ($s -match 'ONLINE = ON' -and -not $Offline) { return 'Sch-M briefly at start and end; the build reads every row (online)', $true }
                return 'offline build: a shared table lock (S) for the whole build, Sch-M at its end; reads every row', $true
            }
            'ALTER COLUMN .* NOT NULL' { return 'Sch-M while it checks every row (the offline final NOT NULL)', $true }
            'WITH CHECK CHECK CONSTRAINT|WITH CHECK ADD' { return 'Sch-M while it validates every row (trusting a constraint)', $true }
            '^ALTER TABLE .* ADD ' { return 'Sch-M, metadata only (a nullable column or an untrusted constraint)', $false }
            '^ALTER TABLE .* DROP ' { return 'Sch-M, metadata only (the column''s space is left, not rewritten)', $false }
            'sp_rename' { return 'Sch-M, metadata only', $false }
            '^(CREATE|DROP|ENABLE|DISABLE) TRIGGER' { return 'Sch-M, metadata only', $false }
            '^DROP TABLE' { return 'Sch-M, metadata only (deallocation is deferred)', $false }
            '^DROP INDEX' { return 'Sch-M, metadata only', $false }
            '^(CREATE|DROP) (VIEW|FUNCTION|PROCEDURE)' { return 'no lock on the table (Sch-S while compiling)', $false }
            '^(UPDATE|INSERT|DELETE|SELECT|EXEC|IF|DECLARE|SET)' { return 'row locks / reads; no schema lock', ($s -match '^(UPDATE|SELECT)' -and $s -notmatch 'WHERE') }
            default { return 'see the statement', $false }
        }
    }
    switch -Regex ($s) {
        '^CREATE (UNIQUE )?INDEX' { return 'database write lock; reads every row to build the index', $true }
        'ALTER TABLE .* DROP COLUMN' { return 'database write lock; rewrites every row (SQLite drops a column by rewriting the table)', $true }
        'ALTER TABLE .* RENAME COLUMN|ALTER TABLE .* RENAME TO' { return 'database write lock; rewrites the schema text only', $false }
        'ALTER TABLE .* ADD COLUMN' { return 'database write lock; the schema only (existing rows are not touched)', $false }
        '^INSERT INTO .* SELECT' { return 'database write lock; copies every row (a table rebuild)', $true }
        '^(CREATE|DROP) (TEMP )?TRIGGER' { return 'database write lock; the schema only', $false }
        '^DROP TABLE' { return 'database write lock; frees the table''s pages', $true }
        '^(CREATE|DROP) VIEW' { return 'database write lock; the schema only', $false }
        default { return 'database write lock (every SQLite write holds it until commit)', $false }
    }
}

try {
    Step "Steps: $Provider, $(Format-N $Rows) rows, migrations $($Ids -join ', ')"
    $folder = Join-Path $Temp 'migrations'
    $target = Open-BenchTarget $Provider $ModuleManifest $ConnectionString 'Steps'
    $Admin = $target.Admin; $Offline = $target.Offline; $engine = $target.Engine
    $built = New-BenchInventory -Provider $Provider -Rows $Rows -Folder $folder -Ids $Ids -ModuleManifest $ModuleManifest `
        -Path (Join-Path $Temp 'steps.db') -Admin $Admin -ConnectionString $ConnectionString
    $c = $built.Cmdlet; $Schemas = $built.Schemas
    Say "table built in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N1') s"

    $calls = [ordered]@{}
    $w = [Diagnostics.Stopwatch]::StartNew()
    $null = Invoke-Expand @c -Path $folder -AllowOffline:$Offline -Confirm:$false -WarningAction SilentlyContinue
    $calls.Expand = $w.Elapsed.TotalSeconds
    Say "Invoke-Expand of the three migrations: $(Format-N $calls.Expand 'N2') s"
    $w.Restart()
    do { $r = @(Invoke-Migrate @c -Confirm:$false) } while ($r.ExitCode -contains 1)
    $calls.Migrate = $w.Elapsed.TotalSeconds
    Say "Invoke-Migrate: $(Format-N $calls.Migrate 'N2') s"
    $null = Register-MigrationClient @c -None -Reason "bench: no application reads this database" -Confirm:$false
    $null = Request-Contract @c -Id $Ids -Confirm:$false
    $expandedAt = @(Get-MigrationState @c | ForEach-Object ExpandedAt | Sort-Object)[-1]
    $window = $expandedAt.AddSeconds(5.5) - [DateTime]::UtcNow
    if ($window -gt [TimeSpan]::Zero) { Start-Sleep -Milliseconds ([int]$window.TotalMilliseconds) }
    $w.Restart()
    foreach ($id in $Ids) {
        try { $null = Invoke-Contract @c -Id $id -AllowOffline:$true -Confirm:$false -WarningAction SilentlyContinue }
        catch {
            $checks = (Test-ContractReady @c -Id $id).Checks | ForEach-Object { "$($_.Name)=$($_.Passed) $($_.Detail)" }
            Fail "Invoke-Contract $id failed: $($_.Exception.Message)`n$($checks -join "`n")"
        }
    }
    $calls.Contract = $w.Elapsed.TotalSeconds
    Say "Invoke-Contract: $(Format-N $calls.Contract 'N2') s"

    $journal = @(Get-MigrationJournal @c | Where-Object { $_.Outcome -eq 'Succeeded' -and $_.Statement -and ($_.Phase -match 'Expand|Contract') } | Sort-Object Sequence)
    if ($journal.Count -eq 0) { Fail 'the journal holds no expand or contract step.' }
    $rowsMd = [Collections.Generic.List[string]]::new()
    $over = 0; $scanning = [Collections.Generic.List[string]]::new()
    foreach ($e in $journal) {
        # A step may run several statements (one per line): the step holds what any of them holds.
        $parts = @(($e.Statement -split "\r?\n|;\s*(?=\S)") | Where-Object { $_.Trim() -and $_.Trim() -notmatch '^--' } | ForEach-Object { , @(Get-StepNature $_) })
        $nature = (@($parts | ForEach-Object { $_[0] } | Select-Object -Unique)) -join '; '
        $scans = [bool](@($parts | Where-Object { $_[1] }).Count)
        $ms = $e.Duration.TotalMilliseconds
        if ($ms -gt $LockTimeoutDefault) { $over++ }
        $phase = if ($e.Phase -match 'Contract') { 'contract' } else { 'expand' }
        $short = ($e.Statement -replace '\s+', ' ').Trim()
        if ($short.Length -gt 110) { $short = $short.Substring(0, 107) + '...' }
        if ($scans) { $scanning.Add("$($e.Id) $phase $($e.Step) ($(Format-N $ms 'N0') ms)") }
        Say ("{0,-28} {1,-8} {2,9} ms  {3,-5} {4}" -f $e.Id, $phase, (Format-N $ms 'N1'), $(if ($scans) { 'scan' } else { '' }), $short)
        $rowsMd.Add("| $($e.Id) | $phase | $($e.Step) | ``$($short.Replace('|', '\|'))`` | $(Format-N $ms 'N1') ms | $nature | $(if ($scans) { 'yes' } else { 'no' }) | $(if ($ms -gt $LockTimeoutDefault) { '**over 2 s**' } else { 'under' }) |")
    }
    $md = @"
## $engine`: expand and contract steps on $(Format-N $Rows) rows

Generated by ``bench/Steps.Bench.ps1 -Provider $Provider -Rows $Rows`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC, commit $(git -C $PSScriptRoot rev-parse --short HEAD 2>$null), load average $(((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ').
The three migrations of samples/inventory on the Instances table of samples/baseline with $(Format-N $Rows) rows: one ``Invoke-Expand`` of all three ($(Format-N $calls.Expand 'N2') s$(if ($Offline) { ', with -AllowOffline: this edition builds indexes offline' })), ``Invoke-Migrate`` until done ($(Format-N $calls.Migrate 'N2') s), ``Request-Contract``, the 5 s deprecation window, then ``Invoke-Contract`` of each in order with -AllowOffline ($(Format-N $calls.Contract 'N2') s in all).
Each row is one step the journal (``Get-MigrationJournal``) records with its statement and duration. The lock column says what the statement holds, from what it is (SQL Server's documented locking for that statement; on SQLite every DDL statement holds the database's one write lock until its transaction commits, readers in WAL mode go on reading); ``reads every row`` says whether its time grows with the table. The -LockTimeout default is 2 s: a step that waits longer than that for its lock fails and is retried; a step that holds its lock longer than that makes the application's statements wait as long.

| migration | phase | step | statement | duration | lock held | reads every row | vs 2 s |
|---|---|---|---|---|---|---|---|
$($rowsMd -join "`n")

Steps longer than the 2 s -LockTimeout default: $over of $($journal.Count). Steps whose time grows with the table: $(if ($scanning.Count) { $scanning -join '; ' } else { 'none' }).
"@
    Set-ResultsSection $ResultsPath "$Provider steps" $md
    Step "Done in $(Format-N $BenchClock.Elapsed.TotalSeconds 'N0') s"
}
catch {
    Write-Host "`nSteps bench failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    Write-Host "The temporary folder is kept for inspection: $Temp" -ForegroundColor Yellow
    $KeepTemp = $true; $failed = $true
}
finally {
    if ($Admin) { foreach ($s in $Schemas) { try { Remove-BenchSchema $Admin $s } catch { Write-Host "Could not drop schema $s`: $($_.Exception.Message)" -ForegroundColor Red } }; $Admin.Dispose() }
    if (-not $KeepTemp -and (Test-Path -LiteralPath $Temp)) { Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue }
}
if (Get-Variable failed -ValueOnly -ErrorAction SilentlyContinue) { exit 1 }
