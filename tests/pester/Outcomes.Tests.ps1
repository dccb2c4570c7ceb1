# Outcomes, not text (issue #16 item 5): three behaviours that were only proven by reading generated
# SQL, checked here by what the database holds afterwards.
#  1. The backfill does not fire the reverse sync: with a lossy up/down pair, an old value the backfill
#     touched would change if its UPDATE of the new column ran down back into the old one.
#  2. A DDL step that meets a lock another session holds times out after -LockTimeout and is retried
#     (journaled); with -MaxRetries 0 it fails, naming the lock timeout, and changes nothing.
#  3. A keyset walk over a character key keeps the column's collation order: with one row per batch,
#     every row is migrated whatever order binary comparison would give.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-ErrorOf([scriptblock]$Command) {
        try { $null = & $Command; $null } catch { $_ }
    }

    # A plain ADO.NET connection of the tests' own (not the module's), opened.
    function script:Open-TestConnection($db) {
        $connection = & (Get-Module TestHelpers) { param($p, $cs) New-TestConnection -Provider $p -ConnectionString $cs } $db.Provider $db.ConnectionString
        $connection.Open()
        $connection
    }

    # Another session takes a lock on the table: an open transaction that wrote one of its rows (SQLite:
    # the database's write lock, by BEGIN IMMEDIATE and the same write). A background runspace rolls it
    # back after -HoldMs; Wait-TestLockHolder waits for that.
    function script:Start-TestLockHolder($db, [string]$Table, [int]$HoldMs) {
        $connection = Open-TestConnection $db
        $command = $connection.CreateCommand()
        $transaction = $null
        if ($db.Provider -eq 'Sqlite') { $command.CommandText = "BEGIN IMMEDIATE; UPDATE $Table SET Payload = Payload WHERE Id = 1;" }
        else {
            $transaction = $connection.BeginTransaction()
            $command.Transaction = $transaction
            $command.CommandText = "UPDATE $Table SET Payload = Payload WHERE Id = 1;"
        }
        $null = $command.ExecuteNonQuery()
        $ps = [powershell]::Create()
        $null = $ps.AddScript(@'
param($Connection, $Transaction, $HoldMs)
Start-Sleep -Milliseconds $HoldMs
if ($Transaction) { $Transaction.Rollback() }
else { $c = $Connection.CreateCommand(); $c.CommandText = 'ROLLBACK'; $null = $c.ExecuteNonQuery() }
$Connection.Dispose()
'@).AddArgument($connection).AddArgument($transaction).AddArgument($HoldMs)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    function script:Wait-TestLockHolder($holder) {
        if ($null -eq $holder) { return }
        try { $null = $holder.PowerShell.EndInvoke($holder.Handle) } finally { $holder.PowerShell.Dispose() }
    }

    # Runs Invoke-Expand with -Verbose; when it announces the step named like -StepPattern (the moment
    # the step is about to start, after the runner's own bookkeeping writes), another session takes
    # the lock (Start-TestLockHolder) and keeps it -HoldMs. On SQLite, whose one write lock also
    # blocks the state store, this is the only moment at which the lock meets the DDL step itself.
    # Returns the expand's output objects; the holder is in $State.Holder.
    function script:Invoke-TestExpandMeetingLock($db, [hashtable]$State, [string]$StepPattern, [int]$HoldMs, [hashtable]$Parameters) {
        $table = Get-TestTableName $db 'Orders'
        Invoke-Expand @Parameters -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop -Verbose 4>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.VerboseRecord]) {
                if ($null -eq $State.Holder -and $_.Message -match $StepPattern) { $State.Holder = Start-TestLockHolder $db $table $HoldMs }
            }
            else { $_ }
        }
    }
}

