# Contract never opens a window without sync: a table's last sync, the drop of its sync trigger and
# the swap of its shadow happen in one transaction, so a write made while contract runs, or between a
# failed contract and its re-run, is never lost, and a re-run never swaps in a stale shadow.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function New-AccountsTable {
        <# Accounts (Id, Name, Amount int) with -Rows rows: Id i, Name 'n<i>', Amount 10 * i. #>
        param($Database, [int]$Rows = 4)
        $t = Get-TestTableName $Database 'Accounts'
        if ($Database.Provider -eq 'Sqlite') { Invoke-Sql $Database "CREATE TABLE $t (Id INTEGER NOT NULL PRIMARY KEY, Name TEXT, Amount INTEGER)" }
        else { Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Name nvarchar(50) NULL, Amount int NULL)" }
        $values = (1..$Rows | ForEach-Object { "($_, 'n$_', $(10 * $_))" }) -join ', '
        Invoke-Sql $Database "INSERT INTO $t (Id, Name, Amount) VALUES $values"
        $t
    }

    function Get-WidenJson {
        <# alterColumn Accounts.Amount to a 64-bit integer. #>
        param($Database)
        $big = if ($Database.Provider -eq 'Sqlite') { 'BIGINT' } else { 'bigint' }
        "{ `"operations`": [ { `"alterColumn`": { `"table`": `"dbo.Accounts`", `"column`": `"Amount`", `"type`": `"$big`", `"up`": `"CAST([Amount] AS bigint)`" } } ] }"
    }

    function Get-Rows {
        <# 'id=value' for every row, in key order. #>
        param($Database, [string]$Table, [string]$Column)
        (Invoke-Sql $Database "SELECT Id, $Column AS v FROM $Table ORDER BY Id" | ForEach-Object { "$($_.Id)=$($_.v)" }) -join ' '
    }
}

Describe 'Atomic contract on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            $om = Get-TestConnectionParameters $db
            $folder = $null
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'a contract that fails at the swap keeps the sync, and its re-run swaps in what old and new code wrote in between' -Skip:$Skip {
        $t = New-AccountsTable $db
        $folder = Invoke-TestThroughMigrate $db '0001_widen_amount' (Get-WidenJson $db)
        # Something the swap cannot get past (dropping Amount fails while a view binds it).
        $view = Get-TestTableName $db 'AmountView'
        if ($Provider -eq 'Sqlite') { Invoke-Sql $db "CREATE VIEW $view AS SELECT Id, Amount FROM $t" }
        else { Invoke-Sql $db "CREATE VIEW $view WITH SCHEMABINDING AS SELECT Id, Amount FROM $t" }
        $null = Request-Contract @om -Id '0001_widen_amount' -Confirm:$false
        { Invoke-Contract @om -Id '0001_widen_amount' -Force -Reason 'test: the swap must fail' -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Throw

        # The application keeps writing Amount (old and new code use the column's own name).
        Invoke-Sql $db "UPDATE $t SET Amount = 999 WHERE Id = 1"
        Invoke-Sql $db "INSERT INTO $t (Id, Name, Amount) VALUES (10, 'inserted', 1000)"
        Invoke-Sql $db "DROP VIEW $view"
        (Invoke-Contract @om -Id '0001_widen_amount' -Force -Reason 'test: re-run after the failure' -Confirm:$false -WarningAction SilentlyContinue).Phase.ToString() | Should -Be 'Completed'
        Get-Rows $db $t 'Amount' | Should -Be '1=999 2=20 3=30 4=40 10=1000'
        (Get-TestColumn $db 'Accounts' | Where-Object Name -eq 'Amount').Type | Should -Be 'bigint'
    }

    It 'a live writer loses no write while contract runs (run <_>)' -Skip:$Skip -ForEach 1, 2, 3 {
        $t = New-AccountsTable $db -Rows 20
        $folder = Invoke-TestThroughMigrate $db '0001_widen_amount' (Get-WidenJson $db)
        $base = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-writer-$([guid]::NewGuid().ToString('N'))"
        # One connection, one write after another as fast as it goes: a window without sync would be hit.
        $writer = Start-TestPwsh -Script @"
`$helpers = Import-Module $(ConvertTo-TestLiteral "$PSScriptRoot/TestHelpers.psm1") -PassThru
`$connection = & `$helpers { New-TestConnection -Provider $(ConvertTo-TestLiteral $db.Provider) -ConnectionString $(ConvertTo-TestLiteral $db.ConnectionString) }
`$connection.Open()
if ($(ConvertTo-TestLiteral $db.Provider) -eq 'Sqlite') {
    # SQLite's own busy handler retries within a millisecond or two (the provider's own retry sleeps 150 ms);
    # no fsync per commit, so the writer writes as often as an application under load would.
    `$pragma = `$connection.CreateCommand(); `$pragma.CommandText = 'PRAGMA busy_timeout = 30000; PRAGMA synchronous = OFF'; `$null = `$pragma.ExecuteNonQuery()
}
`$update = `$connection.CreateCommand()
`$update.CommandText = 'UPDATE $t SET Amount = @v WHERE Id = @id'
`$insert = `$connection.CreateCommand()
`$insert.CommandText = 'INSERT INTO $t (Id, Name, Amount) VALUES (@id, ''w'', @v)'
foreach (`$command in `$update, `$insert) {
    `$command.CommandTimeout = 60
    foreach (`$name in '@v', '@id') { `$p = `$command.CreateParameter(); `$p.ParameterName = `$name; `$null = `$command.Parameters.Add(`$p) }
}
`$log = [IO.StreamWriter]::new($(ConvertTo-TestLiteral "$base.log"))
`$log.AutoFlush = `$true
`$i = 0
`$stop = $(ConvertTo-TestLiteral "$base.stop")
while (`$i % 50 -ne 0 -or -not [IO.File]::Exists(`$stop)) {
    `$i++
    `$command = if (`$i % 4 -eq 0) { `$insert } else { `$update }
    `$id = if (`$i % 4 -eq 0) { 1000 + `$i } else { (`$i % 20) + 1 }
    `$command.Parameters['@v'].Value = `$i
    `$command.Parameters['@id'].Value = `$id
    # A write is logged only once it has committed; a failed one (busy, blocked too long) is not.
    try { if (`$command.ExecuteNonQuery() -eq 1) { `$log.WriteLine("`$id,`$i") } } catch { }
    # A millisecond between writes, as an application's own work between statements gives: SQLite's
    # writers do not queue, and a writer that never lets go of the write lock would starve contract.
    [Threading.Thread]::Sleep(1)
}
`$log.Dispose()
`$connection.Dispose()
"@
        try {
            function Get-LoggedCount { if (Test-Path -LiteralPath "$base.log") { @(Get-Content -LiteralPath "$base.log").Count } else { 0 } }
            Wait-TestCondition { (Get-LoggedCount) -ge 20 } -TimeoutSeconds 30 -Because 'the writer to start writing'
            Complete-TestContract $db '0001_widen_amount'
            $after = Get-LoggedCount
            Wait-TestCondition { (Get-LoggedCount) -ge $after + 20 } -TimeoutSeconds 30 -Because 'the writer to write after contract'
        }
        finally {
            Set-Content -LiteralPath "$base.stop" -Value 'stop'
            if (-not $writer.WaitForExit(30000)) { $writer.Kill() }
        }
        $last = @{}
        foreach ($line in Get-Content -LiteralPath "$base.log") { $id, $v = $line.Split(','); $last[[int]$id] = [long]$v }
        $rows = @{}
        foreach ($row in Invoke-Sql $db "SELECT Id, Amount FROM $t") { $rows[[int]$row.Id] = $row.Amount }
        $lost = @($last.Keys | Where-Object { -not $rows.ContainsKey($_) -or [long]$rows[$_] -ne $last[$_] } | ForEach-Object { "$_ wrote $($last[$_]), holds $($rows[$_])" })
        $lost | Should -BeNullOrEmpty -Because "every committed write of the $($last.Count) rows written must survive contract"
        (Get-TestColumn $db 'Accounts' | Where-Object Name -eq 'Amount').Type | Should -Be 'bigint'
        Remove-Item -LiteralPath "$base.log", "$base.stop", $writer.ScriptPath, $writer.OutPath, $writer.ErrPath -Force -ErrorAction SilentlyContinue
    }
}
