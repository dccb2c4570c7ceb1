# dropIndex (src/OnlineMigrations.Engine/Operations/DropIndex.cs), against a real database.
#   expand:   changes nothing; it only checks that the index exists (else it refuses) and records the drop.
#             The old code keeps the index it may rely on until contract.
#   migrate:  nothing to do.
#   contract: drops the index (after the gates, NoDependents among them, have passed).
#   rollback: Undo-Expand has nothing to undo: the index is the user's and stays.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'dropIndex on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db   # Instances with the user's index IX_Instances_Host, and LegacyQuotas
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (1, 'vm-1', 'host-a'), (2, 'vm-2', 'host-a'), (3, 'vm-3', 'host-b')"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_drop_host_index.json' = '{ "operations": [ { "dropIndex": { "table": "dbo.Instances", "name": "IX_Instances_Host" } } ] }'
            }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, nothing has changed: the index is still there and the application keeps using it' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        "$((Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop).Phase)" | Should -Be 'Expanded'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        @(Get-TestIndex $db 'Instances' | ForEach-Object Name) | Should -Contain 'IX_Instances_Host'

        # The application: plain SQL, each statement on its own connection.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (4, 'vm-4', 'host-b')"
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Host = 'host-b'").n | Should -Be 2
    }

    It 'contract drops the index; every other object and the data are untouched' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $data = Get-TestDataChecksum $db
        $others = @(Get-TestCatalogSnapshot $db) -split "`n" | Where-Object { $_ -notmatch 'ix_instances_host' }
        (@(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_drop_host_index'

        @(Get-TestIndex $db 'Instances' | ForEach-Object Name) | Should -Not -Contain 'IX_Instances_Host'
        @(Get-TestCatalogSnapshot $db) -split "`n" | Should -Be $others
        Get-TestDataChecksum $db | Should -Be $data
    }

    It 'Undo-Expand keeps the index (it is the user''s) and leaves schema and data exactly as before' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$((Undo-Expand @om -Id 0001_drop_host_index -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        @(Get-TestIndex $db 'Instances' | ForEach-Object Name) | Should -Contain 'IX_Instances_Host'
    }

    It 'expand refuses an index that does not exist, naming it, and changes nothing' -Skip:$Skip {
        $missing = New-TestMigrationFolder $db -Files @{
            '0001_drop_missing.json' = '{ "operations": [ { "dropIndex": { "table": "dbo.Instances", "name": "IX_Instances_Nope" } } ] }'
        }
        try {
            $before = Get-TestCatalogAndDataSnapshot $db
            $err = try { Invoke-Expand @om -Path $missing -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'OperationRefused,*'
            "$err" | Should -BeLike '*no index IX_Instances_Nope*'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        }
        finally { Remove-TestWorkspace -Folder $missing }
    }
}
