# Invoke-Migrate: the online data migration, observed in the database — under a concurrent writer,
# killed and resumed, time-boxed, over composite and missing keys, -WhatIf, and a fresh pass after
# an old application wrote again.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Helpers = (Resolve-Path "$PSScriptRoot/TestHelpers.psm1").Path
    $script:Id1 = '0001_instances_compute_host'
    # The sample's 5 s window is irrelevant here; a zero window keeps gate checks about the data.
    $script:NoWindow = @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }

    function Get-Mismatch {
        <# Rows where Host and ComputeHost differ, and rows where the MemoryMb shadow is not CAST(MemoryMb AS bigint). #>
        param($Database)
        $t = Get-TestTableName $Database 'Instances'
        $shadow = Get-TestShadowColumn $Database 'Instances' 'MemoryMb'
        if (-not $shadow) { throw 'No shadow column MemoryMb__om_* in the catalog.' }
        $differ = if ($Database.Provider -eq 'Sqlite') { { param($a, $b) "$a IS NOT $b" } }
                  else { { param($a, $b) "EXISTS (SELECT $a EXCEPT SELECT $b)" } }   # NULL-safe: NOT (a = b OR both NULL) is UNKNOWN when one side is NULL
        [pscustomobject]@{
            Host   = [long](Invoke-Sql $Database "SELECT COUNT(*) AS n FROM $t WHERE $(& $differ '[Host]' '[ComputeHost]')").n
            Memory = [long](Invoke-Sql $Database "SELECT COUNT(*) AS n FROM $t WHERE $(& $differ "[$shadow]" 'CAST([MemoryMb] AS bigint)')").n
            Shadow = $shadow
        }
    }

    function Get-OlderVersionCount {
        param($Database, [string]$Version = '2.0')
        $t = Get-TestTableName $Database 'Instances'
        [long](Invoke-Sql $Database "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL OR ObjectVersion <> @v" -Parameters @{ v = $Version }).n
    }

    function Get-Phase {
        param($Database, [string]$Id)
        $cn = Get-TestConnectionParameters $Database
        (Get-MigrationState @cn | Where-Object Id -eq $Id).Phase.ToString()
    }

    function New-DatabaseLiteral {
        <# The test database as a PowerShell expression, for a child pwsh script. #>
        param($Database)
        $fields = foreach ($name in 'Provider', 'ConnectionString', 'Schema', 'Path') {
            $value = $Database.$name
            "$name = $(if ($null -eq $value) { '$null' } else { ConvertTo-TestLiteral $value })"
        }
        "[pscustomobject]@{ $($fields -join '; ') }"
    }
}