Describe 'The backfill does not fire the reverse sync on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'leaves every old value as it was while a lossy up/down pair fills the new column, and new-code writes still reach the old column through down' -Skip:$Skip {
        Initialize-TestOrders $db -Rows 40
        $t = Get-TestTableName $db 'Orders'
        # Old values that up reads as a number and down writes back differently: down(up(x)) <> x.
        # (A hashtable, not [ordered]: an ordered dictionary reads an int index as a position.)
        $lossy = @{ 5 = '007'; 10 = ' 3'; 15 = '+5'; 38 = '0042' }
        foreach ($id in $lossy.Keys) { Invoke-Sql $db "UPDATE $t SET Qty = @q WHERE Id = @id" -Parameters @{ q = $lossy[$id]; id = $id } | Out-Null }
        ((Invoke-Sql $db "SELECT Qty FROM $t WHERE Id IN (5, 10, 15, 38) ORDER BY Id") | ForEach-Object { "<$($_.Qty)>" }) -join ' ' | Should -Be '<007> < 3> <+5> <0042>'
        Invoke-Sql $db "UPDATE $t SET Qty = NULL WHERE Id = 25" | Out-Null
        if ($Provider -eq 'Sqlite') { $op = '{ "alterColumn": { "table": "dbo.Orders", "column": "Qty", "type": "INTEGER", "up": "CAST([Qty] AS INTEGER)", "down": "CAST([Qty] AS TEXT)" } }' }
        else { $op = '{ "alterColumn": { "table": "dbo.Orders", "column": "Qty", "type": "int", "up": "TRY_CAST([Qty] AS int)", "down": "CAST([Qty] AS nvarchar(20))" } }' }
        $script:folder = New-TestMigrationFolder $db -Files @{ '0001_alter.json' = "{ ""operations"": [ $op ] }" }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        $shadow = Get-TestShadowColumn $db 'Orders' 'Qty'
        $shadow | Should -Not -BeNullOrEmpty

        $before = @{}
        foreach ($row in Invoke-Sql $db "SELECT Id, Qty, [$shadow] AS NewQty FROM $t") {
            $before[[int]$row.Id] = $row.Qty
            $row.NewQty | Should -BeNullOrEmpty -Because 'the backfill has not run yet'
        }
        # The values up gives, written out: 1..40 read as numbers, the lossy ones as 7, 3, 5, 42, NULL as NULL.
        $expected = @{}
        foreach ($id in 1..40) { $expected[$id] = $id }
        $expected[5] = 7; $expected[10] = 3; $expected[15] = 5; $expected[38] = 42; $expected[25] = $null

        # New code writes the new shape while the backfill runs (its own session): row 1 after the walk
        # passed it, row 38 before the walk reaches it. Both must reach the old column through down.
        $writerConnection = Open-TestConnection $db
        $writer = [powershell]::Create()
        $null = $writer.AddScript(@'
param($Connection, $Table, $Shadow)
function Scalar([string]$Sql) { $c = $Connection.CreateCommand(); $c.CommandText = $Sql; $c.CommandTimeout = 60; $c.ExecuteScalar() }
try {
    $deadline = [DateTime]::UtcNow.AddSeconds(90)
    while ([long](Scalar "SELECT COUNT(*) FROM $Table WHERE Id = 2 AND [$Shadow] IS NOT NULL") -eq 0) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'the backfill never reached row 2' }
        Start-Sleep -Milliseconds 20
    }
    $ahead = [long](Scalar "SELECT COUNT(*) FROM $Table WHERE Id = 38 AND [$Shadow] IS NULL")
    $null = Scalar "UPDATE $Table SET [$Shadow] = 8 WHERE Id = 38"
    $null = Scalar "UPDATE $Table SET [$Shadow] = 99 WHERE Id = 1"
    $ahead
}
finally { $Connection.Dispose() }
'@).AddArgument($writerConnection).AddArgument($t).AddArgument($shadow)
        $handle = $writer.BeginInvoke()
        try {
            $run = @(Invoke-Migrate @om -BatchSize 1 -Delay 00:00:00.100 -Confirm:$false -ErrorAction Stop)[-1]
        }
        finally {
            $ahead = @($writer.EndInvoke($handle))
            $writerErrors = @($writer.Streams.Error)
            $writer.Dispose()
        }
        $writerErrors | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $ahead[-1] | Should -Be 1 -Because 'the new-code write of row 38 happened while the backfill was still on its way to it'

        $after = @{}
        foreach ($row in Invoke-Sql $db "SELECT Id, Qty, [$shadow] AS NewQty FROM $t") { $after[[int]$row.Id] = $row }
        $after.Count | Should -Be 40
        $changed = foreach ($id in @(2..37) + @(39..40)) {
            if (-not [string]::Equals($after[$id].Qty, $before[$id], [StringComparison]::Ordinal)) { "row ${id}: '$($before[$id])' became '$($after[$id].Qty)'" }
        }
        $changed | Should -BeNullOrEmpty -Because 'the backfill''s writes of the new column must not run down into the old one'
        $wrong = foreach ($id in @(2..37) + @(39..40)) {
            $value = if ($null -eq $after[$id].NewQty) { $null } else { [long]$after[$id].NewQty }
            if ($value -ne $expected[$id]) { "row ${id}: new column $value, up gives $($expected[$id])" }
        }
        $wrong | Should -BeNullOrEmpty -Because 'the new column holds up of the old value'
        "$($after[1].Qty)/$($after[1].NewQty) $($after[38].Qty)/$($after[38].NewQty)" | Should -Be '99/99 8/8' -Because 'new-code writes during the backfill reach the old column through down'

        # And after it: a new-code write of a row the backfill filled still reaches the old column.
        Invoke-Sql $db "UPDATE $t SET [$shadow] = 70 WHERE Id = 5" | Out-Null
        $row = Invoke-Sql $db "SELECT Qty, [$shadow] AS NewQty FROM $t WHERE Id = 5"
        "$($row.Qty)/$($row.NewQty)" | Should -Be '70/70'
    }
}

