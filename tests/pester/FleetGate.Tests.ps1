# FleetAcknowledged fails closed: no heartbeat ever blocks until heartbeats or a journaled declaration
# (Register-MigrationClient -None); an application whose every instance went silent unacknowledged
# blocks until retired (Remove-MigrationClient -Application); a gone instance of an application whose
# live instances acknowledged does not; the detail names what it counted and why.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Id = '0001_add_note'
    $script:Files = @{
        '0001_add_note.json' = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [
            { "addColumn": { "table": "dbo.Items", "column": { "name": "Note", "type": "nvarchar(100)", "nullable": true } } } ] }'
    }

    function script:Get-Fleet($cn) {
        @((Test-ContractReady @cn -Id $Id).Checks | Where-Object Name -eq 'FleetAcknowledged')[0]
    }
    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }
    function script:Get-LoginName($Database) {
        if ($Database.Provider -eq 'Sqlite') { [Environment]::UserName } else { (Invoke-Sql $Database 'SELECT SUSER_SNAME() AS n').n }
    }
}

Describe 'FleetAcknowledged fails closed on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:cn = Get-TestConnectionParameters $db
            $t = Get-TestTableName $db 'Items'
            Invoke-Sql $db "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Name varchar(20) NULL)"
            Invoke-Sql $db "INSERT INTO $t (Id, Name) VALUES (1, 'a'), (2, 'b')"
            $script:folder = New-TestMigrationFolder $db -Files $Files
            $null = Invoke-Expand @cn -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            $null = Invoke-Migrate @cn -Confirm:$false -ErrorAction Stop
            $null = Request-Contract @cn -Id $Id -Confirm:$false
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'with no heartbeat ever, fails and says how to proceed; contract is refused and the schema stays' -Skip:$Skip {
        $check = Get-Fleet $cn
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'no application instance has ever sent a heartbeat'
        $check.Detail | Should -Match 'Send-MigrationHeartbeat'
        $check.Detail | Should -Match 'Register-MigrationClient -None -Reason'
        $ready = Test-ContractReady @cn -Id $Id
        $ready.Ready | Should -BeFalse
        $ready.ExitCode | Should -Be 4
        $before = Get-TestCatalogSnapshot $db
        { Invoke-Contract @cn -Id $Id -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ContractRefused,*'
        Get-TestCatalogSnapshot $db | Should -Be $before
    }

    It 'passes after a journaled declaration that no application reads the database, naming who and why; a later heartbeat is counted instead; -Withdraw blocks again' -Skip:$Skip {
        Register-MigrationClient @cn -None -Reason 'preview' -WhatIf
        (Get-Fleet $cn).Passed | Should -BeFalse

        $entry = Register-MigrationClient @cn -None -Reason 'reporting copy, read by no application' -Confirm:$false
        $entry.Outcome | Should -Be 'Declared'
        $entry.Reason | Should -Be 'reporting copy, read by no application'
        $entry.Login | Should -Be (Get-LoginName $db)
        $check = Get-Fleet $cn
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'declared'
        $check.Detail | Should -Match 'reporting copy, read by no application'
        $check.Detail | Should -Match ([regex]::Escape((Get-LoginName $db)))

        # An instance that reports contradicts the declaration: the gate counts it.
        $null = Send-MigrationHeartbeat @cn -Application 'reports-ui' -InstanceId 'ui-1' -ObjectVersion '1.0'
        $check = Get-Fleet $cn
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'reports-ui/ui-1'
        Remove-MigrationClient @cn -InstanceId 'ui-1' -Confirm:$false

        # The fleet is empty again: the declaration stands.
        (Get-Fleet $cn).Passed | Should -BeTrue
        $null = Register-MigrationClient @cn -Withdraw -Reason 'the UI reads it after all' -Confirm:$false
        @(Get-MigrationJournal @cn | Where-Object Step -like 'withdraw declaration*') | Should -HaveCount 1
        # Retiring every instance that reported does not make an empty fleet safe.
        $check = Get-Fleet $cn
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'every one that reported was retired'
    }

    It 'an application whose every instance went silent without acknowledging keeps blocking until Remove-MigrationClient -Application retires it' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0' -Acknowledge $Id -TimeToLive '01:00:00'
        $null = Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-1' -ObjectVersion '1.0' -TimeToLive '00:00:01'
        $null = Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-2' -ObjectVersion '1.0' -TimeToLive '00:00:01'
        Start-Sleep -Seconds 2
        @(Get-MigrationClient @cn -Alive).InstanceId | Should -Be @('api-1')

        $check = Get-Fleet $cn
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'every instance of billing-job went silent'
        $check.Detail | Should -Match 'billing-job/job-1'
        $check.Detail | Should -Match 'billing-job/job-2'
        $check.Detail | Should -Match "Remove-MigrationClient -Application 'billing-job'"

        Remove-MigrationClient @cn -Application 'billing-job' -WhatIf
        @(Get-MigrationClient @cn) | Should -HaveCount 3
        { Remove-MigrationClient @cn -Application 'nobody' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ClientNotFound,*'

        Remove-MigrationClient @cn -Application 'BILLING-JOB' -Confirm:$false
        @(Get-MigrationClient @cn).InstanceId | Should -Be @('api-1')
        $retired = @(Get-MigrationJournal @cn | Where-Object Step -like 'retire application billing-job*')
        $retired | Should -HaveCount 1
        $retired[0].Step | Should -Match 'job-1, job-2'
        $retired[0].Login | Should -Be (Get-LoginName $db)
        $check = Get-Fleet $cn
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'inventory-api: all 1 live instance'
        (Invoke-Contract @cn -Id $Id -Confirm:$false -ErrorAction Stop).Phase.ToString() | Should -Be 'Completed'
    }

    It 'a gone instance of an application whose live instances acknowledged does not block; a live unacknowledged instance of a second application does, and is named' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-old' -ObjectVersion '1.0' -TimeToLive '00:00:01'
        Start-Sleep -Seconds 2
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-new' -ObjectVersion '2.0' -Acknowledge $Id
        $check = Get-Fleet $cn
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'inventory-api: all 1 live instance\(s\) acknowledged'
        $check.Detail | Should -Match '1 gone instance\(s\) not counted \(inventory-api/api-old'

        $null = Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-1' -ObjectVersion '1.0'
        $check = Get-Fleet $cn
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 live instance\(s\) of billing-job have not acknowledged'
        $check.Detail | Should -Match 'billing-job/job-1'
        $check.Detail | Should -Match 'counted: inventory-api'

        $null = Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-1' -ObjectVersion '2.0' -Acknowledge $Id
        (Get-Fleet $cn).Passed | Should -BeTrue
    }
}
