# trackObjectVersion, read with src/OnlineMigrations.Engine/Operations/TrackObjectVersion.cs.
#   expand:   adds the object-version column (nullable varchar(32)) that application code stamps on
#             every row it writes, and an index on it where the server can build one online. Old code
#             does not know the column and leaves it NULL; new code stamps its version.
#   migrate:  the backfill stamps the migration's objectVersion on every row that carries an older one
#             (NULL counts as older), so that the ObjectVersion gate can pass.
#   contract: keeps the column and its values: from now on every migration of the table stamps and
#             counts versions through it.
#   rollback: Undo-Expand drops the column and its index.
# Here: Instances gets ObjectVersion, and the migration's objectVersion is 2.0.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [ { "trackObjectVersion": { "table": "dbo.Instances", "column": "ObjectVersion" } } ] }'
}

Describe 'trackObjectVersion on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'vm-1'), (2, 'vm-2'), (3, 'vm-3')" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_track.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: a nullable version column; old code leaves it NULL, new code stamps its version' -Skip:$Skip {
        $column = Get-TestColumnDefinition $db 'Instances' 'ObjectVersion'
        $column | Should -Not -BeNullOrEmpty
        $column.Nullable | Should -BeTrue
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null                                  # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name, ObjectVersion) VALUES (20, 'new-insert', '2.0')" | Out-Null            # new code
        Invoke-Sql $db "UPDATE $T SET Name = 'vm-2b', ObjectVersion = '2.0' WHERE Id = 2" | Out-Null                    # new code
        ((Invoke-Sql $db "SELECT Id, ObjectVersion FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.ObjectVersion)" }) -join ' ' |
            Should -Be '1: 2:2.0 3: 10: 20:2.0'
        $gate = (Test-ContractReady @om -Id 0001_track).Checks | Where-Object Name -eq 'ObjectVersion'
        $gate.Passed | Should -BeFalse -Because 'rows 1, 3 and 10 carry no version yet'
    }

    It 'migrate stamps every older row and contract keeps the column with its values' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null
        $progress = @(Invoke-Migrate @om -Confirm:$false)
        $progress[-1].ExitCode | Should -Be 0
        @(Invoke-Sql $db "SELECT Id FROM $T WHERE ObjectVersion IS NULL OR ObjectVersion <> '2.0'").Count | Should -Be 0
        ((Test-ContractReady @om -Id 0001_track).Checks | Where-Object Name -eq 'ObjectVersion').Passed | Should -BeTrue
        Complete-TestContract $db '0001_track'
        (Get-MigrationState @om -Id 0001_track).Phase | Should -Be 'Completed'
        (Get-TestColumnDefinition $db 'Instances' 'ObjectVersion').Nullable | Should -BeTrue
        ((Invoke-Sql $db "SELECT Id, Name, ObjectVersion FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name):$($_.ObjectVersion)" }) -join ' ' |
            Should -Be '1:vm-1:2.0 2:vm-2:2.0 3:vm-3:2.0 10:old-insert:2.0'
    }

    It 'Undo-Expand drops the column and its index: catalog and data as before expand' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 10" | Out-Null
        Undo-Expand @om -Id 0001_track -Confirm:$false -ErrorAction Stop | Out-Null
        (Get-MigrationState @om -Id 0001_track).Phase | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
