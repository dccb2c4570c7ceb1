@{
    Synopsis    = 'Evaluates every contract gate of each open migration.'
    Description = @'
Test-ContractReady measures whether contract is safe for a migration and returns, for each migration evaluated, a ContractReadiness with one GateCheck per gate and a detail a person can act on. Safe is measured, never assumed. The gates, in the order they are evaluated:

  ExpandComplete               the expand phase finished
  DataMigrated                 no row is left to migrate, counted by a query over the data (not by bookkeeping)
  ObjectVersion                no row of a tracked table is older than the migration's object version
  DeprecationWindow            the migration's deprecation window has passed since expand
  ContractRequested            Request-Contract set the ready-for-contract flag applications read
  FleetAcknowledged            every live instance of each application acknowledged the contract in its heartbeat; fails with no heartbeat at all (unless Register-MigrationClient -None declared that no application reads the database) and while an application whose every instance went silent unacknowledged is listed
  NoDependents                 no view, procedure, function, trigger, computed column, constraint, index or foreign key still references what contract drops
  EarlierMigrationsContracted  every earlier migration is contracted

ExitCode of each result:

  0  ready: every gate passes (a completed or rolled-back migration gives no result, only a verbose message)
  1  error: a gate could not be evaluated (the error was written)
  2  expand pending: the migration is not expanded (or not in the state store)
  3  data migration pending: DataMigrated or ObjectVersion fails; run Invoke-Migrate
  4  waiting on a gate: the window, the request, the fleet, dependents or an earlier migration

With -Quiet, only $true (every migration evaluated is ready, or none is open) or $false is returned, for a pipeline condition. Test-ContractReady only reads: it never changes the database.
'@
    Parameters  = @{
        Id    = @'
Evaluates only these migrations (case-insensitive). Without it, every open migration (expanded and not yet completed or rolled back) is evaluated. An id that is not in the state store gives a result with ExitCode 2 (expand pending), not an error. Accepts the Id property of piped objects, for example from Get-MigrationState.
'@
        Quiet = @'
Returns a single Boolean instead of the results: $true when every migration evaluated is ready, and also when none is open (nothing waits on a gate), else $false. The failed gates are still written to the verbose stream.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String[]'; Description = 'Migration ids, by the property name Id (for example from Get-MigrationState).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.ContractReadiness'; Description = 'Id, Phase, Ready, ExitCode, Checks (GateCheck: Name, Passed, Result, Detail) and Failed (the failing checks).' }
        @{ Type = 'System.Boolean'; Description = 'With -Quiet: whether every migration evaluated is ready.' }
    )
    Notes       = @'
The default table shows each migration's Id, Phase, Ready, ExitCode and the names of its failed gates. Format-List shows every check as a 'PASS/FAIL Name Detail' line; (Test-ContractReady -Id x).Checks lists the GateCheck objects.

NoDependents needs permission to see object definitions (VIEW DEFINITION); without it the gate fails and says which permission is missing.
'@
    Examples    = @(
        @{
            Title   = 'See which gates still block contract, at an interactive prompt'
            Code    = @'
PS> Test-ContractReady

Id                          Phase    Ready ExitCode Failed
--                          -----    ----- -------- ------
0001_instances_compute_host Migrated False        4 FleetAcknowledged
0002_split_location         Migrated False        4 ContractRequested, EarlierMigrationsContracted

PS> Test-ContractReady -Id 0001_instances_compute_host | Format-List

Id       : 0001_instances_compute_host
Phase    : Migrated
Ready    : False
ExitCode : 4
Checks   : PASS ExpandComplete               expanded at 2025-11-20 09:14:03Z
           PASS DataMigrated                 no row left to migrate (counted from the data)
           ...
           FAIL FleetAcknowledged            1 live instance has not acknowledged: inventory-api/web-7f9c (2.0)
'@
            Remarks = 'The table gives the overview; the list view shows every gate with its detail.'
        }
        @{
            Title   = 'Wait for the gates in an Azure DevOps Contract stage'
            Code    = @'
$deadline = (Get-Date).AddHours(2)
while (-not (Test-ContractReady -Quiet)) {
    if ((Get-Date) -gt $deadline) {
        Test-ContractReady | Format-List | Out-String | Write-Host
        throw 'Contract gates still fail after two hours.'
    }
    Start-Sleep -Seconds 60
}
Invoke-Contract -Confirm:$false
'@
            Remarks = 'Polls every minute until every open migration is ready, then contracts. On time-out the list view of every gate is written to the log.'
        }
        @{
            Title   = 'Use the exit code in a script'
            Code    = @'
$r = Test-ContractReady -Id 0002_split_location
switch ($r.ExitCode) {
    0 { 'ready' }
    3 { Invoke-Migrate -Id $r.Id }
    default { $r.Failed | Format-Table Name, Detail -Wrap }
}
'@
            Remarks = 'ExitCode 3 means data is still to migrate; another Invoke-Migrate pass converts the rows old code wrote since.'
        }
    )
    Links       = @('Request-Contract', 'Invoke-Contract', 'Get-MigrationClient', 'about_OnlineMigrations')
}
