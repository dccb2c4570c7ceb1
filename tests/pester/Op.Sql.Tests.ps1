# The sql operation's scripts at run time, per provider: expand runs its script; migrate runs its
# script in batches until it affects no row, and verify's count is what the DataMigrated gate sees;
# contract runs its script; Undo-Expand runs the rollback script. Each is checked in the database.
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

Describe 'The sql operation on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db
            $script:T = Get-TestTableName $db 'Instances'
            $values = (1..40 | ForEach-Object { "($_, 'vm-$_', 'host-$($_ % 7)', $($_ * 256), 'EUW1-R$('{0:000}' -f $_)', 'ACTIVE')" }) -join ', '
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES $values"
            Invoke-Sql $db "INSERT INTO $(Get-TestTableName $db 'LegacyQuotas') (ProjectId, Instances) VALUES (1, 10)"
            $script:schemaBefore = Get-TestCatalogSnapshot $db
            $script:folder = New-SqlMigrationFolder $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'runs expand, migrate in batches until no row changes, counts with verify, and runs contract' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-TestColumn $db 'Instances' | ForEach-Object Name | Should -Contain 'NameUpper'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper IS NULL").n | Should -Be 40

        $null = Request-Contract @om -Id 0001_name_upper -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeFalse -Because 'verify counts 40 rows still to migrate'
        $check.Detail | Should -Match '\b40\b'

        $run = Invoke-Migrate @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop
        $run.ExitCode | Should -Be 0
        # The migrate script changes 7 rows a run: it ran until one run changed none, so every row is done.
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper IS NULL").n | Should -Be 0
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper = UPPER(Name)").n | Should -Be 40
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeTrue -Because $check.Detail

        # A row the old code writes afterwards is counted by verify again.
        Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES (41, 'vm-41', 'h', 1, 'EUW1-R041', 'ACTIVE')"
        $check = Get-Check (Test-ContractReady @om -Id 0001_name_upper) 'DataMigrated'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '\b1\b'
        $null = Invoke-Migrate @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop
        (Invoke-Sql $db "SELECT NameUpper FROM $T WHERE Id = 41").NameUpper | Should -Be 'VM-41'

        Test-TestTableExists $db 'LegacyQuotas' | Should -BeTrue
        (Invoke-Contract @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop).Phase.ToString() | Should -Be 'Completed'
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse -Because 'the contract script dropped it'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE NameUpper = UPPER(Name)").n | Should -Be 41
    }

    It 'Undo-Expand runs the rollback script and leaves the schema as it was' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-TestColumn $db 'Instances' | ForEach-Object Name | Should -Contain 'NameUpper'
        $state = Undo-Expand @om -Id 0001_name_upper -Confirm:$false -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestColumn $db 'Instances' | ForEach-Object Name | Should -Not -Contain 'NameUpper'
        Get-TestCatalogSnapshot $db | Should -Be $schemaBefore
        @(Get-MigrationJournal @om -Id 0001_name_upper | Where-Object { $_.Step -like '*run sql rollback*' -and $_.Outcome -eq 'Succeeded' }) | Should -HaveCount 1
    }
}
