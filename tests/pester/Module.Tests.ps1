# The staged module folder (out/OnlineMigrations) imports and exports exactly the public surface.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:ModulePath = Get-TestModulePath
    $script:Expected = @(
        'Get-Migration', 'Get-MigrationState', 'Invoke-Expand', 'Invoke-Migrate', 'Test-ContractReady',
        'Request-Contract', 'Send-MigrationHeartbeat', 'Get-MigrationClient', 'Remove-MigrationClient',
        'Invoke-Contract', 'Undo-Expand', 'Get-MigrationJournal', 'Install-MigrationStore',
        'Register-Migration', 'Repair-Migration', 'Register-MigrationClient'
    ) | Sort-Object
}

Describe 'The staged module' {
    It 'has a valid manifest listing exactly the 16 cmdlets' {
        $manifest = Test-ModuleManifest -Path $ModulePath -ErrorAction Stop
        $manifest.RootModule | Should -Be 'OnlineMigrations.dll'
        $manifest.ExportedFunctions.Count | Should -Be 0
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be $Expected
    }

    It 'keeps the engine out of the module root, in the bin folder of its runtime only' {
        $folder = Split-Path -Parent $ModulePath
        Join-Path $folder 'OnlineMigrations.Engine.dll' | Should -Not -Exist
        Join-Path $folder 'Microsoft.Data.SqlClient.dll' | Should -Not -Exist
        Join-Path $folder "bin/$(Get-TestRuntime)/OnlineMigrations.Engine.dll" | Should -Exist
    }

    It 'imports by path and exports exactly the 16 cmdlets' {
        # The manifest's loader script (ScriptsToProcess) is listed as a module of its own, OnlineMigrations.Loader.
        $module = Import-Module $ModulePath -Force -PassThru -ErrorAction Stop | Where-Object Name -eq 'OnlineMigrations'
        try {
            $module.Version | Should -Be ([version]'0.1.0')
            @(Get-Command -Module OnlineMigrations | ForEach-Object Name | Sort-Object) | Should -Be $Expected
            @(Get-Command -Module OnlineMigrations | Where-Object CommandType -ne 'Cmdlet') | Should -HaveCount 0
        }
        finally { Remove-Module OnlineMigrations -Force -ErrorAction SilentlyContinue }
    }
}
