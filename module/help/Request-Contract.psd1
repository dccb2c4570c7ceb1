@{
    Synopsis    = 'Sets the "ready for contract" flag that running applications read.'
    Description = @'
Request-Contract tells the running fleet that the operator intends to contract a migration: it sets the migration's contract-requested flag in the state store, recording when and by whom. Applications read the open requests (on SQL Server from the view [OnlineMigrations].[ContractRequests]; on SQLite from OnlineMigrations_ContractRequests), stop using what the contract removes, and acknowledge the migration id in their next heartbeat.

The request is one of the contract gates (ContractRequested); FleetAcknowledged then waits until every live instance has acknowledged. An application may acknowledge before the request. Requesting a contract that is already requested returns the state unchanged.

A contract can be requested for a migration that is Expanded, Migrating or Migrated. The request is journaled.
'@
    Parameters  = @{
        Id = @'
The migrations whose contract is requested (case-insensitive). Each must be in the state store and expanded, not yet contracted. Accepts the Id property of piped objects.
'@
    }
    Inputs      = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'States from Get-MigrationState: Request-Contract acts on the migrations in a phase it applies to and passes over the others (Completed, Pending, ...) with a verbose line, without an error.' }
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example from Get-MigrationState).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'The state of each migration, with ContractRequested, ContractRequestedAt and ContractRequestedBy set.' }
    )
    Notes       = @'
The request does not change the schema. It stays until the migration is contracted or rolled back.
'@
    Examples    = @(
        @{
            Title   = 'Request the contract at an interactive prompt'
            Code    = @'
PS> Request-Contract -Id 0001_instances_compute_host

Id                          Phase    Drift ExpandedAt       MigratedAt       Requested        CompletedAt LastError
--                          -----    ----- ----------       ----------       ---------        ----------- ---------
0001_instances_compute_host Migrated False 2025-11-20 09:14 2025-11-20 09:31 2025-11-27 08:00
'@
            Remarks = 'Applications see the request on their next read of ContractRequests.'
        }
        @{
            Title   = 'Request every migrated migration at the end of the Migrate stage of a pipeline'
            Code    = @'
Get-MigrationState |
    Where-Object { $_.Phase -eq 'Migrated' -and -not $_.ContractRequested } |
    Request-Contract -Confirm:$false
'@
            Remarks = 'The ids flow by property name. The Contract stage later waits for the fleet to acknowledge.'
        }
    )
    Links       = @('Test-ContractReady', 'Send-MigrationHeartbeat', 'Get-MigrationClient', 'about_OnlineMigrations')
}
