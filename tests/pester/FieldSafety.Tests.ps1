<#
    Field safety: values the module splices into DDL (a column's type, default and collation, an
    index's where, up/down, a check's expression) hold only what the field means, and no SQL text
    holds a control character. A field that would smuggle SQL is refused as InvalidMigrationFile
    naming its JSON path, before anything runs: the smuggled statement never executes, the user's
    objects and data are unchanged, and a NUL in a type no longer leaves expand spinning.
#>
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    function Add([string]$Column) { "{ `"operations`": [ { `"addColumn`": { `"table`": `"dbo.Instances`", `"column`": $Column } } ] }" }
    $script:cases = @(
        @{ Name = 'DROP TABLE after a type'; Json = (Add '{ "name": "X", "type": "int; DROP TABLE dbo.LegacyQuotas" }'); Path = '$.operations[0].addColumn.column.type' }
        @{ Name = 'a column constraint in a type'; Json = (Add '{ "name": "X", "type": "int NOT NULL DEFAULT 0" }'); Path = '$.operations[0].addColumn.column.type' }
        @{ Name = 'a NUL in a type'; Json = (Add '{ "name": "X", "type": "INT\u0000 NULL" }'); Path = '$.operations[0].addColumn.column.type' }
        @{ Name = 'a second statement after a default'; Json = (Add '{ "name": "X", "type": "int", "default": "0) DROP TABLE dbo.LegacyQuotas; SELECT (1" }'); Path = '$.operations[0].addColumn.column.default' }
        @{ Name = 'a comment hiding text in a default'; Json = (Add '{ "name": "X", "type": "int", "default": "0 /* ) */" }'); Path = '$.operations[0].addColumn.column.default' }
        @{ Name = 'a statement in a collation'; Json = (Add '{ "name": "X", "type": "text", "collation": "NOCASE; DROP TABLE dbo.LegacyQuotas" }'); Path = '$.operations[0].addColumn.column.collation' }
        @{ Name = 'a statement after an index filter'; Json = '{ "operations": [ { "createIndex": { "table": "dbo.Instances", "name": "IX_x", "columns": ["Name"], "where": "1 = 1; DROP TABLE dbo.LegacyQuotas" } } ] }'; Path = '$.operations[0].createIndex.where' }
        @{ Name = 'a statement keyword in up'; Json = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "X", "type": "int" }, "up": "1 DELETE FROM dbo.LegacyQuotas" } } ] }'; Path = '$.operations[0].addColumn.up' }
        @{ Name = 'a control character in a sql script'; Json = "{ `"operations`": [ { `"sql`": { `"expand`": `"SELECT 1\u0001`" } } ] }"; Path = '$.operations[0].sql.expand' }
    )
}

Describe 'A field that would smuggle SQL on <Provider>' -ForEach (Get-TestProvider) {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
        Import-Module (Get-TestModulePath) -Force
    }
    BeforeEach {
        if ($Skip) { return }
        $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
        Initialize-TestInventory $db -Rows 20
        $om = Get-TestConnectionParameters $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It '<Name> is refused naming its JSON path, and nothing runs' -Skip:$Skip -ForEach $cases {
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = $Json }
        $before = Get-TestCatalogSnapshot $db
        $quotas = Get-TestTableName $db 'LegacyQuotas'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        try { Invoke-Expand @om -Path $folder -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'a refused field is refused at once, never retried'
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMigrationFile*'
        $err.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($Path))*"
        Get-TestCatalogSnapshot $db | Should -Be $before
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $quotas").n | Should -Be 10
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $(Get-TestTableName $db 'Instances')").n | Should -Be 20
        Get-MigrationState @om | Should -BeNullOrEmpty
    }

    It 'a string literal may hold what an expression may not' -Skip:$Skip {
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Note", "type": "varchar(64)", "default": "''a; DROP TABLE x -- /*''" } } } ] }' }
        Invoke-Expand @om -Path $folder -Confirm:$false | Out-Null
        $instances = Get-TestTableName $db 'Instances'
        Invoke-Sql $db "INSERT INTO $instances (Id, Name) VALUES (1000, 'n')"
        (Invoke-Sql $db "SELECT Note FROM $instances WHERE Id = 1000").Note | Should -Be 'a; DROP TABLE x -- /*'
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $(Get-TestTableName $db 'LegacyQuotas')").n | Should -Be 10
    }
}
