# Undo-Expand killed (SIGKILL) in the middle of its rollback: the steps done stay done, the one it
# was in is rolled back, and the next Undo-Expand resumes from there to the exact prior schema.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:New-SlowRollbackFolder($db) {
        # Rolled back in reverse: drop AfterSlow, then the slow sql rollback (3-5 s), then drop BeforeSlow.
        $slow = if ($db.Provider -eq 'Sqlite') {
            'CREATE TABLE SlowDone AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) SELECT COUNT(*) AS n FROM c; DROP TABLE SlowDone'
        }
        # A four-second busy loop (not WAITFOR, which the T-SQL test engine lacks).
        else { "DECLARE @until datetime2 = DATEADD(second, 4, SYSUTCDATETIME()), @n int = 0;\nWHILE SYSUTCDATETIME() < @until SET @n += 1;" }
        New-TestMigrationFolder $db -Files @{
            '0001_slow_undo.json' = @"
{ "operations": [
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "BeforeSlow", "type": "varchar(8)", "nullable": true } } },
    { "sql": { "expand": "SELECT 1", "rollback": "$slow" } },
    { "addColumn": { "table": "dbo.Instances", "column": { "name": "AfterSlow", "type": "varchar(8)", "nullable": true } } },
] }
"@
        }
    }
    function script:Get-Columns($db) { Get-TestColumn $db 'Instances' | ForEach-Object Name }
}

Describe 'Undo-Expand resumed after a kill on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db
            $T = Get-TestTableName $db 'Instances'
            $values = (1..20 | ForEach-Object { "($_, 'vm-$_', 'host-$($_ % 7)', $($_ * 256), 'EUW1-R$('{0:000}' -f $_)', 'ACTIVE')" }) -join ', '
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb, Location, Status) VALUES $values"
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-SlowRollbackFolder $db
            $script:child = $null
        }
    }
    AfterEach {
        if (-not $Skip) {
            if ($child) {
                if (-not $child.HasExited) { Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue; $null = $child.WaitForExit(10000) }
                Remove-Item -LiteralPath $child.ScriptPath, $child.OutPath, $child.ErrPath -Force -ErrorAction SilentlyContinue
            }
            Remove-TestWorkspace $db -Folder $folder
        }
    }

    It 'keeps the rollback steps done, rolls back the one it was in, and the next Undo-Expand finishes the prior schema' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        Get-Columns $db | Should -Contain 'AfterSlow'

        $arguments = ($om.GetEnumerator() | ForEach-Object { "-$($_.Key) '$($_.Value.Replace("'", "''"))'" }) -join ' '
        $script:child = Start-TestPwsh -Script "Undo-Expand $arguments -Id 0001_slow_undo -Confirm:`$false -WarningAction SilentlyContinue | Out-Null`n'undone'"
        Wait-TestCondition -TimeoutSeconds 90 -Because 'the child to finish its first rollback step' -Condition {
            @(Get-MigrationJournal @om -Id 0001_slow_undo | Where-Object { $_.Phase -eq 'RollingBack' -and $_.Step -like '01.*' -and $_.Outcome -eq 'Succeeded' }).Count -eq 1
        }
        Start-Sleep -Milliseconds 300
        $child.HasExited | Should -BeFalse -Because 'the kill must land inside the slow rollback step'
        Stop-Process -Id $child.Id -Force
        $child.WaitForExit(10000) | Should -BeTrue

        # Killed mid-rollback: AfterSlow is gone (step 1), BeforeSlow is still there (step 3 not run).
        "$((Get-MigrationState @om -Id 0001_slow_undo).Phase)" | Should -Be 'RollingBack'
        Get-Columns $db | Should -Not -Contain 'AfterSlow'
        Get-Columns $db | Should -Contain 'BeforeSlow'
        Test-TestTableExists $db 'SlowDone' | Should -BeFalse -Because 'the step it was killed in is rolled back'

        $state = Undo-Expand @om -Id 0001_slow_undo -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($state.Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        $steps = @(Get-MigrationJournal @om -Id 0001_slow_undo | Where-Object { $_.Phase -eq 'RollingBack' -and $_.Step -and $_.Outcome -eq 'Succeeded' })
        $steps.Step | ForEach-Object { $_.Substring(0, 3) } | Should -Be @('01.', '02.', '03.') -Because 'each rollback step ran once: the resumed run skipped the one done'
        $steps[0].ProcessId | Should -Be $child.Id
        $steps[1].ProcessId | Should -Be $PID
        $steps[2].ProcessId | Should -Be $PID
    }
}
