@{
    Synopsis    = 'Reports an application instance: the object version it writes and the contracts it acknowledges.'
    Description = @'
Send-MigrationHeartbeat records one heartbeat of an application instance in the state store's client fleet: which application it is, its instance id and host, the object version it stamps on the rows it writes, and the migrations whose contract it acknowledges (meaning: this process no longer needs what that contract removes and works with the schema after it). The instance counts as alive until -TimeToLive after its last heartbeat, by the database's clock.

The FleetAcknowledged gate of Test-ContractReady passes only when every live instance of every application has acknowledged the migration, and it fails closed: on a database where no instance has ever reported it fails, until instances report or Register-MigrationClient -None declares that no application reads the database. An instance may acknowledge before the contract is requested. Applications learn which tables to stamp, and with which object version each migration expects, from the store's ObjectVersions view (about_OnlineMigrations, THE CLIENT PROTOCOL).

The cmdlet is for PowerShell-hosted applications, jobs and tests. Other applications send the same heartbeat with SQL: on SQL Server, EXEC [OnlineMigrations].[Heartbeat] @Application, @InstanceId, @HostName, @ObjectVersion, @Acknowledge (comma-separated migration ids), @TimeToLiveSeconds; on SQLite, an INSERT ... ON CONFLICT into OnlineMigrations_Client. See about_OnlineMigrations, "THE CLIENT PROTOCOL".

A heartbeat never waits for a runner: it takes no runner lock, and it creates the state store if the database has none yet.
'@
    Parameters  = @{
        Application   = @'
The application's name, the same for every instance of it (1 to 200 characters), for example inventory-api.
'@
        InstanceId    = @'
The id of this instance, unique in the fleet and stable for the life of the process (1 to 200 characters), for example the pod name or "$env:COMPUTERNAME-$PID". A heartbeat with an existing id replaces that instance's record.
'@
        HostName      = @{
            Description  = @'
The host the instance runs on (up to 256 characters). Defaults to the name of this computer.
'@
            DefaultValue = 'The name of this computer ([Environment]::MachineName)'
        }
        ObjectVersion = @'
The object version this instance stamps on the rows it writes, as dotted numbers compared numerically (2.0, 2.1, 1.10). It shows which release each instance runs.
'@
        Acknowledge   = @'
The ids of the migrations whose contract this instance acknowledges: it no longer needs what those contracts drop. Pass them as separate values (-Acknowledge 0001_a, 0002_b); an id may not contain a comma. Each heartbeat replaces the previous list, so send every id still acknowledged. Omit it to acknowledge nothing.
'@
        TimeToLive    = @'
How long after this heartbeat the instance counts as alive (default 5 minutes, at most 365 days). Send heartbeats more often than this. A nightly job may declare 25 hours so that it still counts between its runs. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
    }
    Inputs      = @(
        @{ Type = 'System.Management.Automation.PSObject'; Description = 'Application, InstanceId, HostName, ObjectVersion and Acknowledge by property name, for example a MigrationClient from Get-MigrationClient.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationClient'; Description = 'The instance as recorded: Application, InstanceId, HostName, ObjectVersion, Acknowledged, FirstSeen, LastSeen, TimeToLive, Alive and Status.' }
    )
    Notes       = @'
The heartbeat is the only write applications make to the state store; grant them EXECUTE on [OnlineMigrations].[Heartbeat] and SELECT on [OnlineMigrations].[ContractRequests], nothing more.
'@
    Examples    = @(
        @{
            Title   = 'Report a PowerShell worker at an interactive prompt'
            Code    = @'
PS> Send-MigrationHeartbeat -Application inventory-worker -InstanceId "$(hostname)-$PID" -ObjectVersion 2.0 -Acknowledge 0001_instances_compute_host

Application      InstanceId     HostName ObjectVersion Status LastSeen            Acknowledged
-----------      ----------     -------- ------------- ------ --------            ------------
inventory-worker build-07-4711  build-07 2.0           Alive  2025-11-27 08:04:12 0001_instances_compute_host
'@
            Remarks = 'The worker writes object version 2.0 and no longer needs what the contract of 0001 removes.'
        }
        @{
            Title   = 'Heartbeat from a long-running PowerShell service loop'
            Code    = @'
$ack = @()
while ($true) {
    # Read the open contract requests, stop using the old shape, then acknowledge them.
    $requested = @(Get-MigrationState | Where-Object ContractRequested | ForEach-Object Id)
    $ack = @($ack + $requested | Select-Object -Unique)
    $null = Send-MigrationHeartbeat -Application billing-sync -InstanceId $env:HOSTNAME -ObjectVersion 2.1 -Acknowledge $ack -TimeToLive 00:02:00
    Start-Sleep -Seconds 30
}
'@
            Remarks = 'A heartbeat every 30 seconds with a two-minute time-to-live: if the process dies, the instance stops counting two minutes later.'
        }
        @{
            Title   = 'Declare a nightly Azure Automation job'
            Code    = @'
Send-MigrationHeartbeat -Application nightly-export -InstanceId nightly-export -ObjectVersion 2.0 -TimeToLive 1.01:00:00 -ConnectionString $cs -Authentication ManagedIdentity
'@
            Remarks = 'A 25-hour time-to-live keeps the job in the fleet between its nightly runs, so contract waits for its acknowledgement.'
        }
    )
    Links       = @('Get-MigrationClient', 'Remove-MigrationClient', 'Request-Contract', 'about_OnlineMigrations')
}
