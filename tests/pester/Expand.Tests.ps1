# Invoke-Expand per provider: previews change nothing, old and new application code see each
# other's writes while expanded, re-runs do nothing, order, linting, keys, conflicts.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    function script:Get-Columns($db, [string]$table) {
        if ($db.Provider -eq 'Sqlite') { return @(Invoke-Sql $db "SELECT name FROM pragma_table_info('$table') ORDER BY cid" | ForEach-Object name) }
        @(Invoke-Sql $db 'SELECT c.name FROM sys.columns c WHERE c.object_id = OBJECT_ID(@t) ORDER BY c.column_id' -Parameters @{ t = "[$($db.Schema)].[$table]" } | ForEach-Object name)
    }
    function script:Test-Table($db, [string]$table) {
        if ($db.Provider -eq 'Sqlite') { return [bool](Invoke-Sql $db "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '$table'").n }
        $null -ne (Invoke-Sql $db 'SELECT OBJECT_ID(@t, ''U'') AS id' -Parameters @{ t = "[$($db.Schema)].[$table]" }).id
    }
    function script:Invoke-Captured([scriptblock]$Command) {
        # The host output of -WhatIf, through a transcript.
        $file = [IO.Path]::GetTempFileName()
        try {
            Start-Transcript -LiteralPath $file -UseMinimalHeader | Out-Null
            try { & $Command | Out-Null } finally { Stop-Transcript | Out-Null }
            Get-Content -Raw -LiteralPath $file
        }
        finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    }
    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }
}