Describe 'Invoke-Migrate on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider
            $cn = Get-TestConnectionParameters $db
            $folders = [Collections.Generic.List[string]]::new()
            $children = [Collections.Generic.List[object]]::new()
        }
    }
    AfterEach {
        if (-not $Skip) {
            foreach ($child in $children) {
                if (-not $child.HasExited) { Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue; $child.WaitForExit(10000) | Out-Null }
                Remove-Item -LiteralPath $child.ScriptPath, $child.OutPath, $child.ErrPath -Force -ErrorAction SilentlyContinue
            }
            Remove-TestWorkspace $db -Folder $folders
        }
    }

    It 'backfills every row while another process writes old and new columns, with no mismatch and no lost or duplicated row' -Skip:$Skip {
        $rows = if ($Provider -eq 'Sqlite') { 100000 } else { 20000 }
        Initialize-TestInventory $db -Rows $rows
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue

        $log = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-writer-$([guid]::NewGuid().ToString('N'))"
        $stop = "$log.stop"
        $writer = Start-TestPwsh -Script @"
Import-Module $(ConvertTo-TestLiteral $Helpers) -Force
`$db = $(New-DatabaseLiteral $db)
`$t = $(ConvertTo-TestLiteral (Get-TestTableName $db 'Instances'))
`$log = [IO.StreamWriter]::new($(ConvertTo-TestLiteral "$log.log"))
`$log.AutoFlush = `$true
`$random = [Random]::new(20240607)
`$next = $rows + 1
`$i = 0
try {
    while (-not (Test-Path -LiteralPath $(ConvertTo-TestLiteral $stop))) {
        `$i++
        `$id = `$random.Next(1, `$next)
        switch (`$i % 5) {
            0 { # an old instance inserts: Host and MemoryMb, no object version
                Invoke-Sql `$db "INSERT INTO `$t (Id, Name, Host, MemoryMb, Location) VALUES (@id, @name, @host, @mem, 'EUW1-R001')" -Parameters @{ id = `$next; name = "w-`$next"; host = "old-`$i"; mem = `$i }
                `$log.WriteLine("I,`$next"); `$log.WriteLine("H,`$next,old-`$i"); `$log.WriteLine("M,`$next,`$i"); `$next++ }
            1 { # a new instance inserts: ComputeHost and MemoryMb, version 2.0
                Invoke-Sql `$db "INSERT INTO `$t (Id, Name, ComputeHost, MemoryMb, Location, ObjectVersion) VALUES (@id, @name, @host, @mem, 'USE2-R002', '2.0')" -Parameters @{ id = `$next; name = "w-`$next"; host = "new-`$i"; mem = `$i }
                `$log.WriteLine("I,`$next"); `$log.WriteLine("H,`$next,new-`$i"); `$log.WriteLine("M,`$next,`$i"); `$next++ }
            2 { # an old instance updates the old column
                Invoke-Sql `$db "UPDATE `$t SET Host = @host WHERE Id = @id" -Parameters @{ id = `$id; host = "oldu-`$i" }
                `$log.WriteLine("H,`$id,oldu-`$i") }
            3 { # a new instance updates the new column and stamps its version
                Invoke-Sql `$db "UPDATE `$t SET ComputeHost = @host, ObjectVersion = '2.0' WHERE Id = @id" -Parameters @{ id = `$id; host = "newu-`$i" }
                `$log.WriteLine("H,`$id,newu-`$i") }
            4 { # either one changes MemoryMb
                Invoke-Sql `$db "UPDATE `$t SET MemoryMb = @mem WHERE Id = @id" -Parameters @{ id = `$id; mem = 500000 + `$i }
                `$log.WriteLine("M,`$id,`$(500000 + `$i)") }
        }
    }
}
finally { `$log.Dispose() }
"@
        $children.Add($writer)
        $null = $writer.Handle
        $lines = { if (Test-Path -LiteralPath "$log.log") { @(Get-Content -LiteralPath "$log.log").Count } else { 0 } }
        Wait-TestCondition -TimeoutSeconds 60 -Because 'the writer to start writing' -Condition { (& $lines) -ge 30 }

        try {
            $before = & $lines
            # Small batches with a pause, so the writer's statements land between them.
            $batch = if ($Provider -eq 'Sqlite') { 2000 } else { 500 }
            $first = Invoke-Migrate @cn -Id $Id1 -BatchSize $batch -Delay '00:00:00.040'
            $during = (& $lines) - $before
        }
        finally {
            Set-Content -LiteralPath $stop -Value 'stop'
            $writer.WaitForExit(60000) | Out-Null
        }
        $writer.HasExited | Should -BeTrue
        $writer.ExitCode | Should -Be 0 -Because (Get-Content -Raw -LiteralPath $writer.ErrPath)
        $during | Should -BeGreaterThan 20 -Because 'the writer must have been writing while the backfill ran'
        $first.ExitCode | Should -BeIn 0, 1
        $first.RowsMigrated | Should -BeGreaterOrEqual ($rows * 0.9)

        # Rows the old instances inserted after the pass fixed its upper bound still carry no
        # version: later runs convert them (the writer has stopped now).
        $runs = 0
        do { $r = Invoke-Migrate @cn -Id $Id1; $runs++ } while ($r.ExitCode -eq 1 -and $runs -lt 10)
        $r.ExitCode | Should -Be 0
        $r.Complete | Should -BeTrue
        Get-Phase $db $Id1 | Should -Be 'Migrated'

        $m = Get-Mismatch $db
        $m.Host | Should -Be 0
        $m.Memory | Should -Be 0
        Get-OlderVersionCount $db | Should -Be 0

        # Every row the writer made is there once, nothing else was lost, and each row holds the last
        # value written to it through either column.
        $expectHost = @{}; $expectMem = @{}; $inserted = [Collections.Generic.List[long]]::new()
        foreach ($line in Get-Content -LiteralPath "$log.log") {
            $f = $line.Split(',')
            switch ($f[0]) {
                'I' { $inserted.Add([long]$f[1]) }
                'H' { $expectHost[[long]$f[1]] = $f[2] }
                'M' { $expectMem[[long]$f[1]] = [long]$f[2] }
            }
        }
        $inserted.Count | Should -BeGreaterThan 0
        $t = Get-TestTableName $db 'Instances'
        $count = Invoke-Sql $db "SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d, MIN(Id) AS lo, MAX(Id) AS hi FROM $t"
        $count.n | Should -Be ($rows + $inserted.Count)
        $count.d | Should -Be $count.n
        $count.lo | Should -Be 1
        $count.hi | Should -Be ($rows + $inserted.Count)
        $wrong = 0; $checked = 0
        foreach ($row in Invoke-Sql $db "SELECT Id, Name, ComputeHost, MemoryMb, [$($m.Shadow)] AS Shadow FROM $t") {
            $id = [long]$row.Id
            $h = if ($expectHost.ContainsKey($id)) { $expectHost[$id] } elseif ($id % 97 -eq 0) { $null } else { "host-$($id % 50)" }
            $mem = if ($expectMem.ContainsKey($id)) { $expectMem[$id] } elseif ($id % 89 -eq 0) { $null } else { 1024 + $id }
            $name = if ($id -le $rows) { "vm-$id" } else { "w-$id" }
            $checked++
            if ($row.ComputeHost -cne $h -or $row.Name -cne $name -or
                ($null -eq $mem) -ne ($null -eq $row.MemoryMb) -or ($null -ne $mem -and [long]$row.MemoryMb -ne $mem) -or
                ($null -ne $mem -and [long]$row.Shadow -ne $mem)) {
                if ($wrong -lt 5) { Write-Host "row $id : expected ($h, $mem, $name), got ($($row.ComputeHost), $($row.MemoryMb), $($row.Shadow), $($row.Name))" }
                $wrong++
            }
        }
        $checked | Should -Be $count.n
        $wrong | Should -Be 0
        Remove-Item -LiteralPath "$log.log", $stop -Force -ErrorAction SilentlyContinue
    }

    It 'resumes a backfill killed at random points three times and ends with every row right' -Skip:$Skip {
        $rows = if ($Provider -eq 'Sqlite') { 30000 } else { 20000 }
        $size = 100
        Initialize-TestInventory $db -Rows $rows
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $t = Get-TestTableName $db 'Instances'
        $pending = { [long](Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL").n }
        $pending0 = & $pending
        $pending0 | Should -Be $rows

        $store = if ($cn.StoreSchema) { "-StoreSchema $(ConvertTo-TestLiteral $cn.StoreSchema)" } else { '' }
        $random = [Random]::new()
        $last = $pending0
        foreach ($kill in 1..3) {
            $child = Start-TestPwsh -Script "Invoke-Migrate -ConnectionString $(ConvertTo-TestLiteral $cn.ConnectionString) -Provider $Provider $store -Id $Id1 -BatchSize $size -Delay '00:00:00.015' | Out-Null"
            $children.Add($child)
            $null = $child.Handle
            $mark = $last
            Wait-TestCondition -TimeoutSeconds 60 -Because "kill $kill`: the child to migrate rows" -Condition { (& $pending) -lt $mark }
            Start-Sleep -Milliseconds $random.Next(0, 700)
            $child.HasExited | Should -BeFalse -Because "kill $kill must hit a running backfill"
            Stop-Process -Id $child.Id -Force
            $child.WaitForExit(10000) | Out-Null
            $now = & $pending
            $now | Should -BeLessThan $last -Because "kill $kill`: batches committed before the kill stay migrated"
            $now | Should -BeGreaterThan 0 -Because "kill $kill must come before the end"
            # Killed mid-run, the data is consistent: every migrated row is fully migrated, every other untouched.
            $t2 = Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ObjectVersion IS NULL AND ComputeHost IS NOT NULL"
            $t2.n | Should -Be 0
            $last = $now
        }
        Get-Phase $db $Id1 | Should -Be 'Migrating'

        # No lock is left behind (the default -RunnerTimeout is 0: a held lock fails at once), and the
        # run resumes from the checkpoint: it walks only the rest of the key range.
        $r = Invoke-Migrate @cn -Id $Id1 -BatchSize $size
        $r.ExitCode | Should -Be 0
        $r.Complete | Should -BeTrue
        $r.RowsMigrated | Should -Be $last
        $r.Batches | Should -BeLessOrEqual ([math]::Ceiling($last / $size) + 1)
        $r.Batches | Should -BeLessThan ([math]::Ceiling($rows / $size))
        Get-Phase $db $Id1 | Should -Be 'Migrated'
        $m = Get-Mismatch $db
        $m.Host | Should -Be 0
        $m.Memory | Should -Be 0
        Get-OlderVersionCount $db | Should -Be 0
        (Invoke-Sql $db "SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM $t").n | Should -Be $rows
        # The values are the ones the rows had before: the rename and the type change lost nothing.
        $hostOf = if ($Provider -eq 'Sqlite') { "'host-' || (Id % 50)" } else { "CONCAT('host-', Id % 50)" }
        $bad = Invoke-Sql $db @"
SELECT COUNT(*) AS n FROM $t
WHERE (Id % 97 <> 0 AND (ComputeHost IS NULL OR ComputeHost <> $hostOf)) OR (Id % 97 = 0 AND ComputeHost IS NOT NULL)
   OR (Id % 89 <> 0 AND (MemoryMb IS NULL OR [$($m.Shadow)] <> 1024 + Id)) OR (Id % 89 = 0 AND [$($m.Shadow)] IS NOT NULL)
"@
        $bad.n | Should -Be 0
    }

    It 'stops a time-boxed run with exit code 1 and finishes with 0 when looped, the rows adding up' -Skip:$Skip {
        $rows = 10000
        Initialize-TestInventory $db -Rows $rows
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue

        $results = [Collections.Generic.List[object]]::new()
        do {
            $r = Invoke-Migrate @cn -Id $Id1 -BatchSize 1000 -MaxRows 3000
            $results.Add($r)
        } while ($r.ExitCode -eq 1 -and $results.Count -lt 20)

        $results.Count | Should -Be 4
        $results[0..2].ExitCode | Should -Be @(1, 1, 1)
        $results[0..2].RowsMigrated | Should -Be @(3000, 3000, 3000)
        $results[0..2] | ForEach-Object { $_.StoppedBecause | Should -Match 'MaxRows' }
        $results[0..2] | ForEach-Object { $_.Complete | Should -BeFalse }
        $results[0].RowsRemaining | Should -BeGreaterThan $results[1].RowsRemaining
        $results[3].ExitCode | Should -Be 0
        $results[3].Complete | Should -BeTrue
        $results[3].RowsRemaining | Should -Be 0
        $results[3].StoppedBecause | Should -BeNullOrEmpty
        ($results | Measure-Object RowsMigrated -Sum).Sum | Should -Be $rows
        Get-Phase $db $Id1 | Should -Be 'Migrated'
        Get-OlderVersionCount $db | Should -Be 0
    }

    It 'stops after the batch that passes -MaxDuration' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 3000
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $r = Invoke-Migrate @cn -Id $Id1 -BatchSize 500 -MaxDuration '00:00:00.001'
        $r.ExitCode | Should -Be 1
        $r.Batches | Should -Be 1
        $r.RowsMigrated | Should -Be 500
        $r.StoppedBecause | Should -Match 'MaxDuration'
        Get-OlderVersionCount $db | Should -Be 2500
        Get-Phase $db $Id1 | Should -Be 'Migrating'
    }

    It 'migrates a table with a composite primary key completely, across batch boundaries inside a key prefix' -Skip:$Skip {
        $pairs = Get-TestTableName $db 'Pairs'
        $pk = if ($Provider -eq 'SqlServer') { 'CONSTRAINT [PK_Pairs] PRIMARY KEY ([TenantId], [Code])' } else { 'PRIMARY KEY ([TenantId], [Code])' }
        Invoke-Sql $db "CREATE TABLE $pairs ([TenantId] int NOT NULL, [Code] varchar(16) NOT NULL, [Qty] int NULL, $pk);"
        $values = foreach ($tenant in 1..40) { foreach ($code in 1..50) { "($tenant, 'c$('{0:d3}' -f $code)', $(if ($code % 7 -eq 0) { 'NULL' } else { $tenant * 1000 + $code }))" } }
        # SQL Server takes at most 1,000 rows per VALUES list.
        Invoke-Sql $db "INSERT INTO $pairs ([TenantId], [Code], [Qty]) VALUES $($values[0..999] -join ', ');"
        Invoke-Sql $db "INSERT INTO $pairs ([TenantId], [Code], [Qty]) VALUES $($values[1000..1999] -join ', ');"
        $folders.Add(($folder = New-TestMigrationFolder $db -Files @{
            '0001_pairs_total.json' = '{ "objectVersion": "2.0", "operations": [ { "addColumn": { "table": "dbo.Pairs", "column": { "name": "Total", "type": "bigint" }, "up": "CAST([Qty] AS bigint) * 10" } } ] }'
        }))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue

        $r = Invoke-Migrate @cn -BatchSize 37
        $r.ExitCode | Should -Be 0
        $r.Complete | Should -BeTrue
        $r.RowsMigrated | Should -Be (2000 - 40 * 7)   # rows whose Qty is NULL have nothing to fill
        $r.Batches | Should -Be ([math]::Ceiling(2000 / 37))
        Get-Phase $db '0001_pairs_total' | Should -Be 'Migrated'
        $check = Invoke-Sql $db "SELECT COUNT(*) AS n, SUM(CASE WHEN (Qty IS NULL AND Total IS NULL) OR Total = CAST(Qty AS bigint) * 10 THEN 1 ELSE 0 END) AS ok FROM $pairs"
        $check.n | Should -Be 2000
        $check.ok | Should -Be 2000
    }

    It 'refuses a table without a usable key with NoUsableKey on SQL Server; walks the rowid of a SQLite table without a primary key' -Skip:$Skip {
        $events = Get-TestTableName $db 'Events'
        Invoke-Sql $db "CREATE TABLE $events ([Name] varchar(32) NOT NULL, [Qty] int NULL);"
        $values = foreach ($i in 1..1500) { "('e$i', $i)" }
        Invoke-Sql $db "INSERT INTO $events ([Name], [Qty]) VALUES $($values[0..999] -join ', ');"
        Invoke-Sql $db "INSERT INTO $events ([Name], [Qty]) VALUES $($values[1000..1499] -join ', ');"
        if ($Provider -eq 'SqlServer') {
            # A backfill-only migration (object versions) expands, then cannot be walked in key order.
            $folders.Add(($folder = New-TestMigrationFolder $db -Files @{
                '0001_events_version.json' = '{ "objectVersion": "2.0", "operations": [ { "trackObjectVersion": { "table": "dbo.Events", "column": "ObjectVersion" } } ] }'
            }))
            $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
            $r = Invoke-Migrate @cn -ErrorVariable failures -ErrorAction SilentlyContinue
            $r.ExitCode | Should -Be 2
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'NoUsableKey,*'
            (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $events WHERE ObjectVersion IS NOT NULL").n | Should -Be 0

            # A migration that needs a sync trigger is refused at expand, before it changes anything.
            $folders.Add(($folder2 = New-TestMigrationFolder $db -Files @{
                '0002_events_double.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Events", "column": { "name": "Twice", "type": "int" }, "up": "[Qty] * 2" } } ] }'
            }))
            { Invoke-Expand @cn -Path $folder2 -Id '0002_events_double' -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Throw -ErrorId 'NoUsableKey,*'
            @(Get-TestColumn $db 'Events').Name | Should -Not -Contain 'Twice'
        }
        else {
            $folders.Add(($folder = New-TestMigrationFolder $db -Files @{
                '0001_events_double.json' = '{ "objectVersion": "2.0", "operations": [ { "trackObjectVersion": { "table": "dbo.Events", "column": "ObjectVersion" } }, { "addColumn": { "table": "dbo.Events", "column": { "name": "Twice", "type": "int" }, "up": "[Qty] * 2" } } ] }'
            }))
            $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
            $r = Invoke-Migrate @cn -BatchSize 400
            $r.ExitCode | Should -Be 0
            $r.Complete | Should -BeTrue
            $r.RowsMigrated | Should -Be 1500
            $r.Batches | Should -Be 4
            $check = Invoke-Sql $db "SELECT COUNT(*) AS n, SUM(CASE WHEN Twice = Qty * 2 AND ObjectVersion = '2.0' THEN 1 ELSE 0 END) AS ok FROM $events"
            $check.n | Should -Be 1500
            $check.ok | Should -Be 1500
        }
    }

    It '-WhatIf shows the batch statements and changes nothing, not even the state store' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 500
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $t = Get-TestTableName $db 'Instances'
        $shadow = Get-TestShadowColumn $db 'Instances' 'MemoryMb'
        $journal = @(Get-MigrationJournal @cn).Count
        $dataBefore = Invoke-Sql $db "SELECT COUNT(ComputeHost) AS h, COUNT([$shadow]) AS m, COUNT(ObjectVersion) AS v FROM $t"

        $text = Get-TestWhatIf { Invoke-Migrate @cn -WhatIf }
        $text | Should -Match 'What if:'
        $text | Should -Match ([regex]::Escape($Id1))
        $text | Should -Match "UPDATE $([regex]::Escape($t)) SET \[ComputeHost\]"
        $text | Should -Match ([regex]::Escape("[$shadow]"))
        $text | Should -Match '\[ObjectVersion\]'
        $text | Should -Match 'about 500 rows'

        $dataAfter = Invoke-Sql $db "SELECT COUNT(ComputeHost) AS h, COUNT([$shadow]) AS m, COUNT(ObjectVersion) AS v FROM $t"
        $dataAfter.h | Should -Be $dataBefore.h
        $dataAfter.m | Should -Be $dataBefore.m
        $dataAfter.v | Should -Be 0
        @(Get-MigrationJournal @cn).Count | Should -Be $journal
        Get-Phase $db $Id1 | Should -Be 'Expanded'
    }

    It 'becomes Migrated only when the data verifies, not when a pass ends: a row past the pass is taken by another pass of the same run' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 2000
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        $t = Get-TestTableName $db 'Instances'

        $r = Invoke-Migrate @cn -Id $Id1 -BatchSize 500 -MaxRows 500
        $r.ExitCode | Should -Be 1
        # An old instance inserts a row past the upper bound this pass fixed when it began.
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Host, MemoryMb, Location) VALUES (5000, 'late', 'old-host', 77, 'EUW1-R001')"
        $out = @(Invoke-Migrate @cn -Id $Id1 -BatchSize 500 -Verbose 4>&1)
        $r = @($out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })[-1]
        # The pass ends with one row still on an older version: the run verifies, does not call it Migrated, and walks again.
        @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and "$_" -match '1 row\(s\) remain after pass 1.*another pass' }).Count | Should -Be 1
        $r.RowsMigrated | Should -Be 1501
        $r.Complete | Should -BeTrue
        $r.ExitCode | Should -Be 0
        Get-Phase $db $Id1 | Should -Be 'Migrated'
        (Invoke-Sql $db "SELECT ObjectVersion, ComputeHost FROM $t WHERE Id = 5000").ObjectVersion | Should -Be '2.0'
        ((Test-ContractReady @cn -Id $Id1).Checks | Where-Object Name -eq 'ObjectVersion').Passed | Should -BeTrue
    }

    It 'converts a row an old application wrote after Migrated, keeping the phase and the contract request' -Skip:$Skip {
        Initialize-TestInventory $db -Rows 300
        $folders.Add(($folder = New-TestInventoryFolder $db -Include '0001' -Replace $NoWindow))
        $null = Invoke-Expand @cn -Path $folder -WarningAction SilentlyContinue
        (Invoke-Migrate @cn -Id $Id1).ExitCode | Should -Be 0
        $requested = Request-Contract @cn -Id $Id1
        $requested.ContractRequested | Should -BeTrue
        $t = Get-TestTableName $db 'Instances'

        # An old instance (release 1.5) still writes.
        Invoke-Sql $db "UPDATE $t SET Host = 'old-writer', MemoryMb = 4096, ObjectVersion = '1.5' WHERE Id = 42"
        $ready = Test-ContractReady @cn -Id $Id1
        $ready.Ready | Should -BeFalse
        ($ready.Checks | Where-Object Name -eq 'ObjectVersion').Detail | Should -Match '1 row\(s\) at 1\.5'

        $r = Invoke-Migrate @cn -Id $Id1
        $r.ExitCode | Should -Be 0
        $r.Complete | Should -BeTrue
        $r.RowsMigrated | Should -Be 1
        $row = Invoke-Sql $db "SELECT ObjectVersion, Host, ComputeHost, MemoryMb FROM $t WHERE Id = 42"
        $row.ObjectVersion | Should -Be '2.0'
        $row.ComputeHost | Should -Be 'old-writer'
        $m = Get-Mismatch $db
        $m.Host | Should -Be 0
        $m.Memory | Should -Be 0
        $state = Get-MigrationState @cn -Id $Id1
        $state.Phase.ToString() | Should -Be 'Migrated'
        $state.ContractRequested | Should -BeTrue
        $state.ContractRequestedAt | Should -Be $requested.ContractRequestedAt
        $null = Register-MigrationClient @cn -None -Reason 'test database: no application reads it' -Confirm:$false
        (Test-ContractReady @cn -Id $Id1).Ready | Should -BeTrue
    }
}
