# alterColumn: "down" computes the old column from the new one. A write by new code to the new shape
# (the shadow column) reaches the old shape through down evaluated over the NEW value, for inserts and
# updates alike, while old code's writes reach the new shape through up. And the column's NOT NULL
# holds after contract: where the engine cannot make the shadow NOT NULL at contract, the shadow is
# NOT NULL from expand on (a constant default), or expand refuses and changes nothing.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
    function script:New-Alter($db, [string]$Operation) {
        New-TestMigrationFolder $db -Files @{ '0001_alter.json' = "{ ""operations"": [ $Operation ] }" }
    }
    function script:Request-TestContract($om) {
        Request-Contract @om -Id 0001_alter -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: the writers are plain SQL' -Confirm:$false | Out-Null
    }
}

Describe 'alterColumn on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:folder = $null
            $script:lacksNullability = $Provider -eq 'SqlServer' -and -not (Test-TestAlterColumnNullability $db)
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'carries a new-code write of the new shape back to the old column by down over the new value' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 5
        $t = Get-TestTableName $db 'Orders'
        # Qty is text; the new shape is an integer. down turns the (new) integer back into text.
        if ($Provider -eq 'Sqlite') { $op = '{ "alterColumn": { "table": "dbo.Orders", "column": "Qty", "type": "INTEGER", "up": "CAST([Qty] AS INTEGER)", "down": "CAST([Qty] AS TEXT)" } }' }
        else { $op = '{ "alterColumn": { "table": "dbo.Orders", "column": "Qty", "type": "int", "up": "TRY_CAST([Qty] AS int)", "down": "CAST([Qty] AS nvarchar(20))" } }' }
        $script:folder = New-Alter $db $op
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $shadow = Get-TestShadowColumn $db 'Orders' 'Qty'
        $shadow | Should -Not -BeNullOrEmpty

        # New code writes the new shape: an update and an insert of the shadow only.
        Invoke-Sql $db "UPDATE $t SET [$shadow] = 42 WHERE Id = 2" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Payload, [$shadow]) VALUES (20, 'new', 99)" | Out-Null
        # Old code writes the old shape: an update and an insert of Qty only.
        Invoke-Sql $db "UPDATE $t SET Qty = '7' WHERE Id = 3" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Payload, Qty) VALUES (10, 'old', '5')" | Out-Null

        $rows = Invoke-Sql $db "SELECT Id, Qty, [$shadow] AS NewQty FROM $t WHERE Id IN (2, 3, 10, 20) ORDER BY Id"
        ($rows | ForEach-Object { "$($_.Id):$($_.Qty)/$($_.NewQty)" }) -join ' ' | Should -Be '2:42/42 3:7/7 10:5/5 20:99/99'

        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Request-TestContract $om
        Invoke-Contract @om -Id 0001_alter -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        ((Invoke-Sql $db "SELECT Id, Qty FROM $t ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Qty)" }) -join ' ' | Should -Be '1:1 2:42 3:7 4:4 5:5 10:5 20:99'
    }

    It 'keeps a NOT NULL column with a default NOT NULL through a type change, or refuses at expand where the engine cannot' -Skip:$Skip {
        Initialize-TestBaseline $db
        $t = Get-TestTableName $db 'Instances'
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Status) VALUES (1, 'vm-1', 'STOPPED'), (2, 'vm-2', 'PAUSED')" | Out-Null
        $script:folder = New-Alter $db '{ "alterColumn": { "table": "dbo.Instances", "column": "Status", "type": "varchar(32)", "up": "[Status]" } }'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if ($lacksNullability) {
            # The T-SQL test engine lacks ALTER COLUMN ... NOT NULL: refused now, not first at contract.
            $err.FullyQualifiedErrorId | Should -BeLike 'NotSupportedByServer,*'
            "$err" | Should -BeLike '*operations`[0`]*Status*NOT NULL*'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $t (Id, Name) VALUES (10, 'old-default')" | Out-Null
        Invoke-Sql $db "UPDATE $t SET Status = 'ACTIVE' WHERE Id = 2" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Request-TestContract $om
        # SQL Server makes the new column NOT NULL at contract, offline; SQLite's shadow was NOT NULL from expand on.
        Invoke-Contract @om -Id 0001_alter -AllowOffline:($Provider -eq 'SqlServer') -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $status = Get-TestColumnDefinition $db 'Instances' 'Status'
        $status.Nullable | Should -BeFalse
        $status.Default | Should -Match 'ACTIVE'
        ((Invoke-Sql $db "SELECT Status FROM $t ORDER BY Id") | ForEach-Object Status) -join ',' | Should -Be 'STOPPED,ACTIVE,ACTIVE'
        { Invoke-Sql $db "INSERT INTO $t (Id, Name, Status) VALUES (30, 'null', NULL)" } | Should -Throw
    }

    It 'refuses at expand a type change of a NOT NULL column without a default where the engine cannot make it NOT NULL at contract, and changes nothing' -Skip:$Skip {
        Initialize-TestBaseline $db
        $t = Get-TestTableName $db 'Instances'
        Invoke-Sql $db "INSERT INTO $t (Id, Name) VALUES (1, 'vm-1'), (2, 'vm-2')" | Out-Null
        $script:folder = New-Alter $db '{ "alterColumn": { "table": "dbo.Instances", "column": "Name", "type": "nvarchar(128)", "up": "[Name]" } }'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if ($Provider -eq 'SqlServer' -and -not $lacksNullability) {
            # SQL Server can: the NOT NULL comes back at contract, which asks for -AllowOffline.
            $err | Should -BeNullOrEmpty
            Invoke-Migrate @om -Confirm:$false | Out-Null
            Request-TestContract $om
            (Get-ErrorOf { Invoke-Contract @om -Id 0001_alter -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'OfflineStepRefused,*'
            Invoke-Contract @om -Id 0001_alter -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
            (Get-TestColumnDefinition $db 'Instances' 'Name').Nullable | Should -BeFalse
            return
        }
        $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
        "$err" | Should -BeLike '*operations`[0`]*Name*NOT NULL*'
        $err.ErrorDetails.RecommendedAction | Should -Match '"nullable": true'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        "$((Get-MigrationState @om -Path $folder | Where-Object Id -eq '0001_alter').Phase)" | Should -Be 'Pending'
    }

    It 'refuses to change a key column, says why and what to do instead, and changes nothing' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 3
        $type = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'bigint' }
        $script:folder = New-Alter $db "{ ""alterColumn"": { ""table"": ""dbo.Orders"", ""column"": ""Id"", ""type"": ""$type"", ""up"": ""[Id]"" } }"
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'OperationRefused,*'
        "$err" | Should -BeLike '*operations`[0`]*Id*part of the table''s key*cannot be changed online*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'maintenance window'
        $err.ErrorDetails.RecommendedAction | Should -Match 'another key'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
