<#
    Numbers where people type numbers (issue 13, item 7): a duration parameter takes a plain number as
    seconds (-TimeToLive 600 is ten minutes, not 600 ticks), a TimeSpan, '00:10:00' or 'PT10M'; text
    that is no duration is refused at binding with a message that says what to write.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Durations on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 0
        $script:clients = if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Client' } else { "[$(Get-TestStoreSchema $db)].[Client]" }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db } }

    It '-TimeToLive <Shown> is stored as 600 seconds' -Skip:$Skip -ForEach @(
        @{ Shown = '600 (a number)'; Value = 600 }
        @{ Shown = "'600' (text)"; Value = '600' }
        @{ Shown = "'00:10:00'"; Value = '00:10:00' }
        @{ Shown = 'a TimeSpan'; Value = [TimeSpan]::FromMinutes(10) }
        @{ Shown = "'PT10M'"; Value = 'PT10M' }
    ) {
        $null = Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion 2.0 -TimeToLive $Value
        (Invoke-Sql $db "SELECT TimeToLiveSeconds AS s FROM $clients WHERE InstanceId = 'i1'").s | Should -Be 600
    }

    It 'text that is no duration is refused at binding, saying what to write, and nothing is written' -Skip:$Skip {
        $err = $null
        try { Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion 2.0 -TimeToLive 'ten minutes' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        "$err" | Should -BeLike "*Give seconds (600)*"
    }
}

Describe 'A plain-number -RunnerTimeout is seconds (SQLite)' {
    BeforeEach {
        $script:db = New-TestDatabase -Provider Sqlite
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { Remove-TestWorkspace $db -Folder $folder }

    It '-RunnerTimeout 6 waits about six seconds for the holder before RunnerBusy' {
        $held = [IO.FileStream]::new("$($db.Path).onlinemigrations.lock", 'OpenOrCreate', 'ReadWrite', 'None')
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        try { Invoke-Expand @om -Path $folder -RunnerTimeout 6 -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        finally { $held.Dispose() }
        $watch.Stop()
        $err.FullyQualifiedErrorId | Should -BeLike 'RunnerBusy,*'
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 5.5 -Because '6 is six seconds, not six ticks (a refusal without waiting takes about 3 s here)'
    }
}
