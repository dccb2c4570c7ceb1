<#
    Secrets: a distinctive password (and access token) given to the cmdlets must appear nowhere the
    module writes: not in output objects, the verbose, warning or error streams (messages,
    Exception.ToString(), ErrorDetails, TargetObject, the formatted record), nor in the journal.
    SQL Server paths point at 127.0.0.1,1 (nothing listens), so they run without a server; SQLite
    rejects unknown keywords, so its secret goes in Password= (refused: no encryption in e_sqlite3).
#>
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module "$PSScriptRoot/../soak/SoakHelpers.psm1" -Force

    $script:Secret = 'Zq9-Pa55w0rd-7731-K'
    $script:Token = 'eyJ0eXAiOiJKV1Qi.SECRET-TOKEN-4417'

    # Everything a cmdlet call leaves behind, as text: every stream (with -Verbose), the terminating
    # error if any, each record rendered every way a log or a pipeline task would render it.
    function Get-Trace([scriptblock]$Call) {
        $records = [Collections.Generic.List[object]]::new()
        try { & $Call *>&1 | ForEach-Object { $records.Add($_) } }
        catch { $records.Add($_) }
        foreach ($r in $records) {
            "$r"
            $r | Out-String -Width 400
            $r | Format-List * -Force | Out-String -Width 400
            if ($r -is [Management.Automation.ErrorRecord]) {
                $r.Exception.ToString()
                $r.Exception | Format-List * -Force | Out-String -Width 400
                $r.ErrorDetails.Message; $r.ErrorDetails.RecommendedAction
                "$($r.TargetObject)"; $r.FullyQualifiedErrorId
                $inner = $r.Exception.InnerException
                while ($inner) { $inner | Format-List * -Force | Out-String -Width 400; $inner = $inner.InnerException }
            }
            elseif ($r -is [Management.Automation.InformationalRecord]) { $r.Message }   # (its InvocationInfo holds PowerShell's own bound parameters)
            elseif ($r -isnot [string]) { $r | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue }
        }
    }
}

