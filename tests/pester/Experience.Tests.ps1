# How the module feels at a prompt and in a pipeline: tab completion, and Azure DevOps log commands.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $Samples = (Resolve-Path "$PSScriptRoot/../../samples/inventory").Path

    function Get-Completion([string]$Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText
    }
}

Describe 'Tab completion' {
    It 'completes -Id from the files of -Path' {
        $ids = Get-Completion "Get-MigrationState -ConnectionString x -Path '$Samples' -Id "
        $ids | Should -Contain '0001_instances_compute_host'
        $ids | Should -Contain '0003_drop_legacy_quotas'
        Get-Completion "Invoke-Expand -Path '$Samples' -Id 0002" | Should -Be @('0002_split_location')
    }

    It 'completes -Provider with its values' {
        $values = Get-Completion 'Get-MigrationState -Provider '
        $values | Should -Contain 'Sqlite'
        $values | Should -Contain 'SqlServer'
    }

    It 'completes -Id from the database when no -Path is given' {
        $db = New-TestDatabase -Provider Sqlite
        try {
            Initialize-TestBaseline $db
            $om = Get-TestConnectionParameters $db
            Invoke-Expand @om -Path $Samples -Id 0001_instances_compute_host -Confirm:$false -WarningAction SilentlyContinue | Out-Null
            Get-Completion "Test-ContractReady -Provider Sqlite -ConnectionString '$($om.ConnectionString)' -Id " | Should -Be @('0001_instances_compute_host')
        }
        finally { Remove-TestWorkspace $db }
    }
}

Describe 'Azure DevOps log commands' {
    BeforeAll {
        # Expand (first-trigger warning), migrate (progress) and a refused contract (error), in a child pwsh.
        function Invoke-Release([string]$TfBuild) {
            $db = New-TestDatabase -Provider Sqlite
            try {
                Initialize-TestBaseline $db
                $cs = (Get-TestConnectionParameters $db).ConnectionString.Replace("'", "''")
                $child = Start-TestPwsh -Script @"
`$env:TF_BUILD = '$TfBuild'
Invoke-Expand -Provider Sqlite -ConnectionString '$cs' -Path '$Samples' -Id 0001_instances_compute_host -Confirm:`$false | Out-Null
Invoke-Migrate -Provider Sqlite -ConnectionString '$cs' -Confirm:`$false | Out-Null
try { Invoke-Contract -Provider Sqlite -ConnectionString '$cs' -Id 0001_instances_compute_host -Confirm:`$false -ErrorAction Stop } catch { 'refused' }
"@
                $child.WaitForExit(120000) | Should -BeTrue
                Get-Content -Raw $child.OutPath
            }
            finally { Remove-TestWorkspace $db }
        }
    }

    It 'writes warnings, errors and progress as ##vso commands when TF_BUILD is set' {
        $out = Invoke-Release 'True'
        $out | Should -Match '##vso\[task\.logissue type=warning\].*first trigger'
        $out | Should -Match '##vso\[task\.setprogress value=\d+;\]'
        $out | Should -Match '##vso\[task\.logissue type=error\]Contract of'
        $out | Should -Match 'refused'
    }

    It 'writes none without TF_BUILD' {
        $out = Invoke-Release ''
        $out | Should -Match 'refused'
        $out | Should -Not -Match '##vso\['
    }
}