Describe 'A DDL step that meets a held lock on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestOrders $db -Rows 5
            $type = if ($Provider -eq 'Sqlite') { 'TEXT' } else { 'nvarchar(20)' }
            $script:folder = New-TestMigrationFolder $db -Files @{
                '0001_lock.json' = "{ ""operations"": [ { ""addColumn"": { ""table"": ""dbo.Orders"", ""column"": { ""name"": ""Note"", ""type"": ""$type"", ""nullable"": true } } } ] }"
            }
            # The verbose line that announces the add-column step, just before it starts.
            $script:stepPattern = '^0001_lock: \d+\. add column .*Orders.*Note$'
            $script:state = @{ Holder = $null }
        }
    }
    AfterEach {
        if (-not $Skip) {
            Wait-TestLockHolder $state.Holder
            Remove-TestWorkspace $db -Folder $folder
        }
    }

    It 'times the step out after -LockTimeout, retries it, journals each retry, and succeeds once the lock is gone' -Skip:$Skip {
        $states = @(Invoke-TestExpandMeetingLock $db $state $stepPattern 3000 ($om + @{ Path = $folder; LockTimeout = 1; MaxRetries = 10 }))
        $state.Holder | Should -Not -BeNullOrEmpty -Because 'the other session took its lock as the step started'
        Wait-TestLockHolder $state.Holder; $state.Holder = $null

        "$($states[-1].Phase)" | Should -Be 'Expanded'
        Get-TestColumnDefinition $db 'Orders' 'Note' | Should -Not -BeNullOrEmpty
        $journal = @(Get-MigrationJournal @om -Id 0001_lock | Where-Object { $_.Step -match 'add column .*Orders\.Note' })
        $retried = @($journal | Where-Object Outcome -eq 'Retried')
        $retried.Count | Should -BeGreaterOrEqual 1 -Because ($journal | Format-Table Step, Outcome, Error -AutoSize | Out-String)
        $journal[-1].Outcome | Should -Be 'Succeeded'
        $retried[0].Duration.TotalSeconds | Should -BeGreaterOrEqual 0.9 -Because 'the attempt waited about -LockTimeout (1 s) for the lock'
    }

    It 'with -MaxRetries 0 fails with a lock-timeout error, leaves the schema as it was, and resumes later' -Skip:$Skip {
        $before = Get-TestCatalogAndDataSnapshot $db
        $err = Get-ErrorOf { Invoke-TestExpandMeetingLock $db $state $stepPattern 3000 ($om + @{ Path = $folder; LockTimeout = 1; MaxRetries = 0 }) }
        $state.Holder | Should -Not -BeNullOrEmpty -Because 'the other session took its lock as the step started'
        Wait-TestLockHolder $state.Holder; $state.Holder = $null

        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'StepFailed,*'
        "$err" | Should -Match 'add column'
        $err.ErrorDetails.RecommendedAction | Should -Match 'lock timeout'
        $err.ErrorDetails.RecommendedAction | Should -Match '-LockTimeout'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        $journal = @(Get-MigrationJournal @om -Id 0001_lock | Where-Object { $_.Step -match 'add column .*Orders\.Note' })
        @($journal | Where-Object Outcome -eq 'Retried') | Should -BeNullOrEmpty
        $journal[-1].Outcome | Should -Be 'Failed'

        # The lock is gone: the same command resumes and finishes.
        "$((Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)[-1].Phase)" | Should -Be 'Expanded'
        Get-TestColumnDefinition $db 'Orders' 'Note' | Should -Not -BeNullOrEmpty
    }
}