Describe 'Secrets on SQL Server connection strings (nothing listening at 127.0.0.1,1)' {
    BeforeAll {
        $db = New-SoakDatabase -Provider Sqlite -Rows 50
        $folder = New-TestMigrationFolder $db
        $cs = "Server=127.0.0.1,1;Database=inventory;User ID=deployer;Password=$Secret;Connect Timeout=2;Encrypt=false"
        $ss = @{ ConnectionString = $cs; Provider = 'SqlServer' }
    }
    AfterAll { Remove-TestWorkspace $db -Folder $folder }

    It '<Name> never shows the password' -ForEach @(
        @{ Name = 'Get-MigrationState'; Call = { Get-MigrationState @ss -Path $folder -Verbose } }
        @{ Name = 'Invoke-Expand'; Call = { Invoke-Expand @ss -Path $folder -Confirm:$false -Verbose } }
        @{ Name = 'Invoke-Expand -WhatIf'; Call = { Invoke-Expand @ss -Path $folder -WhatIf -Verbose } }
        @{ Name = 'Invoke-Migrate'; Call = { Invoke-Migrate @ss -Confirm:$false -Verbose } }
        @{ Name = 'Test-ContractReady'; Call = { Test-ContractReady @ss -Verbose } }
        @{ Name = 'Request-Contract'; Call = { Request-Contract @ss -Id 0001_instances_compute_host -Confirm:$false -Verbose } }
        @{ Name = 'Invoke-Contract'; Call = { Invoke-Contract @ss -Confirm:$false -Verbose } }
        @{ Name = 'Undo-Expand'; Call = { Undo-Expand @ss -Id 0001_instances_compute_host -Confirm:$false -Verbose } }
        @{ Name = 'Get-MigrationJournal'; Call = { Get-MigrationJournal @ss -Verbose } }
        @{ Name = 'Send-MigrationHeartbeat'; Call = { Send-MigrationHeartbeat @ss -Application app -InstanceId i1 -ObjectVersion 2.0 -Verbose } }
        @{ Name = 'Get-MigrationClient'; Call = { Get-MigrationClient @ss -Verbose } }
        @{ Name = 'Remove-MigrationClient'; Call = { Remove-MigrationClient @ss -InstanceId i1 -Confirm:$false -Verbose } }
        @{ Name = 'Install-MigrationStore'; Call = { Install-MigrationStore @ss -Confirm:$false -Verbose } }
        @{ Name = 'a static access token'; Call = { Get-MigrationState -Provider SqlServer -ConnectionString 'Server=127.0.0.1,1;Database=inventory;Connect Timeout=2' -AccessToken $Token -Verbose } }
        @{ Name = 'an unreadable connection string'; Call = { Get-MigrationState -Provider SqlServer -ConnectionString "Server=127.0.0.1,1;Password=$Secret;Nonsense Keyword=$Secret" -Verbose } }
    ) {
        $text = (Get-Trace $Call) -join "`n"
        $text | Should -Not -BeNullOrEmpty
        $text | Should -Match '(ConnectionFailed|InvalidConnection|PermissionDenied)' -Because 'the call fails on the connection'
        $leak = ($text -split "`n" | Where-Object { $_.Contains($Secret) }) -join "`n"
        $leak | Should -BeNullOrEmpty -Because 'the password must never be shown'
        $text.Contains($Token) | Should -BeFalse -Because 'the access token must never be shown'
        if ($Name -ne 'an unreadable connection string') { $text | Should -Match '127\.0\.0\.1,1' -Because 'the error names the server' }
    }

    It 'ConnectionFailed names the server and the database, with the migration-less target and an action' {
        $e = $null
        try { Get-MigrationState @ss -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        "$($e.CategoryInfo.Category)" | Should -Be 'ConnectionError'
        $e.Exception.Message | Should -Match "server '127\.0\.0\.1,1', database 'inventory'"
        $e.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}

Describe 'Secrets on SQLite' {
    BeforeAll {
        $db = New-SoakDatabase -Provider Sqlite -Rows 50
        $folder = New-TestMigrationFolder $db
        $om = Get-TestConnectionParameters $db
        $withSecret = @{ ConnectionString = "Data Source=$($db.Path);Password=$Secret"; Provider = 'Sqlite' }
    }
    AfterAll { Remove-TestWorkspace $db -Folder $folder }

    It 'a Password= the SQLite build cannot use is refused without showing it (<Name>)' -ForEach @(
        @{ Name = 'Invoke-Expand'; Call = { Invoke-Expand @withSecret -Path $folder -Confirm:$false -Verbose } }
        @{ Name = 'Get-MigrationState'; Call = { Get-MigrationState @withSecret -Verbose } }
        @{ Name = 'Send-MigrationHeartbeat'; Call = { Send-MigrationHeartbeat @withSecret -Application app -InstanceId i1 -ObjectVersion 2.0 -Verbose } }
        @{ Name = '-AccessToken'; Call = { Get-MigrationState @om -AccessToken $Token -Verbose } }
    ) {
        $text = (Get-Trace $Call) -join "`n"
        $text | Should -Match '(ConnectionFailed|InvalidConnection)'
        $text.Contains($Secret) | Should -BeFalse
        $text.Contains($Token) | Should -BeFalse
    }

    It 'a full expand / migrate / contract run with -Verbose, then the journal, never shows the secret' {
        # The failed attempts above and a full run: the journal records failures and steps; none carries the secret.
        $folder0 = New-SoakMigrationFolder $db
        try {
            $trace = @(
                Get-Trace { Invoke-Expand @withSecret -Path $folder0 -Confirm:$false -Verbose }
                Get-Trace { Invoke-Expand @om -Path $folder0 -Confirm:$false -Verbose }
                Get-Trace { Invoke-Migrate @om -Confirm:$false -Verbose }
                Get-Trace { Request-Contract @om -Id 0001_instances_compute_host -Confirm:$false -Verbose }
                Get-Trace { Register-MigrationClient @om -None -Reason 'test database' -Confirm:$false -Verbose }
                Get-Trace { Invoke-Contract @om -Id 0001_instances_compute_host -Confirm:$false -Verbose }
                Get-Trace { Get-MigrationJournal @om | Format-List * -Force | Out-String -Width 400 }
                Get-Trace { Get-MigrationState @om | ConvertTo-Json }
            ) -join "`n"
            (Get-MigrationState @om | Where-Object Id -EQ 0001_instances_compute_host).Phase | Should -Be 'Completed'
            $trace.Contains($Secret) | Should -BeFalse
            $journal = Invoke-Sql $db 'SELECT * FROM OnlineMigrations_Journal' | ConvertTo-Json -Depth 3
            $journal.Contains($Secret) | Should -BeFalse
            $store = Invoke-Sql $db "SELECT group_concat(name) AS n FROM sqlite_master WHERE name LIKE 'OnlineMigrations\_%' ESCAPE '\' AND type = 'table'"
            foreach ($t in $store.n -split ',') { (Invoke-Sql $db "SELECT * FROM [$t]" | ConvertTo-Json -Depth 3) | Should -Not -Match ([regex]::Escape($Secret)) }
        }
        finally { Remove-Item -LiteralPath $folder0 -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
