# The backfill's throttle on SQL Server reads the server's log and availability-group measures. A
# server that gives no such signal (no VIEW SERVER STATE, or an engine without those views, such as
# the T-SQL test engine) must not stop the migration: the run says that it continues
# unthrottled and why, and migrates every row. (Pausing and giving up after the maximum pause need
# a server over its limits: ThrottleLoopTests in the xunit suite feeds the loop signal rows, and
# ThrottleTests covers which measure is over which limit.)
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

# SQL Server only: SQLite has no throttle measures (a single-file database has no replicas or log to wait for).
Describe 'The backfill throttle on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -EQ 'SqlServer') {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestInventory $db -Rows 300
            $script:folder = New-TestInventoryFolder $db -Include '0001'
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'a server that gives no throttle signal: the run says it continues unthrottled, and migrates every row' -Skip:$Skip {
        $signal = $true
        try { $null = Invoke-Sql $db 'SELECT used_log_space_in_percent FROM sys.dm_db_log_space_usage' }
        catch { $signal = $false }

        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        # 30 batches 100 ms apart: the throttle is consulted about once a second, so several times here.
        $messages = @(Invoke-Migrate @om -BatchSize 10 -Delay '00:00:00.1' -Confirm:$false -Verbose -ErrorAction Stop 4>&1)
        $runs = @($messages | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($messages | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $runs | ForEach-Object { $_.ExitCode | Should -Be 0 }
        $t = Get-TestTableName $db 'Instances'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $t WHERE ComputeHost IS NULL AND Host IS NOT NULL").n | Should -Be 0 -Because 'every row was migrated'

        $unavailable = @($verbose | Where-Object { $_ -like '*throttle measures unavailable*continuing without them*' })
        if ($signal) {
            $unavailable | Should -HaveCount 0 -Because 'this server answers the throttle probe'
        }
        else {
            $unavailable | Should -HaveCount 1 -Because "the server gives no signal, so the run must say once that it is unthrottled, not at every check: $($verbose -join ' | ')"
            $unavailable[0] | Should -BeLike '*0001_instances_compute_host*VIEW SERVER STATE*'
        }
    }
}
