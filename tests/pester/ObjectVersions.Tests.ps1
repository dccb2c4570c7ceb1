# Applications learn what to stamp from the store: the ObjectVersions view lists each tracked table a
# migration stamps, its version column and the object version that migration expects. An application
# that polls it starts stamping without a restart, and the ObjectVersion gate then passes.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Files = @{
        '0001_track.json' = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [
            { "trackObjectVersion": { "table": "dbo.Items", "column": "ObjectVersion" } } ] }'
        '0002_note.json'  = '{ "objectVersion": "2.1", "deprecationWindow": "0", "operations": [
            { "addColumn": { "table": "dbo.Items", "column": { "name": "Note", "type": "varchar(20)", "nullable": true } } } ] }'
    }

    function script:Get-ViewName($Database) {
        if ($Database.Provider -eq 'Sqlite') { '[OnlineMigrations_ObjectVersions]' } else { "[$(Get-TestStoreSchema $Database)].[ObjectVersions]" }
    }

    function script:Step-Application($Database, [int]$Id) {
        <#
        One unit of work of a running application, as the README's client section describes it: it
        polls the view (a real one every N seconds, with its heartbeat) and writes one row, stamping
        it with the newest object version any migration expects for the table, if any.
        #>
        $expected = @(Invoke-Sql $Database "SELECT TableName, VersionColumn, ObjectVersion FROM $(Get-ViewName $Database)" |
                Where-Object TableName -eq 'Items' | Sort-Object { [version]$_.ObjectVersion } -Descending)
        $t = Get-TestTableName $Database 'Items'
        if ($expected.Count -eq 0) { Invoke-Sql $Database "INSERT INTO $t (Id, Name) VALUES (@id, 'app')" -Parameters @{ id = $Id } }
        else {
            Invoke-Sql $Database "INSERT INTO $t (Id, Name, [$($expected[0].VersionColumn)]) VALUES (@id, 'app', @v)" -Parameters @{ id = $Id; v = $expected[0].ObjectVersion }
        }
    }
}

Describe 'The ObjectVersions view on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Items'
            Invoke-Sql $db "CREATE TABLE $T (Id int NOT NULL PRIMARY KEY, Name varchar(20) NULL)"
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"
            $script:folder = New-TestMigrationFolder $db -Files $Files
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'lists each tracked table with its version column and the object version each migration expects' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @om -Application 'items-api' -InstanceId 'api-1' -ObjectVersion '1.0'
        @(Invoke-Sql $db "SELECT * FROM $(Get-ViewName $db)") | Should -HaveCount 0

        $null = Invoke-Expand @om -Path $folder -Id 0001_track -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $rows = @(Invoke-Sql $db "SELECT TableSchema, TableName, VersionColumn, ObjectVersion, MigrationId, Phase FROM $(Get-ViewName $db)")
        $rows | Should -HaveCount 1
        $rows[0].TableName | Should -Be 'Items'
        $rows[0].TableSchema | Should -Be $db.Schema   # SQLite has no schemas: NULL
        $rows[0].VersionColumn | Should -Be 'ObjectVersion'
        $rows[0].ObjectVersion | Should -Be '2.0'
        $rows[0].MigrationId | Should -Be '0001_track'
        $rows[0].Phase | Should -Be 'Expanded'

        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $rows = @(Invoke-Sql $db "SELECT MigrationId, ObjectVersion FROM $(Get-ViewName $db) ORDER BY MigrationId")
        @($rows | ForEach-Object { "$($_.MigrationId)=$($_.ObjectVersion)" }) | Should -Be @('0001_track=2.0', '0002_note=2.1')

        # A rolled-back migration expects nothing any more.
        $null = Undo-Expand @om -Id 0002_note -Confirm:$false -ErrorAction Stop
        @(Invoke-Sql $db "SELECT MigrationId FROM $(Get-ViewName $db)").MigrationId | Should -Be @('0001_track')
    }

    It 'an application that polls it starts stamping without a restart, and the ObjectVersion gate passes' -Skip:$Skip {
        # The application's first heartbeat at start creates the store, and with it the view.
        $null = Send-MigrationHeartbeat @om -Application 'items-api' -InstanceId 'api-1' -ObjectVersion '2.1'
        Step-Application $db 10
        $null = Invoke-Expand @om -Path $folder -Id 0001_track -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Step-Application $db 11
        (Invoke-Sql $db "SELECT ObjectVersion FROM $T WHERE Id = 10").ObjectVersion | Should -BeNullOrEmpty
        (Invoke-Sql $db "SELECT ObjectVersion FROM $T WHERE Id = 11").ObjectVersion | Should -Be '2.0'
        $null = Invoke-Migrate @om -Confirm:$false -ErrorAction Stop
        Step-Application $db 12
        $gate = @((Test-ContractReady @om -Id 0001_track).Checks | Where-Object Name -eq 'ObjectVersion')[0]
        $gate.Passed | Should -BeTrue -Because $gate.Detail

        # The next migration expects 2.1 on the same table: the same process moves on to it.
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Step-Application $db 13
        (Invoke-Sql $db "SELECT ObjectVersion FROM $T WHERE Id = 13").ObjectVersion | Should -Be '2.1'
        $null = Invoke-Migrate @om -Confirm:$false -ErrorAction Stop
        $gate = @((Test-ContractReady @om -Id 0002_note).Checks | Where-Object Name -eq 'ObjectVersion')[0]
        $gate.Passed | Should -BeTrue -Because $gate.Detail
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE ObjectVersion IS NULL OR ObjectVersion <> '2.1'").n | Should -Be 0
    }
}

