# Contract: each gate refuses with its named check and a detail a person can act on, and allows
# once resolved; -Force needs -Reason and is journaled; after contract the schema is exactly the
# final one and the data is what it was; -WhatIf and pipeline composition.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Id1 = '0001_instances_compute_host'
    $script:Id2 = '0002_split_location'
    $script:Id3 = '0003_drop_legacy_quotas'
    $script:NoWindow = @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }

    function Get-Check {
        <# One named check of a ContractReadiness. #>
        param($Readiness, [string]$Name)
        $check = @($Readiness.Checks | Where-Object Name -eq $Name)
        if ($check.Count -ne 1) { throw "No single check '$Name' in: $($Readiness.Checks.Name -join ', ')" }
        $check[0]
    }

    function Get-FailedName {
        param($Readiness)
        @($Readiness.Checks | Where-Object { -not $_.Passed } | ForEach-Object Name | Sort-Object)
    }

    function Assert-ContractRefused {
        <#
        Invoke-Contract must be refused with 'ContractRefused,...' listing exactly the failed checks of
        Test-ContractReady, and leave the migration and the old column in place.
        #>
        param($Database, [string]$Id, [string[]]$Failed)
        $cn = Get-TestConnectionParameters $Database
        $expected = @($Failed | Sort-Object)
        Get-FailedName (Test-ContractReady @cn -Id $Id) | Should -Be $expected
        $phase = (Get-MigrationState @cn -Id $Id).Phase
        $before = Get-TestCatalogSnapshot $Database
        $record = $null
        try { $null = Invoke-Contract @cn -Id $Id -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
        catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty -Because "contract of $Id must be refused ($($Failed -join ', '))"
        $record.FullyQualifiedErrorId | Should -BeLike 'ContractRefused,*'
        $record.TargetObject | Should -Be $Id
        $listed = @([regex]::Matches($record.Exception.Message, '(?m)^\s+(\w+): ') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
        $listed | Should -Be $expected -Because $record.Exception.Message
        (Get-MigrationState @cn -Id $Id).Phase | Should -Be $phase
        Get-TestCatalogSnapshot $Database | Should -Be $before
        $record
    }

    function Initialize-Migrated {
        <#
        Inventory with -Rows rows, the sample migrations -Include (windows set to 0 unless -Replace
        says otherwise) expanded and migrated; -Request requests their contracts. Returns the folder.
        #>
        param($Database, [int]$Rows = 200, [string[]]$Include = @('0001'), [hashtable]$Replace = $NoWindow, [switch]$Request)
        $cn = Get-TestConnectionParameters $Database
        Initialize-TestInventory $Database -Rows $Rows
        $folder = New-TestInventoryFolder $Database -Include $Include -Replace $Replace
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $runs = @(Invoke-Migrate @cn)
        $runs | ForEach-Object { $_.ExitCode | Should -Be 0 -Because "$($_.Id) must migrate completely" }
        if ($Request) { $null = Get-MigrationState @cn | Request-Contract @cn }
        # FleetAcknowledged fails closed: these tests' databases are read by no application unless a test sends heartbeats.
        $null = Register-MigrationClient @cn -None -Reason 'test database: no application reads it' -Confirm:$false
        $folder
    }

    function Get-LoginName {
        param($Database)
        if ($Database.Provider -eq 'Sqlite') { [Environment]::UserName } else { (Invoke-Sql $Database 'SELECT SUSER_SNAME() AS n').n }
    }
}

Describe 'Contract gates on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider
            $cn = Get-TestConnectionParameters $db
            $folders = [Collections.Generic.List[string]]::new()
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folders } }

    It 'ObjectVersion: a row an old instance writes after migrate refuses contract, naming the count per version, until Invoke-Migrate converts it' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Request))
        (Test-ContractReady @cn -Id $Id1).Ready | Should -BeTrue
        $t = Get-TestTableName $db 'Instances'
        Invoke-Sql $db "UPDATE $t SET Host = 'legacy-a', ObjectVersion = '1.9' WHERE Id IN (3, 4)"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Host, MemoryMb) VALUES (1001, 'legacy-insert', 'legacy-b', 64)"

        $ready = Test-ContractReady @cn -Id $Id1
        $ready.Ready | Should -BeFalse
        $ready.ExitCode | Should -Be 3
        $check = Get-Check $ready 'ObjectVersion'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '3 row\(s\) older than 2\.0'
        $check.Detail | Should -Match '2 row\(s\) at 1\.9'
        $check.Detail | Should -Match '1 row\(s\) at NULL'
        # The data itself is right (the sync trigger kept the new columns): the two measures are separate.
        (Get-Check $ready 'DataMigrated').Passed | Should -BeTrue
        $record = Assert-ContractRefused $db $Id1 'ObjectVersion'
        $record.Exception.Message | Should -Match '1\.9'
        (Get-MigrationJournal @cn -Id $Id1 | Where-Object Outcome -eq 'Refused').Count | Should -BeGreaterThan 0

        $r = Invoke-Migrate @cn -Id $Id1
        $r.RowsMigrated | Should -Be 3
        $r.ExitCode | Should -Be 0
        (Test-ContractReady @cn -Id $Id1).Ready | Should -BeTrue
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
        (Invoke-Sql $db "SELECT ComputeHost FROM $t WHERE Id = 1001").ComputeHost | Should -Be 'legacy-b'
    }

    It 'FleetAcknowledged: a live instance that has not acknowledged blocks and is named, until it acknowledges' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Request))
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0'
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-2' -ObjectVersion '2.0' -Acknowledge $Id1

        $ready = Test-ContractReady @cn -Id $Id1
        $ready.ExitCode | Should -Be 4
        $check = Get-Check $ready 'FleetAcknowledged'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 live instance'
        $check.Detail | Should -Match 'inventory-api/api-1'
        $check.Detail | Should -Not -Match 'api-2'
        $null = Assert-ContractRefused $db $Id1 'FleetAcknowledged'

        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-1' -ObjectVersion '2.0' -Acknowledge $Id1
        $check = Get-Check (Test-ContractReady @cn -Id $Id1) 'FleetAcknowledged'
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'all 2 live instance'
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
    }

    It 'FleetAcknowledged: an acknowledging instance past its time-to-live shows Gone and does not block; Remove-MigrationClient retires a dead one' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Request))
        # Deterministic: a ten-minute time-to-live cannot run out during the test; it runs out when the
        # store's recorded last heartbeat is moved eleven minutes back (the store's own clock judges it).
        $null = Send-MigrationHeartbeat @cn -Application 'nightly-job' -InstanceId 'job-1' -ObjectVersion '1.0' -TimeToLive '00:10:00' -Acknowledge $Id1
        $null = Send-MigrationHeartbeat @cn -Application 'inventory-api' -InstanceId 'api-dead' -ObjectVersion '1.0'
        $job = Get-MigrationClient @cn -InstanceId 'job-1'
        $job.Alive | Should -BeTrue
        $job.Status | Should -Be 'Alive'
        $check = Get-Check (Test-ContractReady @cn -Id $Id1) 'FleetAcknowledged'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 live instance'
        $check.Detail | Should -Match 'inventory-api/api-dead'
        $check.Detail | Should -Not -Match 'nightly-job: no live instance'

        $clients = if ($db.Provider -eq 'Sqlite') { '[OnlineMigrations_Client]' } else { "[$(Get-TestStoreSchema $db)].[Client]" }
        $back = if ($db.Provider -eq 'Sqlite') { "strftime('%Y-%m-%d %H:%M:%f', LastSeen, '-11 minutes')" } else { 'DATEADD(minute, -11, LastSeen)' }
        Invoke-Sql $db "UPDATE $clients SET LastSeen = $back WHERE InstanceId = 'job-1'"
        $job = Get-MigrationClient @cn -InstanceId 'job-1'
        $job.Alive | Should -BeFalse
        $job.Status | Should -Be 'Gone'
        (Get-MigrationClient @cn -InstanceId 'api-dead').Status | Should -Be 'Alive'
        $check = Get-Check (Test-ContractReady @cn -Id $Id1) 'FleetAcknowledged'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '1 live instance'
        $check.Detail | Should -Match 'inventory-api/api-dead'
        $check.Detail | Should -Match 'nightly-job: no live instance; its 1 gone instance\(s\) all acknowledged'

        # The crashed instance that will never heartbeat again is retired by hand.
        Remove-MigrationClient @cn -InstanceId 'api-dead'
        @(Get-MigrationClient @cn).InstanceId | Should -Be @('job-1')
        $ready = Test-ContractReady @cn -Id $Id1
        (Get-Check $ready 'FleetAcknowledged').Passed | Should -BeTrue
        $ready.Ready | Should -BeTrue
        @(Get-MigrationJournal @cn | Where-Object Step -eq 'retire client inventory-api/api-dead').Count | Should -Be 1
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
    }

    It 'ContractRequested: not requested refuses, Request-Contract allows' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db))
        $ready = Test-ContractReady @cn -Id $Id1
        $ready.ExitCode | Should -Be 4
        (Get-Check $ready 'ContractRequested').Detail | Should -Match "Request-Contract -Id $Id1"
        $null = Assert-ContractRefused $db $Id1 'ContractRequested'

        $state = Request-Contract @cn -Id $Id1
        $state.ContractRequested | Should -BeTrue
        $state.ContractRequestedBy | Should -Be (Get-LoginName $db)
        $check = Get-Check (Test-ContractReady @cn -Id $Id1) 'ContractRequested'
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'requested at'
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
    }

    It 'DeprecationWindow: refused until the window since the recorded expand time has passed' -Skip:$Skip {
        # Deterministic: a one-hour window cannot pass during the test; the time since expand is then
        # moved by rewriting the store's recorded expand time (what the gate measures from), not by sleeping.
        $folders.Add((Initialize-Migrated $db -Request -Replace @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "01:00:00"' }))
        $state = Get-MigrationState @cn -Id $Id1
        $state.DeprecationWindow | Should -Be ([timespan]'01:00:00')
        $state.ExpandedAt | Should -Not -BeNullOrEmpty
        $ready = Test-ContractReady @cn -Id $Id1
        $ready.ExitCode | Should -Be 4
        $check = Get-Check $ready 'DeprecationWindow'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '^(59m \d+s|1h 0m) of the 1h 0m deprecation window remain'
        $null = Assert-ContractRefused $db $Id1 'DeprecationWindow'

        $store = if ($db.Provider -eq 'Sqlite') { '[OnlineMigrations_Migration]' } else { "[$(Get-TestStoreSchema $db)].[Migration]" }
        $setExpandedAt = { param([datetime]$At) Invoke-Sql $db "UPDATE $store SET ExpandedAt = @at WHERE Id = @id" -Parameters @{ at = $At; id = $Id1 } }
        # 58 minutes ago: about 2 minutes of the window remain, still refused.
        & $setExpandedAt ([datetime]::UtcNow.AddMinutes(-58))
        $check = Get-Check (Test-ContractReady @cn -Id $Id1) 'DeprecationWindow'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '^1m \d+s of the 1h 0m deprecation window remain'
        $null = Assert-ContractRefused $db $Id1 'DeprecationWindow'

        # 61 minutes ago: the window has passed.
        & $setExpandedAt ([datetime]::UtcNow.AddMinutes(-61))
        $ready = Test-ContractReady @cn -Id $Id1
        $check = Get-Check $ready 'DeprecationWindow'
        $check.Passed | Should -BeTrue
        $check.Detail | Should -Match 'the 1h 0m window since expand \(.+\) has passed'
        $ready.Ready | Should -BeTrue
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
    }

    It 'NoDependents: a view on the dropped column is named; once it uses the new column, contract runs and the view works' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Request -Rows 50))
        $t = Get-TestTableName $db 'Instances'
        $view = Get-TestTableName $db 'v_instance_hosts'
        Invoke-Sql $db "CREATE VIEW $view AS SELECT Id, Host FROM $t"

        $ready = Test-ContractReady @cn -Id $Id1
        $ready.ExitCode | Should -Be 4
        $check = Get-Check $ready 'NoDependents'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'v_instance_hosts'
        $check.Detail | Should -Match 'Host'
        $null = Assert-ContractRefused $db $Id1 'NoDependents'

        Invoke-Sql $db "DROP VIEW $view"
        Invoke-Sql $db "CREATE VIEW $view AS SELECT Id, ComputeHost FROM $t"
        (Get-Check (Test-ContractReady @cn -Id $Id1) 'NoDependents').Passed | Should -BeTrue
        (Invoke-Contract @cn -Id $Id1 -Confirm:$false).Phase.ToString() | Should -Be 'Completed'
        (Invoke-Sql $db "SELECT COUNT(ComputeHost) AS n FROM $view").n | Should -Be 50
    }

    It 'DataMigrated: one unmigrated row refuses contract (exit code 3) until Invoke-Migrate' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 60
        $null = Register-MigrationClient @cn -None -Reason 'test database: no application reads it' -Confirm:$false
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        (Invoke-Migrate @cn -BatchSize 1 -MaxRows 59).ExitCode | Should -Be 1
        $null = Request-Contract @cn -Id $Id1

        $ready = Test-ContractReady @cn -Id $Id1
        $ready.ExitCode | Should -Be 3
        $check = Get-Check $ready 'DataMigrated'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match '(^|[^\d,])1 rows? of [\w.]*Instances where Host and ComputeHost differ' -Because $check.Detail
        $check.Detail | Should -Match 'MemoryMb'
        $check.Detail | Should -Match 'Invoke-Migrate'
        $null = Assert-ContractRefused $db $Id1 'DataMigrated', 'ObjectVersion'

        (Invoke-Migrate @cn).RowsMigrated | Should -Be 1
        $ready = Test-ContractReady @cn -Id $Id1
        (Get-Check $ready 'DataMigrated').Detail | Should -Match 'no row left'
        $ready.Ready | Should -BeTrue
    }

    It '-Force without -Reason is refused; -Force -Reason contracts and journals the override with reason and login' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db))   # not requested: ContractRequested fails
        $before = Get-TestCatalogSnapshot $db
        { Invoke-Contract @cn -Id $Id1 -Force -Confirm:$false } | Should -Throw -ErrorId 'ContractRefused,*' -ExpectedMessage '*-Reason*'
        Get-TestCatalogSnapshot $db | Should -Be $before
        (Get-MigrationState @cn -Id $Id1).Phase.ToString() | Should -Be 'Migrated'

        $reason = 'CHG-4711: all instances run release 2, approved by the change board'
        $state = Invoke-Contract @cn -Id $Id1 -Force -Reason $reason -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $state.Phase.ToString() | Should -Be 'Completed'
        ($warnings -join "`n") | Should -Match 'ContractRequested'
        @(Get-TestColumn $db 'Instances').Name | Should -Not -Contain 'Host'
        $override = @(Get-MigrationJournal @cn -Id $Id1 | Where-Object Outcome -eq 'Overridden')
        $override.Count | Should -Be 1
        $override[0].Reason | Should -Be $reason
        $override[0].Login | Should -Be (Get-LoginName $db)
        $override[0].Error | Should -Match 'ContractRequested'
    }

    It 'Test-ContractReady: exit codes 2, 3, 4, 0 and -Quiet as $true/$false' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 100
        $null = Register-MigrationClient @cn -None -Reason 'test database: no application reads it' -Confirm:$false
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001', '0002' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -Id $Id1 -WarningAction SilentlyContinue

        # Not expanded yet.
        $r = Test-ContractReady @cn -Id $Id2
        $r.ExitCode | Should -Be 2
        $r.Ready | Should -BeFalse
        (Get-Check $r 'ExpandComplete').Passed | Should -BeFalse
        Test-ContractReady @cn -Id $Id2 -Quiet | Should -BeFalse
        # Expanded, data not migrated.
        $r = Test-ContractReady @cn -Id $Id1
        $r.ExitCode | Should -Be 3
        Test-ContractReady @cn -Id $Id1 -Quiet | Should -BeFalse
        # Migrated, waiting on a gate (not requested).
        $null = Invoke-Migrate @cn
        $r = Test-ContractReady @cn -Id $Id1
        $r.ExitCode | Should -Be 4
        Get-FailedName $r | Should -Be @('ContractRequested')
        Test-ContractReady @cn -Id $Id1 -Quiet | Should -BeFalse
        # Ready.
        $null = Request-Contract @cn -Id $Id1
        $r = Test-ContractReady @cn -Id $Id1
        $r.ExitCode | Should -Be 0
        $r.Ready | Should -BeTrue
        $quiet = @(Test-ContractReady @cn -Id $Id1 -Quiet)
        $quiet.Count | Should -Be 1
        $quiet[0] | Should -BeOfType [bool]
        $quiet[0] | Should -BeTrue
        Test-ContractReady @cn -Quiet | Should -BeTrue   # every open migration: only 0001

        # A later migration waits for the earlier one; -Quiet over both is $false.
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $null = Invoke-Migrate @cn
        $null = Request-Contract @cn -Id $Id2
        $r = Test-ContractReady @cn -Id $Id2
        $r.ExitCode | Should -Be 4
        Get-FailedName $r | Should -Be @('EarlierMigrationsContracted')
        (Get-Check $r 'EarlierMigrationsContracted').Detail | Should -Match $Id1
        Test-ContractReady @cn -Quiet | Should -BeFalse
        $null = Invoke-Contract @cn -Id $Id1 -Confirm:$false
        Test-ContractReady @cn -Quiet | Should -BeTrue
    }
}

