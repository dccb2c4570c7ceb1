<#
    Bad input: a corpus of mistakes, each producing its documented error (FullyQualifiedErrorId
    prefix, category, a non-empty RecommendedAction, the migration id as TargetObject where one
    applies), and leaving the user's objects and data unchanged (catalog snapshot and a checksum of
    every row, before and after). Identifiers built to inject SQL each state their outcome: a legal
    name must work, quoted, under its exact spelling (on SQLite and SQL Server); a name the reader
    refuses must be refused with its error id and leave catalog and data checksums unchanged; the
    injected SQL never runs.
#>
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $ok = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Extra", "type": "int" } } } ] }'
    function Op([string]$Json) { "{ `"operations`": [ $Json ] }" }
    $sample = 'SAMPLE'   # marker: the case runs on a copy of samples/inventory
    # Each case: Name, Files (@{ name = json } or 'SAMPLE'), Setup/Act (scriptblocks with $om, $folder, $db), ErrorId, Category, Target.
    $script:cases = @(
        # ---- malformed files (Invoke-Expand -Path) ------------------------------------------------
        @{ Name = 'truncated JSON'; Files = @{ '0001_a.json' = '{ "operations": [ ' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a root array'; Files = @{ '0001_a.json' = '[]' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an empty file'; Files = @{ '0001_a.json' = ' ' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'no operations'; Files = @{ '0001_a.json' = '{ "description": "x" }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an empty operations array'; Files = @{ '0001_a.json' = '{ "operations": [] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'operations not an array'; Files = @{ '0001_a.json' = '{ "operations": { "dropTable": { "table": "dbo.LegacyQuotas" } } }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a misspelt root field'; Files = @{ '0001_a.json' = '{ "operatoins": [], "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an unknown operation'; Files = @{ '0001_a.json' = (Op '{ "renameColum": { "table": "dbo.Instances", "from": "Host", "to": "H2" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an unknown operation field'; Files = @{ '0001_a.json' = (Op '{ "addColumn": { "table": "dbo.Instances", "column": { "name": "X", "type": "int" }, "upp": "1" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'two operations in one item'; Files = @{ '0001_a.json' = (Op '{ "dropTable": { "table": "dbo.LegacyQuotas" }, "dropIndex": { "table": "dbo.Instances", "name": "IX_Instances_Host" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an operation body that is a string'; Files = @{ '0001_a.json' = (Op '{ "dropTable": "dbo.LegacyQuotas" }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an operation that is a number'; Files = @{ '0001_a.json' = (Op '42') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a bad object version'; Files = @{ '0001_a.json' = '{ "objectVersion": "v2", "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a bad deprecation window'; Files = @{ '0001_a.json' = '{ "deprecationWindow": "7 days", "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a negative deprecation window'; Files = @{ '0001_a.json' = '{ "deprecationWindow": "-1.00:00:00", "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'trackObjectVersion without objectVersion'; Files = @{ '0001_a.json' = (Op '{ "trackObjectVersion": { "table": "dbo.Instances", "column": "OV" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'addColumn without a type'; Files = @{ '0001_a.json' = (Op '{ "addColumn": { "table": "dbo.Instances", "column": { "name": "X" } } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an empty table name'; Files = @{ '0001_a.json' = (Op '{ "dropTable": { "table": "" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a three-part table name'; Files = @{ '0001_a.json' = (Op '{ "dropTable": { "table": "db.dbo.LegacyQuotas" } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'createIndex without columns'; Files = @{ '0001_a.json' = (Op '{ "createIndex": { "table": "dbo.Instances", "name": "IX_x", "columns": [] } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'renameColumn to the same name'; Files = @{ '0001_a.json' = (Op '{ "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "Host" } }') }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an id with a control character'; Files = @{ '0001_a.json' = "{ `"id`": `"bad\u0007id`", `"operations`": [ { `"dropTable`": { `"table`": `"dbo.LegacyQuotas`" } } ] }" }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an id of 300 characters'; Files = @{ '0001_a.json' = "{ `"id`": `"$('x' * 300)`", `"operations`": [ { `"dropTable`": { `"table`": `"dbo.LegacyQuotas`" } } ] }" }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'two files with the same id'; Files = @{ '0001_a.json' = '{ "id": "same", "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }'; '0002_b.json' = '{ "id": "same", "operations": [ { "dropIndex": { "table": "dbo.Instances", "name": "IX_Instances_Host" } } ] }' }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'a missing folder'; Files = @{}; Act = { Invoke-Expand @om -Path (Join-Path $folder 'nope') -Confirm:$false }; ErrorId = 'MigrationPathNotFound'; Category = 'ObjectNotFound' }

        # ---- validation against the database --------------------------------------------------
        @{ Name = 'addColumn to a missing table'; Files = @{ '0001_a.json' = (Op '{ "addColumn": { "table": "dbo.Nope", "column": { "name": "X", "type": "int" } } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'addColumn of an existing column'; Files = @{ '0001_a.json' = (Op '{ "addColumn": { "table": "dbo.Instances", "column": { "name": "Host", "type": "int" } } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'renameColumn of a missing column'; Files = @{ '0001_a.json' = (Op '{ "renameColumn": { "table": "dbo.Instances", "from": "Nope", "to": "Nope2" } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'renameColumn onto an existing column'; Files = @{ '0001_a.json' = (Op '{ "renameColumn": { "table": "dbo.Instances", "from": "Host", "to": "Name" } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'dropColumn of a missing column'; Files = @{ '0001_a.json' = (Op '{ "dropColumn": { "table": "dbo.Instances", "column": "Nope" } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'dropTable of a missing table'; Files = @{ '0001_a.json' = (Op '{ "dropTable": { "table": "dbo.Nope" } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'createIndex on a missing column'; Files = @{ '0001_a.json' = (Op '{ "createIndex": { "table": "dbo.Instances", "name": "IX_x", "columns": ["Nope"] } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'createIndex with an existing name'; Files = @{ '0001_a.json' = (Op '{ "createIndex": { "table": "dbo.Instances", "name": "IX_Instances_Host", "columns": ["Name"] } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'createTable of an existing table'; Files = @{ '0001_a.json' = (Op '{ "createTable": { "table": "dbo.Instances", "columns": [ { "name": "Id", "type": "int", "primaryKey": true } ] } }') }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'addForeignKey on SQLite'; Files = @{ '0001_a.json' = (Op '{ "addForeignKey": { "table": "dbo.Instances", "name": "FK_x", "columns": ["MemoryMb"], "references": { "table": "dbo.LegacyQuotas", "columns": ["ProjectId"] } } }') }; ErrorId = 'NotSupportedOnSqlite'; Category = 'NotImplemented'; Target = '0001_a' }
        @{ Name = 'addCheckConstraint on SQLite'; Files = @{ '0001_a.json' = (Op '{ "addCheckConstraint": { "table": "dbo.Instances", "name": "CK_x", "expression": "MemoryMb > 0" } }') }; ErrorId = 'NotSupportedOnSqlite'; Category = 'NotImplemented'; Target = '0001_a' }
        @{ Name = 'a later migration of a broken pair'; Files = @{ '0001_a.json' = $ok; '0002_b.json' = (Op '{ "dropColumn": { "table": "dbo.Instances", "column": "Nope" } }') }; Setup = { Invoke-Expand @om -Path $folder -Id 0001_a -Confirm:$false }; Act = { Invoke-Expand @om -Path $folder -Confirm:$false }; ErrorId = 'OperationRefused'; Category = 'InvalidOperation'; Target = '0002_b' }

        # ---- connections ------------------------------------------------------------------------
        @{ Name = 'a missing SQLite file'; Files = @{}; Act = { Get-MigrationState -Provider Sqlite -ConnectionString "Data Source=$($db.Path).missing" }; ErrorId = 'ConnectionFailed'; Category = 'ConnectionError' }
        @{ Name = 'a SQLite file given to -Provider SqlServer'; Files = @{}; Act = { Get-MigrationState -Provider SqlServer -ConnectionString "Data Source=$($db.Path);Connect Timeout=2" }; ErrorId = 'ConnectionFailed'; Category = 'ConnectionError' }
        @{ Name = 'an unreadable SQLite connection string'; Files = @{}; Act = { Get-MigrationState -Provider Sqlite -ConnectionString "Data Source=$($db.Path);Bogus Keyword=1" }; ErrorId = 'InvalidConnection'; Category = 'InvalidArgument' }
        @{ Name = 'an unreadable SQL Server connection string'; Files = @{}; Act = { Get-MigrationState -Provider SqlServer -ConnectionString 'Server=127.0.0.1,1;Bogus Keyword=1;Password=Sekr3t!' }; ErrorId = 'InvalidConnection'; Category = 'InvalidArgument' }
        @{ Name = 'a SQLite Password= without an encryption build'; Files = @{}; Act = { Get-MigrationState -Provider Sqlite -ConnectionString "Data Source=$($db.Path);Password=Sekr3t!" }; ErrorId = 'InvalidConnection'; Category = 'InvalidArgument' }
        @{ Name = '-AccessToken with SQLite'; Files = 'SAMPLE'; Act = { Invoke-Expand @om -Path $folder -AccessToken 'abc' -Confirm:$false }; ErrorId = 'InvalidConnection'; Category = 'InvalidArgument' }
        @{ Name = 'an unreachable server'; Files = 'SAMPLE'; Act = { Invoke-Expand -Provider SqlServer -ConnectionString 'Server=127.0.0.1,1;Database=inventory;User ID=sa;Password=Sekr3t!;Connect Timeout=2' -Path $folder -Confirm:$false }; ErrorId = 'ConnectionFailed'; Category = 'ConnectionError'; Message = "127.0.0.1,1" }

        # ---- state and phases ------------------------------------------------------------------
        @{ Name = 'a refused contract'; Files = 'SAMPLE'; Setup = { Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false }
           Act = { Invoke-Contract @om -Id 0001_instances_compute_host -Confirm:$false }; ErrorId = 'ContractRefused'; Category = 'InvalidOperation'; Target = '0001_instances_compute_host' }
        @{ Name = 'a forced contract without a reason'; Files = 'SAMPLE'; Setup = { Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false }
           Act = { Invoke-Contract @om -Id 0001_instances_compute_host -Force -Confirm:$false }; ErrorId = 'ContractRefused'; Category = 'InvalidOperation'; Target = '0001_instances_compute_host' }
        @{ Name = 'a concurrent runner'; Files = 'SAMPLE'; Setup = { $script:held = [IO.FileStream]::new("$($db.Path).onlinemigrations.lock", 'OpenOrCreate', 'ReadWrite', 'None') }
           Act = { try { Invoke-Expand @om -Path $folder -Confirm:$false } finally { $script:held.Dispose() } }; ErrorId = 'RunnerBusy'; Category = 'ResourceBusy' }
        @{ Name = 'Undo-Expand after contract'; Files = @{ '0001_a.json' = $ok }
           Setup = { Invoke-Expand @om -Path $folder -Confirm:$false; Invoke-Migrate @om -Confirm:$false; Request-Contract @om -Id 0001_a -Confirm:$false; Register-MigrationClient @om -None -Reason 'test database' -Confirm:$false; Invoke-Contract @om -Id 0001_a -Confirm:$false }
           Act = { Undo-Expand @om -Id 0001_a -Confirm:$false }; ErrorId = 'RollbackRefused'; Category = 'InvalidOperation'; Target = '0001_a' }
        @{ Name = 'Invoke-Migrate before expand'; Files = 'SAMPLE'; Act = { Invoke-Migrate @om -Id 0001_instances_compute_host -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '0001_instances_compute_host' }
        @{ Name = 'Invoke-Migrate while Expanding'; Files = 'SAMPLE'; Setup = { Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false; Invoke-Sql $db "UPDATE OnlineMigrations_Migration SET Phase = 'Expanding' WHERE Id = '0001_instances_compute_host'" }
           Act = { Invoke-Migrate @om -Id 0001_instances_compute_host -Confirm:$false }; ErrorId = 'WrongPhase'; Category = 'InvalidOperation'; Target = '0001_instances_compute_host' }
        @{ Name = 'Request-Contract on an unknown id'; Files = 'SAMPLE'; Setup = { Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false }
           Act = { Request-Contract @om -Id 9999_nope -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '9999_nope' }
        @{ Name = 'Invoke-Migrate -Id unknown after expand'; Files = 'SAMPLE'; Setup = { Invoke-Expand @om -Path $folder -Confirm:$false }; Act = { Invoke-Migrate @om -Id 9999_nope -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '9999_nope' }
        @{ Name = 'Get-Migration of a malformed file'; Files = @{ '0001_a.json' = '{ "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ], }}' }; Act = { Get-Migration -Path $folder }; ErrorId = 'InvalidMigrationFile'; Category = 'InvalidData' }
        @{ Name = 'an index INCLUDE on SQLite'; Files = @{ '0001_a.json' = (Op '{ "createIndex": { "table": "dbo.Instances", "name": "IX_x", "columns": ["Name"], "include": ["Status"] } }') }; ErrorId = 'NotSupportedOnSqlite'; Category = 'NotImplemented'; Target = '0001_a' }
        @{ Name = 'a NOT NULL column without default on SQLite'; Files = @{ '0001_a.json' = (Op '{ "addColumn": { "table": "dbo.Instances", "column": { "name": "X", "type": "int", "nullable": false }, "up": "0" } }') }; ErrorId = 'NotSupportedOnSqlite'; Category = 'NotImplemented'; Target = '0001_a' }
        @{ Name = 'Invoke-Contract on an unknown id'; Files = 'SAMPLE'; Act = { Invoke-Contract @om -Id 9999_nope -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '9999_nope' }
        @{ Name = 'Undo-Expand on an unknown id'; Files = 'SAMPLE'; Act = { Undo-Expand @om -Id 9999_nope -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '9999_nope' }
        @{ Name = 'Invoke-Expand -Id of a migration not in the folder'; Files = 'SAMPLE'; Act = { Invoke-Expand @om -Path $folder -Id 9999_nope -Confirm:$false }; ErrorId = 'MigrationNotFound'; Category = 'ObjectNotFound'; Target = '9999_nope' }
        @{ Name = 'a bad -ObjectVersion on Send-MigrationHeartbeat'; Files = @{}; Act = { Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion 'two' }; ErrorId = 'InvalidArgument'; Category = 'InvalidArgument' }
        @{ Name = 'a negative -ObjectVersion part'; Files = @{}; Act = { Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion '1.-2' }; ErrorId = 'InvalidArgument'; Category = 'InvalidArgument' }
        @{ Name = 'a zero -TimeToLive'; Files = @{}; Act = { Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion 2.0 -TimeToLive 0 }; ErrorId = 'InvalidArgument'; Category = 'InvalidArgument' }
        @{ Name = 'a comma inside one -Acknowledge id'; Files = @{}; Act = { Send-MigrationHeartbeat @om -Application app -InstanceId i1 -ObjectVersion 2.0 -Acknowledge 'a,b' }; ErrorId = 'InvalidArgument'; Category = 'InvalidArgument' }
        @{ Name = 'Remove-MigrationClient of an unknown instance'; Files = @{}; Setup = { Send-MigrationHeartbeat @om -Application app -InstanceId known -ObjectVersion 2.0 }
           Act = { Remove-MigrationClient @om -InstanceId nobody -Confirm:$false }; ErrorId = 'ClientNotFound'; Category = 'ObjectNotFound' }
    ) | ForEach-Object { [hashtable]$_ }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module "$PSScriptRoot/../soak/SoakHelpers.psm1" -Force

    function Get-Outcome([scriptblock]$Action, [hashtable]$om, [string]$folder, [psobject]$db) {
        $ErrorActionPreference = 'Stop'
        try {
            $null = & $Action 3>$null
            $null
        }
        catch { $_ }
    }
}

Describe 'Bad input on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -EQ 'Sqlite') {
    It 'corpus: <Name> -> <ErrorId>' -ForEach $cases {
        $db = New-SoakDatabase -Provider Sqlite -Rows 300
        $folder = if ($Files -eq 'SAMPLE') { New-TestMigrationFolder $db } else { New-TestMigrationFolder $db -Empty -Files $Files }
        $om = Get-TestConnectionParameters $db
        try {
            if ($Setup) { $null = & $Setup 3>$null }
            $catalog = Get-TestCatalogSnapshot $db
            $data = Get-TestDataChecksum $db
            $act = if ($Act) { $Act } else { { Invoke-Expand @om -Path $folder -Confirm:$false } }
            $e = Get-Outcome $act $om $folder $db
            $e | Should -Not -BeNullOrEmpty -Because "'$Name' must fail"
            $e.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*" -Because $e.Exception.Message
            "$($e.CategoryInfo.Category)" | Should -Be $Category
            $e.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $e.Exception.Message | Should -Not -BeNullOrEmpty
            if ($Target) { $e.TargetObject | Should -Be $Target }
            if ($Message) { $e.Exception.Message | Should -BeLike "*$Message*" }
            $e.Exception.ToString() + $e.ErrorDetails.Message | Should -Not -Match 'Sekr3t'
            Get-TestCatalogSnapshot $db | Should -BeExactly $catalog -Because 'the user objects are unchanged'
            Get-TestDataChecksum $db | Should -BeExactly $data -Because 'the user data is unchanged'
        }
        finally {
            if ($script:held) { $script:held.Dispose(); $script:held = $null }
            Remove-TestWorkspace $db -Folder $folder
        }
    }
}

Describe 'A drifted file on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -EQ 'Sqlite') {
    It 'is named in a warning, ignored (the applied definition counts), and changes nothing' {
        $db = New-SoakDatabase -Provider Sqlite -Rows 300
        $folder = New-TestMigrationFolder $db
        $om = Get-TestConnectionParameters $db
        try {
            $null = Invoke-Expand @om -Path $folder -Id 0001_instances_compute_host -Confirm:$false 3>$null
            $f = Join-Path $folder '0001_instances_compute_host.json'
            (Get-Content -Raw $f).Replace('"to": "ComputeHost"', '"to": "ComputeHost2"') | Set-Content -NoNewline $f
            Remove-Item (Join-Path $folder '0002_split_location.json'), (Join-Path $folder '0003_drop_legacy_quotas.json')
            $catalog = Get-TestCatalogSnapshot $db; $data = Get-TestDataChecksum $db
            $warnings = @(Invoke-Expand @om -Path $folder -Confirm:$false 3>&1 | Where-Object { $_ -is [Management.Automation.WarningRecord] })
            ($warnings.Message -join "`n") | Should -Match '0001_instances_compute_host.*drift'
            (Get-MigrationState @om -Path $folder | Where-Object Id -EQ 0001_instances_compute_host).Drift | Should -BeTrue
            Get-TestCatalogSnapshot $db | Should -BeExactly $catalog
            Get-TestDataChecksum $db | Should -BeExactly $data
        }
        finally { Remove-TestWorkspace $db -Folder $folder }
    }
}

