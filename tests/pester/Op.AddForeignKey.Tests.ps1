# addForeignKey (src/OnlineMigrations.Engine/Operations/AddForeignKey.cs), against a real database.
#   expand:   adds the foreign key untrusted (WITH NOCHECK): no scan, no long lock. Every new write is checked
#             from then on; rows already there are not, so orphans written before stay.
#   migrate:  counts, in batches, the rows that still violate it: the DataMigrated gate fails while any remain
#             (fixing them is the application's or the operator's job).
#   contract: trusts it (WITH CHECK CHECK CONSTRAINT scans the table under a lock, so only with -AllowOffline;
#             without it the step is skipped and the key stays untrusted but enforced, ConstraintPath.Tests.ps1).
#   rollback: Undo-Expand drops the foreign key, and nothing else.
# SQLite cannot add a foreign key to an existing table, and the T-SQL test engine has no WITH NOCHECK:
# both refuse the migration and change nothing.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # Why a provider cannot add a constraint untrusted ($null where it can), asked of the server.
    $script:Lacks = @{ Sqlite = 'SQLite cannot add a foreign key to an existing table' }
    if ($env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
        $Lacks.SqlServer = try {
            $null = Invoke-Sql -Provider SqlServer -ConnectionString $env:ONLINEMIGRATIONS_TEST_SQLSERVER -Sql 'CREATE TABLE #om_probe (a int NULL); ALTER TABLE #om_probe WITH NOCHECK ADD CHECK (a > 0); DROP TABLE #om_probe;'
            $null
        }
        catch { 'this server has no WITH NOCHECK ADD CONSTRAINT (the T-SQL test engine)' }
    }
}
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ForeignKey($db) {
        Invoke-Sql $db "SELECT is_not_trusted AS Untrusted, is_disabled AS Disabled FROM sys.foreign_keys WHERE name = 'FK_Children_Parents' AND schema_id = SCHEMA_ID(@s)" -Parameters @{ s = $db.Schema }
    }
    function script:Get-DataMigrated($om) { @((Test-ContractReady @om -Id 0001_fk).Checks | Where-Object Name -eq 'DataMigrated')[0] }
}

Describe 'addForeignKey on <Provider>' -ForEach @(Get-TestProvider | ForEach-Object { $_ + @{ Lacks = $Lacks[$_.Provider] } }) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:P = Get-TestTableName $db 'Parents'
            $script:C = Get-TestTableName $db 'Children'
            # Children 3 and 4 name parents that do not exist; 5 names none (NULL never violates a foreign key).
            Invoke-Sql $db "CREATE TABLE $P (Id int NOT NULL PRIMARY KEY);
                            CREATE TABLE $C (Id int NOT NULL PRIMARY KEY, ParentId int NULL);
                            INSERT INTO $P (Id) VALUES (1), (2);
                            INSERT INTO $C (Id, ParentId) VALUES (1, 1), (2, 2), (3, 9), (4, 8), (5, NULL);"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_fk.json' = '{ "operations": [ { "addForeignKey": { "table": "dbo.Children", "name": "FK_Children_Parents", "columns": ["ParentId"], "references": { "table": "dbo.Parents", "columns": ["Id"] } } } ] }'
            }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, the key is untrusted: new writes are checked, old orphans stay and are counted' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $fk = Get-ForeignKey $db
        [bool]$fk.Untrusted | Should -BeTrue
        [bool]$fk.Disabled | Should -BeFalse

        # The application: plain SQL, each statement on its own connection.
        Invoke-Sql $db "INSERT INTO $C (Id, ParentId) VALUES (6, 1)"
        { Invoke-Sql $db "INSERT INTO $C (Id, ParentId) VALUES (7, 77)" } | Should -Throw -Because 'parent 77 does not exist'
        { Invoke-Sql $db "UPDATE $C SET ParentId = 99 WHERE Id = 1" } | Should -Throw -Because 'parent 99 does not exist'
        { Invoke-Sql $db "DELETE FROM $P WHERE Id = 1" } | Should -Throw -Because 'children 1 and 6 reference parent 1'
        ((Invoke-Sql $db "SELECT Id FROM $C ORDER BY Id") | ForEach-Object Id) -join ',' | Should -Be '1,2,3,4,5,6'

        $check = Get-DataMigrated $om
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'FK_Children_Parents'
        $check.Detail | Should -Match '\b2\b' -Because 'children 3 and 4 violate it'
    }

    It 'once the orphans are fixed, migrate finds none and contract (-AllowOffline) trusts the key; the data is untouched' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Invoke-Sql $db "UPDATE $C SET ParentId = NULL WHERE Id IN (3, 4)"   # the application's fix
        $data = Get-TestDataChecksum $db
        (@(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop))[-1].ExitCode | Should -Be 0
        (Get-DataMigrated $om).Passed | Should -BeTrue

        $null = Request-Contract @om -Id 0001_fk -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: the application is plain SQL' -Confirm:$false
        "$((Invoke-Contract @om -Id 0001_fk -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop).Phase)" | Should -Be 'Completed'
        [bool](Get-ForeignKey $db).Untrusted | Should -BeFalse
        Get-TestDataChecksum $db | Should -Be $data
        { Invoke-Sql $db "INSERT INTO $C (Id, ParentId) VALUES (7, 77)" } | Should -Throw
    }

    It 'Undo-Expand drops the foreign key and leaves schema and data exactly as before' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$((Undo-Expand @om -Id 0001_fk -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Get-ForeignKey $db | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $C (Id, ParentId) VALUES (7, 77)"   # unchecked again, as before
    }

    It 'where a constraint cannot be added untrusted, expand refuses the migration and changes nothing' -Skip:$Skip {
        if (-not $Lacks) { Set-ItResult -Skipped -Because 'this server adds a foreign key untrusted: there is nothing to refuse'; return }
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
        "$err" | Should -Match 'FK_Children_Parents'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
