@{
    Synopsis    = 'Applies the additive part (expand) of pending migrations, in id order.'
    Description = @'
Invoke-Expand reads the migration files of -Path, finds the ones the state store has not applied (or whose expand stopped half way) and runs their expand phase, one migration after the other in id order: new tables, new columns, online index builds, object-version columns, and the sync triggers that keep an old column and its replacement consistent while old and new application code run side by side. Nothing is removed: old code keeps working.

Each step is its own short transaction, run with SET LOCK_TIMEOUT (-LockTimeout) and XACT_ABORT ON, and checkpointed in the state store; a lock timeout or deadlock is retried up to -MaxRetries times. If a step fails, the migration stays Expanding with LastError set, and running Invoke-Expand again resumes from the failed step.

Run Invoke-Expand before deploying the application release that needs the new shape. The state store is created on first use, and the applied definition of each migration is stored with its checksum so later phases run from the database alone.

With -WhatIf or -Script, nothing is touched, not even the state store: -WhatIf prints the exact SQL, -Script returns it as text.

Before any trigger exists, every "up" and "down" expression is compiled against its table (an expression that does not compile is refused, with its JSON path and the engine's message), and every "up" is evaluated over the existing rows in key batches; a row it fails for is named by its key, and the expand is refused unless -AllowExpressionErrors is given. An expression that fails at run time on a row the application writes later fails the application's own INSERT or UPDATE: write expressions that cannot fail (TRY_CAST, TRY_CONVERT).

An object name the migration would create (index, constraint, column, table) that already exists is refused, naming the existing object: expand never reuses, and undo or contract never drops, an object it did not create.

Expand warns when a table gets its first trigger (applications writing it with OUTPUT without INTO, as EF Core 7 and later do, must declare the trigger; bulk loads must fire triggers), and refuses or warns about tables it cannot treat as ordinary (temporal, change data capture, change tracking, replicated, memory-optimized).
'@
    Parameters  = @{
        MaxDuration = @'
Over a fleet (several targets): a target that has not started by the time this duration has passed since the command began is passed over with a warning naming it, so that a runbook or pipeline job with a time limit ends inside it; the next run takes the target up. A target already started finishes its expand. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        Path         = @'
The folder of migration files (or one file). Needed for migrations that are not yet in the state store; without it, only migrations whose expand stopped half way are resumed. A relative path is relative to the current PowerShell location.

Binds the Path property of piped objects (alias FullName), so a definition from Get-Migration is enough: Get-Migration -Path ./migrations | Invoke-Expand expands each piped definition from its file, in order. If one is refused, the ones after it are not expanded (they may build on it), with a warning naming them.
'@
        Id           = @'
Expands only these migrations (case-insensitive). Earlier pending migrations are not skipped silently: a migration can only be expanded after every earlier one. Accepts the Id property of piped objects.
'@
        AllowOffline = @'
Builds indexes offline where the server cannot build them online (an edition without online index builds). Without it, such a step is reported and the tool's own helper indexes are skipped; the gates then scan in batches.
'@
        AllowExpressionErrors = @'
Expands although an "up" expression fails inside the engine for some of the existing rows (a conversion error, invalid JSON). Before any trigger is installed, expand compiles every "up" and "down" against its table and evaluates each "up" over the existing rows in key batches; a row it fails for is named by its key, and without this switch the expand is refused and nothing is changed. With it, the expand goes ahead, the failing rows are written as a warning and to the journal (outcome Overridden), and the backfill fails on those rows until they are corrected. An expression that does not compile (a misspelt column) is always refused, with or without this switch. Prefer an expression that cannot fail: TRY_CAST or TRY_CONVERT on SQL Server; on SQLite, guard JSON functions with json_valid.
'@
        Script       = @'
Returns the SQL that would run, as text (one string per migration, batches separated by GO on SQL Server), and changes nothing: no state store, no lock. Use it to review a release or hand it to a DBA.
'@
    }
    Inputs      = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationDefinition'; Description = 'Definitions from Get-Migration: their Id and Path (the file) bind -Id and -Path by property name.' }
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id, and files by the property name Path or FullName (for example from Get-ChildItem).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationState'; Description = 'The state of each migration expanded (Phase Expanded).' }
        @{ Type = 'System.String'; Description = 'With -Script: the SQL that would run for each pending migration.' }
    )
    Notes       = @'
Needs permission to create and alter the tables, indexes and triggers the migrations name (on SQL Server typically db_ddladmin plus SELECT, INSERT, UPDATE on the tables) and, on first use, to create the OnlineMigrations schema. See the README for the minimum permissions of each cmdlet.
'@
    Examples    = @(
        @{
            Title   = 'Review, then expand, at an interactive prompt'
            Code    = @'
PS> $cs = 'Server=sql01;Database=Inventory;Integrated Security=True;Encrypt=True'
PS> Get-Command -Module OnlineMigrations | ForEach-Object { $PSDefaultParameterValues["$($_.Name):ConnectionString"] = $cs }
PS> Invoke-Expand -Path ./migrations -Script | Out-File ./expand.sql
PS> Invoke-Expand -Path ./migrations

Id                          Phase    Drift ExpandedAt       MigratedAt Requested CompletedAt LastError
--                          -----    ----- ----------       ---------- --------- ----------- ---------
0002_split_location         Expanded False 2025-11-24 10:02
'@
            Remarks = 'The first call writes the SQL to a file for review and changes nothing; the second applies expand of every pending migration.'
        }
        @{
            Title   = 'Expand before the deployment, in an Azure DevOps pipeline with Entra ID'
            Code    = @'
- task: AzureCLI@2
  displayName: Expand
  inputs:
    azureSubscription: inventory-prod
    scriptType: pscore            # PowerShell 7: the module cannot load in Windows PowerShell 5.1
    scriptLocation: inlineScript
    inlineScript: |
      Import-Module $(Pipeline.Workspace)/module/OnlineMigrations/OnlineMigrations.psd1
      Invoke-Expand -Path $(Pipeline.Workspace)/migrations `
          -ConnectionString 'Server=tcp:inventory.database.windows.net;Database=Inventory;Encrypt=True' `
          -Authentication AzureCli -RunnerTimeout 00:10:00 -ErrorAction Stop
'@
            Remarks = 'Runs as the service connection''s identity. -RunnerTimeout waits up to ten minutes if a scheduled runbook holds the runner lock.'
        }
        @{
            Title   = 'Try the method on SQLite'
            Code    = @'
PS> Invoke-Expand -Path ./samples/inventory -ConnectionString 'Data Source=./inventory.db' -Provider Sqlite -WhatIf
'@
            Remarks = 'Prints the SQL each migration would run against the SQLite file and touches nothing.'
        }
    )
    Links       = @('Invoke-Migrate', 'Undo-Expand', 'Get-MigrationState', 'about_OnlineMigrations')
}
