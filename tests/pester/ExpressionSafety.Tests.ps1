# Expressions never reach the application's writes broken: expand compiles every "up" and "down"
# against its table and evaluates "up" over the existing rows, in key batches, before any trigger
# exists; a refusal names the JSON path, the engine's message and the failing row's key, and leaves
# the database exactly as it was.
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
    function script:Add-OrderRow($db, [int]$Id, [switch]$Bad) {
        # An old-code writer: it knows only the columns the table had before expand.
        $t = Get-TestTableName $db 'Orders'
        $p, $q = if ($Bad) { 'not json', 'abc' } else { '{"a": 5}', '5' }
        Invoke-Sql $db "INSERT INTO $t (Id, Payload, Qty) VALUES (@id, @p, @q)" -Parameters @{ id = $Id; p = $p; q = $q }
    }
}

Describe 'Expression safety at expand on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Orders'
            $script:folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'refuses an up that does not compile against the table, naming its JSON path and the engine message, before any trigger exists' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 20
        $script:folder = New-Migration $db '{ "addColumn": { "table": "dbo.Orders", "column": { "name": "Code", "type": "nvarchar(20)", "nullable": true }, "up": "UPPER([no_such_column])" } }'
        $before = Get-TestCatalogAndDataSnapshot $db

        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidExpression,*'
        $err.Exception.Message | Should -BeLike '*$.operations`[0`].addColumn.up*'
        $err.Exception.Message | Should -BeLike '*no_such_column*'
        $err.TargetObject | Should -Be '0001_orders'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        @(Get-TestTrigger $db 'Orders').Count | Should -Be 0
        # The application's writes go on as before.
        Add-OrderRow $db 21
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T").n | Should -Be 21
    }

    It 'refuses a down that does not compile against the table, and changes nothing' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 20
        $type = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(40)' }
        $script:folder = New-Migration $db "{ ""alterColumn"": { ""table"": ""dbo.Orders"", ""column"": ""Qty"", ""type"": ""$type"", ""up"": ""[Qty]"", ""down"": ""LOWER([Qyt])"" } }"
        $before = Get-TestCatalogAndDataSnapshot $db

        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidExpression,*'
        $err.Exception.Message | Should -BeLike '*$.operations`[0`].alterColumn.down*'
        $err.Exception.Message | Should -BeLike '*qyt*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'names the existing row for which up fails by its key, and refuses the expand without -AllowExpressionErrors' -Skip:$Skip {
        # More rows than one key batch, and the bad row deep inside the table: found by bisecting the failing batch.
        Initialize-TestOrders $db -Rows 6000 -BadIds 4321
        $f = Get-TestFailingUp $db
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""A"", ""type"": ""$($f.Type)"", ""nullable"": true }, ""up"": ""$($f.Up)"" } }"
        $before = Get-TestCatalogAndDataSnapshot $db

        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidExpression,*'
        $err.Exception.Message | Should -BeLike '*$.operations`[0`].addColumn.up fails for the row of * with key (Id = 4321)*'
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*-AllowExpressionErrors*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        @(Get-TestTrigger $db 'Orders').Count | Should -Be 0
        (Get-MigrationJournal @om -Id 0001_orders -Last 1).Outcome | Should -Be 'Refused'
        # -WhatIf says the same as a warning and still touches nothing.
        $warnings = @()
        $null = Invoke-Expand @om -Path $folder -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike '*key (Id = 4321)*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'with -AllowExpressionErrors expands and journals the override; an old-code write the trigger fails on fails the application statement' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 50 -BadIds 7
        $f = Get-TestFailingUp $db
        $script:folder = New-Migration $db "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""A"", ""type"": ""$($f.Type)"", ""nullable"": true }, ""up"": ""$($f.Up)"" } }"
        $warnings = @()
        $state = Invoke-Expand @om -Path $folder -AllowExpressionErrors -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'Expanded'
        "$warnings" | Should -BeLike '*key (Id = 7)*'
        @(Get-MigrationJournal @om -Id 0001_orders | Where-Object Outcome -eq 'Overridden').Count | Should -Be 1

        # Old code: a good row is filled by the trigger; a bad one fails its own INSERT (the README says so).
        Add-OrderRow $db 51
        (Invoke-Sql $db "SELECT A FROM $T WHERE Id = 51").A | Should -Be 5
        { Add-OrderRow $db 52 -Bad } | Should -Throw
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Id = 52").n | Should -Be 0
        # New code writes the new column itself.
        Invoke-Sql $db "INSERT INTO $T (Id, Payload, Qty, A) VALUES (53, '{""a"": 9}', '9', 9)"
        (Invoke-Sql $db "SELECT A FROM $T WHERE Id = 53").A | Should -Be 9
    }

    It 'accepts an up that uses a column an earlier operation of the same migration adds' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 20
        $type = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(20)' }
        $script:folder = New-Migration $db (@(
                "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Code"", ""type"": ""$type"", ""nullable"": true }, ""up"": ""[Qty]"" } }",
                "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""CodeUpper"", ""type"": ""$type"", ""nullable"": true }, ""up"": ""UPPER([Code])"" } }"
            ) -join ', ')
        $state = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'Expanded'
        @(Get-TestColumn $db 'Orders' | ForEach-Object Name) | Should -Contain 'CodeUpper'
    }
}
