# Every failure is recorded: a migrate run that fails in a batch, is stopped with Ctrl+C or ends at a
# time or row limit writes a journal entry with its outcome (Failed, Stopped, TimeBoxed, RowLimited),
# and a failure sets LastError; failing expand, contract and undo steps do the same.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    # Stamping object versions is a backfill without a sync trigger.
    $script:Track = @{
        '0001_track.json' = '{ "objectVersion": "2.0", "deprecationWindow": "0", "operations": [
            { "trackObjectVersion": { "table": "dbo.Items", "column": "ObjectVersion" } } ] }'
    }

    function script:Initialize-Items($Database, [int]$Rows) {
        $t = Get-TestTableName $Database 'Items'
        Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Name varchar(20) NULL)"
        $values = (1..$Rows | ForEach-Object { "($_, 'item-$_')" }) -join ', '
        Invoke-Sql $Database "INSERT INTO $t (Id, Name) VALUES $values"
    }

    function script:Get-LastEntry($cn, [string]$Id) {
        @(Get-MigrationJournal @cn -Id $Id)[-1]
    }

    function script:Get-BackfillTable($Database) {
        if ($Database.Provider -eq 'Sqlite') { '[OnlineMigrations_Backfill]' } else { "[$(Get-TestStoreSchema $Database)].[Backfill]" }
    }
}

