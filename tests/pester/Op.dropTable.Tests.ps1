# dropTable, read with src/OnlineMigrations.Engine/Operations/DropTable.cs.
#   expand:   records the drop (refused if the table does not exist); the table stays, old code still
#             reads and writes it, new code no longer uses it.
#   migrate:  nothing.
#   contract: drops the table (once the NoDependents gate finds nothing that still uses it).
#   rollback: Undo-Expand has nothing to undo: the table and its rows were never touched.
# Here: LegacyQuotas is dropped; Instances must come through unchanged.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }'
    function script:Get-InstancesShape($db) {
        # Instances' columns with their types and nullability, its indexes, and the checksum of its rows.
        (Get-TestColumn $db 'Instances' | ForEach-Object { "$($_.Name):$($_.Type):$((Get-TestColumnDefinition $db 'Instances' $_.Name).Nullable)" }) -join ','
        (Get-TestIndex $db 'Instances' | ForEach-Object { "$($_.Name)($($_.Columns))" }) -join ','
        Get-TestDataChecksum $db | Where-Object { $_ -like 'Instances |*' }
    }
}

Describe 'dropTable on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:Q = Get-TestTableName $db 'LegacyQuotas'
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'vm-1'); INSERT INTO $Q (ProjectId, Instances) VALUES (1, 10), (2, 20);" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:instancesBefore = Get-InstancesShape $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_drop.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: nothing has changed; old code still writes LegacyQuotas, new code works without it' -Skip:$Skip {
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Invoke-Sql $db "INSERT INTO $Q (ProjectId, Instances) VALUES (3, 30)" | Out-Null        # old code
        Invoke-Sql $db "UPDATE $Q SET Instances = 11 WHERE ProjectId = 1" | Out-Null           # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (20, 'new-insert')" | Out-Null        # new code
        ((Invoke-Sql $db "SELECT ProjectId, Instances FROM $Q ORDER BY ProjectId") | ForEach-Object { "$($_.ProjectId):$($_.Instances)" }) -join ' ' | Should -Be '1:11 2:20 3:30'
        Get-TestTrigger $db 'LegacyQuotas' | Should -BeNullOrEmpty
    }

    It 'migrate + contract: LegacyQuotas is gone, Instances is exactly as it was' -Skip:$Skip {
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_drop'

        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse
        Test-TestTableExists $db 'Instances' | Should -BeTrue
        # Instances comes through as it was: columns, indexes, and its rows (one checksum line per table).
        Get-InstancesShape $db | Should -Be $instancesBefore
        (Get-TestCatalogAndDataSnapshot $db) | Should -Not -Match 'LegacyQuotas'
    }

    It 'Undo-Expand restores the schema and data exactly' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $Q (ProjectId, Instances) VALUES (3, 30)" | Out-Null        # old code
        Invoke-Sql $db "DELETE FROM $Q WHERE ProjectId = 3" | Out-Null
        "$((Undo-Expand @om -Id 0001_drop -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        # A rolled-back drop is no longer pending: contract can never run it.
        { Invoke-Contract @om -Id 0001_drop -Confirm:$false -ErrorAction Stop } | Should -Throw
    }
}
