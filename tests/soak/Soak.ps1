<#
.SYNOPSIS
    Crash-safety soak: kills (SIGKILL) a child pwsh running Invoke-Expand, Invoke-Migrate or
    Invoke-Contract at a random moment, re-runs the same cmdlet until done, and checks the phase,
    the catalog against an unkilled reference and every row against values computed in PowerShell.
.DESCRIPTION
    build.ps1 Soak runs it with the staged manifest as the first argument. SQLite always; SQL Server
    too when ONLINEMIGRATIONS_TEST_SQLSERVER is set (each trial in a schema of its own).
    -Trials is the number of kills per phase that must land mid-phase (while the phase was doing
    work); a trial whose kill landed before the work or after the end is repeated, not counted.
    Exits 1 on any failure, and when a phase got fewer mid-phase kills than -Trials; writes a
    summary, per phase, of where the kills landed (and -SummaryPath JSON when given).
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
$summary = @(foreach ($g in $results | Group-Object Provider, Phase) {
    $f = $g.Group
    [pscustomobject]@{
        Provider = $f[0].Provider; Phase = $f[0].Phase; TrialsRun = $f.Count
        MidPhaseKillsAsked = $Trials
        KilledMidPhase = @($f | Where-Object Landed -EQ 'Mid').Count
        KilledBeforeWork = @($f | Where-Object Landed -EQ 'Before').Count
        FinishedBeforeKill = @($f | Where-Object Landed -EQ 'After').Count
        Failures = @($f | Where-Object { $_.Failures.Count -gt 0 }).Count
    }
})
# One line per phase (a table would be cut to the console's width).
foreach ($r in $summary) {
    Write-Host ("{0} {1}: {2} of {3} kills landed mid-phase in {4} trial(s); {5} killed before the work, {6} finished before the kill (repeated); {7} failed" -f
        $r.Provider, $r.Phase, $r.KilledMidPhase, $r.MidPhaseKillsAsked, $r.TrialsRun, $r.KilledBeforeWork, $r.FinishedBeforeKill, $r.Failures)
}
if (-not $env:ONLINEMIGRATIONS_TEST_SQLSERVER) { Write-Host 'SQL Server: skipped (ONLINEMIGRATIONS_TEST_SQLSERVER is not set).' }
foreach ($r in $failed) { Write-Host "FAILED $($r.Provider) $($r.Phase) trial $($r.Trial): $($r.Failures -join ' || ')" -ForegroundColor Red }
# A phase that ran no trial at all (its reference failed) has no group: count it as short too.
$short = @(foreach ($p in $Provider) {
    foreach ($ph in $Phase) {
        $row = @($summary | Where-Object { $_.Provider -eq $p -and $_.Phase -eq $ph })
        $got = if ($row.Count) { $row[0].KilledMidPhase } else { 0 }
        if ($got -lt $Trials) { "$p $ph`: $got of $Trials kills landed mid-phase" }
    }
})
foreach ($s in $short) { Write-Host "TOO FEW MID-PHASE KILLS: $s" -ForegroundColor Red }
if ($SummaryPath) { @{ Summary = @($summary); Failed = @($failed); TooFewMidPhaseKills = @($short) } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $SummaryPath -Encoding utf8 }
Write-Host ("{0} trials, {1} killed mid-phase ({2} asked per phase), {3} failed, {4} phase(s) short of mid-phase kills." -f $results.Count, @($results | Where-Object Landed -EQ 'Mid').Count, $Trials, $failed.Count, $short.Count)
exit $(if ($failed.Count -or $short.Count) { 1 } else { 0 })
