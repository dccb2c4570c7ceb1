# A rename keeps the values and the constraints: every existing value is copied (not replaced by the
# new column's default), old-code and new-code writers stay in step, and after contract the renamed
# column has its default and is NOT NULL as before. What an engine cannot keep online is refused at
# expand, leaving the database exactly as it was. A key column is never renamed; a table without a
# primary key is walked by SQLite's rowid, and refused on SQL Server with what to do.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
    function script:New-Rename($db, [string]$Table, [string]$From, [string]$To) {
        New-TestMigrationFolder $db -Files @{ '0001_rename.json' = "{ ""operations"": [ { ""renameColumn"": { ""table"": ""dbo.$Table"", ""from"": ""$From"", ""to"": ""$To"" } } ] }" }
    }
    function script:Complete-Rename($om, [switch]$AllowOffline) {
        $progress = Invoke-Migrate @om -Confirm:$false
        Request-Contract @om -Id 0001_rename -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: the writers below are plain SQL' -Confirm:$false | Out-Null
        Invoke-Contract @om -Id 0001_rename -AllowOffline:$AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $progress
    }
}

Describe 'renameColumn keeps the values and the constraints on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:folder = $null
            # Rows from before the migration: most with a status other than the default.
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (1, 'vm-1', 'STOPPED'), (2, 'vm-2', 'PAUSED'), (3, 'vm-3', 'ACTIVE'), (4, 'vm-4', 'STOPPED')" | Out-Null
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (5, 'vm-5')" | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'copies every existing value of a NOT NULL column with a default, and after contract it has the default and is NOT NULL' -Skip:$Skip {
        $script:folder = New-Rename $db 'Instances' 'Status' 'State'
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null

        # The application, old code and new code, each on its own connection with plain SQL.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Status) VALUES (10, 'old-insert', 'STOPPED')" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (11, 'old-insert-default')" | Out-Null
        Invoke-Sql $db "UPDATE $T SET Status = 'PAUSED' WHERE Id = 4" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, State) VALUES (20, 'new-insert', 'PAUSED')" | Out-Null
        Invoke-Sql $db "UPDATE $T SET State = 'ACTIVE' WHERE Id = 2" | Out-Null

        $progress = @(Invoke-Migrate @om -Confirm:$false)
        $progress[-1].ExitCode | Should -Be 0
        $progress[-1].Complete | Should -BeTrue
        $progress[-1].RowsRemaining | Should -Be 0
        $rows = Invoke-Sql $db "SELECT Id, Status, State FROM $T ORDER BY Id"
        ($rows | ForEach-Object { "$($_.Id):$($_.Status)/$($_.State)" }) -join ' ' |
            Should -Be '1:STOPPED/STOPPED 2:ACTIVE/ACTIVE 3:ACTIVE/ACTIVE 4:PAUSED/PAUSED 5:ACTIVE/ACTIVE 10:STOPPED/STOPPED 11:ACTIVE/ACTIVE 20:PAUSED/PAUSED'
        (Test-ContractReady @om -Id 0001_rename).Checks | Where-Object Name -eq 'DataMigrated' | ForEach-Object Passed | Should -BeTrue

        Request-Contract @om -Id 0001_rename -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: the writers are plain SQL' -Confirm:$false | Out-Null
        Invoke-Contract @om -Id 0001_rename -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null

        Get-TestColumnDefinition $db 'Instances' 'Status' | Should -BeNullOrEmpty
        $state = Get-TestColumnDefinition $db 'Instances' 'State'
        $state.Nullable | Should -BeFalse
        $state.Default | Should -Match 'ACTIVE'
        # New code after contract: the default fills an insert without the column, and NULL is refused.
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (30, 'after')" | Out-Null
        (Invoke-Sql $db "SELECT State FROM $T WHERE Id = 30").State | Should -Be 'ACTIVE'
        { Invoke-Sql $db "INSERT INTO $T (Id, Name, State) VALUES (31, 'null', NULL)" } | Should -Throw
        ((Invoke-Sql $db "SELECT State FROM $T WHERE Id < 30 ORDER BY Id") | ForEach-Object State) -join ',' |
            Should -Be 'STOPPED,ACTIVE,ACTIVE,PAUSED,ACTIVE,STOPPED,ACTIVE,PAUSED'
    }

    It 'copies every existing value of a nullable column with a default, and the default moves to the new column' -Skip:$Skip {
        $q = Get-TestTableName $db 'Hosts'
        if ($Provider -eq 'Sqlite') { Invoke-Sql $db "CREATE TABLE $q (Id INTEGER PRIMARY KEY, Zone TEXT NULL DEFAULT ('z0'))" | Out-Null }
        else { Invoke-Sql $db "CREATE TABLE $q (Id int NOT NULL PRIMARY KEY, Zone nvarchar(10) NULL DEFAULT ('z0'))" | Out-Null }
        Invoke-Sql $db "INSERT INTO $q (Id, Zone) VALUES (1, 'z1'), (2, NULL), (3, 'z3')" | Out-Null
        Invoke-Sql $db "INSERT INTO $q (Id) VALUES (4)" | Out-Null
        $script:folder = New-Rename $db 'Hosts' 'Zone' 'Region'
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $q (Id, Zone) VALUES (10, 'old')" | Out-Null
        Invoke-Sql $db "INSERT INTO $q (Id, Region) VALUES (20, 'new')" | Out-Null

        $progress = @(Complete-Rename $om)
        $progress[-1].ExitCode | Should -Be 0
        ((Invoke-Sql $db "SELECT Id, Region FROM $q ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Region)" }) -join ' ' | Should -Be '1:z1 2: 3:z3 4:z0 10:old 20:new'
        $region = Get-TestColumnDefinition $db 'Hosts' 'Region'
        $region.Nullable | Should -BeTrue
        $region.Default | Should -Match 'z0'
    }

    It 'renames a NOT NULL column without a default where the engine can let inserts omit it, else refuses at expand and changes nothing' -Skip:$Skip {
        # Name is NOT NULL without a default: new code inserting only NewName needs Name to accept NULL until contract.
        $script:folder = New-Rename $db 'Instances' 'Name' 'DisplayName'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $relaxes = Test-TestAlterColumnNullability $db
        if (-not $relaxes) {
            # SQLite cannot make a column nullable; the T-SQL test engine lacks ALTER COLUMN ... NULL.
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
            "$err" | Should -BeLike '*operations`[0`]*Name*NOT NULL*'
            $err.ErrorDetails.RecommendedAction | Should -Match 'default'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            @(Get-MigrationState @om | Where-Object Id -eq '0001_rename' | Where-Object Phase -ne 'Pending') | Should -HaveCount 0
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, DisplayName) VALUES (20, 'new-only')" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old-only')" | Out-Null
        Invoke-Migrate @om -Confirm:$false | Out-Null
        Request-Contract @om -Id 0001_rename -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database' -Confirm:$false | Out-Null
        # The NOT NULL comes back as an offline step: contract says so and changes nothing without -AllowOffline.
        $mid = Get-TestCatalogAndDataSnapshot $db
        $refused = Get-ErrorOf { Invoke-Contract @om -Id 0001_rename -Confirm:$false -ErrorAction Stop }
        $refused.FullyQualifiedErrorId | Should -BeLike 'OfflineStepRefused,*'
        "$refused" | Should -Match 'NOT NULL'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $mid
        Invoke-Contract @om -Id 0001_rename -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        (Get-TestColumnDefinition $db 'Instances' 'DisplayName').Nullable | Should -BeFalse
        ((Invoke-Sql $db "SELECT DisplayName FROM $T ORDER BY Id") | ForEach-Object DisplayName) -join ',' | Should -Be 'vm-1,vm-2,vm-3,vm-4,vm-5,old-only,new-only'
    }

    It 'refuses to rename a key column, says why and what to do instead, and changes nothing' -Skip:$Skip {
        $script:folder = New-Rename $db 'Instances' 'Id' 'InstanceId'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'OperationRefused,*'
        "$err" | Should -BeLike '*operations`[0`]*Id*part of the table''s key*cannot be renamed online*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Keep the name'
        $err.ErrorDetails.RecommendedAction | Should -Match 'maintenance window'
        $err.ErrorDetails.RecommendedAction | Should -Match 'another key'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'renames a column of a table without a primary key by its rowid (SQLite), or refuses and says to add a key (SQL Server)' -Skip:$Skip {
        $q = Get-TestTableName $db 'Notes'
        if ($Provider -eq 'Sqlite') { Invoke-Sql $db "CREATE TABLE $q (Body TEXT NULL)" | Out-Null }
        else { Invoke-Sql $db "CREATE TABLE $q (Body nvarchar(50) NULL)" | Out-Null }
        Invoke-Sql $db "INSERT INTO $q (Body) VALUES ('a'), ('b'), (NULL)" | Out-Null
        $script:folder = New-Rename $db 'Notes' 'Body' 'Text'
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if ($Provider -eq 'SqlServer') {
            $err.FullyQualifiedErrorId | Should -BeLike 'NoUsableKey,*'
            "$err" | Should -Match 'no primary key'
            $err.ErrorDetails.RecommendedAction | Should -Match 'primary key'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $q (Body) VALUES ('old')" | Out-Null
        Invoke-Sql $db "INSERT INTO $q (Text) VALUES ('new')" | Out-Null
        (@(Complete-Rename $om))[-1].ExitCode | Should -Be 0
        ((Invoke-Sql $db "SELECT Text FROM $q ORDER BY rowid") | ForEach-Object { "$($_.Text)" }) -join ',' | Should -Be 'a,b,,old,new'
    }
}
