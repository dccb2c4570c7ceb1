# createIndex (src/OnlineMigrations.Engine/Operations/CreateIndex.cs), against a real database.
#   expand:   builds the index — online where the server can (SQLite; SQL Server Enterprise, Developer,
#             Azure SQL), else only with -AllowOffline. From then on it is enforced: a unique index refuses
#             a duplicate among the rows its "where" filter selects, and rows outside the filter are free.
#   migrate:  nothing to do.
#   contract: nothing to do: the index is already in its final shape.
#   rollback: Undo-Expand drops the index it built, and nothing else.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-IndexFilter($db, [string]$Name) {
        # $true/$false: whether the catalog says the index is filtered; SQL Server also gives the filter's text.
        if ($db.Provider -eq 'Sqlite') { return [bool](Invoke-Sql $db 'SELECT partial FROM pragma_index_list(@t) WHERE name = @n' -Parameters @{ t = 'Instances'; n = $Name }).partial }
        Invoke-Sql $db "SELECT has_filter AS f, filter_definition AS d FROM sys.indexes WHERE object_id = OBJECT_ID(QUOTENAME(@s) + N'.Instances') AND name = @n" -Parameters @{ s = $db.Schema; n = $Name }
    }
    function script:Test-ReportsIndexFilter($db) {
        # Asks the server whether sys.indexes reports a filter, on a filtered index of a scratch table.
        if ($db.Provider -eq 'Sqlite') { return $true }
        $t = "[$($db.Schema)].[om_filter_probe]"
        Invoke-Sql $db "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, V int NULL); CREATE INDEX IX_probe ON $t (V) WHERE V IS NOT NULL;"
        try { [bool](Invoke-Sql $db "SELECT COUNT(*) AS n FROM sys.indexes WHERE object_id = OBJECT_ID(N'$t') AND has_filter = 1").n }
        finally { Invoke-Sql $db "DROP TABLE $t;" }
    }
}

Describe 'createIndex on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db   # Instances (with the user's index IX_Instances_Host) and LegacyQuotas
            $script:T = Get-TestTableName $db 'Instances'
            # Two stopped instances share a name: the filter leaves them out of the uniqueness.
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, Status) VALUES (1, 'vm-1', 'host-a', 'ACTIVE'), (2, 'vm-2', 'host-a', 'STOPPED'), (3, 'vm-2', 'host-b', 'STOPPED'), (4, 'vm-4', 'host-b', 'ACTIVE')"
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_index.json' = @'
{ "operations": [ { "createIndex": { "table": "dbo.Instances", "name": "UX_Instances_Name_Active", "columns": ["Name"], "unique": true, "where": "[Status] = 'ACTIVE'" } } ] }
'@ }
            # A server without online index builds (the T-SQL test engine is Standard Edition) builds it offline, when allowed.
            $script:offline = -not (Test-TestOnlineIndex $db)
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, the index exists and is unique among the rows it filters; the application keeps writing' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $index = @(Get-TestIndex $db 'Instances' | Where-Object Name -eq 'UX_Instances_Name_Active')
        $index | Should -HaveCount 1
        $index[0].Columns | Should -Be 'Name'
        $index[0].Unique | Should -BeTrue

        # The application: plain SQL, each statement on its own connection.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (10, 'vm-10', 'ACTIVE')"
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (11, 'vm-2', 'STOPPED')"   # outside the filter: a third vm-2 is fine
        Invoke-Sql $db "UPDATE $T SET Host = 'host-c' WHERE Id = 1"
        { Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (12, 'vm-1', 'ACTIVE')" } | Should -Throw -Because 'vm-1 is already an active name'
        { Invoke-Sql $db "UPDATE $T SET Status = 'ACTIVE' WHERE Name = 'vm-2'" } | Should -Throw -Because 'it would make three active vm-2'
        ((Invoke-Sql $db "SELECT Id FROM $T ORDER BY Id") | ForEach-Object Id) -join ',' | Should -Be '1,2,3,4,10,11'
    }

    It 'the catalog shows the index filtered by "where"' -Skip:$Skip {
        if (-not (Test-ReportsIndexFilter $db)) {
            Set-ItResult -Skipped -Because 'this server does not report index filters (the T-SQL engine shows has_filter = 0 and no filter_definition)'
            return
        }
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $filter = Get-IndexFilter $db 'UX_Instances_Name_Active'
        if ($Provider -eq 'Sqlite') { $filter | Should -BeTrue }
        else {
            [bool]$filter.f | Should -BeTrue
            $filter.d | Should -Match "\[Status\]\s*=\s*'ACTIVE'"
        }
    }

    It 'migrate and contract change nothing more: the index stays as expand built it and the data is untouched' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $expanded = Get-TestCatalogAndDataSnapshot $db
        (@(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_index'

        Get-TestCatalogAndDataSnapshot $db | Should -Be $expanded
        $index = @(Get-TestIndex $db 'Instances' | Where-Object Name -eq 'UX_Instances_Name_Active')
        $index | Should -HaveCount 1
        $index[0].Unique | Should -BeTrue
    }

    It 'Undo-Expand drops the index it built, keeps the user''s index, and leaves schema and data exactly as before' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -AllowOffline:$offline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$((Undo-Expand @om -Id 0001_index -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'

        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        $names = @(Get-TestIndex $db 'Instances' | ForEach-Object Name)
        $names | Should -Not -Contain 'UX_Instances_Name_Active'
        $names | Should -Contain 'IX_Instances_Host'
        # Without the index, a second active vm-1 is accepted again.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (12, 'vm-1', 'ACTIVE')"
    }
}
