@{
    RootModule           = 'OnlineMigrations.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '15f56248-961e-4f1a-bce2-26e0aa469fb6'
    Author               = 'OnlineMigrations contributors'
    CompanyName          = 'OnlineMigrations'
    Copyright            = '(c) OnlineMigrations contributors.'
    Description          = 'Expand/migrate/contract schema migrations for SQL Server and SQLite: change a live database without downtime, with gates that keep contract from breaking running applications.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # Hooks the engine's load context before PowerShell inspects the cmdlets (whose parameter and
    # output types live in the engine): see module/OnlineMigrations.Loader.ps1.
    ScriptsToProcess     = @('OnlineMigrations.Loader.ps1')
    FormatsToProcess     = @('OnlineMigrations.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-Migration'
        'Get-MigrationState'
        'Invoke-Expand'
        'Invoke-Migrate'
        'Test-ContractReady'
        'Request-Contract'
        'Send-MigrationHeartbeat'
        'Get-MigrationClient'
        'Remove-MigrationClient'
        'Invoke-Contract'
        'Undo-Expand'
        'Get-MigrationJournal'
        'Install-MigrationStore'
        'Register-Migration'
        'Repair-Migration'
        'Register-MigrationClient'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('SqlServer', 'Sqlite', 'Migration', 'Schema', 'ZeroDowntime', 'ExpandContract', 'Database', 'PSEdition_Core', 'Linux', 'Windows')
            ReleaseNotes = 'First release: expand, migrate and contract with readiness gates, journal and client fleet, on SQL Server and SQLite.'
        }
    }
}
