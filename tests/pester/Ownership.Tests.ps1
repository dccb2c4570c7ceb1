# Never act on an object the user owns: an operation whose new name (index, constraint, column,
# table) is already taken is refused at expand naming the existing object, with the database exactly
# as before; and undo removes only what a step of the expand created, never a same-named object the
# user made.
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
    function script:Assert-RefusedNaming($db, $om, $folder, [string]$Holder) {
        # Refused at expand with OperationRefused naming the holder; catalog and data exactly as before.
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'OperationRefused,*'
        $err.Exception.Message | Should -BeLike "*already taken by the existing $Holder*"
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Get-MigrationState @om | Where-Object Id -eq '0001_orders' | Should -BeNullOrEmpty
    }
}

Describe 'Ownership of objects on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Orders'
            $script:folder = $null
            Initialize-TestOrders $db -Rows 20
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'refuses addUniqueConstraint named like an existing index, naming the index, and the index survives' -Skip:$Skip {
        Invoke-Sql $db "CREATE INDEX [IX_Mine] ON $T (Payload)"
        $script:folder = New-Migration $db '{ "addUniqueConstraint": { "table": "dbo.Orders", "name": "IX_Mine", "columns": ["Qty"] } }'
        Assert-RefusedNaming $db $om $folder 'index IX_Mine*'
        $err = Get-ErrorOf { Undo-Expand @om -Id 0001_orders -Force -Confirm:$false -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        @(Get-TestIndex $db 'Orders' | Where-Object Name -like 'IX_Mine*').Count | Should -Be 1
    }

    # Only Sqlite has this case: the other provider's Describe leaves it out rather than skipping it.
    if ($Provider -eq 'Sqlite') { It 'refuses createIndex named like an index of another table (one namespace on SQLite), naming it' -Skip:$Skip {
        Invoke-Sql $db 'CREATE TABLE [Other] (Id INTEGER PRIMARY KEY, V TEXT)'
        Invoke-Sql $db 'CREATE INDEX [IX_Shared] ON [Other] (V)'
        $script:folder = New-Migration $db '{ "createIndex": { "table": "dbo.Orders", "name": "IX_Shared", "columns": ["Qty"] } }'
        Assert-RefusedNaming $db $om $folder 'index IX_Shared on Other'
    }}

    # Only SqlServer has this case: the other provider's Describe leaves it out rather than skipping it.
    if ($Provider -eq 'SqlServer') { It 'refuses addCheckConstraint named like an existing constraint of another table, naming it' -Skip:$Skip {
        $other = Get-TestTableName $db 'Other'
        Invoke-Sql $db "CREATE TABLE $other (Id int NOT NULL PRIMARY KEY, V int NULL, CONSTRAINT [CK_Mine] CHECK (V > 0))"
        $script:folder = New-Migration $db '{ "addCheckConstraint": { "table": "dbo.Orders", "name": "CK_Mine", "expression": "[Id] > 0" } }'
        Assert-RefusedNaming $db $om $folder 'check constraint*'
    }}

    It 'refuses createTable named like an existing view, naming the view' -Skip:$Skip {
        $view = Get-TestTableName $db 'Recent'
        Invoke-Sql $db "CREATE VIEW $view AS SELECT Id FROM $T WHERE Id > 10"
        $type = if ($Provider -eq 'Sqlite') { 'INTEGER' } else { 'int' }
        $script:folder = New-Migration $db "{ ""createTable"": { ""table"": ""dbo.Recent"", ""columns"": [ { ""name"": ""Id"", ""type"": ""$type"", ""nullable"": false, ""primaryKey"": true } ] } }"
        Assert-RefusedNaming $db $om $folder 'view*'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $view").n | Should -Be 10
    }

    It 'undo after a failed expand step never drops a same-named index the user created meanwhile' -Skip:$Skip {
        Invoke-Sql $db "UPDATE $T SET Qty = '1' WHERE Id = 2"   # a duplicate: the unique index cannot be built
        $text = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(20)' }
        $script:folder = New-Migration $db (@(
                "{ ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Note"", ""type"": ""$text"", ""nullable"": true } } }",
                '{ "createIndex": { "table": "dbo.Orders", "name": "UX_Orders_Qty", "columns": ["Qty"], "unique": true } }'
            ) -join ', ')
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'StepFailed,*'
        # The user makes an index of that name (not unique) while the migration is stopped.
        Invoke-Sql $db "CREATE INDEX [UX_Orders_Qty] ON $T (Qty)"
        $mine = @(Get-TestIndex $db 'Orders').Count

        $state = Undo-Expand @om -Id 0001_orders -Force -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        @(Get-TestIndex $db 'Orders').Count | Should -Be $mine
        @(Get-TestColumn $db 'Orders' | ForEach-Object Name) | Should -Not -Contain 'Note'
    }
}
