# Undo-Expand always works before contract: whatever state expand left (a failed step, a trigger
# removed by hand, an "up" that fails for some rows), it removes what expand added and restores the
# prior schema exactly; it refuses only for values new code wrote that neither the old shape ("up")
# nor the column's default gives, and then leaves the database exactly as it was.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }
    function script:New-Migration($db, [string]$Operations) {
        New-TestMigrationFolder $db -Files @{ '0001_orders.json' = "{ ""operations"": [ $Operations ] }" }
    }
    function script:Add-OrderRow($db, [int]$Id) {
        # An old-code writer: it knows only the columns the table had before expand.
        $t = Get-TestTableName $db 'Orders'
        Invoke-Sql $db "INSERT INTO $t (Id, Payload, Qty) VALUES (@id, '{""a"": 5}', '5')" -Parameters @{ id = $Id }
    }
    function script:Get-OldShapeRows($db) {
        # The data of the columns the table had before expand, as one comparable text.
        $t = Get-TestTableName $db 'Orders'
        Invoke-Sql $db "SELECT Id, Payload, Qty FROM $t ORDER BY Id" | ConvertTo-Json -Compress -Depth 2
    }
}

Describe 'Undo-Expand always works on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Orders'
            $script:folder = $null
            $script:text = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(20)' }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'undoes an expand that stopped at a failed step, restoring the prior schema and data exactly' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 30
        Invoke-Sql $db "UPDATE $T SET Qty = '1' WHERE Id = 2"   # a duplicate: the unique index cannot be built
        $script:folder = New-Migration $db (@(
                "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Note"", ""type"": ""$text"", ""nullable"": true }, ""up"": ""[Qty]"" } }",
                '{ "createIndex": { "table": "dbo.Orders", "name": "UX_Orders_Qty", "columns": ["Qty"], "unique": true } }'
            ) -join ', ')
        $before = Get-TestCatalogAndDataSnapshot $db

        # -AllowOffline: an edition without online index builds (the T-SQL test engine) builds it offline.
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'StepFailed,*'
        "$((Get-MigrationState @om -Id 0001_orders).Phase)" | Should -Be 'Expanding'
        @(Get-TestColumn $db 'Orders' | ForEach-Object Name) | Should -Contain 'Note'

        $state = Undo-Expand @om -Id 0001_orders -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'undoes an expand whose sync trigger was dropped by hand' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 10
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Note"", ""type"": ""$text"", ""nullable"": true }, ""up"": ""[Qty]"" } }"
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        foreach ($trigger in @(Get-TestTrigger $db 'Orders')) {
            $name = if ($Provider -eq 'Sqlite') { "[$trigger]" } else { "[$($db.Schema)].[$trigger]" }
            Invoke-Sql $db "DROP TRIGGER $name"
        }

        $state = Undo-Expand @om -Id 0001_orders -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'undoes, without -Force, an expand whose up fails for some rows, after old code wrote through the trigger' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 20 -BadIds 4
        $f = Get-TestFailingUp $db
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""A"", ""type"": ""$($f.Type)"", ""nullable"": true }, ""up"": ""$($f.Up)"" } }"
        $schemaBefore = Get-TestCatalogSnapshot $db
        $null = Invoke-Expand @om -Path $folder -AllowExpressionErrors -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Add-OrderRow $db 21
        (Invoke-Sql $db "SELECT A FROM $T WHERE Id = 21").A | Should -Be 5
        $rows = Get-OldShapeRows $db

        $state = Undo-Expand @om -Id 0001_orders -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        Get-OldShapeRows $db | Should -Be $rows
    }

    It 'does not count a new column that holds only its default as data new code wrote' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 10
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Status"", ""type"": ""$text"", ""nullable"": true, ""default"": ""'new'"" } } }"
        $schemaBefore = Get-TestCatalogSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        11..13 | ForEach-Object { Add-OrderRow $db $_ }
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Status = 'new'").n | Should -BeGreaterOrEqual 3
        $rows = Get-OldShapeRows $db

        $state = Undo-Expand @om -Id 0001_orders -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        Get-OldShapeRows $db | Should -Be $rows
    }

    It 'refuses, counting only the values new code wrote that the default does not give, and changes nothing; -Force then undoes it' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 10
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Status"", ""type"": ""$text"", ""nullable"": true, ""default"": ""'new'"" } } }"
        $schemaBefore = Get-TestCatalogSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        11..13 | ForEach-Object { Add-OrderRow $db $_ }                                                           # old code: the default
        Invoke-Sql $db "INSERT INTO $T (Id, Payload, Qty, Status) VALUES (14, '{""a"": 1}', '1', 'shipped')"      # new code
        $before = Get-TestCatalogAndDataSnapshot $db

        $err = Get-ErrorOf { Undo-Expand @om -Id 0001_orders -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
        $err.Exception.Message | Should -BeLike '*: 1 rows of * where new code wrote Status*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        "$((Get-MigrationState @om -Id 0001_orders).Phase)" | Should -Be 'Expanded'

        $rows = Get-OldShapeRows $db
        $state = Undo-Expand @om -Id 0001_orders -Force -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        Get-OldShapeRows $db | Should -Be $rows
    }
}