Describe 'Object versions counted across the walk''s key batches on <Provider>' -ForEach (Get-TestProvider) {
    # The gates and Invoke-Migrate's verification read a large table in key batches of 20,000 rows (SQL
    # Server), one statement per batch that also finds the next batch's bound. 50,000 rows on a character
    # key make three batches; a row of another version in the first, middle or last must still be counted.
    BeforeAll {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Tagged'
            Invoke-Sql $db "CREATE TABLE $T ([Code] varchar(20) NOT NULL PRIMARY KEY, Name varchar(20) NULL)"
            $rows = if ($db.Provider -eq 'Sqlite') {
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO $T ([Code], Name) SELECT 'k-' || printf('%05d', i), 'n' FROM n"
            }
            else {
                "WITH n AS (SELECT TOP (50000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b) INSERT INTO $T ([Code], Name) SELECT CONCAT('k-', RIGHT(CONCAT('0000', i), 5)), 'n' FROM n"
            }
            Invoke-Sql $db $rows
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_track.json' = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [
                    { "trackObjectVersion": { "table": "dbo.Tagged", "column": "ObjectVersion" } } ] }'
            }
        }
    }
    AfterAll { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'every row at the version passes; a row older in the last batch, NULL in the first and newer in the middle are each counted' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        (Invoke-Migrate @om -Confirm:$false -ErrorAction Stop).RowsMigrated | Should -Be 50000
        $gate = @((Test-ContractReady @om -Id 0001_track).Checks | Where-Object Name -eq 'ObjectVersion')[0]
        $gate.Passed | Should -BeTrue -Because $gate.Detail

        Invoke-Sql $db "UPDATE $T SET ObjectVersion = NULL WHERE [Code] = 'k-00002'"
        Invoke-Sql $db "UPDATE $T SET ObjectVersion = '3.0' WHERE [Code] = 'k-25000'"
        Invoke-Sql $db "UPDATE $T SET ObjectVersion = '1.9' WHERE [Code] IN ('k-49999', 'k-50000')"
        $gate = @((Test-ContractReady @om -Id 0001_track).Checks | Where-Object Name -eq 'ObjectVersion')[0]
        $gate.Passed | Should -BeFalse
        $gate.Detail | Should -Match '3 row\(s\) older than 2\.0'
        $gate.Detail | Should -Match '2 row\(s\) at 1\.9'
        $gate.Detail | Should -Match '1 row\(s\) at NULL'

        # Invoke-Migrate's verification counts the same way: the three older rows, not the newer one.
        $r = Invoke-Migrate @om -Confirm:$false -ErrorAction Stop
        $r.RowsMigrated | Should -Be 3
        $r.ExitCode | Should -Be 0
        (Invoke-Sql $db "SELECT ObjectVersion FROM $T WHERE [Code] = 'k-25000'").ObjectVersion | Should -Be '3.0'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE ObjectVersion = '2.0'").n | Should -Be 49999
        (Test-ContractReady @om -Id 0001_track).Checks.Where({ $_.Name -eq 'ObjectVersion' })[0].Passed | Should -BeTrue
    }
}
