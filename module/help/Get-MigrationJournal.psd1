@{
    Synopsis    = 'Returns the audit trail: every step, who ran it, where, when, how long, and how it ended.'
    Description = @'
Get-MigrationJournal reads the journal of the state store. Every step of every phase is recorded with its migration, phase, step name, the statement it ran, when it started and how long it took, its outcome (Started, Succeeded, Failed, Retried, Skipped, Refused, Overridden, Completed), the error if any, and the login, host and process that ran it. Contract overrides carry their -Reason; retries of lock timeouts and deadlocks, contract requests and retired clients are journaled too.

Entries are returned oldest first.
'@
    Parameters  = @{
        Id   = @'
Returns only the entries of this migration (case-insensitive). Accepts the Id property of piped objects.
'@
        Last = @'
Returns only the most recent N entries (still oldest first).
'@
    }
    Inputs      = @(
        @{ Type = 'System.String'; Description = 'A migration id, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationJournalEntry'; Description = 'Sequence, Id, Phase, Step, Statement, StartedAt (UTC), Duration, Outcome, Error, Login, Host, ProcessId and Reason.' }
    )
    Notes       = @'
The default table shows StartedAt, Id, Phase, Step, Outcome and Duration; Format-List * shows the statement, error, login, host and reason.
'@
    Examples    = @(
        @{
            Title   = 'See the last steps at an interactive prompt'
            Code    = @'
PS> Get-MigrationJournal -Last 5

StartedAt           Id                          Phase       Step                              Outcome   Duration
---------           --                          -----       ----                              -------   --------
2025-11-28 07:12:01 0001_instances_compute_host Contracting drop trigger dbo.Instances        Succeeded 00:00:00.041
2025-11-28 07:12:01 0001_instances_compute_host Contracting drop column dbo.Instances.Host    Retried   00:00:02.003
2025-11-28 07:12:03 0001_instances_compute_host Contracting drop column dbo.Instances.Host    Succeeded 00:00:00.087
'@
            Remarks = 'A lock timeout was retried once; the step then succeeded.'
        }
        @{
            Title   = 'Attach the journal of a release to an Azure DevOps run'
            Code    = @'
Get-MigrationJournal | Where-Object StartedAt -gt (Get-Date).ToUniversalTime().AddDays(-1) |
    Export-Csv -Path $(Build.ArtifactStagingDirectory)/journal.csv -NoTypeInformation
'@
            Remarks = 'Every property, including statements and errors, goes to a CSV file published as a pipeline artifact.'
        }
        @{
            Title   = 'Find who overrode a gate'
            Code    = @'
PS> Get-MigrationJournal | Where-Object Outcome -eq Overridden | Format-List StartedAt, Id, Login, Host, Reason
'@
            Remarks = 'Overrides of Invoke-Contract -Force are journaled with their reason.'
        }
    )
    Links       = @('Get-MigrationState', 'Invoke-Contract', 'about_OnlineMigrations')
}
