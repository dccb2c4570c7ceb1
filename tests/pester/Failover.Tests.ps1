# A failover or a killed session in the middle of Invoke-Migrate: the backfill reconnects, resumes
# from its checkpoint and finishes. SQL Server only: the engine test BackfillStopTests drops the
# connection the same way on SQLite.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'A backfill whose session is killed on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -eq 'SqlServer') {
    BeforeEach {
        if (-not $Skip) {
            $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
            $folder = New-TestMigrationFolder $db
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'reconnects, resumes from its checkpoint and migrates every row' -Skip:$Skip {
        if ((Invoke-Sql $db "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'ALTER ANY CONNECTION') AS p").p -ne 1) {
            Set-ItResult -Skipped -Because 'the test login cannot KILL a session (ALTER ANY CONNECTION)'
            return
        }
        Initialize-TestBaseline $db
        $instances = Get-TestTableName $db 'Instances'
        Invoke-Sql $db @"
WITH n AS (SELECT TOP (3000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects AS a CROSS JOIN sys.all_objects AS b)
INSERT INTO $instances (Id, Name, Host, MemoryMb, Location) SELECT i, CONCAT(N'vm-', i), CONCAT(N'host-', i % 7), 1024, 'EUW1-R001' FROM n;
"@ | Out-Null
        $om = Get-TestConnectionParameters $db
        Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue | Out-Null

        # The child's sessions carry an application name of their own, so the test can find them.
        $app = "om-failover-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $cs = "$($om.ConnectionString);Application Name=$app"
        $store = Get-TestStoreSchema $db
        $result = Join-Path ([IO.Path]::GetTempPath()) "$app.json"
        $child = Start-TestPwsh -Script @"
`$r = Invoke-Migrate -Provider SqlServer -ConnectionString '$($cs.Replace("'", "''"))' -StoreSchema '$store' -BatchSize 20 -Delay 00:00:00.050 -Confirm:`$false -Verbose 4>&1
`$r | Where-Object { `$_.PSObject.TypeNames[0] -like '*.MigrationProgress' } | Select-Object Id, RowsMigrated, Complete, ExitCode | ConvertTo-Json | Set-Content -LiteralPath '$result'
"@
        try {
            Wait-TestCondition -TimeoutSeconds 60 -Because 'the backfill has committed a batch' -Condition {
                @(Invoke-Sql $db "SELECT LastKey FROM [$store].[Backfill] WHERE LastKey IS NOT NULL").Count -gt 0
            }
            # The backfill's session: the child's, but not the one that holds the runner's application lock.
            $victim = Invoke-Sql $db @"
SELECT TOP (1) s.session_id FROM sys.dm_exec_sessions AS s
WHERE s.program_name = @app
  AND s.session_id NOT IN (SELECT l.request_session_id FROM sys.dm_tran_locks AS l WHERE l.resource_type = N'APPLICATION');
"@ -Parameters @{ app = $app }
            $victim | Should -Not -BeNullOrEmpty
            Invoke-Sql $db "KILL $([int]$victim.session_id);" | Out-Null

            $child.WaitForExit(180000) | Should -BeTrue
            $child.ExitCode | Should -Be 0 -Because (Get-Content -Raw $child.ErrPath)
            $progress = Get-Content -Raw $result | ConvertFrom-Json
            $progress.Complete | Should -BeTrue
            $progress.ExitCode | Should -Be 0
        }
        finally {
            if (-not $child.HasExited) { Stop-Process -Id $child.Id -Force }
            Remove-Item -LiteralPath $result -ErrorAction SilentlyContinue
        }

        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $instances WHERE EXISTS (SELECT Host EXCEPT SELECT ComputeHost)").n | Should -Be 0
        @(Get-MigrationJournal @om -Id 0001_instances_compute_host | Where-Object Outcome -eq 'Retried').Count | Should -BeGreaterThan 0
    }
}
