@{
    Synopsis    = 'Creates or upgrades the state store explicitly.'
    Description = @'
Install-MigrationStore creates the state store in the target database, or upgrades it to the version this module needs, and returns the store's version. On SQL Server the store is the schema OnlineMigrations (or -StoreSchema): tables for migration state, the journal, backfill checkpoints, the runner's holder row and the client fleet, the view ContractRequests and the procedure Heartbeat. On SQLite it is the set of tables prefixed OnlineMigrations_.

The other commands that change a database create or upgrade the store on first use; run Install-MigrationStore explicitly when the store must exist before the first expand, for example so that applications can start sending heartbeats, or when a DBA creates it with elevated rights and the pipeline runs with less. With -WhatIf, the SQL is printed and nothing is touched.
'@
    Parameters  = @{}
    Inputs      = @(
        @{ Type = 'None'; Description = 'This cmdlet takes no pipeline input.' }
    )
    Outputs     = @(
        @{ Type = 'System.Int32'; Description = 'The version of the state store after the command.' }
    )
    Notes       = @'
Creating the store on SQL Server needs CREATE SCHEMA (or an existing schema), CREATE TABLE, CREATE VIEW and CREATE PROCEDURE. Then grant applications EXECUTE on [OnlineMigrations].[Heartbeat] and SELECT on [OnlineMigrations].[ContractRequests].
'@
    Examples    = @(
        @{
            Title   = 'Create the store and let the application read it, at an interactive prompt'
            Code    = @'
PS> Install-MigrationStore -ConnectionString 'Server=sql01;Database=Inventory;Integrated Security=True;Encrypt=True'
1
PS> Invoke-Sqlcmd -ServerInstance sql01 -Database Inventory -Query @"
GRANT EXECUTE ON [OnlineMigrations].[Heartbeat] TO [inventory-api];
GRANT SELECT ON [OnlineMigrations].[ContractRequests] TO [inventory-api];
"@
'@
            Remarks = 'Creates the store (version 3) so the application can heartbeat before the first release that uses the method.'
        }
        @{
            Title   = 'Review the store''s SQL in a pipeline before a DBA runs it'
            Code    = @'
Install-MigrationStore -ConnectionString $env:INVENTORY_DB -Authentication AzureCli -WhatIf
'@
            Remarks = 'Prints the statements that would create or upgrade the store; changes nothing.'
        }
    )
    Links       = @('Send-MigrationHeartbeat', 'about_OnlineMigrations')
}
