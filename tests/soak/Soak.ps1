<#
.SYNOPSIS
    Crash-safety soak: kills (SIGKILL) a child pwsh running Invoke-Expand, Invoke-Migrate or
    Invoke-Contract at a random moment, re-runs the same cmdlet until done, and checks the phase,
    the catalog against an unkilled reference and every row against values computed in PowerShell.
.DESCRIPTION
    build.ps1 Soak runs it with the staged manifest as the first argument. SQLite always; SQL Server
    too when ONLINEMIGRATIONS_TEST_SQLSERVER is set (each trial in a schema of its own).
    Exits 1 on any failure; writes a summary (and -SummaryPath JSON when given).
.EXAMPLE
    dotnet pwsh tests/soak/Soak.ps1 out/OnlineMigrations/OnlineMigrations.psd1 -Trials 5 -Phase Migrate
#>
param(
    [Parameter(Position = 0)][string]$ModuleManifest,
    [int]$Trials = 20,
    [int]$Rows = 20000,
    [int]$BatchSize = 50,
    [ValidateSet('Expand', 'Migrate', 'Contract')][string[]]$Phase = @('Expand', 'Migrate', 'Contract'),
    [ValidateSet('Sqlite', 'SqlServer')][string[]]$Provider,
    [int]$Seed = (Get-Random -Maximum 1000000),
    [string]$SummaryPath
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ($ModuleManifest) { $env:ONLINEMIGRATIONS_MODULE = (Resolve-Path -LiteralPath $ModuleManifest).Path }
Import-Module (Join-Path $PSScriptRoot '../pester/TestHelpers.psm1') -Force
Import-Module (Get-TestModulePath) -Force
Import-Module (Join-Path $PSScriptRoot 'SoakHelpers.psm1') -Force
if (-not $Provider) { $Provider = @('Sqlite') + @(if ($env:ONLINEMIGRATIONS_TEST_SQLSERVER) { 'SqlServer' }) }

$clock = [Diagnostics.Stopwatch]::StartNew()
$results = foreach ($p in $Provider) {
    foreach ($ph in $Phase) {
        Invoke-SoakTrials -Provider $p -Phase $ph -Trials $Trials -Rows $Rows -BatchSize $BatchSize -Seed ($Seed + [array]::IndexOf(@('Expand', 'Migrate', 'Contract'), $ph))
    }
}
$results = @($results)
$failed = @($results | Where-Object { $_.Failures.Count -gt 0 })

Write-Host "`n== Soak summary (seed $Seed, $Rows rows, batch size $BatchSize, $([Math]::Round($clock.Elapsed.TotalSeconds)) s)"
$summary = foreach ($g in $results | Group-Object Provider, Phase) {
    $f = $g.Group
    [pscustomobject]@{
        Provider = $f[0].Provider; Phase = $f[0].Phase; Trials = $f.Count
        KilledBefore = @($f | Where-Object Landed -EQ 'Before').Count
        KilledMidPhase = @($f | Where-Object Landed -EQ 'Mid').Count
        FinishedBeforeKill = @($f | Where-Object Landed -EQ 'After').Count
        Failures = @($f | Where-Object { $_.Failures.Count -gt 0 }).Count
    }
}
$summary | Format-Table -AutoSize | Out-Host
if (-not $env:ONLINEMIGRATIONS_TEST_SQLSERVER) { Write-Host 'SQL Server: skipped (ONLINEMIGRATIONS_TEST_SQLSERVER is not set).' }
foreach ($r in $failed) { Write-Host "FAILED $($r.Provider) $($r.Phase) trial $($r.Trial): $($r.Failures -join ' || ')" -ForegroundColor Red }
if ($SummaryPath) { @{ Summary = @($summary); Failed = @($failed) } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $SummaryPath -Encoding utf8 }
Write-Host ("{0} trials, {1} killed mid-phase, {2} failed." -f $results.Count, @($results | Where-Object Landed -EQ 'Mid').Count, $failed.Count)
exit $(if ($failed.Count) { 1 } else { 0 })