Describe 'Failures in the journal on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:folders = [Collections.Generic.List[string]]::new()
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folders } }

    It 'a batch that fails journals Failed with the error and sets LastError; the next good run clears it' -Skip:$Skip {
        Initialize-Items $db -Rows 20
        $folders.Add(($folder = New-TestMigrationFolder $db -Files $Track))
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $t = Get-TestTableName $db 'Items'
        $trigger = if ($Provider -eq 'Sqlite') { '[boom]' } else { "[$($db.Schema)].[boom]" }
        if ($Provider -eq 'Sqlite') {
            Invoke-Sql $db "CREATE TRIGGER [boom] BEFORE UPDATE ON [Items] BEGIN SELECT RAISE(ABORT, 'boom: updates refused'); END"
        }
        else {
            Invoke-Sql $db "CREATE TRIGGER $trigger ON $t AFTER UPDATE AS BEGIN THROW 50000, 'boom: updates refused', 1; END"
        }

        $progress = Invoke-Migrate @om -BatchSize 5 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $progress.ExitCode | Should -Be 2
        $failed | Should -Not -BeNullOrEmpty
        $entry = Get-LastEntry $om '0001_track'
        $entry.Outcome | Should -Be 'Failed'
        $entry.Step | Should -Be 'backfill'
        $entry.Error | Should -Match 'boom: updates refused'
        $state = Get-MigrationState @om -Id 0001_track
        $state.Phase.ToString() | Should -Be 'Migrating'
        $state.LastError | Should -Match 'boom: updates refused'

        Invoke-Sql $db "DROP TRIGGER $trigger"
        (Invoke-Migrate @om -Confirm:$false -ErrorAction Stop).Complete | Should -BeTrue
        (Get-LastEntry $om '0001_track').Outcome | Should -Be 'Completed'
        (Get-MigrationState @om -Id 0001_track).LastError | Should -BeNullOrEmpty
    }

    It 'a run that ends at -MaxRows journals RowLimited and one that ends at -MaxDuration journals TimeBoxed, without LastError' -Skip:$Skip {
        Initialize-Items $db -Rows 30
        $folders.Add(($folder = New-TestMigrationFolder $db -Files $Track))
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop

        (Invoke-Migrate @om -BatchSize 1 -MaxRows 2 -Confirm:$false -ErrorAction Stop).ExitCode | Should -Be 1
        $entry = Get-LastEntry $om '0001_track'
        $entry.Outcome | Should -Be 'RowLimited'
        $entry.Reason | Should -Match '-MaxRows 2 reached'

        (Invoke-Migrate @om -BatchSize 1 -MaxDuration 00:00:00.001 -Confirm:$false -ErrorAction Stop).ExitCode | Should -Be 1
        $entry = Get-LastEntry $om '0001_track'
        $entry.Outcome | Should -Be 'TimeBoxed'
        $entry.Reason | Should -Match '-MaxDuration'
        (Get-MigrationState @om -Id 0001_track).LastError | Should -BeNullOrEmpty
    }

    It 'Ctrl+C during Invoke-Migrate journals Stopped, sets no LastError, and the next run finishes' -Skip:$Skip {
        Initialize-Items $db -Rows 400
        $folders.Add(($folder = New-TestMigrationFolder $db -Files $Track))
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $backfill = Get-BackfillTable $db

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($Module, $Om) Import-Module $Module; Invoke-Migrate @Om -BatchSize 1 -Delay 00:00:00.050 -Confirm:$false').
                AddArgument((Get-TestModulePath)).AddArgument($om)
            $running = $ps.BeginInvoke()
            Wait-TestCondition -TimeoutSeconds 60 -Because 'the backfill has committed a batch' -Condition {
                @(Invoke-Sql $db "SELECT LastKey FROM $backfill WHERE LastKey IS NOT NULL").Count -gt 0
            }
            $ps.Stop()   # what Ctrl+C does to a running pipeline
            $running.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }

        $entry = Get-LastEntry $om '0001_track'
        $entry.Outcome | Should -Be 'Stopped'
        (Get-MigrationState @om -Id 0001_track).LastError | Should -BeNullOrEmpty
        $t = Get-TestTableName $db 'Items'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL").n | Should -BeGreaterThan 0

        (Invoke-Migrate @om -Confirm:$false -ErrorAction Stop).Complete | Should -BeTrue
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL").n | Should -Be 0
    }

    It 'a failing expand step journals Failed and sets LastError; the migration stays Expanding' -Skip:$Skip {
        Initialize-Items $db -Rows 1
        $folders.Add(($folder = New-TestMigrationFolder $db -Files @{
                    '0001_clash.json' = '{ "operations": [ { "sql": { "expand": "CREATE TABLE ' + (Get-TestTableName $db 'Items') + ' (Id int NOT NULL)" } } ] }' }))
        { Invoke-Expand @om -Path $folder -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StepFailed,*'
        $entry = Get-LastEntry $om '0001_clash'
        $entry.Outcome | Should -Be 'Failed'
        $entry.Step | Should -Match 'run sql expand'
        $state = Get-MigrationState @om -Id 0001_clash
        $state.Phase.ToString() | Should -Be 'Expanding'
        $state.LastError | Should -Match 'failed'
    }

    It 'a failing contract step and a failing undo step journal Failed and set LastError' -Skip:$Skip {
        $e1 = Get-TestTableName $db 'Extra1'; $e2 = Get-TestTableName $db 'Extra2'; $none = Get-TestTableName $db 'NoSuchTable'
        $folders.Add(($folder = New-TestMigrationFolder $db -Files @{
                    '0001_contract_fails.json' = '{ "deprecationWindow": "0", "operations": [ { "sql": { "expand": "CREATE TABLE ' + $e1 + ' (Id int NOT NULL)", "contract": "DROP TABLE ' + $none + '" } } ] }'
                    '0002_undo_fails.json'     = '{ "deprecationWindow": "0", "operations": [ { "sql": { "expand": "CREATE TABLE ' + $e2 + ' (Id int NOT NULL)", "rollback": "DROP TABLE ' + $none + '" } } ] }' }))
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Register-MigrationClient @om -None -Reason 'test database' -Confirm:$false
        $null = Request-Contract @om -Id 0001_contract_fails -Confirm:$false

        { Invoke-Contract @om -Id 0001_contract_fails -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StepFailed,*'
        $entry = Get-LastEntry $om '0001_contract_fails'
        $entry.Outcome | Should -Be 'Failed'
        $entry.Step | Should -Match 'run sql contract'
        $state = Get-MigrationState @om -Id 0001_contract_fails
        $state.Phase.ToString() | Should -Be 'Contracting'
        $state.LastError | Should -Match 'NoSuchTable'

        { Undo-Expand @om -Id 0002_undo_fails -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'StepFailed,*'
        $entry = Get-LastEntry $om '0002_undo_fails'
        $entry.Outcome | Should -Be 'Failed'
        $entry.Step | Should -Match 'run sql rollback'
        $state = Get-MigrationState @om -Id 0002_undo_fails
        $state.Phase.ToString() | Should -Be 'RollingBack'
        $state.LastError | Should -Match 'NoSuchTable'
    }
}
