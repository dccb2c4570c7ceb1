<#
    One runner at a time: four child pwsh processes start Invoke-Expand on the same folder and
    database at the same moment. Exactly one does the work; the others fail with RunnerBusy naming
    the holder (its process id), or, with -RunnerTimeout, wait and then find nothing to do. The
    journal shows each step exactly once. The first migration has a slow expand step so the runners
    really overlap.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module "$PSScriptRoot/../soak/SoakHelpers.psm1" -Force

    function Start-Runners([psobject]$Database, [string]$Folder, [string]$Extra, [int]$Count = 4) {
        $go = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-go-$([guid]::NewGuid().ToString('N'))"
        $ready = 1..$Count | ForEach-Object { "$go.ready$_" }
        $children = foreach ($i in 1..$Count) {
            Start-TestPwsh -Script @"
`$om = $(Get-SoakConnection $Database)
`$null = Get-MigrationState @om
Set-Content -LiteralPath '$($ready[$i - 1])' -Value ready
while (-not (Test-Path -LiteralPath '$go')) { Start-Sleep -Milliseconds 2 }
`$result = [ordered]@{ Pid = `$PID; Outcome = ''; ErrorId = ''; Message = ''; Ids = @() }
try {
    `$states = @(Invoke-Expand @om -Path '$Folder' -Confirm:`$false -WarningAction SilentlyContinue $Extra)
    `$result.Outcome = if (`$states.Count) { 'Worked' } else { 'Nothing' }
    `$result.Ids = @(`$states | ForEach-Object Id)
}
catch {
    `$result.Outcome = 'Error'; `$result.ErrorId = `$_.FullyQualifiedErrorId; `$result.Message = `$_.Exception.Message
}
`$result | ConvertTo-Json -Compress
"@
        }
        # Start them together once every child has loaded the module.
        Wait-TestCondition -TimeoutSeconds 90 -Because 'all runners to be ready' -Condition { @($ready | Where-Object { Test-Path -LiteralPath $_ }).Count -eq $Count }
        Set-Content -LiteralPath $go -Value go
        $results = foreach ($c in $children) {
            if (-not $c.WaitForExit(120000)) { Stop-Process -Id $c.Id -Force; throw "runner $($c.Id) hung" }
            $text = Get-Content -Raw -LiteralPath $c.OutPath
            if (-not $text) { throw "runner $($c.Id) wrote nothing: $(Get-Content -Raw -LiteralPath $c.ErrPath)" }
            $text | ConvertFrom-Json
            Remove-Item -LiteralPath $c.OutPath, $c.ErrPath, $c.ScriptPath -Force -ErrorAction SilentlyContinue
        }
        Remove-Item -LiteralPath (@($go) + $ready) -Force -ErrorAction SilentlyContinue
        @($results)
    }

    function Assert-JournalOnce([psobject]$Database) {
        $om = Get-TestConnectionParameters $Database
        $steps = @(Get-MigrationJournal @om | Where-Object { $_.Step -and $_.Outcome -eq 'Succeeded' })
        $steps.Count | Should -BeGreaterThan 0
        $dupes = @($steps | Group-Object Id, Step | Where-Object Count -GT 1 | ForEach-Object Name)
        $dupes | Should -BeNullOrEmpty -Because 'each expand step runs exactly once'
        @(Get-MigrationJournal @om | Where-Object Outcome -EQ 'Failed') | Should -BeNullOrEmpty
        @(Get-MigrationState @om | Where-Object Phase -NE 'Expanded') | Should -BeNullOrEmpty
        @(Get-MigrationState @om).Count | Should -Be 4
    }
}

Describe 'Four runners at once on <Provider>' -ForEach @(Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $db = New-SoakDatabase -Provider $Provider -Rows 2000
            $slow = if ($Provider -eq 'Sqlite') {
                'CREATE TABLE SlowWork AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2500000) SELECT count(*) AS n FROM c'
            }
            # A two-second busy loop (not WAITFOR, which the T-SQL test engine lacks).
            else { "DECLARE @until datetime2 = DATEADD(second, 2, SYSUTCDATETIME()), @n int = 0;`nWHILE SYSUTCDATETIME() < @until SET @n += 1;" }
            $files = @{ '0000_slow.json' = (@{ description = 'a slow expand step'; operations = @(@{ sql = @{ expand = $slow } }) } | ConvertTo-Json -Depth 5) }
            $folder = New-TestMigrationFolder $db -Source (Join-Path $PSScriptRoot '../../samples/inventory') -Files $files
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'lets exactly one work; the others fail with RunnerBusy naming it' -Skip:$Skip {
        $results = Start-Runners $db $folder ''
        $results.Count | Should -Be 4
        $worker = @($results | Where-Object Outcome -EQ 'Worked')
        $worker.Count | Should -Be 1 -Because ($results | ConvertTo-Json)
        @($worker[0].Ids) | Should -Be @('0000_slow', '0001_instances_compute_host', '0002_split_location', '0003_drop_legacy_quotas')
        $others = @($results | Where-Object Outcome -NE 'Worked')
        foreach ($o in $others) {
            # A runner that started after the worker finished finds nothing to do; one that overlapped is refused.
            $o.Outcome | Should -BeIn 'Error', 'Nothing'
            if ($o.Outcome -eq 'Error') {
                $o.ErrorId | Should -BeLike 'RunnerBusy*'
                $o.Message | Should -Match "process $($worker[0].Pid)\b" -Because 'the refusal names the holder'
                $o.Message | Should -Match 'Invoke-Expand'
            }
        }
        @($others | Where-Object Outcome -EQ 'Error').Count | Should -BeGreaterThan 0 -Because 'the slow step keeps the lock while the others start'
        Assert-JournalOnce $db
    }

    It 'with -RunnerTimeout the others wait, then find nothing to do' -Skip:$Skip {
        $results = Start-Runners $db $folder '-RunnerTimeout 00:01:30'
        $results.Count | Should -Be 4
        @($results | Where-Object Outcome -EQ 'Worked').Count | Should -Be 1 -Because ($results | ConvertTo-Json)
        @($results | Where-Object Outcome -EQ 'Nothing').Count | Should -Be 3 -Because ($results | ConvertTo-Json)
        Assert-JournalOnce $db
    }
}
