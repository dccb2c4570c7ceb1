# addCheckConstraint (src/OnlineMigrations.Engine/Operations/AddCheckConstraint.cs), against a real database.
#   expand:   adds the check constraint untrusted (WITH NOCHECK): no scan, no long lock. Every new write is
#             checked from then on; rows already there are not, so violating rows written before stay.
#   migrate:  counts, in batches, the rows that still violate it (NOT (expression)): the DataMigrated gate
#             fails while any remain (fixing them is the application's or the operator's job).
#   contract: trusts it (WITH CHECK CHECK CONSTRAINT scans the table under a lock, so only with -AllowOffline;
#             without it the step is skipped and it stays untrusted but enforced, ConstraintPath.Tests.ps1).
#   rollback: Undo-Expand drops the check constraint, and nothing else.
# SQLite cannot add a check constraint to an existing table, and the T-SQL test engine has no WITH NOCHECK:
# both refuse the migration and change nothing.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # Why a provider cannot add a constraint untrusted ($null where it can), asked of the server.
    $script:Lacks = @{ Sqlite = 'SQLite cannot add a check constraint to an existing table' }
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

    function script:Get-CheckConstraint($db) {
        Invoke-Sql $db "SELECT is_not_trusted AS Untrusted, is_disabled AS Disabled FROM sys.check_constraints WHERE name = 'CK_Items_Qty' AND schema_id = SCHEMA_ID(@s)" -Parameters @{ s = $db.Schema }
    }
    function script:Get-DataMigrated($om) { @((Test-ContractReady @om -Id 0001_check).Checks | Where-Object Name -eq 'DataMigrated')[0] }
}

Describe 'addCheckConstraint on <Provider>' -ForEach @(Get-TestProvider | ForEach-Object { $_ + @{ Lacks = $Lacks[$_.Provider] } }) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:I = Get-TestTableName $db 'Items'
            # Items 2 and 3 violate [Qty] > 0; 4 has NULL, which a check constraint lets through.
            Invoke-Sql $db "CREATE TABLE $I (Id int NOT NULL PRIMARY KEY, Qty int NULL);
                            INSERT INTO $I (Id, Qty) VALUES (1, 5), (2, 0), (3, -1), (4, NULL), (5, 7);"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_check.json' = '{ "operations": [ { "addCheckConstraint": { "table": "dbo.Items", "name": "CK_Items_Qty", "expression": "[Qty] > 0" } } ] }'
            }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand, the constraint is untrusted: new writes are checked, old violations stay and are counted' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $ck = Get-CheckConstraint $db
        [bool]$ck.Untrusted | Should -BeTrue
        [bool]$ck.Disabled | Should -BeFalse

        # The application: plain SQL, each statement on its own connection.
        Invoke-Sql $db "INSERT INTO $I (Id, Qty) VALUES (6, 3)"
        Invoke-Sql $db "UPDATE $I SET Qty = 9 WHERE Id = 1"
        { Invoke-Sql $db "INSERT INTO $I (Id, Qty) VALUES (7, -4)" } | Should -Throw -Because '-4 is not > 0'
        { Invoke-Sql $db "UPDATE $I SET Qty = 0 WHERE Id = 5" } | Should -Throw -Because '0 is not > 0'
        ((Invoke-Sql $db "SELECT Qty FROM $I ORDER BY Id") | ForEach-Object { "$($_.Qty)" }) -join ',' | Should -Be '9,0,-1,,7,3'

        $check = Get-DataMigrated $om
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'CK_Items_Qty'
        $check.Detail | Should -Match '\b2\b' -Because 'items 2 and 3 violate it'
    }

    It 'once the violations are fixed, migrate finds none and contract (-AllowOffline) trusts it; the data is untouched' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Invoke-Sql $db "UPDATE $I SET Qty = 1 WHERE Id IN (2, 3)"   # the application's fix
        $data = Get-TestDataChecksum $db
        (@(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop))[-1].ExitCode | Should -Be 0
        (Get-DataMigrated $om).Passed | Should -BeTrue

        $null = Request-Contract @om -Id 0001_check -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: the application is plain SQL' -Confirm:$false
        "$((Invoke-Contract @om -Id 0001_check -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop).Phase)" | Should -Be 'Completed'
        [bool](Get-CheckConstraint $db).Untrusted | Should -BeFalse
        Get-TestDataChecksum $db | Should -Be $data
        { Invoke-Sql $db "INSERT INTO $I (Id, Qty) VALUES (7, -4)" } | Should -Throw
    }

    It 'Undo-Expand drops the check constraint and leaves schema and data exactly as before' -Skip:$Skip {
        if ($Lacks) { Set-ItResult -Skipped -Because $Lacks; return }
        $before = Get-TestCatalogAndDataSnapshot $db
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$((Undo-Expand @om -Id 0001_check -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        Get-CheckConstraint $db | Should -BeNullOrEmpty
        Invoke-Sql $db "INSERT INTO $I (Id, Qty) VALUES (7, -4)"   # unchecked again, as before
    }

    It 'where a constraint cannot be added untrusted, expand refuses the migration and changes nothing' -Skip:$Skip {
        if (-not $Lacks) { Set-ItResult -Skipped -Because 'this server adds a check constraint untrusted: there is nothing to refuse'; return }
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
        "$err" | Should -Match 'CK_Items_Qty'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }
}
