<#
    Connecting like dbatools (issue 13, item 1): beside -ConnectionString, every database cmdlet takes
    -SqlInstance / -Database / -SqlCredential (a PSCredential that SqlClient receives as a SqlCredential);
    -Provider Sqlite -Database takes a file. Every output object carries Server and Database (in list
    views, for Group-Object and Export-Csv), and the credential's password appears nowhere: not in an
    object, a verbose or warning line, an error, or the journal in the database.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'

    # The keywords of a connection string (lower-case keys), without a SqlClient of our own.
    function script:Split-ConnectionString([string]$ConnectionString) {
        $kv = @{}
        foreach ($part in $ConnectionString -split ';') {
            if ($part -match '^\s*([^=]+?)\s*=(.*)$') { $kv[$Matches[1].ToLowerInvariant()] = $Matches[2] }
        }
        $kv
    }
    # Everything a command writes, every stream, each record rendered the ways a log would render it.
    function script:Get-Everything([scriptblock]$Call) {
        $records = [Collections.Generic.List[object]]::new()
        try { & $Call *>&1 | ForEach-Object { $records.Add($_) } } catch { $records.Add($_) }
        $text = foreach ($r in $records) {
            "$r"
            $r | Format-List * -Force | Out-String -Width 500
            if ($r -is [System.Management.Automation.ErrorRecord]) { $r.Exception.ToString(); $r.ErrorDetails.Message; $r.ErrorDetails.RecommendedAction }
            elseif ($r -isnot [string]) { $r | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue }
        }
        [pscustomobject]@{ Records = $records.ToArray(); Text = ($text -join "`n") }
    }
}

