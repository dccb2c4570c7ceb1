# Renaming a column that has a default: a row old code inserts keeps the value it wrote, whatever the
# new column's default would have said, and after contract the new column has the old one's default.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Renaming a column with a default on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            Initialize-TestBaseline $db
            $folder = New-TestMigrationFolder $db -Files @{
                '0001_status_to_state.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Instances", "from": "Status", "to": "State" } } ] }'
            }
            $om = Get-TestConnectionParameters $db
            $t = Get-TestTableName $db 'Instances'
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'keeps what old and new code insert, and moves the default to the new column at contract' -Skip:$Skip {
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Status) VALUES (1, 'old-explicit', 'STOPPED')" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name) VALUES (2, 'old-default')" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name, State) VALUES (3, 'new-explicit', 'PAUSED')" | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Status, State) VALUES (4, 'both', 'STOPPED', 'PAUSED')" | Out-Null
        $rows = Invoke-Sql $db "SELECT Id, Status, State FROM $t ORDER BY Id"
        ($rows | ForEach-Object { "$($_.Id):$($_.Status)/$($_.State)" }) -join ' ' |
            Should -Be '1:STOPPED/STOPPED 2:ACTIVE/ACTIVE 3:PAUSED/PAUSED 4:PAUSED/PAUSED'

        Invoke-Migrate @om -Confirm:$false | Out-Null
        Request-Contract @om -Id 0001_status_to_state -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false | Out-Null
        Invoke-Contract @om -Id 0001_status_to_state -Confirm:$false | Out-Null
        Invoke-Sql $db "INSERT INTO $t (Id, Name) VALUES (5, 'after-contract')" | Out-Null
        (Invoke-Sql $db "SELECT State FROM $t WHERE Id = 5").State | Should -Be 'ACTIVE'
        ((Invoke-Sql $db "SELECT Id, State FROM $t WHERE Id < 5 ORDER BY Id") | ForEach-Object State) -join ',' | Should -Be 'STOPPED,ACTIVE,PAUSED,PAUSED'
    }
}
