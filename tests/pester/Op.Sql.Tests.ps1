# sql (src/OnlineMigrations.Engine/Operations/SqlOperation.cs): hand-written SQL, in the target's dialect, for
# what no other operation expresses. Against a real database:
#   expand:   runs the expand script (linted first: a destructive statement is refused unless "unsafe": true,
#             Expand.Tests.ps1).
#   migrate:  runs the migrate script again and again until a run affects no row. The verify query counts the
#             rows still to migrate: that count is what the DataMigrated gate sees (a migrate script without
#             verify fails the gate as "not verifiable").
#   contract: runs the contract script.
#   rollback: Undo-Expand runs the rollback script, and nothing else: the tool drops nothing on its own.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-Check($Readiness, [string]$Name) { @($Readiness.Checks | Where-Object Name -eq $Name)[0] }

    function script:New-SqlMigrationFolder($db) {
        # Hand-written SQL in each engine's dialect (the tool runs it as written).
        $t = Get-TestTableName $db 'Instances'
        $q = Get-TestTableName $db 'LegacyQuotas'
        if ($db.Provider -eq 'Sqlite') {
            $migrate = "UPDATE $t SET NameUpper = upper(Name) WHERE Id IN (SELECT Id FROM $t WHERE NameUpper IS NULL ORDER BY Id LIMIT 7)"
        }
        else { $migrate = "UPDATE TOP (7) $t SET NameUpper = UPPER(Name) WHERE NameUpper IS NULL" }
        $op = [ordered]@{
            expand   = "ALTER TABLE $t ADD NameUpper varchar(100) NULL"
            migrate  = $migrate
            verify   = "SELECT COUNT(*) FROM $t WHERE NameUpper IS NULL"
            contract = "DROP TABLE $q"
            rollback = "ALTER TABLE $t DROP COLUMN NameUpper"
            unsafe   = $false
        }
        $json = @{ deprecationWindow = '0'; operations = @(@{ sql = $op }) } | ConvertTo-Json -Depth 5
        New-TestMigrationFolder $db -Empty -Files @{ '0001_name_upper.json' = $json }
    }
}

Describe 'sql on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db
            $script:T = Get-TestTableName $db 'Instances'
            $values = (1..40 | ForEach-Object { "($_, 'vm-$_', 'host-$($_ % 7)', $($_ * 256), 'EUW1-R$('{0:000}' -f $_)', 'ACTIVE')" }) -join ', '
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES $values"
            Invoke-Sql $db "INSERT INTO $(Get-TestTableName $db 'LegacyQuotas') (ProjectId, Instances) VALUES (1, 10)"
            $script:folder = New-SqlMigrationFolder $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, the expand script has run, the application keeps writing, and verify counts the rows to migrate' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-TestColumn $db 'Instances' | ForEach-Object Name | Should -Contain 'NameUpper'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper IS NULL").n | Should -Be 40

        # The application (old code, unaware of NameUpper): plain SQL on its own connection.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES (41, 'vm-41', 'h', 1, 'EUW1-R041', 'ACTIVE')"
        Invoke-Sql $db "UPDATE $T SET Host = 'host-x' WHERE Id = 1"
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeFalse -Because 'verify counts 41 rows still to migrate'
        $check.Detail | Should -Match '\b41\b'
    }

    It 'migrate runs its script until no row changes (verify then counts none), and contract runs its script' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $run = Invoke-Migrate @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop
        $run.ExitCode | Should -Be 0
        # The migrate script changes 7 rows a run: it ran until one run changed none, so every row is done.
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper = UPPER(Name)").n | Should -Be 40
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeTrue -Because $check.Detail

        # A row the old code writes afterwards is counted by verify again, and the next migrate converts it.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES (41, 'vm-41', 'h', 1, 'EUW1-R041', 'ACTIVE')"
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '\b1\b'
        $null = Invoke-Migrate @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop
        (Invoke-Sql $db "SELECT NameUpper FROM $T WHERE Id = 41").NameUpper | Should -Be 'VM-41'

        $instances = @(Get-TestDataChecksum $db) -match '^Instances '
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeTrue
        $null = Request-Contract @om -Id 0001_name_upper -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        (Invoke-Contract @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop).Phase.ToString() | Should -Be 'Completed'
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse -Because 'the contract script dropped it'
        @(Get-TestDataChecksum $db) -match '^Instances ' | Should -Be $instances
    }

    It 'Undo-Expand runs the rollback script and leaves schema and data exactly as before' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-TestColumn $db 'Instances' | ForEach-Object Name | Should -Contain 'NameUpper'
        "$((Undo-Expand @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeTrue -Because 'only the contract script drops it'
        @(Get-MigrationJournal @om -Id 0001_name_upper | Where-Object { $_.Step -like '*run sql rollback*' -and $_.Outcome -eq 'Succeeded' }) | Should -HaveCount 1
    }
}
