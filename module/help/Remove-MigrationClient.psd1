@{
    Synopsis    = 'Retires an application instance, or every instance of an application, from the fleet.'
    Description = @'
Remove-MigrationClient deletes an instance's record from the client fleet of the state store, so that it no longer counts for the FleetAcknowledged gate. Use it for an instance that is known to be gone for good but whose time-to-live has not run out yet, or to tidy up old records. The removal is journaled with who did it.

FleetAcknowledged counts each application: an application whose every instance went silent without acknowledging keeps blocking the contract, because it may come back running old code. When it is gone for good, retire it with -Application. A fleet whose every instance was retired this way no longer blocks.

If the instance is in fact still running, its next heartbeat adds it again.
'@
    Parameters  = @{
        Application = @'
Retires every instance of these applications (case-insensitive, no wildcards), journaled as one entry per application that names its instances. An application that has never reported is an error.
'@
        InstanceId = @'
The ids of the instances to retire (case-insensitive, no wildcards). An id that has never reported is an error. Accepts the InstanceId property of piped objects, for example from Get-MigrationClient.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String[]'; Description = 'Instance ids, by the property name InstanceId (for example MigrationClient objects from Get-MigrationClient).' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'This cmdlet returns no output.' }
    )
    Notes       = @'
Supports -WhatIf and -Confirm (ConfirmImpact Medium).
'@
    Examples    = @(
        @{
            Title   = 'Retire one instance at an interactive prompt'
            Code    = @'
PS> Remove-MigrationClient -InstanceId web-7f9c -Confirm
'@
            Remarks = 'Asks before removing the record of instance web-7f9c.'
        }
        @{
            Title   = 'Retire every instance of a decommissioned host in a pipeline'
            Code    = @'
Get-MigrationClient | Where-Object { $_.HostName -eq 'vm-legacy-01' -and -not $_.Alive } |
    Remove-MigrationClient -Confirm:$false
'@
            Remarks = 'Instance ids flow by property name; only instances that are already gone are removed.'
        }
        @{
            Title   = 'Retire a decommissioned application'
            Code    = @'
PS> Remove-MigrationClient -Application legacy-reports -Confirm:$false
'@
            Remarks = 'Its silent instances no longer block FleetAcknowledged.'
        }
    )
    Links       = @('Get-MigrationClient', 'Send-MigrationHeartbeat', 'about_OnlineMigrations')
}
