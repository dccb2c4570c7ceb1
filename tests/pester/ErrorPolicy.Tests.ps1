<#
    One error policy, as PowerShell users expect (issue 13, item 3): a problem with one item of the
    pipeline (one id not found, one migration refused) is a non-terminating error for that item, so
    -ErrorAction SilentlyContinue, -ErrorVariable, $? and try/catch with -ErrorAction Stop behave as
    usual and the command goes on with the other items; a problem with the whole command (cannot
    connect, bad parameters, the runner busy) terminates it whatever -ErrorAction says. Every error
    has an error id and a category; a raw engine exception never escapes.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'
}

Describe 'Per-item errors on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 30
        $script:folder = New-TestMigrationFolder $db
        $script:T = Get-TestTableName $db 'Instances'
        $null = Invoke-Expand @om -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'Invoke-Migrate with one unknown id migrates the known one and writes one non-terminating MigrationNotFound' -Skip:$Skip {
        $out = @(Invoke-Migrate @om -Id '9999_nope', $First -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev -WarningAction SilentlyContinue)
        $ok = $?
        $ok | Should -BeFalse -Because '$? is false after a non-terminating error'
        @($ev) | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        "$($ev[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be '9999_nope'
        $ev[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        # The other id was migrated: every row has its new column filled.
        ($out | Where-Object Id -EQ $First).Complete | Should -BeTrue
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE ComputeHost IS NULL AND Host IS NOT NULL").n | Should -Be 0
    }

    It 'Get-MigrationState with one unknown id returns the known one and writes one non-terminating MigrationNotFound' -Skip:$Skip {
        $out = @(Get-MigrationState @om -Id '9999_nope', $First -ErrorAction SilentlyContinue -ErrorVariable ev)
        @($ev) | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        $ev[0].TargetObject | Should -Be '9999_nope'
        $out.Id | Should -Be $First
    }

    It 'the same error is caught by try/catch with -ErrorAction Stop' -Skip:$Skip {
        $caught = $null
        try { $null = Invoke-Migrate @om -Id '9999_nope' -Confirm:$false -ErrorAction Stop }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        $caught.TargetObject | Should -Be '9999_nope'
    }

    It 'Request-Contract with one id in the wrong phase requests the other and reports WrongPhase for that one' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id '0002_split_location' -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Invoke-Sql $db "UPDATE $(if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Migration' } else { "[$(Get-TestStoreSchema $db)].[Migration]" }) SET Phase = 'Expanding' WHERE Id = '0002_split_location'"
        $out = @(Request-Contract @om -Id '0002_split_location', $First -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev)
        @($ev) | Should -HaveCount 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'WrongPhase,*'
        "$($ev[0].CategoryInfo.Category)" | Should -Be 'InvalidOperation'
        $ev[0].TargetObject | Should -Be '0002_split_location'
        $out.Id | Should -Be $First
        $store = if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Migration' } else { "[$(Get-TestStoreSchema $db)].[Migration]" }
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $store WHERE ContractRequestedAt IS NOT NULL AND Id = '$First'").n | Should -Be 1
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $store WHERE ContractRequestedAt IS NOT NULL AND Id = '0002_split_location'").n | Should -Be 0
    }

    It 'a refused contract is non-terminating: SilentlyContinue goes on, the database is unchanged' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $reached = $false
        Invoke-Contract @om -Id $First -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev -WarningAction SilentlyContinue
        $reached = $true
        $reached | Should -BeTrue -Because 'a per-item error does not stop the script'
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ContractRefused,*'
        $ev[0].TargetObject | Should -Be $First
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'Undo-Expand with one unknown id still undoes the known one' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        $out = @(Undo-Expand @om -Id '9999_nope', $First -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev)
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        "$($out.Phase)" | Should -Be 'RolledBack'
        @((Get-TestColumn $db 'Instances').Name -match 'ComputeHost') | Should -BeNullOrEmpty
    }

    It 'Remove-MigrationClient of one unknown instance retires the known one' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @om -Application app -InstanceId known -ObjectVersion 2.0
        Remove-MigrationClient @om -InstanceId nobody, known -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'ClientNotFound,*'
        $ev[0].TargetObject | Should -Be 'nobody'
        $clients = if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Client' } else { "[$(Get-TestStoreSchema $db)].[Client]" }
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $clients").n | Should -Be 0
    }

    It 'a refused expand is non-terminating and the migrations after it wait, with a warning' -Skip:$Skip {
        $bad = New-TestMigrationFolder $db -Files @{
            '0002_bad.json'  = (ConvertTo-TestSchemaText $db '{ "operations": [ { "dropColumn": { "table": "dbo.Instances", "column": "Nope" } } ] }')
            '0003_good.json' = (ConvertTo-TestSchemaText $db '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Extra", "type": "int" } } } ] }')
        }
        try {
            $out = @(Invoke-Expand @om -Path $bad -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev -WarningVariable wv -WarningAction SilentlyContinue)
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'OperationRefused,*'
            $ev[0].TargetObject | Should -Be '0002_bad'
            $out | Should -BeNullOrEmpty
            ($wv -join "`n") | Should -BeLike '*0003_good: not expanded, because 0002_bad*'
            @((Get-TestColumn $db 'Instances').Name -match 'Extra') | Should -BeNullOrEmpty
        }
        finally { Remove-Item -LiteralPath $bad -Recurse -Force }
    }
}

Describe 'Whole-command errors on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'bad parameters (-Force without -Reason) terminate even with -ErrorAction SilentlyContinue' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $err = $null
        try { Invoke-Contract @om -Id $First -Force -Confirm:$false -ErrorAction SilentlyContinue; throw 'not reached' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContractRefused,*'
        $err.Exception.Message | Should -BeLike '*-Reason*'
    }

    It 'an engine error outside any step is DatabaseError, never a raw exception' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $journal = if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Journal' } else { "[$(Get-TestStoreSchema $db)].[Journal]" }
        Invoke-Sql $db "DROP TABLE $journal"
        $err = $null
        try { Get-MigrationJournal @om -ErrorAction SilentlyContinue; throw 'not reached' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseError,*'
        $err.Exception.GetType().Name | Should -Be 'MigrationException'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}

Describe 'Whole-command errors on SQLite' {
    BeforeEach {
        $script:db = New-TestDatabase -Provider Sqlite
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { Remove-TestWorkspace $db -Folder $folder }

    It 'a busy runner terminates even with -ErrorAction SilentlyContinue' {
        $held = [IO.FileStream]::new("$($db.Path).onlinemigrations.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        $err = $null
        try { Invoke-Expand @om -Path $folder -Confirm:$false -ErrorAction SilentlyContinue; throw 'not reached' } catch { $err = $_ }
        finally { $held.Dispose() }
        $err.FullyQualifiedErrorId | Should -BeLike 'RunnerBusy,*'
        "$($err.CategoryInfo.Category)" | Should -Be 'ResourceBusy'
    }

    It 'a database that cannot be opened terminates even with -ErrorAction SilentlyContinue' {
        $err = $null
        try { Invoke-Migrate -Provider Sqlite -ConnectionString "Data Source=$($db.Path).missing" -Id a, b -Confirm:$false -ErrorAction SilentlyContinue; throw 'not reached' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        Test-Path -LiteralPath "$($db.Path).missing" | Should -BeFalse
    }
}
