# Get-MigrationState, Install-MigrationStore and Get-MigrationJournal, per provider.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Migration state on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:folder = New-TestMigrationFolder $db
            # An empty but existing database: SQLite needs the file to exist for a read-only command.
            if ($Provider -eq 'Sqlite') { Invoke-Sql $db 'PRAGMA user_version' | Out-Null }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'reports nothing on an empty database and creates nothing there' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        $states = @(Get-MigrationState @om -ErrorAction Stop)
        $states | Should -HaveCount 0
        Get-TestStoreObject $db | Should -BeNullOrEmpty
        Get-TestCatalogSnapshot $db | Should -Be $before
        @(Get-MigrationJournal @om -ErrorAction Stop) | Should -HaveCount 0
        Get-TestStoreObject $db | Should -BeNullOrEmpty
    }

    It 'lists the files not yet applied as Pending with -Path, still creating nothing' -Skip:$Skip {
        Initialize-TestBaseline $db
        $states = @(Get-MigrationState @om -Path $folder -ErrorAction Stop)
        $states.Id | Should -Be @('0001_instances_compute_host', '0002_split_location', '0003_drop_legacy_quotas')
        $states.Phase | ForEach-Object { "$_" } | Should -Be @('Pending', 'Pending', 'Pending')
        $states.Drift | Should -Be @($false, $false, $false)
        $states[0].Checksum | Should -Be (Get-Migration -Path $folder -Id 0001_instances_compute_host).Checksum
        Get-TestStoreObject $db | Should -BeNullOrEmpty
    }

    It 'shows an applied migration whose file changed afterwards as drifted, with a warning' -Skip:$Skip {
        Initialize-TestBaseline $db
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $file = Join-Path $folder '0001_instances_compute_host.json'
        $applied = (Get-Migration -Path $file).Checksum

        $clean = @(Get-MigrationState @om -Path $folder -WarningVariable quiet -WarningAction SilentlyContinue)
        ($clean | Where-Object Id -eq '0001_instances_compute_host').Drift | Should -BeFalse
        $quiet | Should -BeNullOrEmpty

        (Get-Content -Raw -LiteralPath $file).Replace('"objectVersion": "2.0"', '"objectVersion": "2.5"') | Set-Content -LiteralPath $file -NoNewline
        $states = @(Get-MigrationState @om -Path $folder -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)
        $state = $states | Where-Object Id -eq '0001_instances_compute_host'
        "$($state.Phase)" | Should -Be 'Expanded'
        $state.Drift | Should -BeTrue
        $state.Checksum | Should -Be $applied
        $state.FileChecksum | Should -Not -Be $applied
        ($states | Where-Object Id -eq '0002_split_location').Drift | Should -BeFalse
        @($warnings) | Should -HaveCount 1
        "$($warnings[0])" | Should -BeLike '*0001_instances_compute_host*differs from the applied definition*'

        # Without -Path there is no file to compare with: the applied definition stands.
        (Get-MigrationState @om -Id 0001_instances_compute_host).Drift | Should -BeFalse
    }

    It 'Install-MigrationStore creates the store at version 3 and is idempotent' -Skip:$Skip {
        Install-MigrationStore @om -Confirm:$false -ErrorAction Stop | Should -Be 3
        $objects = Get-TestStoreObject $db
        $objects | Should -Not -BeNullOrEmpty
        $info = if ($Provider -eq 'Sqlite') { 'OnlineMigrations_StoreInfo' } else { 'StoreInfo' }
        $objects | Should -Contain $info
        $table = if ($Provider -eq 'Sqlite') { '[OnlineMigrations_StoreInfo]' } else { "[$(Get-TestStoreSchema $db)].[StoreInfo]" }
        (Invoke-Sql $db "SELECT Value FROM $table WHERE Name = 'StoreVersion'").Value | Should -Be '3'

        Install-MigrationStore @om -Confirm:$false -ErrorAction Stop -Verbose 4>&1 |
            ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $script:verbose = "$_" } else { $_ | Should -Be 3 } }
        $verbose | Should -BeLike '*version 3*nothing to do*'
        Get-TestStoreObject $db | Should -Be $objects
        # Read-only commands work on the empty store.
        @(Get-MigrationState @om -ErrorAction Stop) | Should -HaveCount 0
    }

    It 'Install-MigrationStore -WhatIf creates nothing' -Skip:$Skip {
        $result = Install-MigrationStore @om -WhatIf -ErrorAction Stop
        $result | Should -BeNullOrEmpty
        Get-TestStoreObject $db | Should -BeNullOrEmpty
    }

    It 'journals every expand step with login, host, process id and outcome; -Last returns the newest' -Skip:$Skip {
        Initialize-TestBaseline $db
        $state = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'Expanded'

        $journal = @(Get-MigrationJournal @om -Id 0001_instances_compute_host -ErrorAction Stop)
        $steps = @($journal | Where-Object Step)
        # The sample's expand: version column, its index (a helper index, built only where that is
        # online), ComputeHost, its index, the MemoryMb shadow, the sync trigger.
        $expected = if (Test-TestOnlineIndex $db) { 6 } else { 5 }
        $steps | Should -HaveCount $expected
        $steps.Step | Should -Be @($steps.Step | Sort-Object)
        $steps[0].Step | Should -BeLike '01. *'
        $steps[-1].Step | Should -BeLike "0$expected. create sync trigger*"
        $login = if ($Provider -eq 'Sqlite') { [Environment]::UserName } else { (Invoke-Sql $db 'SELECT SUSER_SNAME() AS n').n }
        foreach ($entry in $steps) {
            $entry.Id | Should -Be '0001_instances_compute_host'
            $entry.Phase | Should -Be 'Expanding'
            $entry.Outcome | Should -Be 'Succeeded'
            $entry.Login | Should -Be $login
            $entry.Host | Should -Be ([Environment]::MachineName)
            $entry.ProcessId | Should -Be $PID
            $entry.Statement | Should -Not -BeNullOrEmpty
        }
        # Start and end of the phase frame the steps.
        $journal[0].Outcome | Should -Be 'Started'
        $journal[-1].Outcome | Should -Be 'Completed'
        $journal[-1].Phase | Should -Be 'Expanded'
        $journal.Sequence | Should -Be @($journal.Sequence | Sort-Object)

        $last = @(Get-MigrationJournal @om -Id 0001_instances_compute_host -Last 2)
        $last | Should -HaveCount 2
        $last.Sequence | Should -Be @($journal[-2].Sequence, $journal[-1].Sequence)
        @(Get-MigrationJournal @om -Id 0002_split_location) | Should -HaveCount 0
        @(Get-MigrationJournal @om).Count | Should -BeGreaterOrEqual $journal.Count
    }
}
