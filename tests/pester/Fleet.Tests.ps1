# The fleet of application instances: heartbeats, alive and gone, acknowledgements (also before the
# contract is requested), the flag applications read, and retiring an instance (journaled).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Id1 = '0001_instances_compute_host'
    $script:Id2 = '0002_split_location'
    $script:NoWindow = @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }

    function Get-Check {
        param($Readiness, [string]$Name)
        @($Readiness.Checks | Where-Object Name -eq $Name)[0]
    }

    function Get-LoginName {
        param($Database)
        if ($Database.Provider -eq 'Sqlite') { [Environment]::UserName } else { (Invoke-Sql $Database 'SELECT SUSER_SNAME() AS n').n }
    }

    function Get-ContractRequestView {
        <# What applications read: the store's ContractRequests view, through plain SQL. #>
        param($Database)
        $view = if ($Database.Provider -eq 'Sqlite') { '[OnlineMigrations_ContractRequests]' } else { "[$(Get-TestStoreSchema $Database)].[ContractRequests]" }
        Invoke-Sql $Database "SELECT MigrationId, RequestedAt, RequestedBy FROM $view"
    }
}

Describe 'Migration fleet on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider
            $cn = Get-TestConnectionParameters $db
            $folders = [Collections.Generic.List[string]]::new()
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folders } }

    It 'Send-MigrationHeartbeat creates the store on a new database and returns the instance as the store has it' -Skip:$Skip {
        $client = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-7f3c' -ObjectVersion '2.0' -Acknowledge $Id1, $Id2
        @($client).Count | Should -Be 1
        $client.GetType().Name | Should -Be 'MigrationClient'
        $client.Application | Should -Be 'inventory-api'
        $client.InstanceId | Should -Be 'api-7f3c'
        $client.HostName | Should -Be ([Environment]::MachineName)
        $client.ObjectVersion | Should -Be '2.0'
        @($client.Acknowledged) | Should -Be @($Id1, $Id2)
        $client.TimeToLive | Should -Be ([timespan]'00:05:00')
        $client.Alive | Should -BeTrue
        $client.Status | Should -Be 'Alive'
        [math]::Abs(($client.LastSeen - $client.FirstSeen).TotalSeconds) | Should -BeLessThan 1
        [math]::Abs(([datetime]::UtcNow - $client.LastSeen).TotalSeconds) | Should -BeLessThan 30

        $listed = @(Get-MigrationClient @cn)
        $listed.Count | Should -Be 1
        $listed[0].InstanceId | Should -Be 'api-7f3c'
        @($listed[0].Acknowledged) | Should -Be @($Id1, $Id2)
    }

    It 'a later heartbeat replaces version and acknowledgements, keeps FirstSeen and moves LastSeen' -Skip:$Skip {
        $first = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '1.9' -Acknowledge $Id1 -HostName 'web-01'
        Start-Sleep -Milliseconds 1100
        $second = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0' -TimeToLive '01:00:00' -HostName 'web-01'
        $second.ObjectVersion | Should -Be '2.0'
        @($second.Acknowledged) | Should -HaveCount 0
        $second.TimeToLive | Should -Be ([timespan]'01:00:00')
        $second.HostName | Should -Be 'web-01'
        $second.FirstSeen | Should -Be $first.FirstSeen
        $second.LastSeen | Should -BeGreaterThan $first.LastSeen
        @(Get-MigrationClient @cn) | Should -HaveCount 1
    }

    It 'Get-MigrationClient shows Alive and Gone by each time-to-live, and filters by -Alive, -Application and -InstanceId' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0'
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-2' -ObjectVersion '2.0' -TimeToLive '00:00:02'
        $null = Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-1' -ObjectVersion '1.0' -TimeToLive '00:00:02'
        @(Get-MigrationClient @cn -Alive) | Should -HaveCount 3

        Start-Sleep -Seconds 3
        $all = @(Get-MigrationClient @cn)
        $all | Should -HaveCount 3
        @($all | ForEach-Object { "$($_.InstanceId)=$($_.Status)" } | Sort-Object) | Should -Be @('api-1=Alive', 'api-2=Gone', 'job-1=Gone')
        ($all | Where-Object InstanceId -eq 'api-2').Alive | Should -BeFalse
        @(Get-MigrationClient @cn -Alive).InstanceId | Should -Be @('api-1')
        @(Get-MigrationClient @cn -Application 'inventory-*').InstanceId | Sort-Object | Should -Be @('api-1', 'api-2')
        @(Get-MigrationClient @cn -InstanceId 'JOB-*').Application | Should -Be @('billing-job')
        @(Get-MigrationClient @cn -Application 'nothing-*') | Should -HaveCount 0

        # A gone instance that comes back is alive again.
        (Send-MigrationHeartbeat @cn -Application 'billing-job' -InstanceId 'job-1' -ObjectVersion '1.0' -TimeToLive '00:00:02').Status | Should -Be 'Alive'
    }

    It 'counts an acknowledgement sent before the contract was requested, even before expand; one for another migration does not count' -Skip:$Skip {
        # Release 2 is deployed first and says, from its first heartbeat on, that it no longer needs the old shape.
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0' -Acknowledge $Id1
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-2' -ObjectVersion '2.0' -Acknowledge $Id2
        Initialize-TestInventory $db -Rows 50
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $null = Invoke-Migrate @cn
        $null = Request-Contract @cn -Id $Id1

        $ready = Test-ContractReady @cn -Id $Id1
        $check = Get-Check $ready 'FleetAcknowledged'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 live instance'
        $check.Detail | Should -Match 'inventory-api/api-2'
        $check.Detail | Should -Not -Match 'api-1'

        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-2' -ObjectVersion '2.0' -Acknowledge $Id1, $Id2
        $ready = Test-ContractReady @cn -Id $Id1
        (Get-Check $ready 'FleetAcknowledged').Passed | Should -BeTrue
        $ready.Ready | Should -BeTrue
    }

    It 'publishes the contract request where applications read it, with who requested it' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 10
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001', '0002' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        @(Get-ContractRequestView $db) | Should -HaveCount 0

        $state = Request-Contract @cn -Id $Id1
        $rows = @(Get-ContractRequestView $db)
        $rows | Should -HaveCount 1
        $rows[0].MigrationId | Should -Be $Id1
        $rows[0].RequestedBy | Should -Be (Get-LoginName $db)
        $state.ContractRequestedBy | Should -Be (Get-LoginName $db)
        # A second request changes nothing.
        (Request-Contract @cn -Id $Id1).ContractRequestedAt | Should -Be $state.ContractRequestedAt
        @(Get-ContractRequestView $db) | Should -HaveCount 1
        @(Get-MigrationJournal @cn -Id $Id1 | Where-Object Step -eq 'request contract') | Should -HaveCount 1
    }

    It 'Remove-MigrationClient retires an instance and journals it; an unknown instance is an error; -WhatIf keeps it' -Skip:$Skip {
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0'
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-2' -ObjectVersion '2.0'

        Remove-MigrationClient @cn -InstanceId 'api-1' -WhatIf
        @(Get-MigrationClient @cn) | Should -HaveCount 2

        Remove-MigrationClient @cn -InstanceId 'api-1'
        @(Get-MigrationClient @cn).InstanceId | Should -Be @('api-2')
        $entry = @(Get-MigrationJournal @cn | Where-Object Step -eq 'retire client inventory-api/api-1')
        $entry | Should -HaveCount 1
        $entry[0].Outcome | Should -Be 'Succeeded'
        $entry[0].Login | Should -Be (Get-LoginName $db)
        $entry[0].Host | Should -Not -BeNullOrEmpty

        { Remove-MigrationClient @cn -InstanceId 'api-1' -ErrorAction Stop } | Should -Throw -ErrorId 'ClientNotFound,*'
        # By pipeline: the instances Get-MigrationClient lists.
        Get-MigrationClient @cn | Remove-MigrationClient @cn
        @(Get-MigrationClient @cn) | Should -HaveCount 0
    }

    It 'refuses an invalid object version or time-to-live, and -WhatIf writes no heartbeat' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 0
        { Send-MigrationHeartbeat @cn -Application 'a' -InstanceId 'i' -ObjectVersion '2.x' } | Should -Throw -ErrorId 'InvalidArgument,*'
        { Send-MigrationHeartbeat @cn -Application 'a' -InstanceId 'i' -ObjectVersion '2.0' -TimeToLive '-00:00:01' } | Should -Throw -ErrorId 'InvalidArgument,*'
        { Send-MigrationHeartbeat @cn -Application 'a' -InstanceId 'i' -ObjectVersion '2.0' -Acknowledge 'a,b' } | Should -Throw -ErrorId 'InvalidArgument,*'
        Send-MigrationHeartbeat @cn -Application 'a' -InstanceId 'i' -ObjectVersion '2.0' -WhatIf
        @(Get-MigrationClient @cn) | Should -HaveCount 0
    }
}
