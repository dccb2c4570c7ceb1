<#
    Every row has a key the walk can reach: rows a keyset walk "key > @lo" would never see (a NULL in
    a SQLite primary key that allows it, a user column named rowid hiding SQLite's rowid) are
    migrated and kept in step, or the expand is refused naming the key (SQLite with every rowid name
    hidden; SQL Server's unique clustered index on a nullable column). And Invoke-Migrate never
    returns ExitCode 1 forever: a whole pass without progress while rows remain is ExitCode 2 with the
    reason, as an error record.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:addDoubled = '{ "operations": [ { "addColumn": { "table": "dbo.Things", "column": { "name": "Doubled", "type": "int" }, "up": "[Val] * 2" } } ] }'
}

Describe 'Rows a keyset walk would miss, on SQLite' {
    BeforeEach {
        $db = New-TestDatabase -Provider Sqlite
        $om = Get-TestConnectionParameters $db
    }
    AfterEach { Remove-TestWorkspace $db -Folder $folder }

    It '<Name>: every row is migrated and later writes stay in step' -ForEach @(
        @{ Name = 'a nullable TEXT primary key holding NULLs'
           Create = 'CREATE TABLE Things (Code TEXT PRIMARY KEY, Val int)'
           Insert = "INSERT INTO Things (Code, Val) VALUES ('a', 1), (NULL, 2), ('b', 3), (NULL, 4), (NULL, 5)"
           NullRow = 'INSERT INTO Things (Code, Val) VALUES (NULL, 60)' }
        @{ Name = 'a composite primary key with a NULL part'
           Create = 'CREATE TABLE Things (A TEXT, B int, Val int, PRIMARY KEY (A, B))'
           Insert = "INSERT INTO Things (A, B, Val) VALUES ('a', 1, 1), (NULL, 1, 2), ('a', NULL, 3), (NULL, NULL, 4), (NULL, NULL, 5)"
           NullRow = 'INSERT INTO Things (A, B, Val) VALUES (NULL, NULL, 60)' }
        @{ Name = 'a user column named rowid with NULLs and repeats, no primary key'
           Create = 'CREATE TABLE Things (rowid TEXT, Val int)'
           Insert = "INSERT INTO Things (rowid, Val) VALUES ('x', 1), (NULL, 2), ('x', 3), (NULL, 4), ('1', 5)"
           NullRow = 'INSERT INTO Things (rowid, Val) VALUES (NULL, 60)' }
    ) {
        Invoke-Sql $db $Create
        Invoke-Sql $db $Insert
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = $addDoubled }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $run = Invoke-Migrate @om -Confirm:$false
        $run.ExitCode | Should -Be 0
        $run.RowsMigrated | Should -Be 5
        (Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Things WHERE Doubled IS NULL OR Doubled <> Val * 2').n | Should -Be 0
        # Old code inserts another row whose key is NULL: the sync trigger finds it and fills the new column.
        Invoke-Sql $db $NullRow
        (Invoke-Sql $db 'SELECT Doubled FROM Things WHERE Val = 60').Doubled | Should -Be 120
        (Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Things WHERE Doubled IS NULL OR Doubled <> Val * 2').n | Should -Be 0
        (Test-ContractReady @om -Id 0001_a).Checks | Where-Object Name -eq 'DataMigrated' | ForEach-Object Passed | Should -BeTrue
    }

    It 'a table whose rowid every name hides, with a nullable key, is refused at expand naming the key, unchanged' {
        Invoke-Sql $db 'CREATE TABLE Things (Code TEXT PRIMARY KEY, rowid int, _rowid_ int, oid int, Val int)'
        Invoke-Sql $db "INSERT INTO Things (Code, rowid, _rowid_, oid, Val) VALUES ('a', 1, 1, 1, 1), (NULL, 2, 2, 2, 2)"
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = $addDoubled }
        $before = Get-TestCatalogSnapshot $db
        $err = $null
        try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'NoUsableKey*'
        $err.Exception.Message | Should -BeLike '*primary key (Code) allows NULL*'
        $err.Exception.Message | Should -BeLike '*rowid, _rowid_ and oid*'
        Get-TestCatalogSnapshot $db | Should -Be $before
        (Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Things').n | Should -Be 2
    }
}

Describe 'A unique clustered index on a nullable column, on <Provider>' -ForEach (Get-TestProvider | Where-Object Provider -eq 'SqlServer') {
    BeforeEach {
        if ($Skip) { return }
        $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
        $om = Get-TestConnectionParameters $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'is no key: the expand is refused naming the index and its nullable column, unchanged' -Skip:$Skip {
        $things = Get-TestTableName $db 'Things'
        Invoke-Sql $db "CREATE TABLE $things (Code varchar(10) NULL, Val int NULL); CREATE UNIQUE CLUSTERED INDEX UX_Things_Code ON $things (Code);"
        $clustered = (Invoke-Sql $db "SELECT COUNT(*) AS n FROM sys.indexes WHERE object_id = OBJECT_ID(N'$things') AND type = 1").n
        if ($clustered -eq 0) {
            Set-ItResult -Skipped -Because 'this server has no clustered indexes (the T-SQL engine makes CREATE UNIQUE CLUSTERED INDEX a nonclustered index on a heap), so the case cannot be set up'
            return
        }
        Invoke-Sql $db "INSERT INTO $things (Code, Val) VALUES ('a', 1), (NULL, 2)"
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = $addDoubled }
        $before = Get-TestCatalogSnapshot $db
        $err = $null
        try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'NoUsableKey*'
        $err.Exception.Message | Should -BeLike '*UX_Things_Code allows NULL in Code*'
        Get-TestCatalogSnapshot $db | Should -Be $before
    }
}

Describe 'A pass that makes no progress, on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
        Initialize-TestInventory $db -Rows 10
        $om = Get-TestConnectionParameters $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'is ExitCode 2 with the reason, not ExitCode 1 forever' -Skip:$Skip {
        # verify counts rows the migrate script never touches: no run can ever finish.
        $instances = Get-TestTableName $db 'Instances'
        $sql = @{ sql = @{ expand = "SELECT 1"; migrate = "UPDATE $instances SET Status = 'X' WHERE 1 = 0"; verify = "SELECT COUNT(*) FROM $instances WHERE Status <> 'X'" } }
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = (@{ operations = @($sql) } | ConvertTo-Json -Depth 5) }
        Invoke-Expand @om -Path $folder -Confirm:$false | Out-Null
        foreach ($attempt in 1..2) {
            $errors = $null
            $run = Invoke-Migrate @om -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            $run.ExitCode | Should -Be 2 -Because "attempt $attempt made no progress"
            $run.RowsRemaining | Should -Be 10
            $run.NoProgress | Should -BeLike '*migrated no row*10 row(s)*'
            @($errors).Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NoProgress*'
        }
        (Get-MigrationState @om).Phase | Should -Be 'Migrating'
    }
}
