# dropColumn, read with src/OnlineMigrations.Engine/Operations/DropColumn.cs.
#   expand:   records the drop; the column stays, since old code still reads and writes it. Only a NOT
#             NULL column without a default changes: it is made nullable (or given a temporary default)
#             so that new code can insert rows without it, or expand refuses where the engine can do
#             neither (that case: DropColumnInsert.Tests.ps1).
#   migrate:  nothing.
#   contract: drops the column (once the NoDependents gate finds nothing that still uses it).
#   rollback: Undo-Expand undoes what expand changed (a relaxed NOT NULL comes back); the column's data
#             was never touched.
# Here: Instances.Location (nullable, no index) is dropped.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "dropColumn": { "table": "dbo.Instances", "column": "Location" } } ] }'
}

Describe 'dropColumn on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Location) VALUES (1, 'vm-1', 'EUW1-R001'), (2, 'vm-2', NULL)" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_drop.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: nothing has changed; old code writes Location, new code inserts without it' -Skip:$Skip {
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Location) VALUES (10, 'old-insert', 'USE2-R010')" | Out-Null   # old code
        Invoke-Sql $db "UPDATE $T SET Location = 'APS3-R002' WHERE Id = 2" | Out-Null                           # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (20, 'new-insert')" | Out-Null                         # new code
        Invoke-Sql $db "UPDATE $T SET Name = 'vm-1b' WHERE Id = 1" | Out-Null                                   # new code
        ((Invoke-Sql $db "SELECT Id, Name, Location FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)/$($_.Location)" }) -join ' ' |
            Should -Be '1:vm-1b/EUW1-R001 2:vm-2/APS3-R002 10:old-insert/USE2-R010 20:new-insert/'
    }

    It 'migrate + contract: Location is gone, every other column and value is as it was' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (20, 'new-insert')" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_drop'

        (Get-TestColumn $db 'Instances').Name -join ',' | Should -Be 'Id,Name,Host,MemoryMb,Status'
        Get-TestColumnDefinition $db 'Instances' 'Location' | Should -BeNullOrEmpty
        (Get-TestColumnDefinition $db 'Instances' 'Name').Nullable | Should -BeFalse
        (Get-TestColumnDefinition $db 'Instances' 'Status').Default | Should -Match 'ACTIVE'
        @(Get-TestTrigger $db 'Instances') | Should -HaveCount 0
        (Get-TestIndex $db 'Instances').Columns | Should -Be 'Host'
        ((Invoke-Sql $db "SELECT Id, Name, Status FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)/$($_.Status)" }) -join ' ' |
            Should -Be '1:vm-1/ACTIVE 2:vm-2/ACTIVE 20:new-insert/ACTIVE'
    }

    It 'Undo-Expand restores the schema and data exactly' -Skip:$Skip {
        Invoke-Sql $db "UPDATE $T SET Location = NULL WHERE Id = 1" | Out-Null           # old code
        Invoke-Sql $db "UPDATE $T SET Location = 'EUW1-R001' WHERE Id = 1" | Out-Null    # and back
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (20, 'new-insert')" | Out-Null  # new code
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 20" | Out-Null
        "$((Undo-Expand @om -Id 0001_drop -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
