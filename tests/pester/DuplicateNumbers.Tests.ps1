# One number, one migration: two files whose ids start with the same number are refused together,
# naming both files, before anything touches a database.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Files = @{
        '0001_items.json'  = '{ "operations": [ { "addColumn": { "table": "dbo.Items", "column": { "name": "A", "type": "int", "nullable": true } } } ] }'
        '0002_dup.json'    = '{ "operations": [ { "addColumn": { "table": "dbo.Items", "column": { "name": "B", "type": "int", "nullable": true } } } ] }'
        '0002_unsafe.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Items", "column": { "name": "C", "type": "int", "nullable": true } } } ] }'
    }
    function script:Get-ErrorOf([scriptblock]$Command) {
        # Per-item errors are non-terminating (about_OnlineMigrations): Stop makes each one catchable here.
        $ErrorActionPreference = 'Stop'
        try { & $Command; $null } catch { $_ }
    }
}

Describe 'Duplicate migration numbers on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            Invoke-Sql $db "CREATE TABLE $(Get-TestTableName $db 'Items') (Id int NOT NULL PRIMARY KEY)"
            $script:folder = New-TestMigrationFolder $db -Files $Files
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'Get-Migration refuses 0002_dup and 0002_unsafe together, naming both files' -Skip:$Skip {
        $err = Get-ErrorOf { Get-Migration -Path $folder -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMigrationFile,*'
        $problems = @($err.Exception.Problems)
        $problems | Should -HaveCount 2
        @($problems | ForEach-Object { Split-Path -Leaf $_.File } | Sort-Object) | Should -Be @('0002_dup.json', '0002_unsafe.json')
        ($problems | Where-Object { (Split-Path -Leaf $_.File) -eq '0002_dup.json' }).Message | Should -Match '0002_unsafe\.json'
        ($problems | Where-Object { (Split-Path -Leaf $_.File) -eq '0002_unsafe.json' }).Message | Should -Match '0002_dup\.json'
        $err.Exception.Message | Should -Match 'starts with the number 2'
        $err.Exception.Message | Should -Not -Match '0001_items'
    }

    It 'Invoke-Expand refuses the folder and the database is exactly as before, without a store' -Skip:$Skip {
        $before = Get-TestCatalogSnapshot $db
        { Invoke-Expand @om -Path $folder -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidMigrationFile,*'
        Get-TestCatalogSnapshot $db | Should -Be $before
        Get-TestStoreObject $db | Should -HaveCount 0
    }

    It 'accepts the folder once one of them is renumbered' -Skip:$Skip {
        Rename-Item -LiteralPath (Join-Path $folder '0002_unsafe.json') -NewName '0003_unsafe.json'
        @(Get-Migration -Path $folder -ErrorAction Stop).Id | Should -Be @('0001_items', '0002_dup', '0003_unsafe')
    }
}
