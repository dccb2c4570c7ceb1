@{
    Synopsis    = 'Lists the fleet of application instances, alive or gone.'
    Description = @'
Get-MigrationClient returns every application instance that has sent a heartbeat to the target database (through Send-MigrationHeartbeat or the documented SQL): its application, instance id, host, the object version it writes, the migrations whose contract it acknowledges, when it was first and last seen, its time-to-live, and whether it is alive (its last heartbeat is younger than its time-to-live, by the database's clock) or gone.

Use it to see which releases are still running and who has not acknowledged a contract the FleetAcknowledged gate waits for. The gate counts each application: a gone instance does not count while its application has live instances that acknowledged, but an application whose every instance went silent without acknowledging keeps blocking until Remove-MigrationClient -Application retires it.
'@
    Parameters  = @{
        Application = @'
Returns only instances of applications whose name matches this pattern (wildcards allowed, case-insensitive).
'@
        InstanceId  = @'
Returns only instances whose id matches this pattern (wildcards allowed, case-insensitive). Accepts the InstanceId property of piped objects.
'@
        Alive       = @'
Returns only instances that are alive: their last heartbeat is within their time-to-live.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String'; Description = 'An instance id pattern, by the property name InstanceId.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationClient'; Description = 'Application, InstanceId, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen (UTC), TimeToLive, Alive and Status (Alive or Gone).' }
    )
    Notes       = @'
Only reads; it takes no runner lock.
'@
    Examples    = @(
        @{
            Title   = 'See who has not acknowledged a contract, at an interactive prompt'
            Code    = @'
PS> Get-MigrationClient -Alive | Where-Object { $_.Acknowledged -notcontains '0001_instances_compute_host' }

Application   InstanceId   HostName ObjectVersion Status LastSeen            Acknowledged
-----------   ----------   -------- ------------- ------ --------            ------------
inventory-api web-7f9c     aks-07   1.4           Alive  2025-11-27 08:03:55
'@
            Remarks = 'One instance of inventory-api still runs release 1 (object version 1.4): the contract must wait until it is replaced.'
        }
        @{
            Title   = 'Write the fleet to the log of an Azure DevOps Contract stage'
            Code    = @'
Get-MigrationClient | Sort-Object Application, LastSeen | Format-Table | Out-String -Width 200 | Write-Host
'@
            Remarks = 'Shows every instance with its status, version and acknowledgements before the stage waits on the gates.'
        }
        @{
            Title   = 'Count live instances per version'
            Code    = @'
PS> Get-MigrationClient -Application inventory-* -Alive | Group-Object ObjectVersion -NoElement
'@
            Remarks = 'Wildcards select applications by name.'
        }
    )
    Links       = @('Send-MigrationHeartbeat', 'Remove-MigrationClient', 'Test-ContractReady', 'about_OnlineMigrations')
}
