# Comparisons are exact, not collation-equal: under a case-insensitive or trailing-space-insensitive
# collation (SQLite NOCASE and RTRIM, SQL Server _CI_ collations, where trailing spaces never count),
# an update that changes only case or trailing spaces reaches the other shape and survives contract,
# and the DataMigrated gate counts rows whose shapes differ only so.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function New-AccountsTable {
        <# Accounts (Id, Name case-insensitive, Code trailing-space-insensitive, Amount) with rows alice/ab, bob/cd, carol/ef. #>
        param($Database)
        $t = Get-TestTableName $Database 'Accounts'
        if ($Database.Provider -eq 'Sqlite') {
            Invoke-Sql $Database "CREATE TABLE $t (Id INTEGER NOT NULL PRIMARY KEY, Name TEXT COLLATE NOCASE, Code TEXT COLLATE RTRIM, Amount INTEGER)"
        }
        else {
            Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Name nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, Code nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, Amount int NULL)"
        }
        Invoke-Sql $Database "INSERT INTO $t (Id, Name, Code, Amount) VALUES (1, 'alice', 'ab', 1), (2, 'bob', 'cd', 2), (3, 'carol', 'ef', 3)"
        $t
    }

    function Get-Rows {
        <# 'id=[value]' for every row, in key order (brackets show trailing spaces). #>
        param($Database, [string]$Table, [string]$Column)
        (Invoke-Sql $Database "SELECT Id, $Column AS v FROM $Table ORDER BY Id" | ForEach-Object { "$($_.Id)=[$($_.v)]" }) -join ' '
    }

    function Set-WithoutSync {
        <# Writes as the backfill does, which the sync trigger does not copy back: a write the triggers never saw (a bulk load without FIRE_TRIGGERS). #>
        param($Database, [string]$Sql)
        if ($Database.Provider -eq 'Sqlite') {
            Invoke-Sql $Database "BEGIN; INSERT INTO OnlineMigrations_BackfillMark (Mark) VALUES (1); $Sql; DELETE FROM OnlineMigrations_BackfillMark; COMMIT;"
        }
        else {
            Invoke-Sql $Database "EXEC sys.sp_set_session_context @key = N'OnlineMigrations.Backfill', @value = 1; $Sql; EXEC sys.sp_set_session_context @key = N'OnlineMigrations.Backfill', @value = NULL;"
        }
    }
}

Describe 'Exact comparisons on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            $t = New-AccountsTable $db
            $folder = $null
            $rename = '{ "operations": [ { "renameColumn": { "table": "dbo.Accounts", "from": "Name", "to": "DisplayName" } }, { "renameColumn": { "table": "dbo.Accounts", "from": "Code", "to": "Label" } } ] }'
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'renameColumn: an update that changes only case or trailing spaces reaches the other column, both ways, and survives contract' -Skip:$Skip {
        $folder = Invoke-TestThroughMigrate $db '0001_display_name' $rename
        # Old code:
        Invoke-Sql $db "UPDATE $t SET Name = 'ALICE', Code = 'ab ' WHERE Id = 1"
        # New code:
        Invoke-Sql $db "UPDATE $t SET DisplayName = 'CAROL', Label = 'ef  ' WHERE Id = 3"
        Get-Rows $db $t 'Name' | Should -BeExactly '1=[ALICE] 2=[bob] 3=[CAROL]'
        Get-Rows $db $t 'Code' | Should -BeExactly '1=[ab ] 2=[cd] 3=[ef  ]'
        Get-Rows $db $t 'DisplayName' | Should -BeExactly '1=[ALICE] 2=[bob] 3=[CAROL]'
        Get-Rows $db $t 'Label' | Should -BeExactly '1=[ab ] 2=[cd] 3=[ef  ]'

        Complete-TestContract $db '0001_display_name'
        Get-Rows $db $t 'DisplayName' | Should -BeExactly '1=[ALICE] 2=[bob] 3=[CAROL]'
        Get-Rows $db $t 'Label' | Should -BeExactly '1=[ab ] 2=[cd] 3=[ef  ]'
    }

    It 'alterColumn: an old-code update that changes only case or trailing spaces reaches the shadow and survives contract' -Skip:$Skip {
        $wide = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(100)' }
        $folder = Invoke-TestThroughMigrate $db '0001_widen' @"
{ "operations": [ { "alterColumn": { "table": "dbo.Accounts", "column": "Name", "type": "$wide", "up": "[Name]" } },
                  { "alterColumn": { "table": "dbo.Accounts", "column": "Code", "type": "$wide", "up": "[Code]" } } ] }
"@
        Invoke-Sql $db "UPDATE $t SET Name = 'ALICE', Code = 'ab ' WHERE Id = 1"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Code, Amount) VALUES (4, 'DAN', 'gh ', 4)"
        Invoke-Sql $db "UPDATE $t SET Name = 'Dan', Code = 'gh' WHERE Id = 4"

        Complete-TestContract $db '0001_widen'
        Get-Rows $db $t 'Name' | Should -BeExactly '1=[ALICE] 2=[bob] 3=[carol] 4=[Dan]'
        Get-Rows $db $t 'Code' | Should -BeExactly '1=[ab ] 2=[cd] 3=[ef] 4=[gh]'
    }

    It 'DataMigrated counts rows whose old and new column differ only in case or trailing spaces' -Skip:$Skip {
        $folder = Invoke-TestThroughMigrate $db '0001_display_name' $rename
        $om = Get-TestConnectionParameters $db
        Set-WithoutSync $db "UPDATE $t SET DisplayName = 'ALICE' WHERE Id = 1"
        Set-WithoutSync $db "UPDATE $t SET Label = 'cd ' WHERE Id = 2"
        $check = (Test-ContractReady @om -Id '0001_display_name').Checks | Where-Object Name -eq 'DataMigrated'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 rows of \S+ where Name and DisplayName differ'
        $check.Detail | Should -Match '1 rows of \S+ where Code and Label differ'
    }
}
