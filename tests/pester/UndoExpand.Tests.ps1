# Undo-Expand per provider: the exact prior schema comes back, the old columns' data is untouched,
# a second undo is refused, contract blocks it, and data only new code wrote needs -Force.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }
    function script:Get-OriginalRows($db) {
        # The data of the baseline's columns, as one comparable text.
        $t = Get-TestTableName $db 'Instances'
        (Invoke-Sql $db "SELECT Id, Name, Host, MemoryMb, Location, Status FROM $t ORDER BY Id" | ConvertTo-Json -Compress -Depth 2)
    }
}

Describe 'Undo-Expand on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db
            $script:folder = New-TestMigrationFolder $db
            $script:T = Get-TestTableName $db 'Instances'
            $values = (1..40 | ForEach-Object { "($_, 'vm-$_', 'host-$($_ % 7)', $($_ * 256), 'EUW1-R$('{0:000}' -f $_)', 'ACTIVE')" }) -join ', '
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES $values"
            $script:schemaBefore = Get-TestCatalogSnapshot $db
            $script:rowsBefore = Get-OriginalRows $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'restores the exact prior schema and leaves the original data alone' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-TestCatalogSnapshot $db | Should -Not -Be $schemaBefore
        # Old and new code write while expanded; the old columns keep what they were given.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb) VALUES (41, 'old-app', 'h41', 41)"
        Invoke-Sql $db "UPDATE $T SET ComputeHost = 'new-app' WHERE Id = 2"
        $rowsWritten = Get-OriginalRows $db

        $state = Undo-Expand @om -Id 0001_instances_compute_host -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        $state.RolledBackAt | Should -Not -BeNullOrEmpty
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        Get-OriginalRows $db | Should -Be $rowsWritten
        (Invoke-Sql $db "SELECT Host FROM $T WHERE Id = 2").Host | Should -Be 'new-app'
        $journal = @(Get-MigrationJournal @om -Id 0001_instances_compute_host | Where-Object Phase -eq 'RollingBack' | Where-Object Step)
        $journal | Should -Not -BeNullOrEmpty
        $journal.Outcome | Sort-Object -Unique | Should -Be 'Succeeded'
    }

    It 'restores the exact prior schema after a partial migrate' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host, 0002_split_location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $progress = @(Invoke-Migrate @om -Id 0001_instances_compute_host -BatchSize 10 -MaxRows 10 -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $progress[-1].Complete | Should -BeFalse
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE ComputeHost IS NOT NULL").n | Should -BeGreaterThan 0
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE ComputeHost IS NULL").n | Should -BeGreaterThan 0

        # Later migrations first, whatever order the ids are given in.
        $states = @(Undo-Expand @om -Id 0001_instances_compute_host, 0002_split_location -Confirm:$false -ErrorAction Stop)
        $states.Id | Should -Be @('0002_split_location', '0001_instances_compute_host')
        $states.Phase | ForEach-Object { "$_" } | Should -Be @('RolledBack', 'RolledBack')
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        Get-OriginalRows $db | Should -Be $rowsBefore
    }

    It 'refuses a second undo of the same migration (WrongPhase) and changes nothing' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Undo-Expand @om -Id 0001_instances_compute_host -Confirm:$false -ErrorAction Stop
        $err = Get-ErrorOf { Undo-Expand @om -Id 0001_instances_compute_host -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'WrongPhase,*'
        $err.Exception.Message | Should -BeLike '*already rolled back*'
        $err.TargetObject | Should -Be '0001_instances_compute_host'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        # A rolled-back migration can be expanded again.
        $again = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($again.Phase)" | Should -Be 'Expanded'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T").n | Should -Be 40
    }

    It 'refuses an id the store does not know (MigrationNotFound)' -Skip:$Skip {
        $err = Get-ErrorOf { Undo-Expand @om -Id 0009_nothing -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
    }

    It 'is refused once contract has run (RollbackRefused)' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_add_note.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Note", "type": "varchar(20)", "nullable": true } } } ] }'
        }
        try {
            $null = Invoke-Expand @om -Path $files -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            $contracted = Invoke-Contract @om -Id 0001_add_note -Force -Reason 'test: contract before undo' -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            "$($contracted.Phase)" | Should -Be 'Completed'
            $after = Get-TestCatalogSnapshot $db
            $err = Get-ErrorOf { Undo-Expand @om -Id 0001_add_note -Force -Confirm:$false -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
            $err.Exception.Message | Should -BeLike '*0001_add_note*Completed*contract*'
            Get-TestCatalogSnapshot $db | Should -Be $after
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    It 'refuses to drop data only new code wrote, naming it, unless -Force' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_add_owner.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Owner", "type": "varchar(20)", "nullable": true } } } ] }'
        }
        try {
            $null = Invoke-Expand @om -Path $files -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            Invoke-Sql $db "UPDATE $T SET Owner = 'team-a' WHERE Id IN (3, 4, 5)"
            $expanded = Get-TestCatalogSnapshot $db

            $err = Get-ErrorOf { Undo-Expand @om -Id 0001_add_owner -Confirm:$false -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
            $err.Exception.Message | Should -BeLike '*3 rows of*Instances where new code wrote Owner*'
            $err.ErrorDetails.RecommendedAction | Should -BeLike '*-Force*'
            Get-TestCatalogSnapshot $db | Should -Be $expanded
            (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Owner = 'team-a'").n | Should -Be 3
            "$((Get-MigrationState @om -Id 0001_add_owner).Phase)" | Should -Be 'Expanded'
            (Get-MigrationJournal @om -Id 0001_add_owner -Last 1).Outcome | Should -Be 'Refused'

            $state = Undo-Expand @om -Id 0001_add_owner -Force -Confirm:$false -ErrorAction Stop
            "$($state.Phase)" | Should -Be 'RolledBack'
            Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
            Get-OriginalRows $db | Should -Be $rowsBefore
            @(Get-MigrationJournal @om -Id 0001_add_owner | Where-Object Outcome -eq 'Overridden') | Should -HaveCount 1
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    It 'refuses to drop a table it created once it holds rows, naming it, unless -Force; an empty one it drops' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_add_owners.json' = '{ "operations": [ { "createTable": { "table": "dbo.Owners", "columns": [ { "name": "Id", "type": "int", "primaryKey": true }, { "name": "Name", "type": "varchar(20)", "nullable": true } ] } } ] }'
        }
        $owners = Get-TestTableName $db 'Owners'
        try {
            $null = Invoke-Expand @om -Path $files -Id 0001_add_owners -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            Invoke-Sql $db "INSERT INTO $owners (Id, Name) VALUES (1, 'team-a'), (2, 'team-b')"
            $expanded = Get-TestCatalogSnapshot $db

            $err = Get-ErrorOf { Undo-Expand @om -Id 0001_add_owners -Confirm:$false -ErrorAction Stop }
            $err | Should -Not -BeNullOrEmpty -Because 'a created table that holds rows is data new code wrote'
            $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
            $err.Exception.Message | Should -BeLike '*Owners*'
            $err.ErrorDetails.RecommendedAction | Should -BeLike '*-Force*'
            Get-TestCatalogSnapshot $db | Should -Be $expanded
            (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $owners").n | Should -Be 2
            "$((Get-MigrationState @om -Id 0001_add_owners).Phase)" | Should -Be 'Expanded'

            # Emptied, the same undo drops it without -Force.
            Invoke-Sql $db "DELETE FROM $owners"
            $state = Undo-Expand @om -Id 0001_add_owners -Confirm:$false -ErrorAction Stop
            "$($state.Phase)" | Should -Be 'RolledBack'
            Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
            Get-OriginalRows $db | Should -Be $rowsBefore
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    It 'with -Force drops a created table that holds rows, and journals the override' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_add_owners.json' = '{ "operations": [ { "createTable": { "table": "dbo.Owners", "columns": [ { "name": "Id", "type": "int", "primaryKey": true } ] } } ] }'
        }
        $owners = Get-TestTableName $db 'Owners'
        try {
            $null = Invoke-Expand @om -Path $files -Id 0001_add_owners -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            Invoke-Sql $db "INSERT INTO $owners (Id) VALUES (1)"
            $state = Undo-Expand @om -Id 0001_add_owners -Force -Confirm:$false -ErrorAction Stop
            "$($state.Phase)" | Should -Be 'RolledBack'
            Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
            Get-OriginalRows $db | Should -Be $rowsBefore
            @(Get-MigrationJournal @om -Id 0001_add_owners | Where-Object Outcome -eq 'Overridden') | Should -HaveCount 1
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    It 'undoes an addColumn with "up" without -Force when new code only wrote derivable values' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host, 0002_split_location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        # The trigger fills Region from Location: derivable, so nothing is lost.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Location) VALUES (41, 'vm-41', 'USE2-R001')"
        (Invoke-Sql $db "SELECT Region FROM $T WHERE Id = 41").Region | Should -Be 'USE2'
        $state = Undo-Expand @om -Id 0002_split_location -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        # A value new code wrote that "up" cannot give is a loss.
        $null = Invoke-Expand @om -Path $folder -Id 0002_split_location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Invoke-Sql $db "UPDATE $T SET Rack = 'X999' WHERE Id = 41"
        $err = Get-ErrorOf { Undo-Expand @om -Id 0002_split_location -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'RollbackRefused,*'
        $err.Exception.Message | Should -BeLike '*1 rows of*Instances where new code wrote Rack*'
        $err.Exception.Message | Should -Not -BeLike '*wrote Region*'
    }
}
