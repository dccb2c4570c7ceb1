<#
    Exit codes a pipeline can act on (issue 13, item 9): Test-ContractReady -Quiet with nothing open is
    $true; when several gates fail, ExitCode names the one to act on first (README order): a requested
    contract that the fleet has not acknowledged is 4 even while data is pending, so a pipeline that
    reruns Invoke-Migrate on 3 does not loop while old instances keep writing old rows.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'
}

Describe 'Exit codes on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 30
        $script:folder = New-TestInventoryFolder $db -Include '0001' -Replace @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It '-Quiet with nothing open is $true, before any store and after every migration is completed' -Skip:$Skip {
        $quiet = @(Test-ContractReady @om -Quiet)
        $quiet | Should -HaveCount 1
        $quiet[0] | Should -BeTrue
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Test-ContractReady @om -Quiet | Should -BeFalse
        $null = Invoke-Migrate @om -Confirm:$false -ErrorAction Stop
        $null = Request-Contract @om -Id $First -Confirm:$false -ErrorAction Stop
        $null = Register-MigrationClient @om -None -Reason 'test database' -Confirm:$false
        $null = Invoke-Contract @om -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Test-ContractReady @om -Quiet | Should -BeTrue
    }

    It 'data pending and an old instance unacknowledged: 3 before the request, 4 once the contract is requested' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Send-MigrationHeartbeat @om -Application inventory -InstanceId old-1 -ObjectVersion 1.0
        $r = Test-ContractReady @om -Id $First
        @($r.Checks | Where-Object { -not $_.Passed }).Name | Should -Contain 'DataMigrated'
        @($r.Checks | Where-Object { -not $_.Passed }).Name | Should -Contain 'FleetAcknowledged'
        $r.ExitCode | Should -Be 3 -Because 'before the request, migrating the data is what to do first'
        $null = Request-Contract @om -Id $First -Confirm:$false -ErrorAction Stop
        $r = Test-ContractReady @om -Id $First
        @($r.Checks | Where-Object { -not $_.Passed }).Name | Should -Contain 'DataMigrated'
        $r.ExitCode | Should -Be 4 -Because 'the fleet must move on first: old code keeps writing old rows'
    }
}
