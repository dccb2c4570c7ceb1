# MigrationProgress.Timings: where a backfill's time went, part by part (issue #17). Measurement only:
# the parts add up to no more than the run, count the batches the run reports, and a -Delay shows up
# as the pause it is, while the data ends migrated as without them.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:NoWindow = @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }
}

Describe 'Invoke-Migrate timings on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider
            $cn = Get-TestConnectionParameters $db
            $folders = [Collections.Generic.List[string]]::new()
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folders } }

    It 'reports each part of the backfill, within the run, one batch each, with -Delay as the pause' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 2000
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -AllowOffline -WarningAction SilentlyContinue
        $p = Invoke-Migrate @cn -BatchSize 250 -Delay ([TimeSpan]::FromMilliseconds(40)) -Confirm:$false

        $p.Complete | Should -BeTrue
        $p.Batches | Should -Be 8 -Because '2,000 rows in batches of 250'
        $t = $p.Timings
        $t.Batches | Should -Be $p.Batches
        foreach ($part in 'Plan', 'KeyRange', 'Update', 'Checkpoint', 'SessionContext', 'Commit', 'Verify', 'Store') {
            $t.$part | Should -BeGreaterThan ([TimeSpan]::Zero) -Because "$part ran in every batch or once per run"
        }
        # The pause after each of the 8 batches (the walk's last probe finds no batch and is not followed by one).
        $t.Pause.TotalMilliseconds | Should -BeGreaterOrEqual (8 * 40)
        $t.Total | Should -BeLessOrEqual $p.Duration
        ($t.Parts | ForEach-Object Key) | Should -Be @('Plan', 'Prepare', 'PassStart', 'KeyRange', 'Update', 'Checkpoint', 'SessionContext', 'Commit', 'Pause', 'RunnerLock', 'Throttle', 'Progress', 'Scripts', 'Verify', 'Store')
        $sum = [TimeSpan]::Zero; foreach ($x in $t.Parts) { $sum += $x.Value }
        $sum | Should -Be $t.Total
        # And the data is migrated as it would be without them.
        $table = Get-TestTableName $db 'Instances'
        $differ = if ($Provider -eq 'Sqlite') { '[Host] IS NOT [ComputeHost]' } else { 'EXISTS (SELECT [Host] EXCEPT SELECT [ComputeHost])' }
        [long](Invoke-Sql $db "SELECT COUNT(*) AS n FROM $table WHERE $differ").n | Should -Be 0
    }
}
