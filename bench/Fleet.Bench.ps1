<#
.SYNOPSIS
    Fleet figures: expand + migrate + contract over a fleet of databases at -ThrottleLimit 1, 2 and 4,
    each reported as a speed-up against -ThrottleLimit 1 in the same run; writes the Fleet section of
    bench/results.md.
.DESCRIPTION
    SQLite: -SqliteTargets database files (50 by default), each an identical copy of one table of
    -Rows rows; a fresh set of copies for each throttle limit. SQL Server (when
    ONLINEMIGRATIONS_TEST_SQLSERVER is set): -SqlServerTargets databases (20 by default) on that server,
    made with tools/New-SqlServerTestDatabase.ps1 and dropped at the end; each throttle limit works on
    its own table schema and store schema in every database, so each starts from the same state.
    The timed work of each limit: Invoke-Expand, Invoke-Migrate and Invoke-Contract over the whole
    fleet (the contract's gates are satisfied beforehand by Request-Contract and a declaration that
    no application reads the databases, which are not timed). Everything runs in this process.
    Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 Bench -FleetOnly
#>
param(
    [Parameter(Mandatory, Position = 0)][string]$ModuleManifest,
    [int]$SqliteTargets = 50,
    [int]$SqlServerTargets = 20,
    [int]$Rows = 20000,
    [int[]]$Limits = @(1, 2, 4),
    [int]$Repeats = 2,
    [string]$ResultsPath = (Join-Path $PSScriptRoot 'results.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'
. (Join-Path $PSScriptRoot 'Common.ps1')
$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
Import-Module $ModuleManifest -Force
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
$Temp = New-BenchTemp 'onlinemigrations-fleet-bench'
$BenchClock = [Diagnostics.Stopwatch]::StartNew()
$Id = '0001_upper'
$Folder = Join-Path $Temp 'migrations'
$null = New-Item -ItemType Directory -Path $Folder
Set-Content -LiteralPath (Join-Path $Folder "$Id.json") -Encoding utf8 -Value @'
{ "deprecationWindow": "0",
  "operations": [ { "addColumn": { "table": "dbo.Tenants", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } } ] }
'@

# One throttle limit over the fleet: the three timed phases, and a check that every target went through.
function Measure-Fleet([hashtable[]]$Targets, [int]$Limit, [hashtable]$Extra, [scriptblock]$Migrated) {
    $common = @{ ThrottleLimit = $Limit; Confirm = $false; WarningAction = 'SilentlyContinue' } + $Extra
    $t = [ordered]@{}
    $t.Expand = Measure-Ms { $script:out = @($Targets | ForEach-Object { [pscustomobject]$_ } | Invoke-Expand -Path $Folder @common) }
    if ($out.Count -ne $Targets.Count) { Fail "-ThrottleLimit $($Limit): $($out.Count) of $($Targets.Count) targets expanded" }
    $t.Migrate = Measure-Ms { $script:out = @($Targets | ForEach-Object { [pscustomobject]$_ } | Invoke-Migrate @common) }
    if (@($out | Where-Object ExitCode -eq 0).Count -ne $Targets.Count) { Fail "-ThrottleLimit $($Limit): not every target migrated" }
    $null = $Targets | ForEach-Object { [pscustomobject]$_ } | Request-Contract -Id $Id @common
    $null = $Targets | ForEach-Object { [pscustomobject]$_ } | Register-MigrationClient -None -Reason 'bench fleet: no application' @common
    $t.Contract = Measure-Ms { $script:out = @($Targets | ForEach-Object { [pscustomobject]$_ } | Invoke-Contract -Id $Id @common) }
    if (@($out | Where-Object Phase -eq 'Completed').Count -ne $Targets.Count) { Fail "-ThrottleLimit $($Limit): not every target contracted" }
    foreach ($target in $Targets) { if (-not (& $Migrated $target)) { Fail "-ThrottleLimit $($Limit): a target's rows are not all migrated" } }
    $t.Total = $t.Expand + $t.Migrate + $t.Contract
    [pscustomobject]$t
}

function Format-Fleet([string]$Engine, [int]$Count, [int]$RowsEach, $Results) {
    $base = $Results[$Limits[0]]
    $lines = foreach ($l in $Limits) {
        $r = $Results[$l]
        "| $Engine | $l | $(Format-N ($r.Expand / 1000) 'N1') s | $(Format-N ($r.Migrate / 1000) 'N1') s | $(Format-N ($r.Contract / 1000) 'N1') s | $(Format-N ($r.Total / 1000) 'N1') s | $(Format-N ($base.Total / $r.Total) 'N2')× |"
    }
    "$Count databases of $(Format-N $RowsEach) rows each on $Engine.`n`n| engine | -ThrottleLimit | expand | migrate | contract | total | speed-up vs 1 |`n|---|---|---|---|---|---|---|`n" + ($lines -join "`n")
}

$sections = [Collections.Generic.List[string]]::new()
try {
    # ------------------------------------------------------------------ SQLite
    Step "SQLite: one table of $Rows rows, copied to $SqliteTargets files for each limit"
    $template = Join-Path $Temp 'template.db'
    Invoke-Sql -Provider Sqlite -ConnectionString "Data Source=$template" -Sql @"
CREATE TABLE Tenants (Id INTEGER PRIMARY KEY, Name TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $Rows) INSERT INTO Tenants (Id, Name) SELECT i, 'tenant-' || i FROM n;
"@ | Out-Null
    & (Get-Module TestHelpers) { Clear-TestSqlitePools }
    $sqlite = @{}
    # A warm-up round (two targets, not counted) first, so that no limit pays for loading and compiling; then
    # the limits in turn, -Repeats rounds, and the best round of each limit.
    $rounds = @(@{ Limit = 2; Count = 2; Warm = $true }) + @(foreach ($r in 1..$Repeats) { foreach ($l in $Limits) { @{ Limit = $l; Count = $SqliteTargets; Warm = $false } } })
    $n = 0
    foreach ($round in $rounds) {
        $l = $round.Limit; $n++
        $targets = @(1..$round.Count | ForEach-Object {
            $file = Join-Path $Temp "r$n-t$_.db"
            Copy-Item -LiteralPath $template -Destination $file
            @{ ConnectionString = "Data Source=$file"; Provider = 'Sqlite' }
        })
        Step "SQLite: expand + migrate + contract over $($round.Count) databases, -ThrottleLimit $l$(if ($round.Warm) { ' (warm-up)' })"
        $r = Measure-Fleet $targets $l @{} {
            param($t) [int](Invoke-Sql -Provider Sqlite -ConnectionString $t.ConnectionString -Sql 'SELECT COUNT(*) AS n FROM Tenants WHERE NameUpper IS NULL')[0].n -eq 0
        }
        Say ("total {0:N1} s (expand {1:N1}, migrate {2:N1}, contract {3:N1})" -f ($r.Total / 1000), ($r.Expand / 1000), ($r.Migrate / 1000), ($r.Contract / 1000))
        if (-not $round.Warm -and (-not $sqlite.ContainsKey($l) -or $r.Total -lt $sqlite[$l].Total)) { $sqlite[$l] = $r }
        & (Get-Module TestHelpers) { Clear-TestSqlitePools }
        foreach ($t in $targets) { Remove-Item -LiteralPath ($t.ConnectionString -replace '^Data Source=', '') -Force -ErrorAction SilentlyContinue }
    }
    $sections.Add((Format-Fleet 'SQLite' $SqliteTargets $Rows $sqlite))

    # ------------------------------------------------------------------ SQL Server
    if ($env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
        Step "SQL Server: $SqlServerTargets databases"
        $databases = @(1..$SqlServerTargets | ForEach-Object { & (Join-Path $PSScriptRoot '../tools/New-SqlServerTestDatabase.ps1') $env:ONLINEMIGRATIONS_TEST_SQLSERVER })
        try {
            $server = @{}
            $rounds = @(@{ Limit = 2; Count = 2; Warm = $true }) + @(foreach ($r in 1..$Repeats) { foreach ($l in $Limits) { @{ Limit = $l; Count = $SqlServerTargets; Warm = $false } } })
            $n = 0
            foreach ($round in $rounds) {
                $l = $round.Limit; $n++
                # Each round works on its own table schema and store schema in every database, so each starts from the same state.
                $schema = "om_fleet_r$n"
                $chosen = @($databases | Select-Object -First $round.Count)
                foreach ($cs in $chosen) {
                    Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql "CREATE SCHEMA [$schema];" | Out-Null
                    Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql @"
CREATE TABLE [$schema].[Tenants] (Id int NOT NULL PRIMARY KEY, Name nvarchar(64) NOT NULL);
WITH n AS (SELECT TOP ($Rows) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
INSERT INTO [$schema].[Tenants] (Id, Name) SELECT i, CONCAT(N'tenant-', i) FROM n;
"@ | Out-Null
                }
                Set-Content -LiteralPath (Join-Path $Folder "$Id.json") -Encoding utf8 -Value (@'
{ "deprecationWindow": "0",
  "operations": [ { "addColumn": { "table": "SCHEMA.Tenants", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } } ] }
'@).Replace('SCHEMA', $schema)
                $targets = @($chosen | ForEach-Object { @{ ConnectionString = $_; Provider = 'SqlServer' } })
                Step "SQL Server: expand + migrate + contract over $($round.Count) databases, -ThrottleLimit $l$(if ($round.Warm) { ' (warm-up)' })"
                $r = Measure-Fleet $targets $l @{ StoreSchema = "$($schema)_store" } {
                    param($t) [int](Invoke-Sql -Provider SqlServer -ConnectionString $t.ConnectionString -Sql "SELECT COUNT(*) AS n FROM [$schema].[Tenants] WHERE NameUpper IS NULL")[0].n -eq 0
                }
                Say ("total {0:N1} s (expand {1:N1}, migrate {2:N1}, contract {3:N1})" -f ($r.Total / 1000), ($r.Expand / 1000), ($r.Migrate / 1000), ($r.Contract / 1000))
                if (-not $round.Warm -and (-not $server.ContainsKey($l) -or $r.Total -lt $server[$l].Total)) { $server[$l] = $r }
            }
            $sections.Add((Format-Fleet 'the T-SQL engine (one server)' $SqlServerTargets $Rows $server))
        }
        finally {
            foreach ($cs in $databases) { & (Join-Path $PSScriptRoot '../tools/New-SqlServerTestDatabase.ps1') $cs -Drop | Out-Null }
        }
    }
    else { Say 'SQL Server part skipped: ONLINEMIGRATIONS_TEST_SQLSERVER is not set.' }

    $m = Get-BenchMachine $ModuleManifest
    $machine = "$($m['CPUs (nproc)']) CPUs ($($m['CPU model'])), $($m['Memory']), load average $($m['Load average']) at the end"
    $commit = (git -C (Join-Path $PSScriptRoot '..') rev-parse --short HEAD 2>$null)
    $text = "## Fleet`n`n$(Get-Date -Format 'yyyy-MM-dd'), commit $commit, $machine. Each figure is the wall time of the whole call over the fleet, in this process: the best of $Repeats rounds per limit, the limits taken in turn after a warm-up round.`n`n" + ($sections -join "`n`n")
    Set-ResultsSection $ResultsPath 'Fleet' $text
    Write-Host "`n$text"
}
finally {
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
}