Describe 'Invoke-Contract on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider
            $cn = Get-TestConnectionParameters $db
            $folders = [Collections.Generic.List[string]]::new()
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folders } }

    It 'leaves exactly the final schema, and the surviving columns hold the values they had' -Skip:$Skip {
        $rows = 500
        $folders.Add((Initialize-Migrated $db -Rows $rows -Include '0001', '0002', '0003' -Request))
        $t = Get-TestTableName $db 'Instances'
        $before = @{}
        foreach ($row in Invoke-Sql $db "SELECT Id, Name, Host, MemoryMb, Status, Region, Rack, ObjectVersion FROM $t") { $before[[long]$row.Id] = $row }
        $before.Count | Should -Be $rows

        $states = @(Invoke-Contract @cn -Confirm:$false)
        $states.Id | Should -Be @($Id1, $Id2, $Id3)
        $states | ForEach-Object { $_.Phase.ToString() | Should -Be 'Completed' }

        # The schema, from the catalog.
        $columns = @(Get-TestColumn $db 'Instances')
        @($columns.Name | Sort-Object) | Should -Be @('ComputeHost', 'Id', 'MemoryMb', 'Name', 'ObjectVersion', 'Rack', 'Region', 'Status')
        @($columns | Where-Object Name -like '*__om_*') | Should -HaveCount 0
        ($columns | Where-Object Name -eq 'MemoryMb').Type | Should -Be 'bigint'
        @(Get-TestTrigger $db 'Instances') | Should -HaveCount 0
        $indexes = @(Get-TestIndex $db 'Instances')
        # The moved index takes its old name back where the server can rename an index; on one that cannot
        # (the T-SQL engine) it keeps its interim name, as the README says.
        $hostIndex = if (Test-TestRenameIndex $db) { 'IX_Instances_Host' } else { @($indexes | Where-Object Name -like 'IX_Instances_Host__om_*').Name }
        @($hostIndex) | Should -HaveCount 1
        ($indexes | Where-Object Name -eq $hostIndex).Columns | Should -Be 'ComputeHost'
        ($indexes | Where-Object Name -eq 'IX_Instances_Region').Columns | Should -Be 'Region'
        @($indexes | Where-Object { $_.Columns -split ',' -contains 'Host' }) | Should -HaveCount 0
        @($indexes | Where-Object { $_.Name -like '*__om_*' -and $_.Name -ne $hostIndex }) | Should -HaveCount 0
        # Besides these, only the tool's own object-version index may remain (where it could be built online).
        @($indexes | ForEach-Object { "$($_.Name)($($_.Columns))" } |
            Where-Object { $_ -notin "$hostIndex(ComputeHost)", 'IX_Instances_Region(Region)', 'IX_Instances_ObjectVersion__om(ObjectVersion)' }) | Should -HaveCount 0
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse
        Test-TestTableExists $db 'Instances' | Should -BeTrue

        # The data, row by row.
        $after = @(Invoke-Sql $db "SELECT Id, Name, ComputeHost, MemoryMb, Status, Region, Rack, ObjectVersion FROM $t")
        $after.Count | Should -Be $rows
        $wrong = @(foreach ($row in $after) {
            $old = $before[[long]$row.Id]
            if ($null -eq $old -or $row.Name -cne $old.Name -or $row.ComputeHost -cne $old.Host -or $row.Status -cne $old.Status -or
                $row.Region -cne $old.Region -or $row.Rack -cne $old.Rack -or
                ($null -eq $row.MemoryMb) -ne ($null -eq $old.MemoryMb) -or ($null -ne $old.MemoryMb -and [long]$row.MemoryMb -ne [long]$old.MemoryMb)) { $row.Id }
        })
        $wrong | Should -HaveCount 0
        @($after | Where-Object ObjectVersion -ne '2.1') | Should -HaveCount 0
        @($after | Where-Object { $null -eq $_.ComputeHost }).Count | Should -Be ([math]::Floor($rows / 97))
        @($after | Where-Object { $null -eq $_.MemoryMb }).Count | Should -Be ([math]::Floor($rows / 89))
        ($after | Where-Object Id -eq 42).Region | Should -Be 'EUW1'
        ($after | Where-Object Id -eq 42).Rack | Should -Be 'R042'
    }

    It '-WhatIf prints the DROP statements and changes nothing' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Rows 50 -Include '0001', '0002', '0003' -Request))
        $snapshot = Get-TestCatalogSnapshot $db
        $journal = @(Get-MigrationJournal @cn).Count
        $t = Get-TestTableName $db 'Instances'
        $quotas = Get-TestTableName $db 'LegacyQuotas'

        $text = Get-TestWhatIf { Invoke-Contract @cn -WhatIf -WarningAction SilentlyContinue }
        $text | Should -Match "What if: -- contract: $Id1"
        $text | Should -Match 'DROP TRIGGER'
        $text | Should -Match 'DROP INDEX[^\n]*\[IX_Instances_Host\]'
        $text | Should -Match 'DROP COLUMN[^\n]*\[Host\]'
        $text | Should -Match 'DROP COLUMN[^\n]*\[MemoryMb\]'
        $text | Should -Match 'DROP COLUMN[^\n]*\[Location\]'
        $text | Should -Match "DROP TABLE[^\n]*$([regex]::Escape($quotas))"

        Get-TestCatalogSnapshot $db | Should -Be $snapshot
        @(Get-MigrationJournal @cn).Count | Should -Be $journal
        Get-MigrationState @cn | ForEach-Object { $_.Phase.ToString() | Should -Be 'Migrated' }
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $quotas").n | Should -Be 10
        (Invoke-Sql $db "SELECT COUNT(Host) AS n FROM $t").n | Should -Be 50
    }

    It 'Get-MigrationState | Test-ContractReady | Where-Object Ready | Invoke-Contract contracts exactly the ready ones' -Skip:$Skip {
        $folders.Add((Initialize-Migrated $db -Rows 50 -Include '0001', '0002', '0003'))
        $null = Request-Contract @cn -Id $Id1, $Id3   # 0002 is not requested; 0003 waits for 0002
        $saved = $PSDefaultParameterValues.Clone()
        try {
            foreach ($name in $cn.Keys) { $PSDefaultParameterValues["*:$name"] = $cn[$name] }
            $first = @(Get-MigrationState | Test-ContractReady | Where-Object Ready | Invoke-Contract -Confirm:$false)
            $statesAfterFirst = @(Get-MigrationState)
            $columnsAfterFirst = @(Get-TestColumn $db 'Instances').Name
            $quotasAfterFirst = Test-TestTableExists $db 'LegacyQuotas'
            $null = Request-Contract -Id $Id2
            # Each migration is evaluated as it comes down the pipeline: 0003 is ready once 0002 is contracted.
            $second = @(Get-MigrationState | Test-ContractReady | Where-Object Ready | Invoke-Contract -Confirm:$false)
            $statesAfterSecond = @(Get-MigrationState)
        }
        finally {
            $PSDefaultParameterValues.Clear()
            foreach ($key in $saved.Keys) { $PSDefaultParameterValues[$key] = $saved[$key] }
        }
        $first.Id | Should -Be @($Id1)
        @($statesAfterFirst | ForEach-Object { "$($_.Id)=$($_.Phase)" }) | Should -Be @("$Id1=Completed", "$Id2=Migrated", "$Id3=Migrated")
        $columnsAfterFirst | Should -Contain 'Location'
        $columnsAfterFirst | Should -Not -Contain 'Host'
        $quotasAfterFirst | Should -BeTrue

        $second.Id | Should -Be @($Id2, $Id3)
        @($statesAfterSecond | ForEach-Object { "$($_.Id)=$($_.Phase)" }) | Should -Be @("$Id1=Completed", "$Id2=Completed", "$Id3=Completed")
        @(Get-TestColumn $db 'Instances').Name | Should -Not -Contain 'Location'
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse
    }
}
