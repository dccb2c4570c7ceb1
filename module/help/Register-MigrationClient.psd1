@{
    Synopsis    = 'Declares, journaled, that no application reads this database (or withdraws the declaration).'
    Description = @'
The FleetAcknowledged gate fails closed: on a database where no application instance has ever sent a heartbeat, nobody has acknowledged a contract, so the gate fails. Where that is so because no application reads the database at all (a reporting copy, a database only batch scripts use, a test database), say so with Register-MigrationClient -None -Reason: the declaration is stored with who made it and when, journaled with the reason, and FleetAcknowledged then passes while no instance is listed, naming the declaration in its detail.

As soon as any instance reports a heartbeat, the gate counts the instances and no longer the declaration. -Withdraw removes the declaration (journaled).

Like a heartbeat, it never waits for a runner, and it creates the state store if there is none.
'@
    Parameters  = @{
        None     = @'
Declares that no application reads this database.
'@
        Withdraw = @'
Removes an earlier declaration; the gate then fails again while no instance reports.
'@
        Reason   = @'
Why no application reads this database (or why the declaration is withdrawn), for the journal. Required.
'@
    }
    Inputs      = @(
        @{ Type = 'None'; Description = 'This cmdlet takes no pipeline input.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationJournalEntry'; Description = 'The journal entry of the declaration.' }
    )
    Notes       = @'
Supports -WhatIf and -Confirm (ConfirmImpact Medium).
'@
    Examples    = @(
        @{
            Title   = 'A database that only a nightly export reads, through no application code'
            Code    = @'
PS> Register-MigrationClient -None -Reason 'reporting replica; read by the export job only, which selects *'
'@
            Remarks = 'FleetAcknowledged passes while no instance reports; the detail names who declared it and why.'
        }
        @{
            Title   = 'Take the declaration back when an application starts reading the database'
            Code    = @'
PS> Register-MigrationClient -Withdraw -Reason 'the inventory API now reads this database, CHG-88'
'@
            Remarks = 'FleetAcknowledged fails again until the application sends heartbeats.'
        }
    )
    Links       = @('Send-MigrationHeartbeat', 'Get-MigrationClient', 'Remove-MigrationClient', 'Test-ContractReady', 'about_OnlineMigrations')
}
