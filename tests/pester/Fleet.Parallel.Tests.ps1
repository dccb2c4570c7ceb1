# Fleets run several targets at once (issue 15, item 2): -ThrottleLimit N runs up to N databases at
# once and never more; progress shows the fleet (done, running, failed) with each running target as a
# child bar, and completes; Ctrl+C stops every running target after its current batch with its
# checkpoint saved, and starts no other; -MaxDuration bounds the whole call. Isolation and failures per
# target at -ThrottleLimit 4 are in Fleet.Targets.Tests.ps1 (the same fleet at 1 and at 4).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:migration = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } } ] }'
    $script:rows = 1200

    function script:New-Fleet([int]$Count) {
        $dbs = @(1..$Count | ForEach-Object { New-TestDatabase -Provider Sqlite })
        foreach ($d in $dbs) {
            Initialize-TestBaseline $d
            Invoke-Sql $d "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows) INSERT INTO Instances (Id, Name) SELECT 1000 + i, 'vm-' || i FROM n" | Out-Null
        }
        $dbs
    }
    function script:Get-Migrated($db) { [int](Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Instances WHERE NameUpper IS NOT NULL')[0].n }
    function script:Get-Connections($dbs) { @($dbs | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" }) }

    # The most backfills that ran at the same moment, from each database's own journal (start and duration of its backfill).
    function script:Get-MostAtOnce($dbs) {
        $events = foreach ($d in $dbs) {
            $b = @(Get-MigrationJournal -ConnectionString "$($d.ConnectionString);Mode=ReadWriteCreate" -Provider Sqlite |
                    Where-Object { $_.Step -eq 'backfill' -and $_.Outcome -in 'Completed', 'Stopped', 'TimeBoxed' })
            foreach ($e in $b) {
                [pscustomobject]@{ At = $e.StartedAt; Delta = 1 }
                [pscustomobject]@{ At = $e.StartedAt + $e.Duration; Delta = -1 }
            }
        }
        $now = 0; $most = 0
        foreach ($e in $events | Sort-Object At, Delta) { $now += $e.Delta; $most = [math]::Max($most, $now) }
        $most
    }

    # Runs a command in a PowerShell of this process (so that progress records can be read, and Stop() is Ctrl+C).
    function script:New-TestShell([string]$Script) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$((Get-TestModulePath).Replace("'", "''"))'`n$Script")
        $ps
    }
}

Describe 'Targets at once: -ThrottleLimit <Throttle>' -ForEach @{ Throttle = 1 }, @{ Throttle = 3 } {
    BeforeAll {
        $script:dbs = New-Fleet 6
        $script:all = Get-Connections $dbs
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        Invoke-Expand -ConnectionString $all -Provider Sqlite -Path $folder -ThrottleLimit $Throttle -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        # Small batches with a pause between them: each backfill takes a second or more.
        $script:migrated = @(Invoke-Migrate -ConnectionString $all -Provider Sqlite -ThrottleLimit $Throttle -BatchSize 100 -Delay 0.1 -Confirm:$false)
    }
    AfterAll {
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
    }

    It 'migrates every target, each result naming its database' {
        $migrated.Count | Should -Be 6
        @($migrated | Where-Object ExitCode -eq 0).Count | Should -Be 6
        @($migrated | ForEach-Object Database | Sort-Object) | Should -Be @($dbs | ForEach-Object { [IO.Path]::GetFullPath($_.Path) } | Sort-Object)
        foreach ($d in $dbs) { Get-Migrated $d | Should -Be $rows }
    }

    It 'runs up to <Throttle> targets at once, and no more' {
        $most = Get-MostAtOnce $dbs
        $most | Should -BeLessOrEqual $Throttle
        if ($Throttle -gt 1) { $most | Should -BeGreaterThan 1 -Because 'six backfills of a second or more each, three slots: they overlap' }
        else { $most | Should -Be 1 }
    }
}

Describe 'The progress of a fleet' {
    BeforeAll {
        $script:dbs = New-Fleet 4
        $script:all = Get-Connections $dbs
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        # One target whose expand fails: the fleet bar counts it as failed.
        Invoke-Sql $dbs[2] 'DROP TABLE Instances' | Out-Null
        $list = ($all | ForEach-Object { "'$($_.Replace("'", "''"))'" }) -join ','
        $ps = New-TestShell "Invoke-Expand -ConnectionString $list -Provider Sqlite -Path '$folder' -ThrottleLimit 2 -Confirm:`$false -WarningAction SilentlyContinue"
        $script:output = @($ps.Invoke())
        $script:progress = @($ps.Streams.Progress)
        $script:errors = @($ps.Streams.Error)
        $ps.Dispose()
    }
    AfterAll {
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
    }

    It 'shows the fleet: targets done, running and failed, and completes its bar' {
        $fleet = @($progress | Where-Object ActivityId -eq 4241)
        $fleet.Count | Should -BeGreaterThan 1
        $fleet[0].Activity | Should -Be 'Invoke-Expand: 4 databases'
        $fleet[-1].RecordType | Should -Be 'Completed'
        $fleet[-1].StatusDescription | Should -Be '3 done, 0 running, 1 failed, 0 waiting'
        @($fleet | Where-Object StatusDescription -match ', [12] running,').Count | Should -BeGreaterThan 0
        $output.Count | Should -Be 3
        $errors.Count | Should -Be 1
        "$($errors[0].ErrorDetails.Message)" | Should -BeLike "*$([IO.Path]::GetFileName($dbs[2].Path))*"
    }

    It "shows each running target's own bar as a child of the fleet's, named after its database, and completes it" {
        $children = @($progress | Where-Object { $_.ActivityId -ne 4241 -and $_.ParentActivityId -eq 4241 })
        $children.Count | Should -BeGreaterThan 0
        @($progress | Where-Object { $_.ActivityId -ne 4241 -and $_.ParentActivityId -ne 4241 }).Count | Should -Be 0
        $children | ForEach-Object { $_.Activity | Should -Match "^SQLite database '.+': " }
        foreach ($bar in $children | Group-Object ActivityId) { @($bar.Group)[-1].RecordType | Should -Be 'Completed' }
    }
}

Describe 'Ctrl+C over a fleet' {
    BeforeAll {
        $script:dbs = New-Fleet 6
        $script:all = Get-Connections $dbs
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        Invoke-Expand -ConnectionString $all -Provider Sqlite -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $list = ($all | ForEach-Object { "'$($_.Replace("'", "''"))'" }) -join ','
        $ps = New-TestShell "Invoke-Migrate -ConnectionString $list -Provider Sqlite -ThrottleLimit 2 -BatchSize 50 -Delay 0.2 -Confirm:`$false"
        $run = $ps.BeginInvoke()
        Wait-TestCondition -Condition { @($dbs | Where-Object { (Get-Migrated $_) -gt 0 }).Count -ge 2 } -TimeoutSeconds 120 -Because 'two targets migrating'
        # Stop() is what Ctrl+C does: it returns once the pipeline has stopped.
        $ps.Stop()
        $script:state = $ps.InvocationStateInfo.State
        $script:first = @($dbs | ForEach-Object { Get-Migrated $_ })
        $ps.Dispose()
    }
    AfterAll {
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
    }

    It 'stops the call, leaving the targets not started untouched' {
        $state | Should -Be 'Stopped'
        @($first | Where-Object { $_ -gt 0 }).Count | Should -BeLessOrEqual 2 -Because 'no third target started while two ran, nor after Ctrl+C'
        @($first | Where-Object { $_ -gt 0 -and $_ -lt $rows }).Count | Should -BeGreaterThan 0 -Because 'a target was stopped mid-backfill'
    }

    It 'stops each running target after its batch with its checkpoint saved and its runner lock released: the next run migrates only the rest' {
        $second = @(Invoke-Migrate -ConnectionString $all -Provider Sqlite -ThrottleLimit 2 -RunnerTimeout 0 -Confirm:$false)
        $second.Count | Should -Be 6
        foreach ($i in 0..5) {
            $r = $second | Where-Object Database -eq ([IO.Path]::GetFullPath($dbs[$i].Path))
            $r.ExitCode | Should -Be 0
            $r.RowsMigrated | Should -Be ($rows - $first[$i]) -Because 'the rows of every committed batch were checkpointed: none is migrated twice'
            Get-Migrated $dbs[$i] | Should -Be $rows
        }
        foreach ($d in $dbs | Where-Object { (Get-Migrated $_) -gt 0 }) {
            $stopped = @(Get-MigrationJournal -ConnectionString "$($d.ConnectionString);Mode=ReadWriteCreate" -Provider Sqlite | Where-Object { $_.Step -eq 'backfill' -and $_.Outcome -eq 'Stopped' })
            $stopped.Count | Should -BeLessOrEqual 1
        }
    }
}

Describe '-MaxDuration over a fleet' {
    BeforeAll {
        $script:dbs = New-Fleet 3
        $script:all = Get-Connections $dbs
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        Invoke-Expand -ConnectionString $all -Provider Sqlite -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
    }
    AfterAll {
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
    }

    It 'bounds the whole call: the running target stops after its batch, the others are not started and named; the next run finishes' {
        $warnings = $null
        # Each backfill takes about five seconds (24 batches, 0.2 s apart): the first passes the second of -MaxDuration.
        $first = @(Invoke-Migrate -ConnectionString $all -Provider Sqlite -BatchSize 50 -Delay 0.2 -MaxDuration 1 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $first.Count | Should -Be 1
        $first[0].ExitCode | Should -Be 1
        $first[0].StoppedBecause | Should -Match 'MaxDuration'
        $notStarted = @($warnings | Where-Object { "$_" -match 'not started' })
        $notStarted.Count | Should -Be 2
        foreach ($d in $dbs[1..2]) { @($notStarted | Where-Object { "$_" -like "*$([IO.Path]::GetFileName($d.Path))*" }).Count | Should -Be 1 }
        @($dbs | Where-Object { (Get-Migrated $_) -gt 0 }).Count | Should -Be 1

        $second = @(Invoke-Migrate -ConnectionString $all -Provider Sqlite -Confirm:$false)
        @($second | Where-Object ExitCode -eq 0).Count | Should -Be 3
        foreach ($d in $dbs) { Get-Migrated $d | Should -Be $rows }
    }

    It 'passes over, on Invoke-Expand and Invoke-Contract too, the targets not started within it' {
        $warnings = $null
        $out = @(Invoke-Contract -ConnectionString $all -Provider Sqlite -Id 0001_upper -MaxDuration 0 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $out.Count | Should -Be 0
        @($warnings | Where-Object { "$_" -match 'not started' }).Count | Should -Be 3
        @(Get-MigrationState -ConnectionString $all -Provider Sqlite | Where-Object Phase -eq 'Migrated').Count | Should -Be 3 -Because 'nothing was contracted'
    }
}

Describe 'The fleet runbook (docs/fleet-runbook.ps1)' {
    BeforeAll {
        $script:dbs = New-Fleet 4
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        $script:csv = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-runbook-$([guid]::NewGuid().ToString('N')).csv"
        $dbs | ForEach-Object { [pscustomobject]@{ ConnectionString = "$($_.ConnectionString);Mode=ReadWriteCreate"; Provider = 'Sqlite' } } | Export-Csv -LiteralPath $csv
        $script:runbook = Join-Path $PSScriptRoot '../../docs/fleet-runbook.ps1'
    }
    AfterAll {
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
        Remove-Item -LiteralPath $csv -Force -ErrorAction SilentlyContinue
    }

    It 'works through the fleet within its time limit, run after run, each resuming where the last stopped' {
        # Each backfill takes about five seconds (24 batches, 0.2 s apart); each run has three seconds.
        $runs = [Collections.Generic.List[object]]::new()
        foreach ($n in 1..10) {
            $out = @(& $runbook -FleetCsv $csv -MigrationsPath $folder -MaxDuration 3 -ThrottleLimit 2 -Authentication None `
                    -MigrateParameters @{ BatchSize = 50; Delay = 0.2 } -WarningAction SilentlyContinue)
            $runs.Add($out)
            $summary = @($out | Where-Object { $_.GetType().Name -eq 'MigrationFleetSummary' })
            $summary.Count | Should -Be 1 -Because 'every run ends with the fleet at a glance'
            $summary[0].Targets | Should -Be 4
            if ($summary[0].Migrated -eq 4) { break }
        }
        $runs.Count | Should -BeGreaterThan 1 -Because 'one run of three seconds cannot migrate four five-second backfills two at a time'
        $runs.Count | Should -BeLessThan 10
        @($runs[0] | Where-Object { $_.GetType().Name -eq 'MigrationProgress' -and $_.ExitCode -eq 1 }).Count | Should -BeGreaterThan 0 -Because 'the first run stopped its backfills at the time limit'
        foreach ($d in $dbs) {
            Get-Migrated $d | Should -Be $rows
            $path = [IO.Path]::GetFullPath($d.Path)
            $moved = ($runs | ForEach-Object { $_ } | Where-Object { $_.GetType().Name -eq 'MigrationProgress' -and $_.Database -eq $path } | Measure-Object RowsMigrated -Sum).Sum
            $moved | Should -Be $rows -Because 'each run resumed from the checkpoint: no row was migrated twice'
        }
    }
}
