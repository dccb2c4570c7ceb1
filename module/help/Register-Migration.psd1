@{
    Synopsis    = 'Records migrations that are already in the database as applied (a baseline).'
    Description = @'
Register-Migration adopts an existing database, as Flyway's baseline does: it tells the state store that the migrations of -Path up to and including -UpTo are already in the database (applied by hand, by an earlier deployment or by another tool). Each is recorded as Completed with its definition and checksum, so that Invoke-Expand skips it and later migrations expand on top of it, and each is journaled with who registered it and -Reason.

Nothing is run against your tables: Register-Migration only writes to the state store, in one transaction. It is refused, and nothing is recorded, where the store already has state for one of those migrations (of any phase); Get-MigrationState shows what the store has.

Make sure the database really has the shape those migrations describe: the tool trusts the registration, and a later migration that builds on a missing column fails at its expand.
'@
    Parameters  = @{
        Path   = @'
A folder of migration files (or one file). The migrations up to -UpTo are read from it and validated as Get-Migration does.
'@
        UpTo   = @'
The id of the last migration already in the database. It and every migration before it (in id order) are recorded as Completed; later ones stay pending.
'@
        Reason = @'
Why these migrations are recorded as applied, for the journal (for example "schema built by hand before OnlineMigrations was adopted, ticket OPS-1234"). Required.
'@
    }
    Inputs      = @(
        @{ Type = 'None'; Description = 'This cmdlet takes no pipeline input.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'One object per recorded migration, in phase Completed.' }
    )
    Notes       = @'
Supports -WhatIf (lists what would be recorded, touches nothing) and -Confirm (ConfirmImpact Medium). The journal shows each registration with Outcome Registered, the login and the reason: Get-MigrationJournal | Where-Object Outcome -eq Registered.
'@
    Examples    = @(
        @{
            Title   = 'Adopt a database whose first two migrations were applied by hand'
            Code    = @'
PS> Register-Migration -Path ./migrations -UpTo 0002_split_location -Reason 'applied by hand in 2024, OPS-1234'
PS> Invoke-Expand -Path ./migrations
'@
            Remarks = '0001 and 0002 are recorded as Completed; Invoke-Expand then expands 0003 and later.'
        }
        @{
            Title   = 'See what would be recorded'
            Code    = @'
PS> Register-Migration -Path ./migrations -UpTo 0002_split_location -Reason 'baseline' -WhatIf
'@
            Remarks = 'Lists each migration with its checksum; the store is not touched.'
        }
    )
    Links       = @('Repair-Migration', 'Get-MigrationState', 'Invoke-Expand', 'about_OnlineMigrations')
}
