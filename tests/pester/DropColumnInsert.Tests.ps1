# dropColumn: from expand on, new code writes rows without the column it drops. A NOT NULL column
# without a default is made nullable at expand (SQL Server), so new code's inserts succeed while old
# code keeps writing it; contract drops it and undo restores it. Where the engine cannot relax it
# (SQLite; the T-SQL test engine), expand refuses with the reason and changes nothing.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
    function script:New-Drop($db, [string]$Column) {
        New-TestMigrationFolder $db -Files @{ '0001_drop.json' = "{ ""operations"": [ { ""dropColumn"": { ""table"": ""dbo.Instances"", ""column"": ""$Column"" } } ] }" }
    }
    function script:Complete-Drop($om) {
        Invoke-Migrate @om -Confirm:$false | Out-Null
        Request-Contract @om -Id 0001_drop -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: the writers are plain SQL' -Confirm:$false | Out-Null
        Invoke-Contract @om -Id 0001_drop -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
    }
}

Describe 'dropColumn lets new code insert without the column on <Provider>' -ForEach (Get-TestProvider) {
    # Discovery: only a server that can make a column nullable (SQL Server, not SQLite or the T-SQL test engine) runs the undo case.
    $canRelax = -not $Skip -and (Test-TestAlterColumnNullability ([pscustomobject]@{ Provider = $Provider; ConnectionString = $ConnectionString }))
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:folder = $null
            $script:relaxes = Test-TestAlterColumnNullability $db
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (1, 'vm-1', 'STOPPED'), (2, 'vm-2', 'ACTIVE')" | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'a NOT NULL column without a default: new code inserts without it after expand, or expand refuses where the engine cannot relax it' -Skip:$Skip {
        $script:folder = New-Drop $db 'Name'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if (-not $relaxes) {
            $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
            "$err" | Should -BeLike '*operations`[0`]*dropColumn*NOT NULL*Name*'
            $err.ErrorDetails.RecommendedAction | Should -Match 'default'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            "$((Get-MigrationState @om -Path $folder | Where-Object Id -eq '0001_drop').Phase)" | Should -Be 'Pending'
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, Status) VALUES (20, 'PAUSED')" | Out-Null            # new code: no Name
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (10, 'old', 'ACTIVE')" | Out-Null  # old code
        Invoke-Sql $db "UPDATE $T SET Status = 'STOPPED' WHERE Id = 20" | Out-Null
        ((Invoke-Sql $db "SELECT Id, Name FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)" }) -join ' ' | Should -Be '1:vm-1 2:vm-2 10:old 20:'
        Complete-Drop $om
        Get-TestColumnDefinition $db 'Instances' 'Name' | Should -BeNullOrEmpty
        ((Invoke-Sql $db "SELECT Id, Status FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Status)" }) -join ' ' | Should -Be '1:STOPPED 2:ACTIVE 10:ACTIVE 20:STOPPED'
    }

    It 'undo after new code inserted without the column says what it cannot restore; once the rows hold a value, it restores NOT NULL (SQL Server only: SQLite and the T-SQL test engine cannot make a column nullable)' -Skip:(-not $canRelax) {
        $script:folder = New-Drop $db 'Name'
        $before = Get-TestCatalogAndDataSnapshot $db
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        (Get-TestColumnDefinition $db 'Instances' 'Name').Nullable | Should -BeTrue
        Invoke-Sql $db "INSERT INTO $T (Id, Status) VALUES (20, 'PAUSED')" | Out-Null
        $mid = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Undo-Expand @om -Id 0001_drop -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
        "$err" | Should -Match 'inserted without Name'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $mid
        Invoke-Sql $db "DELETE FROM $T WHERE Id = 20" | Out-Null
        Undo-Expand @om -Id 0001_drop -Confirm:$false -ErrorAction Stop | Out-Null
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'a NOT NULL column with a default: new code inserts without it, and contract drops it' -Skip:$Skip {
        $script:folder = New-Drop $db 'Status'
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (20, 'new')" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (10, 'old', 'PAUSED')" | Out-Null
        ((Invoke-Sql $db "SELECT Id, Status FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Status)" }) -join ' ' | Should -Be '1:STOPPED 2:ACTIVE 10:PAUSED 20:ACTIVE'
        Complete-Drop $om
        Get-TestColumnDefinition $db 'Instances' 'Status' | Should -BeNullOrEmpty
        ((Invoke-Sql $db "SELECT Id, Name FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Name)" }) -join ' ' | Should -Be '1:vm-1 2:vm-2 10:old 20:new'
    }
}
