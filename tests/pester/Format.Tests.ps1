# The default views of module/OnlineMigrations.Format.ps1xml, on objects the real cmdlets return
# from a SQLite database: each formats without errors, shows its headers, and leaves every
# property on the object. (Issue 13 reordered and narrowed the headers so that every view fits 80
# columns with what matters first; Views.Tests.ps1 checks the fit.)
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Samples = Join-Path $PSScriptRoot '../../samples'

    $script:Db = New-TestDatabase -Provider Sqlite
    Invoke-Sql $Db (Get-Content -LiteralPath (Join-Path $Samples 'baseline/sqlite.sql') -Raw)
    Invoke-Sql $Db "INSERT INTO [Instances] ([Id], [Name], [Host], [MemoryMb], [Location]) VALUES (1, 'vm-1', 'host-a', 1024, 'EUW1-R042'), (2, 'vm-2', 'host-b', 2048, 'EUW1-R043')"
    $cs = @{ ConnectionString = $Db.ConnectionString; Provider = 'Sqlite' }
    $path = Join-Path $Samples 'inventory'

    $script:Objects = @{
        MigrationDefinition = @(Get-Migration -Path $path)
        MigrationState      = @(Invoke-Expand @cs -Path $path -WarningAction SilentlyContinue)
        MigrationProgress   = @(Invoke-Migrate @cs)
    }
    $null = Request-Contract @cs -Id 0001_instances_compute_host
    $Objects.MigrationClient = @(Send-MigrationHeartbeat @cs -Application inventory-api -InstanceId web-1 -ObjectVersion 2.1 -Acknowledge 0001_instances_compute_host)
    $Objects.ContractReadiness = @(Test-ContractReady @cs)
    $Objects.GateCheck = @($Objects.ContractReadiness[0].Checks)
    $Objects.MigrationJournalEntry = @(Get-MigrationJournal @cs)
    $Objects.MigrationState += @(Get-MigrationState @cs)

    function script:Get-Header([object[]]$InputObject, [switch]$Table) {
        # The first non-empty line of the default (or table) output, split into column names.
        $text = if ($Table) { $InputObject | Format-Table -DisplayError | Out-String -Width 250 } else { $InputObject | Out-String -Width 250 }
        $line = @($text -split "`r?`n" | Where-Object { $_.Trim() })[0]
        @($line.Trim() -split '\s+')
    }
}

AfterAll {
    if ($Db) { Remove-TestDatabase $Db }
}

Describe 'The default view of <Type>' -ForEach @(
    @{ Type = 'MigrationDefinition'; Headers = 'Id', 'ObjectVersion', 'Window', 'Operations', 'Description'; Properties = 'Source', 'Checksum', 'Path', 'Operations' }
    @{ Type = 'MigrationState'; Headers = 'Id', 'Phase', 'Drift', 'Requested', 'LastError'; Properties = 'ContractRequestedAt', 'ContractRequestedBy', 'Checksum', 'DeprecationWindow', 'ObjectVersion' }
    @{ Type = 'MigrationProgress'; Headers = 'Id', 'RowsMigrated', 'RowsRemaining', 'Rows/s', 'Complete', 'ExitCode'; Properties = 'Batches', 'Duration', 'Phase', 'StoppedBecause', 'RowsPerSecond' }
    @{ Type = 'ContractReadiness'; Headers = 'Id', 'Phase', 'Ready', 'ExitCode', 'Failed'; Properties = 'Checks', 'Failed' }
    @{ Type = 'GateCheck'; Headers = 'Name', 'Result', 'Detail'; Properties = 'Passed' }
    @{ Type = 'MigrationClient'; Headers = 'Application', 'InstanceId', 'Status', 'ObjectVersion', 'LastSeen', 'Acknowledged'; Properties = 'FirstSeen', 'TimeToLive', 'Alive' }
    @{ Type = 'MigrationJournalEntry'; Headers = 'StartedAt', 'Id', 'Outcome', 'Duration', 'Step'; Properties = 'Sequence', 'Statement', 'Error', 'Login', 'Host', 'ProcessId', 'Reason' }
) {
    BeforeAll {
        $items = $Objects[$Type]
        $fullName = "OnlineMigrations.Engine.Model.$Type"
    }

    It 'has objects from the cmdlets to format' {
        $items.Count | Should -BeGreaterThan 0
        $items[0].GetType().FullName | Should -Be $fullName
    }

    It 'is defined by the module' {
        @(Get-FormatData -TypeName $fullName -PowerShellVersion $PSVersionTable.PSVersion).Count | Should -BeGreaterThan 0
    }

    It 'is a table with the expected headers' {
        Get-Header $items | Should -Be $Headers
        Get-Header $items -Table | Should -Be $Headers
    }

    It 'formats every object without an error' {
        $text = $items | Format-Table -DisplayError | Out-String -Width 250
        $text | Should -Not -Match '#ERR'
        { $items | Format-Table | Out-String } | Should -Not -Throw
        # One line per object at least (GateCheck wraps, so more is fine).
        @($text -split "`r?`n" | Where-Object { $_.Trim() }).Count | Should -BeGreaterOrEqual ($items.Count + 2)
    }

    It 'leaves every property on the object' {
        $names = $items[0].PSObject.Properties.Name
        foreach ($p in $Properties) { $names | Should -Contain $p }
        ($items[0] | Format-List -Property * | Out-String) | Should -Match ([regex]::Escape($Properties[0]))
    }
}

