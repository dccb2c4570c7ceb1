# The SQL that -Script returns is what a reviewer reads in a pull request and what a DBA may run by
# hand: running it must produce exactly the schema Invoke-Expand produces.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Invoke-Expand -Script on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $applied = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            $byHand = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            Initialize-TestBaseline $applied
            Initialize-TestBaseline $byHand
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $applied; Remove-TestWorkspace $byHand } }

    It 'returns a script that, run by hand, builds the same schema as Invoke-Expand' -Skip:$Skip {
        $folderApplied = New-TestMigrationFolder $applied
        $folderByHand = New-TestMigrationFolder $byHand
        $om = Get-TestConnectionParameters $byHand
        $script = Invoke-Expand @om -Path $folderByHand -Id 0001_instances_compute_host -Script
        $script | Should -Not -BeNullOrEmpty
        # Nothing ran: not even the state store exists yet.
        Get-TestStoreObject $byHand | Should -BeNullOrEmpty

        $batches = if ($Provider -eq 'SqlServer') { $script -split '(?m)^GO\r?$' } else { , $script }
        foreach ($batch in $batches) { if ($batch.Trim()) { Invoke-Sql $byHand $batch | Out-Null } }

        $omApplied = Get-TestConnectionParameters $applied
        Invoke-Expand @omApplied -Path $folderApplied -Id 0001_instances_compute_host -Confirm:$false | Out-Null
        (Get-TestCatalogSnapshot $byHand) | Should -Be (Get-TestCatalogSnapshot $applied)
    }
}
