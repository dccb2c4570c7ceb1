# alterColumn, read with src/OnlineMigrations.Engine/Operations/AlterColumn.cs.
#   expand:   adds an internal shadow column (<column>__om_...) of the new definition, and its copies of
#             the column's indexes; a sync trigger keeps the shadow equal to "up" over the old column
#             whenever old code writes it, and, with "down", sets the old column to "down" over the
#             new value whenever new code writes the shadow.
#   migrate:  fills the shadow from "up" in every row where it differs.
#   contract: in one short transaction with the trigger's drop: drops the old column and renames the
#             shadow to the column's name (applications keep using that name throughout).
#   rollback: Undo-Expand drops the shadow, its indexes and the trigger.
# Here: Instances.MemoryMb int (nullable) becomes bigint. NOT NULL and "down" in depth: AlterDown.Tests.ps1.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "alterColumn": { "table": "dbo.Instances", "column": "MemoryMb", "type": "bigint", "up": "CAST([MemoryMb] AS bigint)", "down": "CAST([MemoryMb] AS int)" } } ] }'
}

Describe 'alterColumn on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, MemoryMb) VALUES (1, 'vm-1', 1024), (2, 'vm-2', 2048), (3, 'vm-3', NULL)" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_alter.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
            $script:shadow = Get-TestShadowColumn $db 'Instances' 'MemoryMb'
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: old code''s writes of MemoryMb reach the shadow by up, new code''s writes of the shadow reach MemoryMb by down' -Skip:$Skip {
        $shadow | Should -Not -BeNullOrEmpty
        (Get-TestColumn $db 'Instances' | Where-Object Name -eq $shadow).Type | Should -Be 'bigint'
        Get-TestTrigger $db 'Instances' | Should -Not -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, Name, MemoryMb) VALUES (10, 'old-insert', 512)" | Out-Null        # old code
        Invoke-Sql $db "UPDATE $T SET MemoryMb = 4096 WHERE Id = 1" | Out-Null                               # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name, [$shadow]) VALUES (20, 'new-insert', 8192)" | Out-Null     # new code
        Invoke-Sql $db "UPDATE $T SET [$shadow] = 16384 WHERE Id = 2" | Out-Null                            # new code
        $rows = Invoke-Sql $db "SELECT Id, MemoryMb, [$shadow] AS NewMemoryMb FROM $T ORDER BY Id"
        # Row 3 (from before expand, untouched) waits for migrate.
        ($rows | ForEach-Object { "$($_.Id):$($_.MemoryMb)/$($_.NewMemoryMb)" }) -join ' ' | Should -Be '1:4096/4096 2:16384/16384 3:/ 10:512/512 20:8192/8192'
    }

    It 'migrate + contract: MemoryMb is a nullable bigint in place of the int, with every value; no shadow, no trigger' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name, MemoryMb) VALUES (10, 'old-insert', 512)" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_alter'

        (Get-TestColumn $db 'Instances').Name -join ',' | Should -Be 'Id,Name,Host,Location,Status,MemoryMb'
        (Get-TestColumn $db 'Instances' | Where-Object Name -eq 'MemoryMb').Type | Should -Be 'bigint'
        $column = Get-TestColumnDefinition $db 'Instances' 'MemoryMb'
        $column.Nullable | Should -BeTrue
        $column.Default | Should -BeNullOrEmpty
        Get-TestShadowColumn $db 'Instances' 'MemoryMb' | Should -BeNullOrEmpty
        @(Get-TestTrigger $db 'Instances') | Should -HaveCount 0
        ((Invoke-Sql $db "SELECT Id, MemoryMb FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.MemoryMb)" }) -join ' ' | Should -Be '1:1024 2:2048 3: 10:512'
        # The new definition holds what the old one could not.
        Invoke-Sql $db "UPDATE $T SET MemoryMb = 3000000000 WHERE Id = 1" | Out-Null
        (Invoke-Sql $db "SELECT MemoryMb FROM $T WHERE Id = 1").MemoryMb | Should -Be 3000000000
    }

    It 'Undo-Expand restores the schema and data exactly' -Skip:$Skip {
        # Writes while expanded, by both shapes, ending with the values from before expand.
        Invoke-Sql $db "UPDATE $T SET [$shadow] = 9999 WHERE Id = 1" | Out-Null       # new code; old code sees 9999
        (Invoke-Sql $db "SELECT MemoryMb FROM $T WHERE Id = 1").MemoryMb | Should -Be 9999
        Invoke-Sql $db "UPDATE $T SET MemoryMb = 1024 WHERE Id = 1" | Out-Null         # old code puts it back
        Invoke-Sql $db "INSERT INTO $T (Id, Name, MemoryMb) VALUES (10, 'old-insert', 512)" | Out-Null
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 10" | Out-Null
        "$((Undo-Expand @om -Id 0001_alter -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
