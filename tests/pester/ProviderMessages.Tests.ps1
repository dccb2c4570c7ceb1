<#
    Provider-true messages (issue 13, item 10): the warning for a table's first trigger speaks of the
    engine it runs on. On SQLite it names SQLite's busy timeout and never SQL Server's OUTPUT clause or
    SqlBulkCopy; on SQL Server it names those.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'The first-trigger warning on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'speaks of the engine it runs on' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningVariable wv -WarningAction SilentlyContinue -ErrorAction Stop
        $first = @($wv | Where-Object { "$_" -match 'first trigger' })
        $first | Should -Not -BeNullOrEmpty
        if ($Provider -eq 'Sqlite') {
            "$first" | Should -Match 'SQLite'
            "$first" | Should -Match 'busy_timeout'
            "$first" | Should -Not -Match 'OUTPUT|SqlBulkCopy|BULK INSERT|EF Core'
        }
        else {
            "$first" | Should -Match 'OUTPUT'
            "$first" | Should -Match 'SqlBulkCopy'
        }
    }
}
