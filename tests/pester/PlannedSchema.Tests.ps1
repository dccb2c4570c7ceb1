# Operations of one migration build on each other (issue 12, item 7): each operation is checked against
# the schema as the earlier operations of the same migration leave it (Operations/PlannedSchema.cs), so a
# migration can create a table and index it, add a column and index it, add a column and rename it. One
# that builds on what an earlier operation drops, renames away or replaces is refused at expand, naming
# both operations, with the database left exactly as it was; so is a name an earlier operation takes.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }
}

Describe 'One migration building on itself on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:T = Get-TestTableName $db 'Instances'
            $script:H = Get-TestTableName $db 'Hosts'
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Location) VALUES (1, 'vm-a', 'EUW1'), (2, 'vm-b', 'USE2')" | Out-Null
            $script:folder = $null
            $script:before = Get-TestCatalogAndDataSnapshot $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'creates a table and indexes it in one migration; undo removes both' -Skip:$Skip {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_hosts.json' = @'
{ "operations": [
    { "createTable": { "table": "dbo.Hosts", "columns": [ { "name": "Id", "type": "int", "primaryKey": true }, { "name": "Name", "type": "nvarchar(64)" } ] } },
    { "createIndex": { "table": "dbo.Hosts", "name": "UX_Hosts_Name", "columns": [ "Name" ], "unique": true } }
] }
'@ }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $index = @(Get-TestIndex $db 'Hosts' | Where-Object Name -eq 'UX_Hosts_Name')
        $index.Count | Should -Be 1
        $index[0].Unique | Should -BeTrue
        Invoke-Sql $db "INSERT INTO $H (Id, Name) VALUES (1, 'h1')" | Out-Null
        { Invoke-Sql $db "INSERT INTO $H (Id, Name) VALUES (2, 'h1')" } | Should -Throw -Because 'the unique index built on the new table enforces its names'
        Invoke-Sql $db "DELETE FROM $H" | Out-Null

        Undo-Expand @om -Id 0001_hosts -Confirm:$false -ErrorAction Stop | Out-Null
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'adds a column and indexes it; migrate fills it, contract keeps the index' -Skip:$Skip {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_upper.json' = @'
{ "operations": [
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } },
    { "createIndex": { "table": "dbo.Instances", "name": "IX_Instances_NameUpper", "columns": [ "NameUpper" ] } }
] }
'@ }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name) VALUES (3, 'vm-c')" | Out-Null        # old code
        (Invoke-Migrate @om -Confirm:$false)[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_upper'
        ((Invoke-Sql $db "SELECT Id, NameUpper FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.NameUpper)" }) -join ' ' | Should -Be '1:VM-A 2:VM-B 3:VM-C'
        @(Get-TestIndex $db 'Instances' | Where-Object Name -eq 'IX_Instances_NameUpper').Count | Should -Be 1
    }

    It 'adds a column and renames it in the same migration: after contract only the new name is left, with every value' -Skip:$Skip {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_zone.json' = @'
{ "operations": [
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "Zone", "type": "varchar(16)", "nullable": true }, "up": "[Location]" } },
    { "renameColumn": { "table": "dbo.Instances", "from": "Zone", "to": "Region" } }
] }
'@ }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Location) VALUES (3, 'vm-c', 'APS3')" | Out-Null      # old code
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Location, Region) VALUES (4, 'vm-d', 'EUN1', 'EUN1')" | Out-Null   # new code
        $progress = @(Invoke-Migrate @om -Confirm:$false)
        $progress[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_zone'
        Get-TestColumnDefinition $db 'Instances' 'Zone' | Should -BeNullOrEmpty
        ((Invoke-Sql $db "SELECT Id, Region FROM $T ORDER BY Id") | ForEach-Object { "$($_.Id):$($_.Region)" }) -join ' ' | Should -Be '1:EUW1 2:USE2 3:APS3 4:EUN1'
    }

    It 'refuses, at expand and changing nothing, an operation that builds on a column an earlier one <What>' -Skip:$Skip -ForEach @(
        @{ What = 'drops'; First = '{ "dropColumn": { "table": "dbo.Instances", "column": "Location" } }'; Then = '{ "createIndex": { "table": "dbo.Instances", "name": "IX_Instances_Location", "columns": [ "Location" ] } }'; Column = 'Location' }
        @{ What = 'renames away'; First = '{ "renameColumn": { "table": "dbo.Instances", "from": "Location", "to": "Region" } }'; Then = '{ "addUniqueConstraint": { "table": "dbo.Instances", "name": "UX_Instances_Location", "columns": [ "Location" ] } }'; Column = 'Location' }
        @{ What = 'replaces with a new column'; First = '{ "alterColumn": { "table": "dbo.Instances", "column": "MemoryMb", "type": "bigint", "up": "CAST([MemoryMb] AS bigint)" } }'; Then = '{ "renameColumn": { "table": "dbo.Instances", "from": "MemoryMb", "to": "Memory" } }'; Column = 'MemoryMb' }
    ) {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_both.json' = "{ ""operations"": [ $First, $Then ] }" }
        $e = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike 'OperationRefused*'
        "$($e.Exception.Message)" | Should -BeLike "*operations``[1``]*operations``[0``]*$What*"
        "$($e.Exception.Message)" | Should -BeLike "*$Column*"
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        (Get-MigrationState @om -Path $folder).Phase | Should -Be 'Pending'
    }

    It 'refuses a name that an earlier operation of the same migration takes, changing nothing' -Skip:$Skip {
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_twice.json' = @'
{ "operations": [
    { "createIndex": { "table": "dbo.Instances", "name": "IX_Instances_Twice", "columns": [ "Name" ] } },
    { "createIndex": { "table": "dbo.Instances", "name": "IX_Instances_Twice", "columns": [ "Location" ] } }
] }
'@ }
        $e = Get-ErrorOf { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'OperationRefused*'
        "$($e.Exception.Message)" | Should -BeLike '*IX_Instances_Twice*earlier operation of this migration*'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
