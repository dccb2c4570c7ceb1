# What the server can build online decides: an index build is offline on editions without online
# index operations (SQL Server Standard, Express, the T-SQL test engine), so there it runs only with
# -AllowOffline; where the server builds online (SQLite, Enterprise, Developer, Azure SQL) it runs as it is.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Index builds and the server edition on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Orders'
            $key = if ($Provider -eq 'Sqlite') { 'INTEGER NOT NULL PRIMARY KEY' } else { 'int NOT NULL PRIMARY KEY' }
            Invoke-Sql $db "CREATE TABLE $T (Id $key, Customer nvarchar(40) NULL)"
            Invoke-Sql $db "INSERT INTO $T (Id, Customer) VALUES (1, 'a'), (2, 'b'), (3, 'c')"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_index_customer.json' = '{ "operations": [ { "createIndex": { "table": "dbo.Orders", "name": "IX_Orders_Customer", "columns": ["Customer"] } } ] }'
            }
            $script:online = Test-TestOnlineIndex $db
            $script:schemaBefore = Get-TestCatalogSnapshot $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'without -AllowOffline: builds where the server can build online, else refuses (OfflineStepRefused) and changes nothing' -Skip:$Skip {
        $failure = $null
        try { $null = Invoke-Expand @om -Path $folder -AllowOffline:$false -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        catch { $failure = $_ }
        $customerIndexed = (Get-TestCatalogSnapshot $db) -match '(?i)ix_orders_customer'
        if ($online) {
            $failure | Should -BeNullOrEmpty
            $customerIndexed | Should -BeTrue
        }
        else {
            $failure.FullyQualifiedErrorId | Should -BeLike 'OfflineStepRefused,*'
            "$failure" | Should -Match 'cannot be built online'
            $failure.ErrorDetails.RecommendedAction | Should -Match "AllowOffline"
            Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
            "$((Get-MigrationState @om -Path $folder).Phase)" | Should -Not -Be 'Expanded'
        }
    }

    It 'with -AllowOffline: builds the index on every edition, and the index serves its column' -Skip:$Skip {
        $state = Invoke-Expand @om -Path $folder -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'Expanded'
        (Get-TestCatalogSnapshot $db) | Should -Match '(?i)ix_orders_customer'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Customer = 'b'").n | Should -Be 1
    }
}
