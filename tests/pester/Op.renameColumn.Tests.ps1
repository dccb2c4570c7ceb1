# renameColumn, read with src/OnlineMigrations.Engine/Operations/RenameColumn.cs.
#   expand:   adds "to" with the type and collation of "from", builds the indexes that include "from"
#             again on "to", and puts a two-way sync trigger on the table: old code writes "from", new
#             code writes "to", each sees the other's writes (a statement that writes "to" wins).
#   migrate:  copies "from" into "to" in every row where they differ.
#   contract: drops "from", its indexes and the trigger; the indexes on "to" take their old names
#             (where the server can rename an index).
#   rollback: Undo-Expand drops "to", its indexes and the trigger.
# Here: Instances.Host (nullable, indexed by IX_Instances_Host) becomes ComputeHost. The NOT NULL, default
# and key-column cases are in RenameKeeps.Tests.ps1.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "ComputeHost" } } ] }'
    function script:Get-Rows($db, $T) {
        ((Invoke-Sql $db "SELECT Id, Host, ComputeHost FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Host)/$($_.ComputeHost)" }) -join ' '
    }
}

Describe 'renameColumn on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db      # on an edition without online index builds this also allows the offline index build
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (1, 'vm-1', 'h1'), (2, 'vm-2', 'h2'), (3, 'vm-3', NULL)" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_rename.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: old code writes Host, new code writes ComputeHost, and each sees the other''s writes' -Skip:$Skip {
        Get-TestTrigger $db 'Instances' | Should -Not -BeNullOrEmpty
        (Get-TestIndex $db 'Instances' | Where-Object Columns -eq 'ComputeHost') | Should -Not -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (10, 'old-insert', 'h10')" | Out-Null        # old code
        Invoke-Sql $db "UPDATE $T SET Host = 'h1-old' WHERE Id = 1" | Out-Null                            # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name, ComputeHost) VALUES (20, 'new-insert', 'h20')" | Out-Null # new code
        Invoke-Sql $db "UPDATE $T SET ComputeHost = 'h2-new' WHERE Id = 2" | Out-Null                     # new code
        # Row 3 (from before expand, untouched) waits for migrate; Host NULL stays NULL either way.
        Get-Rows $db $T | Should -Be '1:h1-old/h1-old 2:h2-new/h2-new 3:/ 10:h10/h10 20:h20/h20'
    }

    It 'migrate + contract: Host is gone, ComputeHost holds every value, keeps the type and the index, no trigger' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name, ComputeHost) VALUES (20, 'new-insert', 'h20')" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_rename'

        (Get-TestColumn $db 'Instances').Name -join ',' | Should -Be 'Id,Name,MemoryMb,Location,Status,ComputeHost'
        (Get-TestColumn $db 'Instances' | Where-Object Name -eq 'ComputeHost').Type | Should -Be 'nvarchar'
        $column = Get-TestColumnDefinition $db 'Instances' 'ComputeHost'
        $column.Nullable | Should -BeTrue
        $column.Default | Should -BeNullOrEmpty
        @(Get-TestTrigger $db 'Instances') | Should -HaveCount 0
        $index = @(Get-TestIndex $db 'Instances')
        $index | Should -HaveCount 1
        $index[0].Columns | Should -Be 'ComputeHost'
        # The T-SQL test engine cannot rename an index: there it keeps its interim name (README).
        if (Test-TestRenameIndex $db) { $index[0].Name | Should -Be 'IX_Instances_Host' }
        ((Invoke-Sql $db "SELECT Id, ComputeHost FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.ComputeHost)" }) -join ' ' | Should -Be '1:h1 2:h2 3: 20:h20'
    }

    It 'Undo-Expand restores the schema and data exactly' -Skip:$Skip {
        # Writes while expanded, through both names, ending with the values from before expand.
        Invoke-Sql $db "UPDATE $T SET ComputeHost = 'moved' WHERE Id = 1" | Out-Null     # new code; old code sees it
        (Invoke-Sql $db "SELECT Host FROM $T WHERE Id = 1").Host | Should -Be 'moved'
        Invoke-Sql $db "UPDATE $T SET Host = 'h1' WHERE Id = 1" | Out-Null                # old code puts it back
        Invoke-Sql $db "INSERT INTO $T (Id, Name, ComputeHost) VALUES (20, 'new-insert', 'h20')" | Out-Null
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 20" | Out-Null
        "$((Undo-Expand @om -Id 0001_rename -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
