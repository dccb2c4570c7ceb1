# Fleets of databases (issue 15): one call over many targets, from arrays or piped by property name
# (Import-Csv fleet.csv | Invoke-Expand); one target's failure is a non-terminating error naming it and
# never stops the others; -Shard/-ShardCount split a fleet; Get-MigrationState -Summary and
# Test-ContractReady over a fleet. (Fleet.Tests.ps1 is about application fleets: heartbeats.)
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-Columns($db, [string]$table) {
        @(Invoke-Sql $db "SELECT name FROM pragma_table_info('$table') ORDER BY cid" | ForEach-Object name)
    }
    function script:Get-Upper($db) {
        @(Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Instances WHERE NameUpper IS NULL OR NameUpper <> UPPER(Name)')[0].n
    }
    $script:migration = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "NameUpper", "type": "nvarchar(64)", "nullable": true }, "up": "UPPER([Name])" } } ] }'
}

Describe 'A fleet of 12 SQLite databases, <Throttle> at a time' -ForEach @{ Throttle = 1 }, @{ Throttle = 4 } {
    BeforeAll {
        $script:dbs = @(1..12 | ForEach-Object { New-TestDatabase -Provider Sqlite })
        foreach ($d in $dbs) { Initialize-TestBaseline $d }
        # One broken (its Instances table is gone, so its expand fails), one locked by another runner.
        $script:broken = $dbs[3]
        Invoke-Sql $broken 'DROP TABLE Instances'
        $script:locked = $dbs[8]
        $script:others = @($dbs | Where-Object { $_ -ne $broken -and $_ -ne $locked })
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        $script:csv = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-fleet-$([guid]::NewGuid().ToString('N')).csv"
        $dbs | ForEach-Object { [pscustomobject]@{ ConnectionString = "$($_.ConnectionString);Mode=ReadWriteCreate"; Provider = 'Sqlite' } } | Export-Csv -LiteralPath $csv
        $script:all = @($dbs | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" })

        $script:held = [IO.FileStream]::new("$($locked.Path).onlinemigrations.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        $expandErrors = $null
        $script:expanded = @(Import-Csv -LiteralPath $csv | Invoke-Expand -Path $folder -ThrottleLimit $Throttle -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable expandErrors -WarningAction SilentlyContinue)
        $script:expandErrors = @($expandErrors)
        $migrateErrors = $null
        $script:migrated = @(Invoke-Migrate -ConnectionString $all -Provider Sqlite -ThrottleLimit $Throttle -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable migrateErrors)
        $script:migrateErrors = @($migrateErrors)
        $script:summary = @(Get-MigrationState -ConnectionString $all -Provider Sqlite -Path $folder -Summary -ThrottleLimit $Throttle -ErrorAction SilentlyContinue)
        $script:states = @(Get-MigrationState -ConnectionString $all -Provider Sqlite -Path $folder -ThrottleLimit $Throttle -ErrorAction SilentlyContinue -ErrorVariable stateErrors)
        $script:stateErrors = @($stateErrors)
        $held.Dispose()
    }
    AfterAll {
        if ($held) { $held.Dispose() }
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
        Remove-Item -LiteralPath $csv -Force -ErrorAction SilentlyContinue
    }

    It 'expands and migrates every other target, each in its own database, from a CSV file piped by property name' {
        $expanded.Count | Should -Be 10
        foreach ($d in $others) {
            Get-Columns $d 'Instances' | Should -Contain 'NameUpper'
            Get-Upper $d | Should -Be 0 -Because 'the data migration ran on every target that expanded'
        }
        @($expanded | ForEach-Object Database | Sort-Object) | Should -Be @($others | ForEach-Object { [IO.Path]::GetFullPath($_.Path) } | Sort-Object)
        @($migrated | Where-Object ExitCode -eq 0).Count | Should -Be 10
    }

    It 'leaves the broken and the locked target as they were' {
        Get-Columns $locked 'Instances' | Should -Not -Contain 'NameUpper'
        Test-Path -LiteralPath $locked.Path | Should -BeTrue
        @(Invoke-Sql $broken "SELECT name FROM sqlite_master WHERE name = 'Instances'").Count | Should -Be 0
        @(Invoke-Sql $locked "SELECT name FROM sqlite_master WHERE name LIKE 'OnlineMigrations%' AND type = 'table'").Count | Should -Be 0 -Because 'the locked target was not touched, not even its store'
    }

    It 'reports each failure as a non-terminating error that names its target' {
        $expandErrors.Count | Should -Be 2
        $busy = @($expandErrors | Where-Object { "$($_.TargetObject)" -like "*$([IO.Path]::GetFileName($locked.Path))*" })
        $busy.Count | Should -Be 1
        $busy[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $busy[0].ErrorDetails.Message | Should -BeLike "*$([IO.Path]::GetFileName($locked.Path))*"
        $bad = @($expandErrors | Where-Object { "$($_.ErrorDetails.Message)" -like "*$([IO.Path]::GetFileName($broken.Path))*" })
        $bad.Count | Should -Be 1
        $expandErrors | ForEach-Object { "$($_.ErrorDetails.Message)" | Should -Not -BeLike '*Mode=ReadWriteCreate*' -Because 'a connection string is never written' }
    }

    It 'gives one row per target and migration, each naming its database' {
        $states.Count | Should -Be 12
        @($states | ForEach-Object Database | Sort-Object -Unique).Count | Should -Be 12
        @($states | Where-Object Phase -eq 'Migrated').Count | Should -Be 10
        ($states | Where-Object { $_.Database -eq [IO.Path]::GetFullPath($locked.Path) }).Phase | Should -Be 'Pending'
    }

    It 'summarises the fleet per migration: how many targets at each phase' {
        $summary.Count | Should -Be 1
        $summary[0].Id | Should -Be '0001_upper'
        $summary[0].Targets | Should -Be 12
        $summary[0].Migrated | Should -Be 10
        $summary[0].Unreadable | Should -Be 0
        ($summary[0].Pending + $summary[0].Expanding + $summary[0].Expanded) | Should -Be 2
        $text = $summary | Out-String -Width 200
        $text | Should -Match 'Targets\s+Pending\s+Expanded\s+Migrating\s+Migrated\s+Completed\s+Other\s+Unreadable'
        $text | Should -Match '0001_upper\s+12\s+'
        # The same counts as grouping the rows.
        $grouped = $states | Group-Object Phase | ForEach-Object { @{ $_.Name = $_.Count } }
        ($grouped | Where-Object { $_.Keys -contains 'Migrated' }).Migrated | Should -Be 10
    }

    It 'counts a target that cannot be read as Unreadable, with an error naming it' {
        $missing = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-missing-$([guid]::NewGuid().ToString('N')).db"
        $errs = $null
        $s = @(Get-MigrationState -ConnectionString ($all + "Data Source=$missing;Mode=ReadOnly") -Provider Sqlite -Path $folder -Summary -ErrorAction SilentlyContinue -ErrorVariable errs)
        $s[0].Targets | Should -Be 12
        $s[0].Unreadable | Should -Be 1
        @($errs).Count | Should -Be 1
        "$(@($errs)[0].TargetObject)" | Should -BeLike "*$([IO.Path]::GetFileName($missing))*"
        Test-Path -LiteralPath $missing | Should -BeFalse
    }

    It 'says over the fleet which targets are ready to contract and which gate holds back the others' {
        Register-MigrationClient -ConnectionString $all -Provider Sqlite -None -Reason 'test fleet: no application' -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        # The contract is requested on half of the targets that migrated: those are ready, the other half wait on ContractRequested.
        $requested = @($others[0..4])
        Request-Contract -ConnectionString @($requested | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" }) -Provider Sqlite -Id '0001_upper' -Confirm:$false | Out-Null
        $readiness = @(Test-ContractReady -ConnectionString $all -Provider Sqlite -Id '0001_upper' -ThrottleLimit $Throttle -ErrorAction SilentlyContinue)
        $readiness.Count | Should -Be 12
        $path = { param($r) [IO.Path]::GetFullPath($r.Path) }
        @($readiness | Where-Object Ready | ForEach-Object Database | Sort-Object) | Should -Be @($requested | ForEach-Object { & $path $_ } | Sort-Object)
        foreach ($d in $others[5..9]) {
            $r = $readiness | Where-Object Database -eq (& $path $d)
            $r.Ready | Should -BeFalse
            @($r.Failed.Name) | Should -Be @('ContractRequested')
        }
        @(($readiness | Where-Object Database -eq (& $path $locked)).Failed.Name) | Should -Contain 'ExpandComplete'
        @(($readiness | Where-Object Database -eq (& $path $broken)).Failed.Name).Count | Should -BeGreaterThan 0
        Test-ContractReady -ConnectionString @($requested | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" }) -Provider Sqlite -Id '0001_upper' -Quiet | Should -BeTrue
        $missing = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-missing-$([guid]::NewGuid().ToString('N')).db"
        Test-ContractReady -ConnectionString (@($requested | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" }) + "Data Source=$missing;Mode=ReadOnly") -Provider Sqlite -Id '0001_upper' -Quiet -ErrorAction SilentlyContinue |
            Should -BeFalse -Because 'a target that could not be evaluated is not ready'
        # The fleet at a glance: the gate that holds back each target that is not ready.
        $held = $readiness | Where-Object { -not $_.Ready } | Group-Object { @($_.Failed.Name)[0] } -NoElement
        ($held | Where-Object Name -eq 'ContractRequested').Count | Should -Be 5
    }

    It 'keeps one target on the command line as it always was: a busy runner terminates the command' {
        $h = [IO.FileStream]::new("$($locked.Path).onlinemigrations.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            { Invoke-Expand -ConnectionString $all[8] -Provider Sqlite -Path $folder -Confirm:$false -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'RunnerBusy*'
        }
        finally { $h.Dispose() }
    }

    It 'takes SQLite files as -Database values from the pipeline (Provider and Database columns)' {
        $rows = @($others | ForEach-Object { [pscustomobject]@{ Provider = 'Sqlite'; Database = $_.Path } } | Get-MigrationState)
        $rows.Count | Should -Be 10
        @($rows | ForEach-Object Database | Sort-Object -Unique).Count | Should -Be 10
    }

    It 'acts on the database of a piped state among several connection strings' {
        $one = $others[0]
        $piped = @(Get-MigrationState -ConnectionString $all[0] -Provider Sqlite | Get-MigrationState -ConnectionString $all -Provider Sqlite)
        $piped.Count | Should -Be 1
        $piped[0].Database | Should -Be ([IO.Path]::GetFullPath($one.Path))
    }
}

Describe 'Shards of a fleet' {
    BeforeAll {
        # Targets need not exist to be assigned: -Shard decides before anything is opened.
        $script:root = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-shards-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $root
        $script:files = @(1..13 | ForEach-Object { Join-Path $root "tenant$_.db" })
        foreach ($f in $files) { Invoke-Sql -Provider Sqlite -ConnectionString "Data Source=$f" -Sql 'CREATE TABLE t (x int)' | Out-Null }
        function script:Get-Assignment([string[]]$List, [int]$Count) {
            $map = @{}
            foreach ($i in 0..($Count - 1)) {
                # Test-ContractReady answers per target for a named id, even where there is no store yet.
                foreach ($r in @(Test-ContractReady -Provider Sqlite -Database $List -Id 'x' -Shard $i -ShardCount $Count)) {
                    $map[$r.Database] = @(@($map[$r.Database]) + $i | Where-Object { $null -ne $_ })
                }
            }
            $map
        }
    }
    AfterAll {
        Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'puts every target in exactly one shard for <_> shards, whatever the order of the input' -ForEach 1, 2, 3, 4, 5 {
        $n = $_
        $forward = Get-Assignment $files $n
        $reversed = [string[]]$files.Clone()
        [array]::Reverse($reversed)
        $backward = Get-Assignment $reversed $n
        $forward.Count | Should -Be 13
        foreach ($f in $files) {
            $key = [IO.Path]::GetFullPath($f)
            @($forward[$key]).Count | Should -Be 1 -Because "$key is in exactly one of $n shards"
            @($backward[$key]) | Should -Be @($forward[$key]) -Because 'reordering the input does not move a target'
        }
        if ($n -gt 1) { @($forward.Values | ForEach-Object { $_ } | Sort-Object -Unique).Count | Should -BeGreaterThan 1 -Because '13 targets do not all fall in one shard' }
    }

    It 'refuses a shard outside the count, changing nothing' {
        { Get-MigrationState -Provider Sqlite -Database $files -Shard 3 -ShardCount 3 } | Should -Throw -ErrorId 'InvalidArgument*'
        { Get-MigrationState -Provider Sqlite -Database $files -Shard 0 } | Should -Throw -ErrorId 'InvalidArgument*'
    }
}

Describe 'A worker killed mid-fleet, <Throttle> target(s) at a time' -ForEach @{ Throttle = 1 }, @{ Throttle = 2 } {
    BeforeAll {
        $script:dbs = @(1..6 | ForEach-Object { New-TestDatabase -Provider Sqlite })
        foreach ($d in $dbs) { Initialize-TestBaseline $d; Invoke-Sql $d 'CREATE TABLE Runs (x int)' | Out-Null }
        # Step 1 counts its runs, step 2 is slow (the worker is killed in it or between targets), step 3 adds a column.
        $slow = 'CREATE TABLE SlowDone AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT COUNT(*) AS n FROM c'
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_counted.json' = @"
{ "operations": [
    { "sql": { "expand": "INSERT INTO Runs (x) VALUES (1)" } },
    { "sql": { "expand": "$slow" } },
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "AfterSlow", "type": "varchar(8)", "nullable": true } } },
] }
"@ }
        $script:all = @($dbs | ForEach-Object { "$($_.ConnectionString);Mode=ReadWriteCreate" })
    }
    AfterAll {
        if ($child -and -not $child.HasExited) { Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue }
        if ($child) { Remove-Item -LiteralPath $child.ScriptPath, $child.OutPath, $child.ErrPath -Force -ErrorAction SilentlyContinue }
        $dbs | Remove-TestDatabase
        Remove-TestWorkspace -Folder $folder
    }

    It 'is finished by the next run, with no target done twice' {
        $list = ($all | ForEach-Object { "'$($_.Replace("'", "''"))'" }) -join ','
        $script:child = Start-TestPwsh -Script "Invoke-Expand -ConnectionString $list -Provider Sqlite -Path '$folder' -ThrottleLimit $Throttle -Confirm:`$false -WarningAction SilentlyContinue | Out-Null"
        $done = { @($dbs | Where-Object { (Invoke-Sql $_ "SELECT COUNT(*) AS n FROM pragma_table_info('Instances') WHERE name = 'AfterSlow'")[0].n -eq 1 }).Count }
        Wait-TestCondition -Condition { (& $done) -ge 2 } -TimeoutSeconds 120 -Because 'the worker expanding two targets'
        Stop-Process -Id $child.Id -Force
        $child.WaitForExit(10000) | Out-Null
        # Finished is what the store says (phase Expanded), not the column of the last step: a kill between
        # that step's commit and the phase change leaves a target with AfterSlow but still Expanding, and
        # the next run rightly finishes it (running no step again, which the Runs count below proves).
        $before = @(Get-MigrationState -ConnectionString $all -Provider Sqlite | Where-Object Phase -eq 'Expanded').Count
        $before | Should -BeLessThan 6 -Because 'the worker was killed before the end of the fleet'

        $errs = $null
        $second = @(Invoke-Expand -ConnectionString $all -Provider Sqlite -Path $folder -ThrottleLimit $Throttle -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable errs)
        @($errs).Count | Should -Be 0
        $second.Count | Should -Be (6 - $before) -Because 'only the targets the killed worker had not finished are expanded again'
        foreach ($d in $dbs) {
            (Invoke-Sql $d 'SELECT COUNT(*) AS n FROM Runs')[0].n | Should -Be 1 -Because 'no step of a target ran twice'
            (Invoke-Sql $d "SELECT COUNT(*) AS n FROM pragma_table_info('Instances') WHERE name = 'AfterSlow'")[0].n | Should -Be 1
        }
        @(Get-MigrationState -ConnectionString $all -Provider Sqlite | Where-Object Phase -eq 'Expanded').Count | Should -Be 6
    }
}

Describe 'A fleet of 4 databases on SQL Server, <Throttle> at a time' -Skip:(-not $env:ONLINEMIGRATIONS_TEST_SQLSERVER) -ForEach @{ Throttle = 1 }, @{ Throttle = 4 } {
    BeforeAll {
        # Four real databases (a fleet target is a database), with the same test schema and store schema in each.
        $schema = "om_test_$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        $script:store = "$($schema)_store"
        $script:dbs = @(1..4 | ForEach-Object {
            $cs = & "$PSScriptRoot/../../tools/New-SqlServerTestDatabase.ps1" $env:ONLINEMIGRATIONS_TEST_SQLSERVER
            Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql "CREATE SCHEMA [$schema];" | Out-Null
            [pscustomobject]@{ Provider = 'SqlServer'; ConnectionString = $cs; Schema = $schema; Path = $null }
        })
        foreach ($d in $dbs) { Initialize-TestBaseline $d }
        $script:broken = $dbs[1]
        Invoke-Sql $broken "DROP TABLE [$schema].[Instances]" | Out-Null
        $script:locked = $dbs[2]
        $script:others = @($dbs[0], $dbs[3])
        $script:folder = New-TestMigrationFolder $dbs[0] -Files @{ '0001_upper.json' = $migration }
        $script:all = @($dbs | ForEach-Object ConnectionString)
        $script:name = { param($d) if ($d.ConnectionString -match '(?:Initial Catalog|Database)=([^;]+)') { $Matches[1] } }

        # Another runner: the runner lock of the locked database, held by a session of this test.
        function script:Lock($d) {
            $c = & (Get-Module TestHelpers) { param($cs) New-TestConnection -Provider SqlServer -ConnectionString "$cs;Pooling=false" } $d.ConnectionString
            $c.Open()
            $cmd = $c.CreateCommand()
            $cmd.CommandText = "DECLARE @r int; EXEC @r = sys.sp_getapplock @Resource = N'OnlineMigrations:$($store):$(& $name $d)', @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = 0, @DbPrincipal = N'public'; SELECT @r;"
            @{ Connection = $c; Held = ([int]$cmd.ExecuteScalar() -ge 0) }
        }
        $script:holder = (Lock $locked).Connection
        $expandErrors = $null
        $script:expanded = @($dbs | ForEach-Object { [pscustomobject]@{ ConnectionString = $_.ConnectionString; Provider = 'SqlServer' } } |
            Invoke-Expand -Path $folder -StoreSchema $store -ThrottleLimit $Throttle -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable expandErrors -WarningAction SilentlyContinue)
        $script:expandErrors = @($expandErrors)
        $null = Invoke-Migrate -ConnectionString $all -StoreSchema $store -ThrottleLimit $Throttle -Confirm:$false -ErrorAction SilentlyContinue
        $script:summary = @(Get-MigrationState -ConnectionString $all -StoreSchema $store -Path $folder -Summary -ThrottleLimit $Throttle -ErrorAction SilentlyContinue)
        $holder.Dispose()
    }
    AfterAll {
        if ($holder) { $holder.Dispose() }
        Remove-TestWorkspace -Folder $folder
        foreach ($d in $dbs) {
            & "$PSScriptRoot/../../tools/New-SqlServerTestDatabase.ps1" $d.ConnectionString -Drop | Out-Null
        }
    }

    It 'expands and migrates every other database' {
        $expanded.Count | Should -Be $others.Count
        foreach ($d in $others) {
            @(Invoke-Sql $d "SELECT COUNT(*) AS n FROM [$($d.Schema)].[Instances] WHERE NameUpper IS NULL OR NameUpper <> UPPER(Name)")[0].n | Should -Be 0
        }
        @($expanded | ForEach-Object Database | Sort-Object) | Should -Be @($others | ForEach-Object { & $name $_ } | Sort-Object)
    }

    It 'reports the broken database as a non-terminating error naming it' {
        $bad = @($expandErrors | Where-Object { "$($_.ErrorDetails.Message)" -like "*$(& $name $broken)*" })
        $bad.Count | Should -Be 1
        # A migration that failed on a target is an error of that migration (its id the TargetObject), on that target (named first in the message).
        "$($bad[0].TargetObject)" | Should -Be '0001_upper'
        $expandErrors | ForEach-Object { "$($_.ErrorDetails.Message)" | Should -Not -BeLike '*Password=*' }
    }

    It 'leaves a database locked by another runner untouched, and names it' {
        @(Invoke-Sql $locked "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(N'[$($locked.Schema)].[Instances]') AND name = N'NameUpper'").Count | Should -Be 0
        $expandErrors.Count | Should -Be 2
        $busy = @($expandErrors | Where-Object { $_.CategoryInfo.Category -eq 'ResourceBusy' })
        $busy.Count | Should -Be 1
        "$($busy[0].TargetObject)" | Should -BeLike "*$(& $name $locked)*"
    }

    It 'summarises the fleet' {
        $summary.Count | Should -Be 1
        $summary[0].Targets | Should -Be 4
        $summary[0].Migrated | Should -Be $others.Count
    }
}
