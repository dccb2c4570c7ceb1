# createTable, read with src/OnlineMigrations.Engine/Operations/CreateTable.cs.
#   expand:   creates the table with its columns (type, nullability, default) and primary key (its
#             columns NOT NULL, as are identity columns, whatever "nullable" defaults to); refused
#             when any object already holds the name. Old code never sees it; new code writes it at once.
#   migrate:  nothing.
#   contract: nothing: the table stays as created.
#   rollback: Undo-Expand drops the table; it refuses while the table holds rows (new code's data
#             would be lost), unless -Force.
# Here: a new table Flavors (Id int primary key, Name nvarchar(64) NOT NULL, Vcpus int NULL DEFAULT 1).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "createTable": { "table": "dbo.Flavors", "columns": [
        { "name": "Id", "type": "int", "primaryKey": true },
        { "name": "Name", "type": "nvarchar(64)", "nullable": false },
        { "name": "Vcpus", "type": "int", "nullable": true, "default": "1" } ] } } ] }'
}

Describe 'createTable on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:F = Get-TestTableName $db 'Flavors'
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'vm-1')" | Out-Null
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_create.json' = $Migration }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: new code writes the new table, old code goes on with the old one untouched' -Skip:$Skip {
        Test-TestTableExists $db 'Flavors' | Should -BeTrue
        Invoke-Sql $db "INSERT INTO $F (Id, Name, Vcpus) VALUES (1, 'small', 2)" | Out-Null   # new code
        Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (2, 'tiny')" | Out-Null              # new code, default Vcpus
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-insert')" | Out-Null       # old code
        ((Invoke-Sql $db "SELECT Id, Name, Vcpus FROM $F ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)/$($_.Vcpus)" }) -join ' ' | Should -Be '1:small/2 2:tiny/1'
        ((Invoke-Sql $db "SELECT Id FROM $T ORDER BY Id") | ForEach-Object Id) -join ',' | Should -Be '1,10'
        Get-TestTrigger $db 'Instances' | Should -BeNullOrEmpty
        { Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (1, 'duplicate key')" } | Should -Throw
        { Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (3, NULL)" } | Should -Throw
        { Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (NULL, 'no key')" } | Should -Throw   # a key column is NOT NULL
    }

    It 'migrate + contract: the table stays as created, with its rows' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (1, 'small')" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_create'

        $columns = @(Get-TestColumn $db 'Flavors')
        ($columns | ForEach-Object { "$($_.Name):$($_.Type)" }) -join ',' | Should -Be 'Id:int,Name:nvarchar,Vcpus:int'
        (Get-TestColumnDefinition $db 'Flavors' 'Id').Nullable | Should -BeFalse
        $name = Get-TestColumnDefinition $db 'Flavors' 'Name'
        $name.Nullable | Should -BeFalse
        $name.Default | Should -BeNullOrEmpty
        $vcpus = Get-TestColumnDefinition $db 'Flavors' 'Vcpus'
        $vcpus.Nullable | Should -BeTrue
        $vcpus.Default | Should -Match '1'
        @(Get-TestTrigger $db 'Flavors') | Should -HaveCount 0
        ((Invoke-Sql $db "SELECT Id, Name, Vcpus FROM $F") | ForEach-Object { "$($_.Id):$($_.Name)/$($_.Vcpus)" }) -join ' ' | Should -Be '1:small/1'
    }

    It 'Undo-Expand refuses while the table holds rows, then with -Force drops it: schema and data exactly as before' -Skip:$Skip {
        Invoke-Sql $db "INSERT INTO $F (Id, Name) VALUES (1, 'small')" | Out-Null             # new code
        $mid = Get-TestCatalogAndDataSnapshot $db
        { Undo-Expand @om -Id 0001_create -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackRefused*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $mid
        # -Force: the operator accepts losing new code's rows.
        "$((Undo-Expand @om -Id 0001_create -Force -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Test-TestTableExists $db 'Flavors' | Should -BeFalse
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