Describe 'A keyset walk over a character key on <Provider>' -ForEach (Get-TestProvider) {
    BeforeAll {
        # Keys whose order under a case-insensitive collation differs from binary order: mixed case,
        # '_' (between upper and lower case in binary), a trailing space, digits against letters,
        # punctuation that SQL collations sort differently for varchar and nvarchar ('a-c', 'ab', 'co-op',
        # 'coop'). The first and the last key in binary order are not the first and last in the
        # collation's. SQL Server's collations are also accent-aware: accented keys there too (SQLite's
        # NOCASE folds ASCII only and compares the rest as bytes, so there they would only be largest in both).
        # Distinct under every collation used below. (The varchar case guards against binding the walk's
        # key values as nvarchar, which on SQL Server sorts 'a-c' and 'co-op' differently from varchar under
        # a SQL collation; the T-SQL test engine sorts both types alike, so there it proves the collation
        # order against binary order only.)
        $script:keys = @('a', 'B', 'c', 'Z', 'E', 'f', '10', '9', '_x', 'a-c', 'ab', 'ac', 'co-op', 'coop', 'x ',
            'b b', 'b-b', "b'c", '0', 'A1', 'a2', 'N', 'o', 'Y', 'y2')
        if ($Provider -eq 'SqlServer') { $script:keys += @('é', 'Ä', 'ñ', 'Ø', '~') }
        # Composite keys whose first parts are equal under a case-insensitive collation but not in bytes.
        $script:pairs = @(@('a', '1'), @('A', '2'), @('a', '3'), @('B', '1'), @('b', '2'), @('E', '2'), @('x ', '1'), @('X', '2'), @('Z', '1'), @('10', '1'), @('9', '1'), @('_', '1'))
        if ($Provider -eq 'SqlServer') { $script:pairs += , @('é', '1') }
    }
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'migrates every row once with -BatchSize <Batch>, key <Case>' -Skip:$Skip -ForEach @(
        @{ Case = 'nvarchar / TEXT in the default collation'; Batch = 1 }
        @{ Case = 'varchar in a SQL collation / TEXT COLLATE NOCASE'; Batch = 1 }
        @{ Case = 'varchar in a SQL collation / TEXT COLLATE NOCASE'; Batch = 2 }
        @{ Case = 'composite (case-insensitive, then nvarchar / TEXT COLLATE RTRIM)'; Batch = 1 }
    ) {
        $t = Get-TestTableName $db 'Things'
        $composite = $Case -like 'composite*'
        $sqlite = $Provider -eq 'Sqlite'
        if ($composite) {
            $create = if ($sqlite) { "CREATE TABLE $t (R TEXT COLLATE NOCASE NOT NULL, N TEXT COLLATE RTRIM NOT NULL, V TEXT NULL, PRIMARY KEY (R, N))" }
            else { "CREATE TABLE $t (R varchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, N nvarchar(10) NOT NULL, V nvarchar(40) NULL, PRIMARY KEY (R, N))" }
        }
        elseif ($Case -like 'nvarchar*') {
            $create = if ($sqlite) { "CREATE TABLE $t (K TEXT NOT NULL PRIMARY KEY, V TEXT NULL)" } else { "CREATE TABLE $t (K nvarchar(40) NOT NULL PRIMARY KEY, V nvarchar(40) NULL)" }
        }
        else {
            $create = if ($sqlite) { "CREATE TABLE $t (K TEXT COLLATE NOCASE NOT NULL PRIMARY KEY, V TEXT NULL)" }
            else { "CREATE TABLE $t (K varchar(40) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL PRIMARY KEY, V nvarchar(40) NULL)" }
        }
        Invoke-Sql $db $create | Out-Null
        if ($composite) {
            foreach ($p in $pairs) { Invoke-Sql $db "INSERT INTO $t (R, N, V) VALUES (@r, @n, @v)" -Parameters @{ r = $p[0]; n = $p[1]; v = "$($p[0])|$($p[1])" } | Out-Null }
            $rows = $pairs.Count
            $order = @(Invoke-Sql $db "SELECT R, N FROM $t ORDER BY R, N" | ForEach-Object { "$($_.R)|$($_.N)" })
            $binary = [string[]]@($pairs | ForEach-Object { "$($_[0])|$($_[1])" })
        }
        else {
            foreach ($k in $keys) { Invoke-Sql $db "INSERT INTO $t (K, V) VALUES (@k, @k)" -Parameters @{ k = $k } | Out-Null }
            $rows = $keys.Count
            $order = @(Invoke-Sql $db "SELECT K FROM $t ORDER BY K" | ForEach-Object K)
            $binary = [string[]]@($keys)
        }
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t").n | Should -Be $rows
        [Array]::Sort($binary, [StringComparer]::Ordinal)
        if (-not ($sqlite -and $Case -like 'nvarchar*')) {
            # Asked of the server: under the key's collation 'a' equals 'A', and the rows come in another
            # order than binary comparison gives (else the case would prove nothing).
            if ($Case -like 'nvarchar*') {
                $ci = (Invoke-Sql $db "SELECT CASE WHEN K = N'A' THEN 1 ELSE 0 END AS ci FROM $t WHERE K = N'a'").ci
                if ($ci -ne 1) {
                    $collation = (Invoke-Sql $db "SELECT CAST(collation_name AS nvarchar(128)) AS c FROM sys.columns WHERE object_id = OBJECT_ID(@t) AND name = 'K'" -Parameters @{ t = "$($db.Schema).Things" }).c
                    Set-ItResult -Skipped -Because "the test database's default collation ($collation) is case-sensitive"
                    return
                }
            }
            elseif ($sqlite) { (Invoke-Sql $db "SELECT CASE WHEN 'a' = 'A' COLLATE NOCASE THEN 1 ELSE 0 END AS ci").ci | Should -Be 1 }
            else { (Invoke-Sql $db "SELECT CASE WHEN CAST('a' AS varchar(10)) COLLATE SQL_Latin1_General_CP1_CI_AS = 'A' THEN 1 ELSE 0 END AS ci").ci | Should -Be 1 }
            ($order -join "`n") | Should -Not -Be ($binary -join "`n") -Because 'the collation orders these keys differently from binary comparison'
        }

        $up = if ($sqlite) { "[V] || '!'" } else { "CONCAT([V], N'!')" }
        $type = if ($sqlite) { 'TEXT' } else { 'nvarchar(50)' }
        $script:folder = New-TestMigrationFolder $db -Files @{
            '0001_keys.json' = "{ ""operations"": [ { ""addColumn"": { ""table"": ""dbo.Things"", ""column"": { ""name"": ""W"", ""type"": ""$type"", ""nullable"": true }, ""up"": ""$up"" } } ] }"
        }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE W IS NOT NULL").n | Should -Be 0 -Because 'expand leaves existing rows to the backfill'

        $runs = @(Invoke-Migrate @om -BatchSize $Batch -Confirm:$false -ErrorAction Stop | Where-Object Id -eq '0001_keys')
        $runs[-1].ExitCode | Should -Be 0
        ($runs | Measure-Object RowsMigrated -Sum).Sum | Should -Be $rows -Because 'every row is migrated exactly once'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE W IS NULL").n | Should -Be 0 -Because 'no row is skipped'
        $wrong = @(Invoke-Sql $db "SELECT V, W FROM $t" | Where-Object { -not [string]::Equals($_.W, "$($_.V)!", [StringComparison]::Ordinal) } | ForEach-Object { "'$($_.V)' -> '$($_.W)'" })
        $wrong | Should -BeNullOrEmpty -Because 'each row holds up of its own values'
        $gate = (Test-ContractReady @om -Id 0001_keys).Checks | Where-Object Name -eq 'DataMigrated'
        $gate.Passed | Should -BeTrue -Because $gate.Detail
    }
}
