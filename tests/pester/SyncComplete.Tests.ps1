# Sync is complete for every operation: until contract, every old-code insert and update reaches the
# new shape (an addColumn's `up` is kept, not filled once; `up` wins over the column's default), and a
# statement that writes the new column keeps its value, even an unchanged one. Every write is checked
# from outside the module after contract.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function New-AccountsTable {
        <# Accounts (Id, Name, Amount) with rows 1 alice 150, 2 bob 5, 3 carol 30, 4 dan 40. #>
        param($Database)
        $t = Get-TestTableName $Database 'Accounts'
        if ($Database.Provider -eq 'Sqlite') { Invoke-Sql $Database "CREATE TABLE $t (Id INTEGER NOT NULL PRIMARY KEY, Name TEXT, Amount INTEGER)" }
        else { Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Name nvarchar(50) NULL, Amount int NULL)" }
        Invoke-Sql $Database "INSERT INTO $t (Id, Name, Amount) VALUES (1, 'alice', 150), (2, 'bob', 5), (3, 'carol', 30), (4, 'dan', 40)"
        $t
    }

    function Get-Rows {
        <# 'id=value' for every row, in key order. #>
        param($Database, [string]$Table, [string]$Column)
        (Invoke-Sql $Database "SELECT Id, $Column AS v FROM $Table ORDER BY Id" | ForEach-Object { "$($_.Id)=$($_.v)" }) -join ' '
    }
}

Describe 'Complete sync on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            $t = New-AccountsTable $db
            $text = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(50)' }
            $folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'addColumn with up: old-code updates after the fill reach the new column; a statement writing the new column keeps it, even unchanged' -Skip:$Skip {
        $folder = Invoke-TestThroughMigrate $db '0001_name_upper' @"
{ "operations": [ { "addColumn": { "table": "dbo.Accounts", "column": { "name": "NameUpper", "type": "$text", "nullable": true }, "up": "UPPER([Name])" } } ] }
"@
        Get-Rows $db $t 'NameUpper' | Should -Be '1=ALICE 2=BOB 3=CAROL 4=DAN'
        # Old code (it does not know NameUpper):
        Invoke-Sql $db "UPDATE $t SET Name = 'alicia' WHERE Id = 1"
        Invoke-Sql $db "UPDATE $t SET Amount = 7 WHERE Id = 2"
        Invoke-Sql $db "UPDATE $t SET Name = 'daniel' WHERE Id = 4"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Amount) VALUES (10, 'erin', 1)"
        # New code writes NameUpper itself: its value stays, also when unchanged and beside a new Name.
        Invoke-Sql $db "UPDATE $t SET Name = 'bobby', NameUpper = 'B-CUSTOM' WHERE Id = 2"
        Invoke-Sql $db "UPDATE $t SET Name = 'caroline', NameUpper = 'CAROL' WHERE Id = 3"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, NameUpper, Amount) VALUES (11, 'fay', 'F-CUSTOM', 1)"
        # An old-code update that does not change what up reads leaves a new-code value alone.
        Invoke-Sql $db "UPDATE $t SET Amount = 2 WHERE Id IN (2, 11)"
        $expected = '1=ALICIA 2=B-CUSTOM 3=CAROL 4=DANIEL 10=ERIN 11=F-CUSTOM'
        Get-Rows $db $t 'NameUpper' | Should -Be $expected

        Complete-TestContract $db '0001_name_upper'
        Get-Rows $db $t 'NameUpper' | Should -Be $expected
    }

    It 'addColumn with up and a default: up, not the default, fills existing rows and old-code inserts, and follows old-code updates' -Skip:$Skip {
        $folder = Invoke-TestThroughMigrate $db '0001_tier' @"
{ "operations": [ { "addColumn": { "table": "dbo.Accounts", "column": { "name": "Tier", "type": "$text", "nullable": true, "default": "'none'" },
    "up": "CASE WHEN [Amount] >= 100 THEN 'gold' ELSE 'basic' END" } } ] }
"@
        Get-Rows $db $t 'Tier' | Should -Be '1=gold 2=basic 3=basic 4=basic'
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Amount) VALUES (10, 'old-insert', 500)"
        Invoke-Sql $db "UPDATE $t SET Amount = 1 WHERE Id = 1"
        Invoke-Sql $db "UPDATE $t SET Amount = 200 WHERE Id = 2"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Amount, Tier) VALUES (11, 'new-insert', 500, 'platinum')"
        Invoke-Sql $db "UPDATE $t SET Amount = 300, Tier = 'silver' WHERE Id = 3"
        $expected = '1=basic 2=gold 3=silver 4=basic 10=gold 11=platinum'
        Get-Rows $db $t 'Tier' | Should -Be $expected

        Complete-TestContract $db '0001_tier'
        Get-Rows $db $t 'Tier' | Should -Be $expected
    }

    It 'renameColumn: a statement writing the old and the new column keeps the new value even when it is unchanged' -Skip:$Skip {
        $folder = Invoke-TestThroughMigrate $db '0001_amount_balance' '{ "operations": [ { "renameColumn": { "table": "dbo.Accounts", "from": "Amount", "to": "Balance" } } ] }'
        # New code writes both columns, the new one with its unchanged value: the new one wins.
        Invoke-Sql $db "UPDATE $t SET Amount = 151, Balance = 150 WHERE Id = 1"
        Invoke-Sql $db "UPDATE $t SET Amount = 21 WHERE Id = 2"
        Invoke-Sql $db "UPDATE $t SET Balance = 31 WHERE Id = 3"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Amount) VALUES (10, 'old-insert', 100)"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Balance) VALUES (11, 'new-insert', 110)"
        Get-Rows $db $t 'Amount' | Should -Be '1=150 2=21 3=31 4=40 10=100 11=110'
        $expected = '1=150 2=21 3=31 4=40 10=100 11=110'
        Get-Rows $db $t 'Balance' | Should -Be $expected

        Complete-TestContract $db '0001_amount_balance'
        Get-Rows $db $t 'Balance' | Should -Be $expected
    }
}
