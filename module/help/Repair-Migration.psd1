@{
    Synopsis    = 'Accepts a changed file of an applied migration as its applied definition, with a reason.'
    Description = @'
When the file of a migration changes after it was applied, the migration drifts: Get-MigrationState and Invoke-Expand warn, the state's Drift property is True, and every later phase keeps running from the applied definition saved in the store. Repair-Migration accepts the file deliberately, as Flyway's repair does: the file's text and checksum become the applied definition, and the repair is journaled with the old and new checksums, who did it and -Reason.

A repair is allowed only where the change does not alter what the migration's remaining phases would run. The plans of those phases are made from the applied definition and from the file and compared: the migrate pass (what it fills, how it stamps object versions, its scripts and verify queries), contract and undo-expand, and what other migrations read from it (its object version and tracked tables). A migration that is Contracting, Completed, RollingBack or RolledBack has nothing left to run from its definition beyond those last two. A comment, a description or a change to a part that already ran is accepted; anything else is refused with the difference shown (lines of the applied plan marked -, of the file's plan marked +), and nothing changes. -Force accepts it anyway; the difference is journaled too.
'@
    Parameters  = @{
        Path   = @'
The folder (or file) that holds the changed migration file.
'@
        Id     = @'
The ids of the drifted migrations to repair. Accepts the Id property of piped objects, for example Get-MigrationState -Path ./migrations | Where-Object Drift.
'@
        Reason = @'
Why the changed file is accepted, for the journal. Required.
'@
        Force  = @'
Accepts the file although it changes what the remaining phases would run. The difference is written as a warning and journaled.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example drifted MigrationState objects from Get-MigrationState -Path).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'The state of each repaired migration, with Drift False.' }
    )
    Notes       = @'
Supports -WhatIf and -Confirm (ConfirmImpact Medium). Repairs show in the journal with Outcome Repaired and the checksums in Statement.
'@
    Examples    = @(
        @{
            Title   = 'Accept a file whose comments were edited'
            Code    = @'
PS> Get-MigrationState -Path ./migrations | Where-Object Drift |
        Repair-Migration -Path ./migrations -Reason 'comments only, PR 812'
'@
            Remarks = 'Each drifted migration is compared; one whose remaining plan is unchanged is accepted, another is refused with the difference.'
        }
        @{
            Title   = 'Accept a change to the contract on purpose'
            Code    = @'
PS> Repair-Migration -Path ./migrations -Id 0003_drop_legacy_quotas -Force -Reason 'keep the Legacy column, decided in CAB 2025-03'
'@
            Remarks = 'The difference in the contract plan is shown as a warning and journaled with the repair.'
        }
    )
    Links       = @('Register-Migration', 'Get-MigrationState', 'Get-MigrationJournal', 'about_OnlineMigrations')
}
