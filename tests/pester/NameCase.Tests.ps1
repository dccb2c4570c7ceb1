# Names compare the way the database compares them: dbo.INSTANCES is dbo.Instances for the gates and for the
# sync trigger (SQLite: ASCII case-insensitive; SQL Server: by the database collation, here case-insensitive),
# and a long unicode name cut for an internal name stays a name the database keeps.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Names compared as the database compares them on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            Initialize-TestInventory $db -Rows 20
            $om = Get-TestConnectionParameters $db
            $t = Get-TestTableName $db 'Instances'
            $folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'counts rows of dbo.Instances left at an older object version when a migration names dbo.INSTANCES' -Skip:$Skip {
        $folder = New-TestMigrationFolder $db -Files @{
            '0001_track.json'  = '{ "objectVersion": "1.0", "operations": [ { "trackObjectVersion": { "table": "dbo.Instances", "column": "ObjectVersion" } } ] }'
            '0002_region.json' = '{ "objectVersion": "2.0", "operations": [ { "addColumn": { "table": "dbo.INSTANCES", "column": { "name": "Region", "type": "varchar(16)", "nullable": true } } } ] }'
        }
        Invoke-Expand @om -Path $folder -Id 0001_track -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Invoke-Migrate @om -Confirm:$false | Out-Null
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion = '1.0'").n | Should -Be 20

        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $gate = (Test-ContractReady @om -Id 0002_region).Checks | Where-Object Name -EQ 'ObjectVersion'
        $gate.Passed | Should -BeFalse -Because $gate.Detail
        $gate.Detail | Should -BeLike '*20 row(s) older than 2.0*'

        Invoke-Migrate @om -Confirm:$false | Out-Null
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL OR ObjectVersion <> '2.0'").n | Should -Be 0
        ((Test-ContractReady @om -Id 0002_region).Checks | Where-Object Name -EQ 'ObjectVersion').Passed | Should -BeTrue

        # Old code still writing 1.0 blocks the contract again.
        Invoke-Sql $db "INSERT INTO $t (Id, Name, ObjectVersion) VALUES (1000, 'old-code', '1.0')" | Out-Null
        $gate = (Test-ContractReady @om -Id 0002_region).Checks | Where-Object Name -EQ 'ObjectVersion'
        $gate.Passed | Should -BeFalse
        $gate.Detail | Should -BeLike '*1 row(s) older than 2.0*'
    }

    It 'gives one table spelt two ways in one migration one sync trigger, which keeps both new columns in step' -Skip:$Skip {
        $folder = New-TestMigrationFolder $db -Files @{
            '0001_two_spellings.json' = @'
{ "operations": [
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } },
    { "renameColumn": { "table": "dbo.INSTANCES", "from": "Location", "to": "Site" } }
] }
'@
        }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $sync = @(Get-TestTrigger $db 'Instances' | Where-Object { $_ -like 'OnlineMigrations_sync*' })
        # One sync trigger set for the table (SQLite makes one trigger per event, SQL Server one in all).
        $sync.Count | Should -BeGreaterThan 0
        @($sync | ForEach-Object { $_ -replace '__[0-9a-f]{8}.*$', '' } | Sort-Object -Unique).Count | Should -Be 1 -Because ($sync -join ', ')
        @($sync | ForEach-Object { ($_ -split '__')[1].Substring(0, 8) } | Sort-Object -Unique).Count | Should -Be 1 -Because ($sync -join ', ')
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Location) VALUES (100, 'old-code', 'EUW1-R001')" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Site) VALUES (101, 'new-code', 'USE2-R002')" | Out-Null
        $rows = Invoke-Sql $db "SELECT Id, NameUpper, Location, Site FROM $t WHERE Id >= 100 ORDER BY Id"
        ($rows | ForEach-Object { "$($_.Id):$($_.NameUpper):$($_.Location):$($_.Site)" }) -join ' ' |
            Should -Be '100:OLD-CODE:EUW1-R001:EUW1-R001 101:NEW-CODE:USE2-R002:USE2-R002'

        Invoke-Migrate @om -Confirm:$false | Out-Null
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        Request-Contract @om -Id 0001_two_spellings -Confirm:$false | Out-Null
        Invoke-Contract @om -Id 0001_two_spellings -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        @(Get-TestTrigger $db 'Instances' | Where-Object { $_ -like 'OnlineMigrations_sync*' }).Count | Should -Be 0
        (Get-TestColumn $db 'Instances').Name | Should -Not -Contain 'Location'
    }

    It 'changes a column with a 116-character unicode name and leaves no shadow column behind after contract' -Skip:$Skip {
        $long = [string]::Concat([Linq.Enumerable]::Repeat([char]::ConvertFromUtf32(0x1F600), 58))
        $long.Length | Should -Be 116
        $q = "[$long]"
        Invoke-Sql $db "ALTER TABLE $t ADD $q int NULL" | Out-Null
        if ((Get-TestColumn $db 'Instances').Name -notcontains $long) {
            Set-ItResult -Skipped -Because 'this server does not keep a 116-character name (the T-SQL engine keeps identifiers of at most 63 bytes, PostgreSQL''s limit, and shows a truncated, hashed name)'
            return
        }
        Invoke-Sql $db "UPDATE $t SET $q = Id * 10" | Out-Null
        $folder = New-TestMigrationFolder $db -Files @{
            '0001_widen.json' = (@{ operations = @(@{ alterColumn = @{ table = 'dbo.Instances'; column = $long; type = 'bigint'; up = "CAST($q AS bigint)" } }) } | ConvertTo-Json -Depth 5)
        }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $shadow = @(Get-TestColumn $db 'Instances' | Where-Object { $_.Name -like '*__om_*' })
        $shadow.Count | Should -Be 1
        $shadow[0].Name | Should -Be ([Text.Encoding]::UTF8.GetString([Text.Encoding]::UTF8.GetBytes($shadow[0].Name))) -Because 'the database keeps the name it was given only when it is whole characters'
        Invoke-Sql $db "INSERT INTO $t (Id, Name, $q) VALUES (500, 'old-code', 7)" | Out-Null
        Invoke-Migrate @om -Confirm:$false | Out-Null
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        Request-Contract @om -Id 0001_widen -Confirm:$false | Out-Null
        $state = Invoke-Contract @om -Id 0001_widen -Confirm:$false -WarningAction SilentlyContinue
        $state.Phase | Should -Be 'Completed'
        @(Get-TestColumn $db 'Instances' | Where-Object { $_.Name -like '*__om_*' }).Count | Should -Be 0
        (Get-TestColumn $db 'Instances' | Where-Object Name -EQ $long).Type | Should -Be 'bigint'
        (Invoke-Sql $db "SELECT SUM($q) AS s FROM $t").s | Should -Be (10 * 210 + 7)
    }
}