Describe 'Invoke-Expand on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Initialize-TestBaseline $db
            $script:folder = New-TestMigrationFolder $db
            $script:T = Get-TestTableName $db 'Instances'
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It '-Script returns the exact SQL expand then runs, and changes nothing' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        $script = @(Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Script -WarningAction SilentlyContinue -ErrorAction Stop)
        $script | Should -HaveCount 1
        $script[0] | Should -BeOfType [string]
        $script[0] | Should -BeLike '-- expand: 0001_instances_compute_host*'
        Get-TestStoreObject $db | Should -BeNullOrEmpty
        Get-TestCatalogSnapshot $db | Should -Be $before

        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $steps = @(Get-MigrationJournal @om -Id 0001_instances_compute_host | Where-Object { $_.Step -and $_.Outcome -eq 'Succeeded' })
        # Six steps; five where the version column's helper index cannot be built online (it is skipped).
        $steps | Should -HaveCount $(if (Test-TestOnlineIndex $db) { 6 } else { 5 })
        foreach ($step in $steps) {
            $script[0] | Should -BeLike "*-- $($step.Step)*"
            foreach ($statement in $step.Statement -split "`n(?=CREATE TRIGGER|CREATE INDEX|ALTER TABLE)") {
                $script[0].Contains($statement.Trim()) | Should -BeTrue -Because "the preview shows '$($statement.Trim())'"
            }
        }
    }

    It '-WhatIf prints the SQL of every pending migration and changes nothing' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        $expected = (Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Script -WarningAction SilentlyContinue).Trim()
        $output = $null
        $printed = Invoke-Captured { $script:output = Invoke-Expand @om -Path $folder -WhatIf -WarningAction SilentlyContinue -ErrorAction Stop }
        $output | Should -BeNullOrEmpty
        $printed | Should -BeLike '*What if:*-- expand: 0001_instances_compute_host*'
        $printed | Should -BeLike '*-- expand: 0002_split_location*'
        $printed | Should -BeLike '*-- expand: 0003_drop_legacy_quotas*'
        foreach ($line in ($expected -split "`n" | Where-Object { $_ -match '^(ALTER|CREATE) ' })) {
            $printed.Contains($line.Trim()) | Should -BeTrue -Because "-WhatIf prints '$line'"
        }
        Get-TestStoreObject $db | Should -BeNullOrEmpty
        Get-TestCatalogSnapshot $db | Should -Be $before
    }

    Context 'while 0001 (rename Host, widen MemoryMb) is expanded' {
        BeforeEach {
            if (-not $Skip) {
                Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb) VALUES (100, 'before', 'h-before', 64)"
                $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
                $script:shadow = @(Get-Columns $db 'Instances' | Where-Object { $_ -like 'MemoryMb__om_*' })
            }
        }

        It 'added ComputeHost, the shadow of MemoryMb and moved the Host index' -Skip:$Skip {
            $columns = Get-Columns $db 'Instances'
            $columns | Should -Contain 'ComputeHost'
            $columns | Should -Contain 'Host'
            $columns | Should -Contain 'ObjectVersion'
            $shadow | Should -HaveCount 1
            "$((Get-MigrationState @om -Id 0001_instances_compute_host).Phase)" | Should -Be 'Expanded'
            # Rows written before expand are left for migrate: the new column is still empty.
            (Invoke-Sql $db "SELECT ComputeHost FROM $T WHERE Id = 100").ComputeHost | Should -BeNullOrEmpty
        }

        It 'old and new code see each other''s inserts, multi-row statements too' -Skip:$Skip {
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, MemoryMb) VALUES (1, 'old-1', 'h1', 1024), (2, 'old-2', 'h2', 2048)"
            Invoke-Sql $db "INSERT INTO $T (Id, Name, ComputeHost) VALUES (3, 'new-3', 'c3'), (4, 'new-4', 'c4')"
            $rows = Invoke-Sql $db "SELECT Id, Host, ComputeHost, [$($shadow[0])] AS Shadow FROM $T WHERE Id < 100 ORDER BY Id"
            $rows.Host | Should -Be @('h1', 'h2', 'c3', 'c4')
            $rows.ComputeHost | Should -Be @('h1', 'h2', 'c3', 'c4')
            $rows[0].Shadow | Should -Be 1024
            $rows[1].Shadow | Should -Be 2048
        }

        It 'old and new code see each other''s updates, multi-row statements too' -Skip:$Skip {
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (1, 'r1', 'h1'), (2, 'r2', 'h2'), (3, 'r3', 'h3'), (4, 'r4', 'h4')"
            Invoke-Sql $db "UPDATE $T SET Host = 'old-wrote' WHERE Id IN (1, 2)"
            Invoke-Sql $db "UPDATE $T SET ComputeHost = 'new-wrote' WHERE Id IN (3, 4)"
            $rows = Invoke-Sql $db "SELECT Id, Host, ComputeHost FROM $T WHERE Id < 100 ORDER BY Id"
            $rows.Host | Should -Be @('old-wrote', 'old-wrote', 'new-wrote', 'new-wrote')
            $rows.ComputeHost | Should -Be @('old-wrote', 'old-wrote', 'new-wrote', 'new-wrote')
            # An update of the row written before expand (its ComputeHost still empty) fills it too.
            Invoke-Sql $db "UPDATE $T SET Host = 'h-after' WHERE Id = 100"
            (Invoke-Sql $db "SELECT ComputeHost FROM $T WHERE Id = 100").ComputeHost | Should -Be 'h-after'
            Invoke-Sql $db "UPDATE $T SET ComputeHost = NULL WHERE Id = 3"
            (Invoke-Sql $db "SELECT Host FROM $T WHERE Id = 3").Host | Should -BeNullOrEmpty
        }

        It 'lets the new column win when one statement writes both with different values' -Skip:$Skip {
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host, ComputeHost) VALUES (1, 'both', 'old-value', 'new-value'), (2, 'both', 'old-2', 'new-2')"
            Invoke-Sql $db "INSERT INTO $T (Id, Name, Host) VALUES (3, 'r3', 'h3'), (4, 'r4', 'h4')"
            Invoke-Sql $db "UPDATE $T SET Host = 'old-update', ComputeHost = 'new-update' WHERE Id IN (3, 4)"
            $rows = Invoke-Sql $db "SELECT Id, Host, ComputeHost FROM $T WHERE Id < 100 ORDER BY Id"
            $rows.ComputeHost | Should -Be @('new-value', 'new-2', 'new-update', 'new-update')
            $rows.Host | Should -Be @('new-value', 'new-2', 'new-update', 'new-update')
        }

        It 'keeps the shadow of MemoryMb following what old code writes' -Skip:$Skip {
            $s = "[$($shadow[0])]"
            Invoke-Sql $db "INSERT INTO $T (Id, Name, MemoryMb) VALUES (1, 'm1', 512), (2, 'm2', NULL)"
            Invoke-Sql $db "UPDATE $T SET MemoryMb = 2147483647 WHERE Id IN (1, 100)"
            Invoke-Sql $db "UPDATE $T SET MemoryMb = 7 WHERE Id = 2"
            $rows = Invoke-Sql $db "SELECT Id, MemoryMb, $s AS Shadow FROM $T ORDER BY Id"
            $rows.Shadow | Should -Be @(2147483647, 7, 2147483647)
            Invoke-Sql $db "UPDATE $T SET MemoryMb = NULL WHERE Id = 2"
            (Invoke-Sql $db "SELECT $s AS Shadow FROM $T WHERE Id = 2").Shadow | Should -BeNullOrEmpty
        }

        It 'does nothing when run again, and says so' -Skip:$Skip {
            $before = Get-TestCatalogSnapshot $db
            $journal = @(Get-MigrationJournal @om).Count
            $messages = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -Verbose -ErrorAction Stop 4>&1
            @($messages | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -HaveCount 0
            ($messages | ForEach-Object { "$_" }) -join "`n" | Should -BeLike '*0001_instances_compute_host is already expanded*nothing to do*'
            ($messages | ForEach-Object { "$_" }) -join "`n" | Should -BeLike '*No migration is pending: nothing to expand.*'
            Get-TestCatalogSnapshot $db | Should -Be $before
            @(Get-MigrationJournal @om).Count | Should -Be $journal
        }
    }

    It 'expands in id order: a later migration while an earlier one is pending is WrongPhase' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        $err = Get-ErrorOf { Invoke-Expand @om -Path $folder -Id 0002_split_location -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'WrongPhase,*'
        $err.Exception.Message | Should -BeLike '*0001_instances_compute_host*0002_split_location*'
        $err.TargetObject | Should -Be '0002_split_location'
        Get-TestCatalogSnapshot $db | Should -Be $before
        # Both, in one call, is fine.
        $states = @(Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host, 0002_split_location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $states.Id | Should -Be @('0001_instances_compute_host', '0002_split_location')
        Get-Columns $db 'Instances' | Should -Contain 'Region'
    }

    It 'refuses a sql expand with DROP TABLE, naming the line, and accepts it when marked unsafe' -Skip:$Skip {
        $legacy = Get-TestTableName $db 'LegacyQuotas'
        $notes = Get-TestTableName $db 'Notes'
        $expand = "CREATE TABLE $notes (Id int NOT NULL PRIMARY KEY);\nINSERT INTO $notes (Id) VALUES (1);\nDROP TABLE $legacy;"
        $files = New-TestMigrationFolder $db -Files @{
            '0001_unsafe.json' = "{ `"operations`": [ { `"sql`": { `"expand`": `"$($expand.Replace('[', '[').Replace('"', '\"'))`" } } ] }"
        }
        try {
            $before = Get-TestCatalogSnapshot $db
            $err = Get-ErrorOf { Invoke-Expand @om -Path $files -Confirm:$false -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'UnsafeSql,*'
            $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
            $err.Exception.Message | Should -BeLike '*line 3*DROP TABLE*LegacyQuotas*'
            $err.Exception.Message | Should -Not -BeLike '*line 1*'
            Get-TestCatalogSnapshot $db | Should -Be $before
            Test-Table $db 'LegacyQuotas' | Should -BeTrue

            $file = Join-Path $files '0001_unsafe.json'
            (Get-Content -Raw -LiteralPath $file).Replace('"sql": {', '"sql": { "unsafe": true,') | Set-Content -LiteralPath $file -NoNewline
            $state = Invoke-Expand @om -Path $files -Confirm:$false -ErrorAction Stop
            "$($state.Phase)" | Should -Be 'Expanded'
            Test-Table $db 'LegacyQuotas' | Should -BeFalse
            (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $notes").n | Should -Be 1
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    # Only SqlServer has this case: the other provider's Describe leaves it out rather than skipping it.
    if ($Provider -eq 'SqlServer') { It 'refuses renameColumn on a table without a primary key (NoUsableKey) and leaves it unchanged' -Skip:$Skip {
        $heap = Get-TestTableName $db 'Heap'
        Invoke-Sql $db "CREATE TABLE $heap (Code int NULL, Label nvarchar(20) NULL); INSERT INTO $heap (Code, Label) VALUES (1, N'a'), (1, N'a');"
        $files = New-TestMigrationFolder $db -Files @{ '0001_heap.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Heap", "from": "Label", "to": "Caption" } } ] }' }
        try {
            $before = Get-TestCatalogSnapshot $db
            $err = Get-ErrorOf { Invoke-Expand @om -Path $files -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'NoUsableKey,*'
            $err.Exception.Message | Should -BeLike '*Heap*primary key*'
            Get-TestCatalogSnapshot $db | Should -Be $before
            (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $heap WHERE Label = N'a'").n | Should -Be 2
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }}

    # Only Sqlite has this case: the other provider's Describe leaves it out rather than skipping it.
    if ($Provider -eq 'Sqlite') { It 'keys the sync of a SQLite table without a primary key on its rowid' -Skip:$Skip {
        Invoke-Sql $db "CREATE TABLE Heap (Code int NULL, Label text NULL); INSERT INTO Heap (Code, Label) VALUES (1, 'a'), (1, 'a');"
        $files = New-TestMigrationFolder $db -Files @{ '0001_heap.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Heap", "from": "Label", "to": "Caption" } } ] }' }
        try {
            $state = Invoke-Expand @om -Path $files -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            "$($state.Phase)" | Should -Be 'Expanded'
            # Two identical rows: the trigger must touch only the row written.
            Invoke-Sql $db "UPDATE Heap SET Label = 'b' WHERE rowid = 2"
            (Invoke-Sql $db 'SELECT Caption FROM Heap ORDER BY rowid').Caption | Should -Be @($null, 'b')
            Invoke-Sql $db "INSERT INTO Heap (Code, Caption) VALUES (2, 'c')"
            (Invoke-Sql $db 'SELECT Label FROM Heap WHERE Code = 2').Label | Should -Be 'c'
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }}

    It 'refuses a second open migration renaming the same column (ConflictingMigrations), naming both' -Skip:$Skip {
        $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $before = Get-TestCatalogSnapshot $db
        $other = New-TestMigrationFolder $db -Files @{ '0004_host_name.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "HostName" } } ] }' }
        try {
            $err = Get-ErrorOf { Invoke-Expand @om -Path $other -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ConflictingMigrations,*'
            $err.Exception.Message | Should -BeLike "*'0004_host_name'*Instances.Host*'0001_instances_compute_host'*"
            $err.TargetObject | Should -Be '0004_host_name'
            Get-TestCatalogSnapshot $db | Should -Be $before
            Get-Columns $db 'Instances' | Should -Not -Contain 'HostName'
        }
        finally { Remove-Item -LiteralPath $other -Recurse -Force }
    }

    It 'refuses two pending migrations renaming the same column in one run after expanding the first' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_a.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "HostA" } } ] }'
            '0002_b.json' = '{ "operations": [ { "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "HostB" } } ] }'
        }
        try {
            $script:states = @()
            $err = Get-ErrorOf { Invoke-Expand @om -Path $files -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | ForEach-Object { $script:states += $_ } }
            $err.FullyQualifiedErrorId | Should -BeLike 'ConflictingMigrations,*'
            $err.Exception.Message | Should -BeLike "*'0002_b'*'0001_a'*"
            $columns = Get-Columns $db 'Instances'
            $columns | Should -Contain 'HostA'
            $columns | Should -Not -Contain 'HostB'
            (Get-MigrationState @om -Path $files | ForEach-Object { "$($_.Id)=$($_.Phase)" }) | Should -Be @('0001_a=Expanded', '0002_b=Pending')
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }

    # Only Sqlite has this case: the other provider's Describe leaves it out rather than skipping it.
    if ($Provider -eq 'Sqlite') { It 'refuses addForeignKey on SQLite (NotSupportedOnSqlite) and changes nothing' -Skip:$Skip {
        $files = New-TestMigrationFolder $db -Files @{
            '0001_fk.json' = '{ "operations": [ { "addForeignKey": { "table": "dbo.Instances", "name": "FK_Instances_Quota", "columns": ["MemoryMb"], "references": { "table": "dbo.LegacyQuotas", "columns": ["ProjectId"] } } } ] }'
        }
        try {
            $before = Get-TestCatalogSnapshot $db
            $err = Get-ErrorOf { Invoke-Expand @om -Path $files -Confirm:$false -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'NotSupportedOnSqlite,*'
            $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::NotImplemented)
            $err.Exception.Message | Should -BeLike '*FK_Instances_Quota*not supported on SQLite*'
            $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            Get-TestCatalogSnapshot $db | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $files -Recurse -Force }
    }}
}
