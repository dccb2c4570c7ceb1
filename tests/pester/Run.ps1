<#
.SYNOPSIS
    Runs Pester in this (fresh) pwsh and writes the counts as JSON; build.ps1 Test starts it.
.DESCRIPTION
    Run directly to debug one file:
      $env:ONLINEMIGRATIONS_MODULE = "$PWD/out/OnlineMigrations/OnlineMigrations.psd1"
      dotnet pwsh tests/pester/Run.ps1 -PesterManifest <nuget>/pester/5.7.1/tools/Pester.psd1 -Path tests/pester/Module.Tests.ps1
#>
param(
    [Parameter(Mandatory)][string]$PesterManifest,
    [string[]]$Path = $PSScriptRoot,
    [string]$ResultFile
)
$ErrorActionPreference = 'Stop'
Import-Module -Name $PesterManifest -Force

$config = New-PesterConfiguration
# 'pwsh -File' hands over one string: paths are comma-separated.
$config.Run.Path = @($Path -split ',' | Where-Object { $_ })
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'

$result = Invoke-Pester -Configuration $config

# Pester marks the tests of a block whose BeforeAll failed as failed; a file that does not parse,
# or a failed AfterAll, fails no test at all yet is a failure: count each such one once.
$unattributed = @(@($result.FailedContainers) + @($result.FailedBlocks) | Where-Object { $_ -and $_.FailedCount -eq 0 }).Count
$counts = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $unattributed
    Skipped = $result.SkippedCount
    NotRun  = $result.NotRunCount
    Result  = $result.Result
}
if ($ResultFile) { $counts | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8 }
if ($counts.Failed -gt 0) { exit 1 }
exit 0
