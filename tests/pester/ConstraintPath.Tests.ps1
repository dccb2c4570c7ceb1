# addForeignKey and addCheckConstraint on SQL Server: added untrusted at expand (existing rows are
# not checked, new writes are), the rows that violate them counted by the DataMigrated gate until
# fixed, and trusted at contract (with -AllowOffline: WITH CHECK CHECK CONSTRAINT scans the table
# under a lock; without it the step is skipped, journaled, and the constraint stays untrusted).
# A server that cannot add a constraint untrusted refuses the migration and changes nothing.
# SQLite refuses both operations (BadInput.Tests.ps1, Expand.Tests.ps1).
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # The T-SQL test engine (Babelfish) has no WITH NOCHECK ADD CONSTRAINT: there only the refusal can run.
    $script:Untrusted = $false
    if ($env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
        $row = Invoke-Sql -Provider SqlServer -ConnectionString $env:ONLINEMIGRATIONS_TEST_SQLSERVER -Sql "SELECT CAST(SERVERPROPERTY('Babelfish') AS int) AS b"
        $script:Untrusted = -not [bool]$row.b
    }
}
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-Check($Readiness, [string]$Name) { @($Readiness.Checks | Where-Object Name -eq $Name)[0] }
    function script:Get-Trust($db, [string]$name) {
        # is_not_trusted of the constraint, from the catalog (check or foreign key).
        (Invoke-Sql $db "SELECT is_not_trusted AS u FROM sys.check_constraints WHERE name = @n AND schema_id = SCHEMA_ID(@s)
                         UNION ALL SELECT is_not_trusted FROM sys.foreign_keys WHERE name = @n AND schema_id = SCHEMA_ID(@s)" -Parameters @{ n = $name; s = $db.Schema }).u
    }
}

Describe 'Constraints added untrusted on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -EQ 'SqlServer') {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:P = Get-TestTableName $db 'Parents'
            $script:C = Get-TestTableName $db 'Children'
            Invoke-Sql $db "CREATE TABLE $P (Id int NOT NULL PRIMARY KEY);
                            CREATE TABLE $C (Id int NOT NULL PRIMARY KEY, ParentId int NULL, Qty int NULL);
                            INSERT INTO $P (Id) VALUES (1), (2);
                            INSERT INTO $C (Id, ParentId, Qty) VALUES (1, 1, 5), (2, 2, 0), (3, 9, 7), (4, 8, -1), (5, NULL, NULL);"
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_constraints.json' = '{ "deprecationWindow": "0", "operations": [
                    { "addForeignKey": { "table": "dbo.Children", "name": "FK_Children_Parents", "columns": ["ParentId"], "references": { "table": "dbo.Parents", "columns": ["Id"] } } },
                    { "addCheckConstraint": { "table": "dbo.Children", "name": "CK_Children_Qty", "expression": "[Qty] > 0" } } ] }'
            }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'a server without untrusted constraints (the T-SQL test engine) refuses the migration (NotSupportedByServer) and changes nothing' -Skip:($Skip -or $Untrusted) {
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'NotSupportedByServer,*'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'adds both untrusted, counts the violating rows until fixed, and trusts them at contract with -AllowOffline (skipped and journaled without it)' -Skip:($Skip -or -not $Untrusted) {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-Trust $db 'FK_Children_Parents' | Should -Be $true
        Get-Trust $db 'CK_Children_Qty' | Should -Be $true
        # Untrusted, yet enforced for new writes.
        { Invoke-Sql $db "INSERT INTO $C (Id, ParentId, Qty) VALUES (10, 77, 1)" } | Should -Throw
        { Invoke-Sql $db "INSERT INTO $C (Id, ParentId, Qty) VALUES (11, 1, -5)" } | Should -Throw
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $C").n | Should -Be 5

        $null = Request-Contract @om -Id 0001_constraints -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        $check = Get-Check (Test-ContractReady @om -Id 0001_constraints) 'DataMigrated'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'FK_Children_Parents'
        $check.Detail | Should -Match 'CK_Children_Qty'
        # Rows 3 and 4 name missing parents; rows 2 and 4 have Qty <= 0 (NULLs violate neither): 3 rows.
        $check.Detail | Should -Match '\b3\b'

        Invoke-Sql $db "UPDATE $C SET ParentId = 1 WHERE Id IN (3, 4); UPDATE $C SET Qty = 1 WHERE Id IN (2, 4)"
        (Get-Check (Test-ContractReady @om -Id 0001_constraints) 'DataMigrated').Passed | Should -BeTrue

        # Without -AllowOffline the trust steps are skipped, journaled, and the constraints stay untrusted.
        $null = Invoke-Contract @om -Id 0001_constraints -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-Trust $db 'FK_Children_Parents' | Should -Be $true
        Get-Trust $db 'CK_Children_Qty' | Should -Be $true
        @(Get-MigrationJournal @om -Id 0001_constraints | Where-Object { $_.Step -like '*trust*' -and $_.Outcome -eq 'Skipped' }).Count | Should -Be 2
    }

    It 'trusts both at contract with -AllowOffline once no row violates them' -Skip:($Skip -or -not $Untrusted) {
        Invoke-Sql $db "UPDATE $C SET ParentId = 1 WHERE Id IN (3, 4); UPDATE $C SET Qty = 1 WHERE Id IN (2, 4)"
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Request-Contract @om -Id 0001_constraints -Confirm:$false
        $null = Register-MigrationClient @om -None -Reason 'test database: no application reads it' -Confirm:$false
        (Invoke-Contract @om -Id 0001_constraints -AllowOffline -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop).Phase.ToString() | Should -Be 'Completed'
        Get-Trust $db 'FK_Children_Parents' | Should -Be $false
        Get-Trust $db 'CK_Children_Qty' | Should -Be $false
    }
}
