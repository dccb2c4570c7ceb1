<#
    Application load during every phase: a workload child process runs old-code writers (write Host
    and MemoryMb, stamp '1.0'), new-code writers (write ComputeHost, stamp '2.0', from the moment
    expand added it) and readers while expand, migrate, request/acknowledge and contract of
    0001_instances_compute_host proceed. Checked at the end: no mismatch between Host and ComputeHost
    (nor MemoryMb and its shadow) while both existed, sampled by the readers during the run and by
    the test after migrate; no lost or duplicated row; every writer error counted and explained —
    the only acceptable ones are old-code writes failing after contract started (Host is gone).
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module "$PSScriptRoot/../soak/SoakHelpers.psm1" -Force
}

Describe 'Application load during expand, migrate and contract on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -EQ 'Sqlite') {
    BeforeAll {
        $db = New-SoakDatabase -Provider Sqlite -Rows 5000
        $folder = New-SoakMigrationFolder $db
        Remove-Item (Join-Path $folder '0002_split_location.json'), (Join-Path $folder '0003_drop_legacy_quotas.json')
        $om = Get-TestConnectionParameters $db
        $stop = "$($db.Path).stop"
        $result = "$($db.Path).workload.json"
        $demo = (Resolve-Path (Join-Path $PSScriptRoot '../../samples/DemoDatabase.psm1')).Path
        $child = Start-TestPwsh -Script @"
Import-Module '$demo' -Force
`$db = Open-DemoDatabase -ModuleManifest '$(Get-TestModulePath)' -Path '$($db.Path)'
`$random = [Random]::new(7)
`$oldIds = [Collections.Generic.List[long]]::new(); `$newIds = [Collections.Generic.List[long]]::new()
`$errors = [Collections.Generic.List[object]]::new()
`$samples = 0; `$mismatches = [Collections.Generic.List[string]]::new(); `$reads = 0
`$hasCompute = `$false; `$hasHost = `$true; `$i = 0
function Now { [DateTime]::UtcNow.Ticks }
function Try-Op([string]`$Who, [scriptblock]`$Op) {
    try { & `$Op; `$true } catch { `$errors.Add([pscustomobject]@{ Who = `$Who; At = (Now); Message = `$_.Exception.InnerException.Message ?? `$_.Exception.Message }); `$false }
}
while (-not (Test-Path -LiteralPath '$stop')) {
    `$i++
    if (`$i % 10 -eq 1) {
        `$cols = @(Invoke-DemoSql `$db "SELECT name FROM pragma_table_info('Instances')" | ForEach-Object name)
        `$hasCompute = `$cols -contains 'ComputeHost'; `$hasHost = `$cols -contains 'Host'; `$hasVersion = `$cols -contains 'ObjectVersion'
    }
    # Old code (release 1): writes Host and MemoryMb; stamps 1.0 once the version column exists.
    `$id = 10000000 + `$i
    `$stamp = if (`$hasVersion) { ', ObjectVersion' } else { '' }; `$stampValue = if (`$hasVersion) { ", '1.0'" } else { '' }
    if (Try-Op 'old' { Invoke-DemoSql `$db "INSERT INTO Instances (Id, Name, Host, MemoryMb, Location`$stamp) VALUES (@id, 'old-' || @id, 'old-host-' || @id, 2048, 'EUW1-R001'`$stampValue)" -Parameters @{ id = `$id } }) { `$oldIds.Add(`$id) }
    `$target = `$random.Next(1, 5000)
    `$null = Try-Op 'old' { Invoke-DemoSql `$db "UPDATE Instances SET Host = 'old-upd-' || @n, MemoryMb = @m`$(if (`$hasVersion) { ", ObjectVersion = '1.0'" }) WHERE Id = @t" -Parameters @{ n = `$i; m = 1000 + `$i; t = `$target } }
    # New code (release 2): deployed once expand added ComputeHost; writes it and stamps 2.0.
    if (`$hasCompute) {
        `$nid = 20000000 + `$i
        if (Try-Op 'new' { Invoke-DemoSql `$db "INSERT INTO Instances (Id, Name, ComputeHost, MemoryMb, ObjectVersion) VALUES (@id, 'new-' || @id, 'new-host-' || @id, 4096, '2.0')" -Parameters @{ id = `$nid } }) { `$newIds.Add(`$nid) }
        `$null = Try-Op 'new' { Invoke-DemoSql `$db "UPDATE Instances SET ComputeHost = 'new-upd-' || @n, MemoryMb = @m, ObjectVersion = '2.0' WHERE Id = @t" -Parameters @{ n = `$i; m = 3000000000 + `$i; t = `$random.Next(1, 5000) } }
    }
    # Readers: what both releases read, and a sample of Host against ComputeHost while both exist.
    if (Try-Op 'reader' { `$null = Invoke-DemoSql `$db 'SELECT Id, Name, MemoryMb FROM Instances WHERE Id = @t' -Parameters @{ t = `$target } }) { `$reads++ }
    if (`$hasCompute -and `$hasHost -and `$i % 5 -eq 0) {
        try {
            `$bad = @(Invoke-DemoSql `$db 'SELECT Id, Host, ComputeHost FROM Instances WHERE Host IS NOT NULL AND ComputeHost IS NOT NULL AND Host <> ComputeHost LIMIT 3')
            `$samples++
            foreach (`$b in `$bad) { `$mismatches.Add("`$(`$b.Id): `$(`$b.Host) <> `$(`$b.ComputeHost)") }
        }
        catch { if (`$_.Exception.InnerException.Message -notmatch 'no such column') { `$errors.Add([pscustomobject]@{ Who = 'sampler'; At = (Now); Message = `$_.Exception.Message }) } }
    }
    Start-Sleep -Milliseconds 3
}
`$db.Dispose()
[ordered]@{ OldIds = `$oldIds; NewIds = `$newIds; Errors = `$errors; Samples = `$samples; Mismatches = `$mismatches; Reads = `$reads; Loops = `$i } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath '$result'
"@
        Wait-TestCondition -TimeoutSeconds 60 -Because 'the workload to start writing' -Condition { @(Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Instances WHERE Id > 10000000').n -gt 20 }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $timeline = [ordered]@{}
        Start-Sleep -Seconds 1
        $null = Invoke-Expand @om -Path $folder -Confirm:$false 3>$null
        $timeline.Expanded = [DateTime]::UtcNow.Ticks
        Wait-TestCondition -TimeoutSeconds 30 -Because 'new code to write' -Condition { @(Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Instances WHERE Id > 20000000').n -gt 20 }
        $migrate = @(Invoke-Migrate @om -BatchSize 100 -Delay 00:00:00.005 -Confirm:$false)
        # Sampled by the test while both writers run: every row, strictly, once the backfill is done.
        $shadow = @(Invoke-Sql $db "SELECT name FROM pragma_table_info('Instances')" | ForEach-Object name | Where-Object { $_ -ne 'MemoryMb' -and $_ -like '*MemoryMb*' })[0]
        $afterMigrate = Invoke-Sql $db "SELECT SUM(Host IS NOT ComputeHost) AS host, SUM(CAST(MemoryMb AS INTEGER) IS NOT [$shadow]) AS memory, COUNT(*) AS n FROM Instances"
        Start-Sleep -Milliseconds 500
        $afterMigrate2 = Invoke-Sql $db "SELECT SUM(Host IS NOT ComputeHost) AS host, SUM(CAST(MemoryMb AS INTEGER) IS NOT [$shadow]) AS memory FROM Instances"
        $null = Request-Contract @om -Id 0001_instances_compute_host -Confirm:$false
        $null = Send-MigrationHeartbeat @om -Application inventory -InstanceId r2 -ObjectVersion 2.0 -Acknowledge 0001_instances_compute_host
        $readiness = Test-ContractReady @om -Id 0001_instances_compute_host
        $timeline.ContractStarted = [DateTime]::UtcNow.Ticks
        # Old code still writes (and stamps 1.0), so the ObjectVersion gate refuses: the override is what this test needs, journaled with its reason.
        $contract = Invoke-Contract @om -Id 0001_instances_compute_host -Force -Reason 'workload test: old writers deliberately still running' -Confirm:$false 3>$null
        $timeline.Contracted = [DateTime]::UtcNow.Ticks
        Start-Sleep -Seconds 1.5
        Set-Content -LiteralPath $stop -Value stop
        $null = $child.WaitForExit(60000)
        $work = Get-Content -Raw -LiteralPath $result | ConvertFrom-Json
        $childErr = Get-Content -Raw -LiteralPath $child.ErrPath
    }
    AfterAll {
        if ($child -and -not $child.HasExited) { Stop-Process -Id $child.Id -Force }
        Remove-Item -LiteralPath $stop, $result -Force -ErrorAction SilentlyContinue
        Remove-TestWorkspace $db -Folder $folder
    }

    It 'ran every phase under load' {
        $childErr | Should -BeNullOrEmpty
        $work.Loops | Should -BeGreaterThan 50
        # Old code keeps stamping 1.0 during the run, so the pass ends with rows still to convert (ExitCode 1) by design;
        # those rows are exactly what the ObjectVersion gate reports, and why contract needs -Force below.
        @($migrate).ExitCode | Should -BeIn 0, 1
        @($migrate)[0].RowsMigrated | Should -BeGreaterOrEqual 5000
        if (@($migrate)[0].ExitCode -eq 1) { @($readiness.Checks | Where-Object { -not $_.Passed }).Name | Should -Contain 'ObjectVersion' }
        $contract.Phase | Should -Be 'Completed'
        @($work.OldIds).Count | Should -BeGreaterThan 20
        @($work.NewIds).Count | Should -BeGreaterThan 20
        $work.Reads | Should -BeGreaterThan 50
        $readiness | Should -Not -BeNullOrEmpty
    }

    It 'kept Host and ComputeHost (and MemoryMb and its shadow) equal while both existed' {
        $work.Samples | Should -BeGreaterThan 5 -Because 'the readers sampled during the run'
        @($work.Mismatches) | Should -BeNullOrEmpty
        $afterMigrate.host | Should -Be 0
        $afterMigrate.memory | Should -Be 0
        $afterMigrate2.host | Should -Be 0
        $afterMigrate2.memory | Should -Be 0
    }

    It 'lost and duplicated no row' {
        $inserted = @($work.OldIds) + @($work.NewIds)
        $present = Invoke-Sql $db 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM Instances'
        $present.n | Should -Be (5000 + $inserted.Count)
        $present.d | Should -Be $present.n
        $ids = @(Invoke-Sql $db 'SELECT Id FROM Instances WHERE Id > 10000000' | ForEach-Object { [long]$_.Id })
        @(Compare-Object $ids ($inserted | ForEach-Object { [long]$_ })) | Should -BeNullOrEmpty
        # What new code wrote after contract is there, with the old column's data carried in ComputeHost.
        @(Invoke-Sql $db 'SELECT COUNT(*) AS n FROM Instances WHERE ComputeHost IS NULL AND Id > 10000000').n | Should -Be 0
    }

    It 'saw only old-code writes failing, and only after contract started (the old column is gone)' {
        $errors = @($work.Errors)
        $unexplained = @($errors | Where-Object { $_.Who -ne 'old' -or [long]$_.At -lt $timeline.ContractStarted -or $_.Message -notmatch 'no such column: Host|has no column named Host' })
        $unexplained | Should -BeNullOrEmpty -Because (($unexplained | Select-Object -First 5 | ConvertTo-Json) + " (contract started at $($timeline.ContractStarted))")
        @($errors | Where-Object Who -EQ 'old').Count | Should -BeGreaterThan 0 -Because 'old code kept writing after contract and must fail then'
        Write-Host ("    workload: {0} loops, {1} old inserts, {2} new inserts, {3} reads, {4} samples, {5} old-code errors after contract" -f $work.Loops, @($work.OldIds).Count, @($work.NewIds).Count, $work.Reads, $work.Samples, $errors.Count)
    }
}
