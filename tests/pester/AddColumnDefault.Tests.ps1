# addColumn with a default: existing rows get the default (SQL Server adds a nullable column with a
# default as NULL in existing rows, so the backfill fills them; SQLite shows them the default), so a
# NOT NULL at contract can pass. Old-code inserts get the default, new-code values are kept. Where the
# engine cannot make the column NOT NULL at contract, SQLite adds it NOT NULL with its default at
# expand, and the T-SQL test engine refuses at expand, changing nothing.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
    function script:New-Add($db, [string]$Column) {
        New-TestMigrationFolder $db -Files @{ '0001_add.json' = "{ ""operations"": [ { ""addColumn"": { ""table"": ""dbo.Instances"", ""column"": $Column } } ] }" }
    }
    function script:Request-TestContract($om) {
        Request-Contract @om -Id 0001_add -Confirm:$false | Out-Null
        Register-MigrationClient @om -None -Reason 'test database: the writers are plain SQL' -Confirm:$false | Out-Null
    }
}

Describe 'addColumn with a default on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:folder = $null
            $script:lacksNullability = $Provider -eq 'SqlServer' -and -not (Test-TestAlterColumnNullability $db)
            $script:type = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(16)' }
            Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (1, 'vm-1'), (2, 'vm-2'), (3, 'vm-3')" | Out-Null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'fills the existing rows of a nullable column with its default; old-code inserts get it, new-code values stay' -Skip:$Skip {
        $script:folder = New-Add $db "{ ""name"": ""Region"", ""type"": ""$type"", ""nullable"": true, ""default"": ""'EU'"" }"
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old')" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Region) VALUES (20, 'new', 'US')" | Out-Null
        Invoke-Sql $db "UPDATE $T SET Region = 'APAC' WHERE Id = 2" | Out-Null
        $progress = @(Invoke-Migrate @om -Confirm:$false)
        $progress[-1].ExitCode | Should -Be 0
        $progress[-1].RowsRemaining | Should -Be 0
        ((Invoke-Sql $db "SELECT Id, Region FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Region)" }) -join ' ' | Should -Be '1:EU 2:APAC 3:EU 10:EU 20:US'
        (Test-ContractReady @om -Id 0001_add).Checks | Where-Object Name -eq 'DataMigrated' | ForEach-Object Passed | Should -BeTrue
    }

    It 'a NOT NULL column with a default: existing rows take the default and contract makes it NOT NULL (asking -AllowOffline where that is offline), or expand refuses' -Skip:$Skip {
        $script:folder = New-Add $db "{ ""name"": ""Region"", ""type"": ""$type"", ""nullable"": false, ""default"": ""'EU'"" }"
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if ($lacksNullability) {
            # The T-SQL test engine lacks ALTER COLUMN ... NOT NULL: refused at expand, not first at contract.
            $err.FullyQualifiedErrorId | Should -BeLike 'NotSupportedByServer,*'
            "$err" | Should -BeLike '*operations`[0`]*NOT NULL*Region*'
            $err.ErrorDetails.RecommendedAction | Should -Match 'nullable'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old')" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Region) VALUES (20, 'new', 'US')" | Out-Null
        $progress = @(Invoke-Migrate @om -Confirm:$false)
        $progress[-1].ExitCode | Should -Be 0
        ((Invoke-Sql $db "SELECT Id, Region FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Region)" }) -join ' ' | Should -Be '1:EU 2:EU 3:EU 10:EU 20:US'
        Request-TestContract $om
        if ($Provider -eq 'SqlServer') {
            $mid = Get-TestCatalogAndDataSnapshot $db
            (Get-ErrorOf { Invoke-Contract @om -Id 0001_add -Confirm:$false -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'OfflineStepRefused,*'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $mid
        }
        Invoke-Contract @om -Id 0001_add -AllowOffline:($Provider -eq 'SqlServer') -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $region = Get-TestColumnDefinition $db 'Instances' 'Region'
        $region.Nullable | Should -BeFalse
        $region.Default | Should -Match 'EU'
        { Invoke-Sql $db "INSERT INTO $T (Id, Name, Region) VALUES (30, 'null', NULL)" } | Should -Throw
    }

    It 'a NOT NULL column with a default and up: existing and old-code rows take up, never NULL' -Skip:$Skip {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_add.json' = "{ ""operations"": [ { ""addColumn"": { ""table"": ""dbo.Instances"", ""column"": { ""name"": ""Label"", ""type"": ""$type"", ""nullable"": false, ""default"": ""'none'"" }, ""up"": ""[Name]"" } } ] }" }
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        if ($lacksNullability) {
            $err.FullyQualifiedErrorId | Should -BeLike 'NotSupportedByServer,*'
            Get-TestCatalogAndDataSnapshot $db | Should -Be $before
            return
        }
        $err | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (10, 'old')" | Out-Null
        Invoke-Sql $db "UPDATE $T SET Name = 'renamed' WHERE Id = 1" | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Label) VALUES (20, 'new', 'mine')" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        ((Invoke-Sql $db "SELECT Id, Label FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Label)" }) -join ' ' | Should -Be '1:renamed 2:vm-2 3:vm-3 10:old 20:mine'
        Request-TestContract $om
        Invoke-Contract @om -Id 0001_add -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        (Get-TestColumnDefinition $db 'Instances' 'Label').Nullable | Should -BeFalse
    }
}