Describe 'Identifiers built to inject SQL on <Provider>' -ForEach @(Get-TestProvider) {
    BeforeDiscovery {
        # Every identifier the tool emits is quoted, so each of these is a legal name that must work,
        # under its exact spelling, for every statement family; only a name the file reader refuses
        # (a control character) must be refused, before anything runs.
        $names = @(
            @{ Ident = 'x]; DROP TABLE Instances;--'; Expect = 'Works' }
            @{ Ident = "x'); DROP TABLE Instances;--"; Expect = 'Works' }
            @{ Ident = 'x"; DROP TABLE Instances;--'; Expect = 'Works' }
            @{ Ident = 'x`; DROP TABLE Instances;--'; Expect = 'Works' }
            @{ Ident = 'ｘ］； DROP TABLE Instances;--'; Expect = 'Works' }   # fullwidth look-alikes of ] and ;
            @{ Ident = 'x]]; DROP TABLE Instances'; Expect = 'Works' }
            @{ Ident = 'Instances]; DELETE FROM [Instances'; Expect = 'Works' }
            @{ Ident = 'x[y]z'; Expect = 'Works' }
            @{ Ident = "x`nDROP TABLE Instances"; Expect = 'Refused'; ErrorId = 'InvalidMigrationFile' }
        )
        # The T-SQL test engine (Babelfish on PostgreSQL) differs from SQL Server for some names; those
        # cases are skipped there, each naming the difference (they run on SQLite and on SQL Server).
        $engine = $false
        if ($Provider -eq 'SqlServer' -and $env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
            $engine = [bool](Invoke-Sql -Provider SqlServer -ConnectionString $env:ONLINEMIGRATIONS_TEST_SQLSERVER -Sql "SELECT CAST(SERVERPROPERTY('Babelfish') AS int) AS b").b
        }
        $injection = foreach ($n in $names) {
            foreach ($k in 'addColumn', 'createTable', 'createIndex', 'renameColumn') {
                $why = $null
                if ($engine -and $n.Expect -eq 'Works') {
                    if ($n.Ident -match '[\[\]]') { $why = 'the T-SQL test engine cannot parse a bracketed name holding ] (the ]] escape)' }
                    elseif ($n.Ident -match '[^\x00-\x7F]') { $why = 'the T-SQL test engine stores non-ASCII characters of a name as ?' }
                    elseif ($k -eq 'createIndex') { $why = 'the T-SQL test engine renames an index (lower case, the table name and a hash appended)' }
                    elseif ($k -eq 'createTable' -and $n.Ident -match '[''"]') { $why = 'the T-SQL test engine cannot drop a table whose name holds a quote, so the test cannot clean up' }
                }
                @{ Label = ($n.Ident -replace "`n", '\n'); Ident = $n.Ident; Kind = $k; Expect = $n.Expect; ErrorId = $n['ErrorId']
                   EngineSkip = [bool]$why; Note = $(if ($why) { " (skipped: $why)" } else { '' }) }
            }
        }
    }
    BeforeAll {
        function Get-TestNames([psobject]$db, [string]$what, [string]$table) {
            if ($db.Provider -eq 'Sqlite') {
                switch ($what) {
                    'column' { return @(Invoke-Sql $db 'SELECT name FROM pragma_table_info(@t)' -Parameters @{ t = $table } | ForEach-Object name) }
                    'table' { return @(Invoke-Sql $db "SELECT name FROM sqlite_master WHERE type = 'table'" | ForEach-Object name) }
                    'index' { return @(Invoke-Sql $db "SELECT name FROM sqlite_master WHERE type = 'index'" | ForEach-Object name) }
                }
            }
            $t = "[$($db.Schema)].[$($table.Replace(']', ']]'))]"
            switch ($what) {
                'column' { @(Invoke-Sql $db 'SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(@t)' -Parameters @{ t = $t } | ForEach-Object name) }
                'table' { @(Invoke-Sql $db 'SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID(@s)' -Parameters @{ s = $db.Schema } | ForEach-Object name) }
                'index' { @(Invoke-Sql $db 'SELECT i.name FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id WHERE t.schema_id = SCHEMA_ID(@s) AND i.name IS NOT NULL' -Parameters @{ s = $db.Schema } | ForEach-Object name) }
            }
        }
        function Get-TestQuoted([psobject]$db, [string]$name) {
            if ($db.Provider -eq 'Sqlite') { '"' + $name.Replace('"', '""') + '"' } else { '[' + $name.Replace(']', ']]') + ']' }
        }
    }

    # -Skip is decided at discovery, before a case's own data exists: the skipped cases are their own block.
    It '<Kind> named "<Label>": <Expect><Note>' -Skip -ForEach @($injection | Where-Object EngineSkip) { }

    It '<Kind> named "<Label>": <Expect>' -Skip:$Skip -ForEach @($injection | Where-Object { -not $_.EngineSkip }) {
        $db = New-SoakDatabase -Provider $Provider -Rows 300
        $j = ConvertTo-Json -InputObject $Ident
        $jt = ConvertTo-Json -InputObject "dbo.$Ident"
        $op = switch ($Kind) {
            'addColumn' { "{ `"addColumn`": { `"table`": `"dbo.Instances`", `"column`": { `"name`": $j, `"type`": `"int`" }, `"up`": `"1`" } }" }
            'createTable' { "{ `"createTable`": { `"table`": $jt, `"columns`": [ { `"name`": $j, `"type`": `"int`", `"primaryKey`": true } ] } }" }
            'createIndex' { "{ `"createIndex`": { `"table`": `"dbo.Instances`", `"name`": $j, `"columns`": [`"Name`"] } }" }
            'renameColumn' { "{ `"renameColumn`": { `"table`": `"dbo.Instances`", `"from`": `"Host`", `"to`": $j } }" }
        }
        $folder = New-TestMigrationFolder $db -Empty -Files @{ '0001_inject.json' = "{ `"objectVersion`": `"2.0`", `"operations`": [ $op ] }" }
        $om = Get-TestConnectionParameters $db
        $instances = Get-TestTableName $db 'Instances'
        try {
            $data = Get-TestDataChecksum $db
            $catalog = Get-TestCatalogSnapshot $db
            $failed = $null
            try {
                $null = Invoke-Expand @om -Path $folder -Confirm:$false -ErrorAction Stop 3>$null
                $p = @(Invoke-Migrate @om -Confirm:$false -ErrorAction Stop 3>$null)
                $p.ExitCode | Should -Be 0
            }
            catch { $failed = $_ }
            # Whatever happened, the injected statement never ran.
            @(Invoke-Sql $db "SELECT COUNT(*) AS n FROM $instances").n | Should -Be 300
            if ($Expect -eq 'Refused') {
                $failed | Should -Not -BeNullOrEmpty -Because "a $Kind named '$Label' must be refused"
                $failed.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*" -Because $failed.Exception.Message
                $failed.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
                Get-TestCatalogSnapshot $db | Should -BeExactly $catalog -Because 'a refused migration changes no object'
                Get-TestDataChecksum $db | Should -BeExactly $data -Because 'a refused migration changes no row'
                return
            }
            $failed | Should -BeNullOrEmpty -Because "a $Kind named '$Label' must work, quoted: $(if ($failed) { "$($failed.FullyQualifiedErrorId): $($failed.Exception.Message)" })"
            $q = Get-TestQuoted $db $Ident
            switch ($Kind) {
                'addColumn' {
                    Get-TestNames $db 'column' 'Instances' | Should -Contain $Ident
                    @(Invoke-Sql $db "SELECT COUNT(*) AS n FROM $instances WHERE $q = 1").n | Should -Be 300 -Because 'the backfill wrote the column of that exact name'
                }
                'createTable' {
                    Get-TestNames $db 'table' | Should -Contain $Ident
                    Get-TestNames $db 'column' $Ident | Should -Be @($Ident)
                }
                'createIndex' { Get-TestNames $db 'index' | Should -Contain $Ident }
                'renameColumn' {
                    Get-TestNames $db 'column' 'Instances' | Should -Contain $Ident
                    @(Invoke-Sql $db "SELECT COUNT(*) AS n FROM $instances WHERE $q = Host OR ($q IS NULL AND Host IS NULL)").n | Should -Be 300 -Because 'the backfill copied Host into the column of that exact name'
                }
            }
        }
        finally { Remove-TestWorkspace $db -Folder $folder }
    }
}
