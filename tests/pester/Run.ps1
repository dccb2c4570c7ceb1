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
$unattributed = @(@($result.FailedContainers) + @($result.FailedBlocks) | Where-Object { $_ -and $_.FailedCount -eq 0 })
# Every test Pester ran is in exactly one count: Inconclusive and NotRun are reported and fail the run
# (a test that cannot run here is skipped with -Skip or Set-ItResult -Skipped -Because <reason>).
$inconclusive = @($result.Tests | Where-Object Result -EQ 'Inconclusive')
$notRun = @($result.Tests | Where-Object Result -EQ 'NotRun')
$counted = $result.PassedCount + $result.FailedCount + $result.SkippedCount + $inconclusive.Count + $notRun.Count
$counts = [ordered]@{
    Passed       = $result.PassedCount
    Failed       = $result.FailedCount + $unattributed.Count
    Skipped      = $result.SkippedCount
    Inconclusive = $inconclusive.Count
    NotRun       = $notRun.Count
    # Tests in no count above (an outcome this script does not know): a failure too.
    Uncounted    = [Math]::Max(0, $result.TotalCount - $counted)
    Total        = $result.TotalCount
    Result       = $result.Result
    NotPassed    = @(@($inconclusive) + @($notRun) | ForEach-Object { "$($_.Result): $($_.ExpandedPath)" })
    # Each failure with the first lines of its message: build.ps1 repeats them just above the
    # closing line, so that a CI log that keeps only its head and tail still names them.
    Failures     = @(
        @($result.Failed | ForEach-Object {
            $message = @($_.ErrorRecord | ForEach-Object { "$_" }) -join ' '
            # A test failed by its block's BeforeAll holds no error of its own: the block's is the reason.
            for ($block = $_.Block; -not $message -and $block; $block = $block.Parent) {
                $message = @($block.ErrorRecord | ForEach-Object { "$_" }) -join ' '
            }
            [ordered]@{ Name = $_.ExpandedPath; File = $_.ScriptBlock.File; Message = $message }
        }) +
        @($unattributed | ForEach-Object {
            $message = @($_.ErrorRecord | ForEach-Object { "$_" }) -join ' '
            [ordered]@{ Name = "$($_.Name) (setup or teardown)"; File = "$($_.Item)"; Message = $message }
        })
    )
}
foreach ($line in $counts.NotPassed) { Write-Host $line -ForegroundColor Red }
if ($ResultFile) { $counts | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8 }
if ($counts.Failed + $counts.Inconclusive + $counts.NotRun + $counts.Uncounted -gt 0) { exit 1 }
exit 0