Describe 'SqlCredential on SqlServer' -Skip:(-not $env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
    BeforeAll {
        $script:db = New-TestDatabase -Provider SqlServer
        Initialize-TestInventory $db -Rows 20
        $script:folder = New-TestMigrationFolder $db
        $kv = Split-ConnectionString $db.ConnectionString
        $script:server = $kv['data source'] ?? $kv['server']
        $script:database = $kv['initial catalog'] ?? $kv['database']
        $script:password = $kv['password']
        $script:cred = [pscredential]::new(($kv['user id'] ?? $kv['uid']), (ConvertTo-SecureString $password -AsPlainText -Force))
        $script:si = @{ SqlInstance = $server; Database = $database; SqlCredential = $cred; Encrypt = 'Optional'; StoreSchema = (Get-TestStoreSchema $db) }
        if (-not (Test-TestOnlineIndex $db)) { $si['AllowOffline'] = $true }
        $script:traces = [Collections.Generic.List[string]]::new()
    }
    AfterAll { Remove-TestWorkspace $db -Folder $folder }

    It 'Invoke-Expand, Invoke-Migrate and Test-ContractReady work with -SqlInstance -Database -SqlCredential' {
        $siExpand = $si.Clone()
        $t = Get-Everything { Invoke-Expand @siExpand -Path $folder -Id $First -Confirm:$false -Verbose }
        $traces.Add($t.Text)
        $state = @($t.Records | Where-Object { $_.GetType().Name -eq 'MigrationState' })
        "$($state[0].Phase)" | Should -Be 'Expanded'
        (Get-TestColumn $db 'Instances').Name | Should -Contain 'ComputeHost'
        $siRead = $si.Clone(); $siRead.Remove('AllowOffline')
        $t = Get-Everything { Invoke-Migrate @siRead -Confirm:$false -Verbose }
        $traces.Add($t.Text)
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $(Get-TestTableName $db 'Instances') WHERE ComputeHost IS NULL AND Host IS NOT NULL").n | Should -Be 0
        $t = Get-Everything { Test-ContractReady @siRead -Verbose }
        $traces.Add($t.Text)
        $ready = @($t.Records | Where-Object { $_.GetType().Name -eq 'ContractReadiness' })
        $ready[0].Server | Should -Be $server
        $ready[0].Database | Should -Be $database
    }

    It 'every output object names the server and the database, also in its list view and in Export-Csv' {
        $siRead = $si.Clone(); $siRead.Remove('AllowOffline')
        $null = Send-MigrationHeartbeat @siRead -Application app -InstanceId i1 -ObjectVersion 2.0
        $objects = @(
            Get-MigrationState @siRead
            Get-MigrationJournal @siRead -Last 3
            Get-MigrationClient @siRead
            Test-ContractReady @siRead
        )
        $objects.Count | Should -BeGreaterThan 3
        foreach ($o in $objects) {
            $o.Server | Should -Be $server -Because "$($o.GetType().Name) names its server"
            $o.Database | Should -Be $database -Because "$($o.GetType().Name) names its database"
            ($o | Format-List | Out-String -Width 200) | Should -Match "Database\s+:\s+$([regex]::Escape($database))"
        }
        $csv = @(Get-MigrationState @siRead | ConvertTo-Csv | ConvertFrom-Csv)
        $csv[0].Server | Should -Be $server
        @(Get-MigrationState @siRead | Group-Object Server, Database).Count | Should -Be 1
    }

    It 'a wrong password is PermissionDenied, terminating, and names neither password' {
        $bad = [pscredential]::new($cred.UserName, (ConvertTo-SecureString 'Wr0ng-Pa55-h13-x' -AsPlainText -Force))
        $t = Get-Everything { Get-MigrationState -SqlInstance $server -Database $database -SqlCredential $bad -Encrypt Optional -ErrorAction SilentlyContinue }
        $traces.Add($t.Text)
        $err = @($t.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
        $err.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        $t.Text | Should -Not -Match 'Wr0ng-Pa55-h13-x'
    }

    It 'a per-item error and -WhatIf with a credential name no password' {
        $siRead = $si.Clone(); $siRead.Remove('AllowOffline')
        $t = Get-Everything { Request-Contract @siRead -Id '9999_nope' -Confirm:$false -ErrorAction Continue -Verbose }
        $traces.Add($t.Text)
        @($t.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0].FullyQualifiedErrorId | Should -BeLike 'MigrationNotFound,*'
        $t = Get-Everything { Invoke-Contract @siRead -Id $First -WhatIf -Verbose }
        $traces.Add($t.Text)
    }

    It 'the password is in no output, verbose line, warning, error, nor in the journal or the store' {
        $traces.Count | Should -BeGreaterThan 4
        ($traces -join "`n") | Should -Not -Match ([regex]::Escape($password))
        $store = Get-TestStoreSchema $db
        $journal = (Invoke-Sql $db "SELECT * FROM [$store].[Journal]" | ConvertTo-Json -Depth 3)
        $journal | Should -Not -BeNullOrEmpty
        $journal | Should -Not -Match ([regex]::Escape($password))
        (Invoke-Sql $db "SELECT * FROM [$store].[Migration]" | ConvertTo-Json -Depth 3) | Should -Not -Match ([regex]::Escape($password))
        (Invoke-Sql $db "SELECT * FROM [$store].[Runner]" | ConvertTo-Json -Depth 3) | Should -Not -Match ([regex]::Escape($password))
    }

    It '-SqlCredential beside a password in the connection string is refused (one way to log in)' {
        $err = $null
        try { Get-MigrationState -ConnectionString $db.ConnectionString -SqlCredential $cred -StoreSchema (Get-TestStoreSchema $db) -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnection,*'
        ($err | Out-String) + $err.Exception.ToString() | Should -Not -Match ([regex]::Escape($password))
    }
}

Describe 'Connection parameters on SQLite' {
    BeforeEach {
        $script:db = New-TestDatabase -Provider Sqlite
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { Pop-Location -ErrorAction SilentlyContinue; Remove-TestWorkspace $db -Folder $folder }

    It '-Provider Sqlite -Database takes the file, relative to the current location, and objects name it' {
        Push-Location (Split-Path $db.Path)
        $state = @(Invoke-Expand -Provider Sqlite -Database (Split-Path -Leaf $db.Path) -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        "$($state[0].Phase)" | Should -Be 'Expanded'
        $state[0].Database | Should -Be $db.Path
        $state[0].Server | Should -Be ([Environment]::MachineName)
        (Get-TestColumn $db 'Instances').Name | Should -Contain 'ComputeHost'
    }

    It 'both -ConnectionString and -Database, or neither, is InvalidArgument' {
        $err = $null
        try { Get-MigrationState -Provider Sqlite -ConnectionString $db.ConnectionString -Database $db.Path -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        $err = $null
        try { Get-MigrationState -Provider Sqlite -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        $err = $null
        try { Get-MigrationState -Provider Sqlite -SqlInstance 'sql01' -Database $db.Path -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
    }

    It 'a SQLite file given to the default provider says to use -Provider Sqlite' {
        $err = $null
        try { Get-MigrationState -ConnectionString "Data Source=$($db.Path)" -ErrorAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*-Provider Sqlite*'
    }
}
