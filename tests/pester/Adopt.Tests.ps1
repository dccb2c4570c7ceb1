# Register-Migration (a baseline): migrations already in a database are recorded as Completed with
# their checksums, journaled with who and why; later migrations expand and contract on top; refused
# where the store already has state for one of them; -WhatIf touches nothing.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    $script:Files = @{
        '0001_create_orders.json'    = '{ "description": "Orders, as the first release built them", "operations": [
            { "createTable": { "table": "dbo.Orders", "columns": [
                { "name": "Id", "type": "int", "primaryKey": true },
                { "name": "Customer", "type": "nvarchar(100)", "nullable": true },
                { "name": "Total", "type": "int", "nullable": true } ] } } ] }'
        # Neither a sync trigger nor a drop: the T-SQL test engine differs in TRIGGER_NESTLEVEL and in
        # VIEW DEFINITION (its README), and adoption is about neither. Contract fills Notes, visibly.
        '0002_notes.json'  = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [
            { "addColumn": { "table": "dbo.Orders", "column": { "name": "Notes", "type": "nvarchar(200)", "nullable": true } } },
            { "sql": { "expand": "SELECT 1", "contract": "UPDATE ORDERS_TABLE SET Notes = Customer" } } ] }'
    }

    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }

    function script:Get-LoginName($Database) {
        if ($Database.Provider -eq 'Sqlite') { [Environment]::UserName } else { (Invoke-Sql $Database 'SELECT SUSER_SNAME() AS n').n }
    }

    function script:Initialize-HandBuilt($Database) {
        # The schema 0001 describes, built by hand before the tool was adopted, with data.
        $t = Get-TestTableName $Database 'Orders'
        Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Customer nvarchar(100) NULL, Total int NULL)"
        Invoke-Sql $Database "INSERT INTO $t (Id, Customer, Total) VALUES (1, 'Ada', 10), (2, 'Grace', 20), (3, NULL, 30)"
    }
}

Describe 'Register-Migration on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Orders'
            $own = @{}; foreach ($k in $Files.Keys) { $own[$k] = $Files[$k].Replace('ORDERS_TABLE', $T) }
            $script:folder = New-TestMigrationFolder $db -Files $own
            Initialize-HandBuilt $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'adopts a hand-built database: the baseline is Completed with its checksum and journaled; the next migration expands and contracts on top' -Skip:$Skip {
        $file = Get-Migration -Path $folder | Where-Object Id -eq '0001_create_orders'
        $states = @(Register-Migration @om -Path $folder -UpTo 0001_create_orders -Reason 'built by hand in 2024, OPS-1' -Confirm:$false -ErrorAction Stop)
        $states | Should -HaveCount 1
        $states[0].Id | Should -Be '0001_create_orders'
        $states[0].Phase.ToString() | Should -Be 'Completed'
        $states[0].Drift | Should -BeFalse

        $row = Get-MigrationState @om -Path $folder -Id 0001_create_orders
        $row.Phase.ToString() | Should -Be 'Completed'
        $row.Checksum | Should -Be $file.Checksum
        $row.CompletedAt | Should -Not -BeNullOrEmpty
        (Get-MigrationState @om -Path $folder -Id 0002_notes).Phase.ToString() | Should -Be 'Pending'

        $entry = @(Get-MigrationJournal @om -Id 0001_create_orders)
        $entry | Should -HaveCount 1
        $entry[0].Outcome | Should -Be 'Registered'
        $entry[0].Reason | Should -Be 'built by hand in 2024, OPS-1'
        $entry[0].Login | Should -Be (Get-LoginName $db)
        $entry[0].Statement | Should -Match $file.Checksum

        # Invoke-Expand skips the baseline (its table exists: a createTable would fail) and expands 0002.
        $expanded = @(Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $expanded.Id | Should -Be @('0002_notes')
        (Get-TestColumn $db 'Orders').Name | Should -Contain 'Notes'
        $null = Invoke-Migrate @om -Confirm:$false -ErrorAction Stop
        $null = Request-Contract @om -Id 0002_notes -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        (Invoke-Contract @om -Id 0002_notes -Confirm:$false -ErrorAction Stop).Phase.ToString() | Should -Be 'Completed'

        @(Invoke-Sql $db "SELECT Notes FROM $T ORDER BY Id").Notes | Should -Be @('Ada', 'Grace', $null)
        @(Invoke-Sql $db "SELECT Total FROM $T ORDER BY Id").Total | Should -Be @(10, 20, 30)
    }

    It 'is refused where the store already has state for one of the migrations, and records nothing' -Skip:$Skip {
        $null = Register-MigrationClient @om -None -Reason 'no application' -Confirm:$false
        $null = Register-Migration @om -Path $folder -UpTo 0001_create_orders -Reason 'first' -Confirm:$false -ErrorAction Stop
        $journal = @(Get-MigrationJournal @om).Count
        $catalog = Get-TestCatalogSnapshot $db

        $err = Get-ErrorOf { Register-Migration @om -Path $folder -UpTo 0002_notes -Reason 'again' -Confirm:$false -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'RegisterRefused,*'
        $err.Exception.Message | Should -Match '0001_create_orders \(Completed\)'
        @(Get-MigrationState @om).Id | Should -Be @('0001_create_orders')
        @(Get-MigrationJournal @om).Count | Should -Be $journal
        Get-TestCatalogSnapshot $db | Should -Be $catalog
    }

    It 'is refused for a migration the tool expanded itself' -Skip:$Skip {
        Invoke-Sql $db "DROP TABLE $T"
        $null = Invoke-Expand @om -Path $folder -Id 0001_create_orders -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $err = Get-ErrorOf { Register-Migration @om -Path $folder -UpTo 0001_create_orders -Reason 'oops' -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'RegisterRefused,*'
        $err.Exception.Message | Should -Match '0001_create_orders \(Expanded\)'
        (Get-MigrationState @om -Id 0001_create_orders).Phase.ToString() | Should -Be 'Expanded'
    }

    It 'names an -UpTo id that is not in the files, and -WhatIf creates nothing, not even the store' -Skip:$Skip {
        Register-Migration @om -Path $folder -UpTo 0002_notes -Reason 'preview' -WhatIf
        Get-TestStoreObject $db | Should -HaveCount 0

        $err = Get-ErrorOf { Register-Migration @om -Path $folder -UpTo 0009_nope -Reason 'x' -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        $err.TargetObject | Should -Be '0009_nope'
        @(Get-MigrationState @om) | Should -HaveCount 0
    }
}
