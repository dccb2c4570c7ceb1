@{
    Synopsis    = 'Runs the online data migration: batched, throttled and resumable.'
    Description = @'
Invoke-Migrate fills the new columns and tables of every expanded migration from the old ones and converts every row of each tracked table whose object version is older than the migration's (NULL counts as older), stamping it with the new version.

It walks each table's key in order (keyset, never OFFSET), commits every batch, keeps a batch under the lock-escalation threshold, sizes batches toward -TargetBatchDuration (or uses -BatchSize), fixes its upper key bound when it starts and checkpoints the last key with each batch. On SQL Server it pauses while Availability Group send or redo queues, log use or the Azure SQL log-write rate are over their limits. A transient error or a failover resumes from the checkpoint.

Each MigrationProgress carries an ExitCode that follows OpenStack's online_data_migrations:

  0  nothing left to migrate (Complete)
  1  progress was made and more remains (stopped by -MaxRows, -MaxDuration or Ctrl+C): run it again
  2  failed with no progress (the error was written; the checkpoint is intact)

The cmdlet never calls exit: a pipeline loops on the ExitCode.

Invoke-Migrate may run again on a Migrated migration: it starts a fresh pass that converts rows old code wrote since, and keeps the phase and the contract request. Rows written by old application instances after the backfill block the ObjectVersion gate of Test-ContractReady until they are converted by such a pass.
'@
    Parameters  = @{
        Id                  = @'
Migrates only these migrations (case-insensitive); each must be Expanded, Migrating or Migrated. Without it, every such migration is migrated, in id order. Accepts the Id property of piped objects.
'@
        BatchSize           = @'
A fixed number of rows per batch (1 to 1,000,000), instead of sizing batches toward -TargetBatchDuration. On SQL Server keep it under about 4,000 rows so a batch never escalates to a table lock.
'@
        TargetBatchDuration = @'
The duration each batch aims for (default 200 milliseconds). Batch sizes grow or shrink toward it, within the lock-escalation limit. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        Delay               = @'
A pause between batches, to leave room for the application. SQL Server default: none (a batch locks only its own rows, so other writers go on). SQLite default: a quarter of the last batch's duration, because a SQLite database has a single write lock and a waiting writer only gets it in a gap between batches; -Delay 0 runs batches back to back. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        MaxRows             = @'
Stops cleanly after the batch that reaches this many rows, over all migrations of the run. The result then has ExitCode 1: run Invoke-Migrate again to continue.
'@
        MaxDuration         = @'
Stops cleanly after the batch that ends past this duration, for runbooks and pipeline jobs with a time limit (for example 00:25:00 in a 30-minute Azure Automation slot). The result then has ExitCode 1 and the next run resumes from the checkpoint. Over a fleet it bounds the whole call: every running target stops after the batch that ends past it, and a target not started by then is passed over with a warning, for the next run. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        MaxLogSendQueueKb   = @'
SQL Server: pauses while the log send queue of any Availability Group secondary exceeds this many kilobytes (default 524288, 512 MB).
'@
        MaxRedoQueueKb      = @'
SQL Server: pauses while the redo queue of any Availability Group secondary exceeds this many kilobytes (default 524288, 512 MB).
'@
        MaxLogUsedPercent   = @'
SQL Server: pauses while the transaction log of the database is fuller than this percentage (1 to 100, default 80).
'@
        MaxLogWritePercent  = @'
Azure SQL: pauses while the log-write rate is above this percentage of the service tier's limit (avg_log_write_percent, 1 to 100, default 80).
'@
    }
    Inputs      = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'States from Get-MigrationState: Invoke-Migrate acts on the migrations in a phase it applies to and passes over the others (Completed, Pending, ...) with a verbose line, without an error.' }
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example from Get-MigrationState).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationProgress'; Description = 'One per migration migrated: Id, RowsMigrated, RowsRemaining, Complete, ExitCode, Batches, Duration, RowsPerSecond, Phase and StoppedBecause.' }
    )
    Notes       = @'
In an Azure DevOps pipeline (TF_BUILD set), progress is also reported with ##vso[task.setprogress] and warnings with ##vso[task.logissue].
'@
    Examples    = @(
        @{
            Title   = 'Migrate the data at an interactive prompt, gently'
            Code    = @'
PS> Invoke-Migrate -Delay 00:00:00.500 -Verbose

Id                          RowsMigrated RowsRemaining Rows/s Complete ExitCode
--                          ------------ ------------- ------ -------- --------
0001_instances_compute_host      1204332             0 8410.2     True        0
0002_split_location              1204332             0 7932.8     True        0
'@
            Remarks = 'Migrates every expanded migration with a half-second pause between batches. Ctrl+C stops after the current batch; run it again to resume.'
        }
        @{
            Title   = 'Loop until done in an Azure DevOps pipeline, after the deployment'
            Code    = @'
$PSDefaultParameterValues['Invoke-Migrate:ConnectionString'] = $env:INVENTORY_DB
$PSDefaultParameterValues['Invoke-Migrate:Authentication'] = 'AzureCli'
do {
    $r = Invoke-Migrate -MaxDuration 00:10:00
    $r | Format-Table | Out-String | Write-Host
} while ($r.ExitCode -eq 1)
if ($r.ExitCode -eq 2) { throw 'The data migration failed; see the errors above. Run the stage again to resume.' }
'@
            Remarks = 'Each call migrates for at most ten minutes; the loop runs again while any migration reports ExitCode 1 (progress made, more to do).'
        }
        @{
            Title   = 'Resume from a scheduled Azure Automation runbook'
            Code    = @'
Invoke-Migrate -ConnectionString $cs -Authentication ManagedIdentity -MaxDuration 00:25:00 -Confirm:$false
'@
            Remarks = 'Stops cleanly before the sandbox''s time limit; the next scheduled run resumes from the checkpoint. See docs/runbook.ps1.'
        }
    )
    Links       = @('Invoke-Expand', 'Test-ContractReady', 'about_OnlineMigrations')
}
