# Get-Migration: reading and validating migration files. It touches no database, so it runs once,
# not per provider.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Samples = (Resolve-Path -LiteralPath "$PSScriptRoot/../../samples/inventory").Path
}

Describe 'Get-Migration' {
    BeforeEach {
        $script:folder = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-files-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $folder
    }
    AfterEach { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }

    It 'reads the sample folder: three definitions in id order, each with its checksum and path' {
        $definitions = @(Get-Migration -Path $Samples -ErrorAction Stop)
        $definitions | Should -HaveCount 3
        $definitions.Id | Should -Be @('0001_instances_compute_host', '0002_split_location', '0003_drop_legacy_quotas')
        foreach ($d in $definitions) {
            $d.Checksum | Should -Match '^[0-9a-f]{64}$'
            $d.Path | Should -Be (Join-Path $Samples "$($d.Id).json")
        }
        @($definitions.Checksum | Sort-Object -Unique) | Should -HaveCount 3
        $definitions[0].ObjectVersion.ToString() | Should -Be '2.0'
        @($definitions[0].Operations) | Should -HaveCount 3
        @($definitions[1].Operations) | Should -HaveCount 4
    }

    It 'gives the same checksum for the same text, and another one when the text changes' {
        Copy-Item -LiteralPath (Join-Path $Samples '0003_drop_legacy_quotas.json') -Destination $folder
        $file = Join-Path $folder '0003_drop_legacy_quotas.json'
        $before = (Get-Migration -Path $file).Checksum
        $before | Should -Be (Get-Migration -Path $Samples -Id 0003_drop_legacy_quotas).Checksum
        Add-Content -LiteralPath $file -Value '// a comment changes the text'
        (Get-Migration -Path $file).Checksum | Should -Not -Be $before
    }

    It 'orders ids ordinally whatever the order of the files on disk' {
        foreach ($id in '0010_b', '0002_a', '0001_c') {
            Set-Content -LiteralPath (Join-Path $folder "$id.json") -Value '{ "operations": [ { "sql": { "expand": "SELECT 1" } } ] }'
        }
        (Get-Migration -Path $folder).Id | Should -Be @('0001_c', '0002_a', '0010_b')
    }

    It 'reports every problem of a folder with several broken files in one terminating error' {
        Copy-Item -LiteralPath (Join-Path $Samples '0001_instances_compute_host.json') -Destination $folder
        Set-Content -LiteralPath (Join-Path $folder '0002_not_json.json') -Value '{ "operations": [ { "addColumn": '
        Set-Content -LiteralPath (Join-Path $folder '0003_unknown_property.json') -Value '{ "operations": [ { "dropTable": { "table": "dbo.T", "tabel": "x" } } ] }'
        Set-Content -LiteralPath (Join-Path $folder '0004_same_name.json') -Value '{ "operations": [ { "renameColumn": { "table": "dbo.T", "from": "A", "to": "A" } } ] }'
        Set-Content -LiteralPath (Join-Path $folder '0005_root_typo.json') -Value '{ "descripton": "typo", "operations": [ { "sql": { "expand": "SELECT 1" } } ] }'

        $output = $null
        $err = $null
        try { $output = Get-Migration -Path $folder -ErrorAction Stop } catch { $err = $_ }
        $output | Should -BeNullOrEmpty
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMigrationFile*'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $message = $err.Exception.Message
        $message | Should -Match '^4 problem\(s\) in migration files'
        foreach ($name in '0002_not_json.json', '0003_unknown_property.json', '0004_same_name.json', '0005_root_typo.json') { $message | Should -BeLike "*$name*" }
        $message | Should -Not -BeLike '*0001_instances_compute_host.json*'
        $message | Should -BeLike '*tabel*'
        $message | Should -BeLike '*descripton*'
    }

    It 'is a terminating error: the pipeline stops at the broken folder' {
        Set-Content -LiteralPath (Join-Path $folder '0001_bad.json') -Value '{ "operations": 7 }'
        { Get-Migration -Path $folder -ErrorAction SilentlyContinue; throw 'not reached' } | Should -Throw -ErrorId 'InvalidMigrationFile*'
    }

    It 'reports a path that does not exist as MigrationPathNotFound' {
        $missing = Join-Path $folder 'no-such-folder'
        $err = $null
        try { Get-Migration -Path $missing -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MigrationPathNotFound*'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $err.Exception.Message | Should -BeLike "*$missing*"
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}
