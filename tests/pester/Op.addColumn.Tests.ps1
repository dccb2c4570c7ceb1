# addColumn, read with src/OnlineMigrations.Engine/Operations/AddColumn.cs.
#   expand:   adds the column, nullable (old code does not know it and never writes it). With "up", a
#             sync trigger fills it from "up" for every row old code writes without it; a statement
#             that writes the column (new code) keeps its value.
#   migrate:  fills "up" into the existing rows whose column is still NULL (or holds its default).
#   contract: drops the sync trigger; the column stays as added (a final NOT NULL, when asked, is an
#             offline step: AddColumnDefault.Tests.ps1).
#   rollback: Undo-Expand drops the column and the trigger; it refuses while the column holds values
#             new code wrote that "up" cannot give (they would be lost), unless -Force.
# Here: Instances gets Label nvarchar(64), up = UPPER([Name]).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Label", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } } ] }'
    function script:Get-Rows($db, $T) {
        ((Invoke-Sql $db "SELECT Id, Name, Label FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)/$($_.Label)" }) -join ' '
    }
}

Describe 'addColumn on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'vm-1'), (2, 'vm-2')" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_add.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: old code writes without the column and the trigger fills it from up; new code''s value is kept' -Skip:$Skip {
        (Get-TestColumnDefinition $db 'Instances' 'Label').Nullable | Should -BeTrue
        Get-TestTrigger $db 'Instances' | Should -Not -BeNullOrEmpty     # the sync trigger (SQLite: one per statement kind)
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null          # old code
        Invoke-Sql $db "UPDATE $T SET Name = 'vm-2b' WHERE Id = 2" | Out-Null                   # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Label) VALUES (20, 'new-insert', 'Custom')" | Out-Null   # new code
        # Rows from before expand wait for migrate (row 1); every row written since has its Label.
        Get-Rows $db $T | Should -Be '1:vm-1/ 2:vm-2b/VM-2B 10:old-insert/OLD-INSERT 20:new-insert/Custom'
        # Old code reads new code's row through the columns it knows.
        (Invoke-Sql $db "SELECT Name FROM $T WHERE Id = 20").Name | Should -Be 'new-insert'
    }

    It 'migrate fills the rest; contract leaves a nullable nvarchar Label with every value, and no trigger' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Label) VALUES (20, 'new-insert', 'Custom')" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_add'

        (Get-TestColumn $db 'Instances').Name -join ',' | Should -Be 'Id,Name,Host,MemoryMb,Location,Status,Label'
        (Get-TestColumn $db 'Instances' | Where-Object Name -eq 'Label').Type | Should -Be 'nvarchar'
        $label = Get-TestColumnDefinition $db 'Instances' 'Label'
        $label.Nullable | Should -BeTrue
        $label.Default | Should -BeNullOrEmpty
        @(Get-TestTrigger $db 'Instances') | Should -HaveCount 0
        Get-Rows $db $T | Should -Be '1:vm-1/VM-1 2:vm-2/VM-2 20:new-insert/Custom'
        # After contract nothing fills it any more: it is an ordinary column.
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (30, 'after')" | Out-Null
        (Invoke-Sql $db "SELECT Label FROM $T WHERE Id = 30").Label | Should -BeNullOrEmpty
    }

    It 'Undo-Expand restores the schema and data exactly; it refuses while Label holds a value only new code wrote' -Skip:$Skip {
        # Writes while expanded: old code inserts (the trigger fills Label), new code writes its own Label.
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null
        Invoke-Sql $db "UPDATE $T SET Label = 'Custom' WHERE Id = 1" | Out-Null
        $mid = Get-TestCatalogAndDataSnapshot $db
        { Undo-Expand @om -Id 0001_add -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackRefused*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $mid
        # A value up gives is not lost by the drop: once new code's value is gone, undo goes ahead.
        Invoke-Sql $db "UPDATE $T SET Label = 'VM-1' WHERE Id = 1" | Out-Null
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 10" | Out-Null
        "$((Undo-Expand @om -Id 0001_add -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