Describe 'The views show what a person needs' {
    It 'MigrationState shows when the contract was requested' {
        $state = $Objects.MigrationState | Where-Object { $_.Id -eq '0001_instances_compute_host' -and $_.ContractRequested } | Select-Object -First 1
        $state | Should -Not -BeNullOrEmpty
        ($state | Out-String -Width 250) | Should -Match ([regex]::Escape($state.ContractRequestedAt.ToString('yyyy-MM-dd HH:mm')))
    }

    It 'MigrationState truncates a long LastError to one short cell' {
        # The engine's types live in the module's own load context: reach them through an object.
        $type = $Objects.MigrationState[0].GetType()
        $long = [System.Management.Automation.LanguagePrimitives]::ConvertTo(@{ Id = '0099_x'; Phase = 'Expanding'; LastError = ('Lock request time out period exceeded. ' * 10) }, $type)
        $text = $long | Out-String -Width 250
        $text | Should -Match 'Lock request time out period exceeded'
        $text | Should -Match ([regex]::Escape([string][char]0x2026))
        @($text -split "`r?`n" | Where-Object { $_.Trim() }).Count | Should -Be 3
        $long.LastError.Length | Should -BeGreaterThan 300
    }

    It 'ContractReadiness lists the names of failed gates in its table' {
        $r = $Objects.ContractReadiness | Where-Object { -not $_.Ready } | Select-Object -First 1
        $failed = @($r.Checks | Where-Object { -not $_.Passed } | ForEach-Object Name)
        $failed.Count | Should -BeGreaterThan 0
        ($r | Out-String -Width 250) | Should -Match ([regex]::Escape($failed -join ', '))
    }

    It 'ContractReadiness has a list view with every check as a PASS/FAIL Name Detail line' {
        $r = $Objects.ContractReadiness[0]
        $text = $r | Format-List | Out-String -Width 250
        $text | Should -Not -Match '#ERR'
        foreach ($c in $r.Checks) {
            $mark = if ($c.Passed) { 'PASS' } else { 'FAIL' }
            $text | Should -Match ("$mark $([regex]::Escape($c.Name))\s+$([regex]::Escape($c.Detail.Substring(0, [Math]::Min(30, $c.Detail.Length))))")
        }
    }

    It 'GateCheck wraps a long detail instead of cutting it' {
        $gateCheck = $Objects.GateCheck[0].GetType()
        $c = $gateCheck::new('NoDependents', $false, ('view dbo.V' + ('x' * 20) + ' references column dbo.Instances.Host; ') * 8)
        $text = $c | Out-String -Width 100
        ($text -replace '\s', '') | Should -Match ([regex]::Escape(($c.Detail -replace '\s', '')))
    }

    It 'MigrationClient joins its acknowledgements' {
        ($Objects.MigrationClient | Out-String -Width 250) | Should -Match '0001_instances_compute_host'
    }
}
