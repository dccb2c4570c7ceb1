<#
    Crash safety, a small slice of tests/soak/Soak.ps1: per phase, a child pwsh running the phase's
    cmdlet on the sample inventory is killed (Stop-Process -Force) at a random moment, the cmdlet is
    run again until done, and the phase, the catalog (against an unkilled reference) and every row
    (against values computed in PowerShell from the seeded data) are checked. Only a kill that landed
    while the phase was doing work counts: a trial killed before the work or after the end is
    repeated, and the test fails when fewer than 2 kills per phase landed mid-phase.
#>
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $cases = foreach ($p in Get-TestProvider) {
        foreach ($phase in 'Expand', 'Migrate', 'Contract') { @{ Provider = $p.Provider; Skip = $p.Skip; Phase = $phase } }
    }
}
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module "$PSScriptRoot/../soak/SoakHelpers.psm1" -Force
}

Describe 'Crash safety on <Provider>' -ForEach @(Get-TestProvider) {
    It 'survives kill -9 in the middle of <Phase> (2 mid-phase kills)' -Skip:$Skip -ForEach @($cases | Where-Object Provider -EQ $Provider) {
        $log = [Collections.Generic.List[string]]::new()
        $results = @(Invoke-SoakTrials -Provider $Provider -Phase $Phase -Trials 2 -MaxAttempts 12 -Rows 3000 -BatchSize 20 -Log { param($line) $log.Add($line) }.GetNewClosure())
        Write-Host ($log -join "`n")
        $failures = @($results | Where-Object { $_.Failures.Count -gt 0 } | ForEach-Object { "trial $($_.Trial) (landed $($_.Landed)): $($_.Failures -join ' || ')" })
        $failures | Should -BeNullOrEmpty -Because ($log -join "`n")
        $mid = @($results | Where-Object Landed -EQ 'Mid')
        $mid.Count | Should -Be 2 -Because "2 kills must land while $Phase is doing work (kills that landed before or after are repeated, not counted):`n$($log -join "`n")"
        @($results | Where-Object Counted).Count | Should -Be 2
        $mid | ForEach-Object { $_.Runs | Should -BeGreaterOrEqual 1 }
    }
}
