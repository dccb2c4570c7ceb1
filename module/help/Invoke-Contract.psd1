@{
    Synopsis    = 'Removes the old shape of migrations, only when every contract gate passes.'
    Description = @'
Invoke-Contract runs the contract phase: it drops what only the old application code needed (old columns and their indexes, old tables, the sync triggers), swaps shadow columns of an alterColumn into place, and renames tables. After it, only the new application code can run.

Contract is the dangerous step, so it runs only when it is measured to be safe: before anything is dropped, every gate of Test-ContractReady is evaluated again (ExpandComplete, DataMigrated, ObjectVersion, DeprecationWindow, ContractRequested, FleetAcknowledged, NoDependents, EarlierMigrationsContracted). If one fails, the contract is refused with an error that names the gate and its detail, and nothing changes.

-Force -Reason overrides failed gates; the override, the failed gates, the login and the reason are journaled. Use it only when you know why a gate is wrong.

Each step is its own short transaction with -LockTimeout and retries, checkpointed; a failed step leaves the migration Contracting with LastError set, and running Invoke-Contract again resumes. With -WhatIf, the failing gates are written as warnings and the exact SQL is printed; nothing is touched.

Invoke-Contract has ConfirmImpact High: it prompts unless -Confirm:$false is given.
'@
    Parameters  = @{
        MaxDuration = @'
Over a fleet (several targets): a target that has not started by the time this duration has passed since the command began is passed over with a warning naming it, so that a runbook or pipeline job with a time limit ends inside it; the next run takes the target up. A target already started finishes its contract. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        Id           = @'
Contracts only these migrations (case-insensitive). Without it, every migration that is Expanded, Migrating, Migrated or Contracting is contracted, in id order. Accepts the Id property of piped objects, for example the ready results of Test-ContractReady.
'@
        Force        = @'
Contracts although gates fail. Needs -Reason; the override is journaled with the failed gates, who ran it and why.
'@
        Reason       = @'
Why an override with -Force is safe, for the journal (for example a change ticket and the reason the gate is wrong). Required with -Force.
'@
        AllowOffline = @'
Runs steps that cannot run online: a final NOT NULL on a column, or trusting a constraint WITH CHECK. Without it, a contract whose plan holds a final NOT NULL is refused before it changes anything (OfflineStepRefused, naming the steps), so a column never ends nullable that the migration declares NOT NULL; trusting a constraint is skipped, reported as a warning, and the constraint stays untrusted.
'@
    }
    Inputs      = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'States from Get-MigrationState: Invoke-Contract acts on the migrations in a phase it applies to and passes over the others (Completed, Pending, ...) with a verbose line, without an error.' }
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example ContractReadiness objects from Test-ContractReady).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'The state of each migration contracted (Phase Completed).' }
    )
    Notes       = @'
Needs permission to drop and alter the objects the migration removes and VIEW DEFINITION for the NoDependents gate. After contract, Undo-Expand is no longer possible: the old shape is gone.
'@
    Examples    = @(
        @{
            Title   = 'Contract what is ready, at an interactive prompt'
            Code    = @'
PS> Test-ContractReady | Where-Object Ready | Invoke-Contract

Confirm
Are you sure you want to perform this action?
Performing the operation "Contract: drop the old shape (4 steps)" on target "0001_instances_compute_host".
[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"): y

Id                          Phase     Drift ExpandedAt       MigratedAt       Requested        CompletedAt      LastError
--                          -----     ----- ----------       ----------       ---------        -----------      ---------
0001_instances_compute_host Completed False 2025-11-20 09:14 2025-11-20 09:31 2025-11-27 08:00 2025-11-28 07:12
'@
            Remarks = 'Only migrations whose gates all pass reach Invoke-Contract, which checks the gates again before dropping anything.'
        }
        @{
            Title   = 'Contract in a later Azure DevOps stage behind an environment approval'
            Code    = @'
while (-not (Test-ContractReady -Quiet)) { Start-Sleep -Seconds 60 }
Invoke-Contract -Confirm:$false -ErrorAction Stop | Format-Table | Out-String | Write-Host
'@
            Remarks = 'The stage targets an environment with an approval check; once approved it waits for the gates and contracts without prompting. See docs/azure-pipelines.yml.'
        }
        @{
            Title   = 'Override a gate, journaled'
            Code    = @'
PS> Invoke-Contract -Id 0003_drop_legacy_quotas -Force -Reason 'CHG-4711: instance web-7f9c is a stuck pod, deleted; TTL not run out yet'
'@
            Remarks = 'Contracts although FleetAcknowledged fails; Get-MigrationJournal shows the override with the reason.'
        }
    )
    Links       = @('Test-ContractReady', 'Request-Contract', 'Get-MigrationJournal', 'about_OnlineMigrations')
}
