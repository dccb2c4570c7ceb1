<#
    Output that fits (issue 13, item 6): every default view of the module's objects, rendered with
    Out-String -Width 80, has no wrapped header (the header line is followed by its underline) and no
    line past 80 columns; the journal view shows Outcome and Duration and a failed step looks failed;
    Test-ContractReady | Export-Csv gives readable columns; no progress bar is left open when a
    command ends, and a backfill's status text stays within 80 columns.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'

    $script:db = New-TestDatabase -Provider Sqlite
    Initialize-TestInventory $db -Rows 300
    $script:om = Get-TestConnectionParameters $db
    $script:folder = New-TestMigrationFolder $db
    $script:Objects = [ordered]@{}
    $Objects.MigrationDefinition = @(Get-Migration -Path $folder)
    $Objects.MigrationState = @(Invoke-Expand @om -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue)
    $Objects.MigrationProgress = @(Invoke-Migrate @om -Confirm:$false)
    $null = Request-Contract @om -Id $First -Confirm:$false
    $Objects.MigrationClient = @(Send-MigrationHeartbeat @om -Application inventory-api -InstanceId inventory-api-7f9c2a41 -ObjectVersion 2.0 -Acknowledge $First, '0002_split_location')
    $Objects.ContractReadiness = @(Test-ContractReady @om)
    $Objects.GateCheck = @($Objects.ContractReadiness[0].Checks)
    # A step that fails, for the journal: an expand whose SQL cannot run.
    $bad = New-TestMigrationFolder $db -Files @{ '0009_fails.json' = '{ "operations": [ { "sql": { "expand": "CREATE TABLE Instances (Id int)" } } ] }' }
    Invoke-Expand @om -Path $bad -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
    Remove-Item -LiteralPath $bad -Recurse -Force
    $Objects.MigrationJournalEntry = @(Get-MigrationJournal @om)
    $Objects.MigrationState += @(Get-MigrationState @om -Path $folder)
}
AfterAll { Remove-TestWorkspace $db -Folder $folder }

Describe 'The default view of <_> at 80 columns' -ForEach @('MigrationDefinition', 'MigrationState', 'MigrationProgress', 'ContractReadiness', 'GateCheck', 'MigrationClient', 'MigrationJournalEntry') {
    It 'has no wrapped header and no line over 80 columns' {
        $items = $Objects[$_]
        $items.Count | Should -BeGreaterThan 0
        $lines = @(($items | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[1] | Should -Match '^-+( +-+)*\s*$' -Because "the header of $_ is one line, followed by its underline:`n$($lines[0..2] -join "`n")"
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'What the views show first' {
    It 'the journal shows Outcome and Duration at 80 columns, and a failed step in capitals' {
        $text = $Objects.MigrationJournalEntry | Out-String -Width 80
        $header = @($text -split "`r?`n" | Where-Object { $_.Trim() })[0]
        $header | Should -Match '\bOutcome\b'
        $header | Should -Match '\bDuration\b'
        $failed = @($Objects.MigrationJournalEntry | Where-Object Outcome -EQ 'Failed')
        $failed.Count | Should -BeGreaterThan 0
        ($failed | Out-String -Width 80) | Should -Match '\bFAILED\b'
    }

    It 'MigrationState shows Phase and LastError at 80 columns' {
        $header = @(($Objects.MigrationState | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })[0]
        $header | Should -Match '\bPhase\b'
        $header | Should -Match '\bLastError\b'
    }

    It 'Test-ContractReady | Export-Csv gives readable columns: the failed gates by name, every gate with its result' {
        $file = Join-Path ([IO.Path]::GetTempPath()) "om-views-$([guid]::NewGuid().ToString('N')).csv"
        try {
            Test-ContractReady @om | Export-Csv -LiteralPath $file
            $row = @(Import-Csv -LiteralPath $file)[0]
            $expected = @($Objects.ContractReadiness[0].Checks | Where-Object { -not $_.Passed } | ForEach-Object Name) -join '; '
            $row.Failed | Should -Be $expected
            $row.Checks | Should -BeLike 'ExpandComplete=Pass; *'
            (Get-Content -Raw -LiteralPath $file) | Should -Not -Match 'System\.|OnlineMigrations\.Engine'
            $row.Server | Should -Not -BeNullOrEmpty
            $row.Database | Should -Be $db.Path
        }
        finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Progress bars' {
    It 'Invoke-Migrate leaves no bar open, and its status text fits 80 columns' {
        $null = Invoke-Migrate @om -Confirm:$false   # a second pass over the same rows: nothing to do
        $fresh = New-TestDatabase -Provider Sqlite
        try {
            Initialize-TestInventory $fresh -Rows 2000
            $fom = Get-TestConnectionParameters $fresh
            $null = Invoke-Expand @fom -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue
            $ps = [powershell]::Create()
            $null = $ps.AddScript('param($Module, $Om) Import-Module $Module; Invoke-Migrate @Om -BatchSize 100 -Confirm:$false').AddArgument((Get-TestModulePath)).AddArgument($fom)
            $null = $ps.Invoke()
            $records = @($ps.Streams.Progress)
            $ps.Dispose()
            $records.Count | Should -BeGreaterThan 1
            foreach ($activity in $records.ActivityId | Sort-Object -Unique) {
                @($records | Where-Object ActivityId -EQ $activity)[-1].RecordType | Should -Be 'Completed' -Because "activity $activity must be completed when the command ends"
            }
            foreach ($r in $records | Where-Object RecordType -EQ 'Processing') {
                $r.StatusDescription.Length | Should -BeLessOrEqual 60 -Because "'$($r.StatusDescription)' leaves room for the bar in 80 columns"
            }
            @($records | Where-Object { $_.StatusDescription -match ' of [\d,]+ rows' }).Count | Should -BeGreaterThan 0
        }
        finally { Remove-TestWorkspace $fresh }
    }
}
