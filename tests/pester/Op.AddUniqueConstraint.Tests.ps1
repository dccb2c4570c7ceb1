# addUniqueConstraint (src/OnlineMigrations.Engine/Operations/AddUniqueConstraint.cs), against a real database.
#   expand:   builds a unique index of that name (a UNIQUE constraint cannot be built online; the index can,
#             where the server builds indexes online, else only with -AllowOffline). It is enforced at once,
#             for every row: rows that already share a value make the build fail, and nothing is enforced.
#   migrate:  nothing to do (no row can violate a unique index that exists).
#   contract: nothing to do: the index is its final shape.
#   rollback: Undo-Expand drops the unique index it built, and nothing else.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'addUniqueConstraint on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db   # Instances with the user's index IX_Instances_Host, and LegacyQuotas
            $script:T = Get-TestTableName $db 'Instances'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (1, 'vm-1', 'host-a'), (2, 'vm-2', 'host-a'), (3, 'vm-3', 'host-b')"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_unique_name.json' = '{ "operations": [ { "addUniqueConstraint": { "table": "dbo.Instances", "name": "UQ_Instances_Name", "columns": ["Name"] } } ] }'
            }
            # A server without online index builds (the T-SQL test engine is Standard Edition) builds it offline, when allowed.
            $script:offline = -not (Test-TestOnlineIndex $db)
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, a unique index enforces it for every write; the application keeps writing distinct values' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $index = @(Get-TestIndex $db 'Instances' | Where-Object Name -eq 'UQ_Instances_Name')
        $index | Should -HaveCount 1
        $index[0].Columns | Should -Be 'Name'
        $index[0].Unique | Should -BeTrue

        # The application: plain SQL, each statement on its own connection.
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (4, 'vm-4')"
        Invoke-Sql $db "UPDATE $T SET Name = 'vm-3b' WHERE Id = 3"
        { Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (5, 'vm-1')" } | Should -Throw -Because 'vm-1 exists'
        { Invoke-Sql $db "UPDATE $T SET Name = 'vm-2' WHERE Id = 1" } | Should -Throw -Because 'vm-2 exists'
        ((Invoke-Sql $db "SELECT Name FROM $T ORDER BY Id") | ForEach-Object Name) -join ',' | Should -Be 'vm-1,vm-2,vm-3b,vm-4'
    }

    It 'migrate and contract change nothing more: the unique index stays as expand built it and the data is untouched' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $expanded = Get-TestCatalogAndDataSnapshot $db
        (@(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_unique_name'

        Get-TestCatalogAndDataSnapshot $db | Should -Be $expanded
        @(Get-TestIndex $db 'Instances' | Where-Object { $_.Name -eq 'UQ_Instances_Name' -and $_.Unique }) | Should -HaveCount 1
    }

    It 'Undo-Expand drops the unique index it built, keeps the user''s index, and leaves schema and data exactly as before' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$((Undo-Expand @om -Id 0001_unique_name -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'

        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        $names = @(Get-TestIndex $db 'Instances' | ForEach-Object Name)
        $names | Should -Not -Contain 'UQ_Instances_Name'
        $names | Should -Contain 'IX_Instances_Host'
    }

    It 'rows that already share a value make expand fail at the build; Undo-Expand then leaves everything as before' -Skip:$Skip {
        Invoke-Sql $db "UPDATE $T SET Name = 'vm-1' WHERE Id = 2"
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = try { Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'StepFailed,*'
        "$((Get-MigrationState @om -Id 0001_unique_name).Phase)" | Should -Be 'Expanding'
        @(Get-TestIndex $db 'Instances' | ForEach-Object Name) | Should -Not -Contain 'UQ_Instances_Name'

        "$((Undo-Expand @om -Id 0001_unique_name -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
