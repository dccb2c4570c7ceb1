@{
    Synopsis    = 'Rolls an expand back, before contract.'
    Description = @'
Undo-Expand removes what a migration's expand added (new tables and columns, shadow columns, indexes, object-version columns, sync triggers and synonyms) and marks the migration RolledBack. It is the way back when a release is abandoned after expand or migrate: the old shape was never removed, so the old application keeps working.

It is possible only before contract: from Expanded, Migrating or Migrated (and to resume a RollingBack). Several ids are rolled back later migrations first, since an earlier expand may be what a later one builds on.

Undo-Expand refuses to drop data that only new code wrote and that cannot be derived from the old shape (a new table that holds rows, a new column with values its "up" expression would not give) unless -Force is given. With -WhatIf the losses are written as warnings and the exact SQL is printed; nothing is touched.

Undo-Expand has ConfirmImpact High: it prompts unless -Confirm:$false is given.
'@
    Parameters  = @{
        Id    = @'
The migrations to roll back (case-insensitive). Accepts the Id property of piped objects.
'@
        Force = @'
Drops data that only new code wrote and that cannot be derived from the old shape. Without it, Undo-Expand refuses and says what would be lost.
'@
    }
    Inputs      = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'States from Get-MigrationState: Undo-Expand acts on the migrations in a phase it applies to and passes over the others (Completed, Pending, ...) with a verbose line, without an error.' }
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'The state of each migration rolled back (Phase RolledBack).' }
    )
    Notes       = @'
Roll back the application first: the new code needs what Undo-Expand drops. The rollback is journaled.
'@
    Examples    = @(
        @{
            Title   = 'See what a rollback would do, then do it, at an interactive prompt'
            Code    = @'
PS> Undo-Expand -Id 0002_split_location -WhatIf
WARNING: 0002_split_location: would lose 12 values of dbo.Instances.Region not derivable from "up" (refused without -Force)
What if: ...
PS> Undo-Expand -Id 0002_split_location -Force
'@
            Remarks = 'The first call prints the SQL and the data that would be lost; the second rolls back, dropping that data, after confirmation.'
        }
        @{
            Title   = 'Roll back the last release in an Azure DevOps rollback stage'
            Code    = @'
Get-MigrationState | Where-Object { $_.Phase -in 'Expanded', 'Migrating', 'Migrated' -and $_.Id -ge '0004' } |
    Undo-Expand -Confirm:$false -ErrorAction Stop
'@
            Remarks = 'Runs after the previous application release was redeployed; rolls back every open migration of the abandoned release.'
        }
    )
    Links       = @('Invoke-Expand', 'Get-MigrationState', 'about_OnlineMigrations')
}
