# Help text for the parameters several cmdlets share (DatabaseCmdlet, ChangeCmdlet and the
# risk-mitigation parameters). tools/New-ModuleHelp.ps1 merges it into every cmdlet that has the
# parameter; a cmdlet's own <Cmdlet-Name>.psd1 may override an entry. Paragraphs are separated by
# a blank line.
@{
    Parameters = @{
        ConnectionString = @'
The connection string of the target database. On SQL Server, for example 'Server=sql01;Database=Inventory;Encrypt=True;Integrated Security=True', or with -Authentication or -AccessToken 'Server=tcp:contoso.database.windows.net;Database=Inventory;Encrypt=True'. On SQLite, 'Data Source=/var/lib/inventory/inventory.db'.

The connection string is never written to the output, the journal, verbose messages or errors. Set it once per session or pipeline job with $PSDefaultParameterValues (see about_OnlineMigrations) rather than repeating it. A relative SQLite path ('Data Source=inventory.db') is relative to the current PowerShell location (Set-Location), as every path in PowerShell is.

Give either -ConnectionString or -SqlInstance (with -Database), not both.

Several connection strings make a fleet: the command works on each database in turn, each with its own runner lock, state and journal, and a database that fails (cannot connect, its runner lock held, a step failed) is a non-terminating error whose TargetObject and message name its server and database, and the next database runs. Accepts the ConnectionString property of piped objects, so 'Import-Csv fleet.csv | Invoke-Expand -Path ./migrations' works on every row of a CSV file with a ConnectionString (and Provider) column. With one database on the command line, the command behaves as it always has: a problem of the whole command (cannot connect, runner busy) terminates it.
'@
        SqlInstance      = @'
The SQL Server instance, as dbatools and the SqlServer module take it: 'sql01', 'sql01\PROD', 'sql01,1433' or 'tcp:contoso.database.windows.net'. Use it with -Database instead of -ConnectionString. Without -SqlCredential, -AccessToken or -Authentication the connection uses Windows (integrated) authentication. Alias: -ServerInstance.

Several instances (and several -Database) make a fleet: every database on every instance, each in turn, as with several -ConnectionString. Accepts the SqlInstance property of piped objects (a CSV file with SqlInstance and Database columns).
'@
        Database         = @'
The database on -SqlInstance. With -Provider Sqlite, the SQLite database file (a relative path is relative to the current PowerShell location); it must exist.

Several databases make a fleet (see -ConnectionString). Accepts the Database property of piped objects. An object this module wrote (a MigrationState, a ContractReadiness) also has a Database property: piped into a command whose -ConnectionString is given, it selects, among several connection strings, the one of that database, and with one connection string it changes nothing.
'@
        SqlCredential    = @'
A SQL login as a PSCredential (Get-Credential, or a credential from SecretManagement or an Azure Automation credential asset), with -SqlInstance or -ConnectionString. It is passed to SqlClient as a SqlCredential: the password stays a SecureString and is never put into a connection string, the output, the journal, verbose messages or errors. Do not combine it with User ID or Password in the connection string, nor with -AccessToken or -Authentication.
'@
        Encrypt          = @'
Encryption of a connection made from -SqlInstance, as SqlClient's Encrypt keyword: Mandatory (SqlClient's default: encrypted, certificate validated), Optional (not encrypted unless the server requires it) or Strict (TDS 8.0). With -ConnectionString, write Encrypt= in the connection string instead.
'@
        TrustServerCertificate = @'
With -SqlInstance, accepts the server's certificate without validating it (a self-signed certificate of a test server). Prefer a certificate the client trusts in production.
'@
        Provider         = @'
The database engine: SqlServer (the default; SQL Server 2016 and later, Azure SQL Database, Azure SQL Managed Instance) or Sqlite (the embedded engine, for trying the method on a laptop and for tests). -AccessToken and -Authentication apply to SQL Server only. Accepts the Provider property of piped objects (a Provider column of a fleet's CSV file).
'@
        Shard            = @'
With -ShardCount, the part of the targets this call works on, from 0 to ShardCount - 1; the other targets are passed over with a verbose line. Each target belongs to exactly one part, chosen by a stable hash of its identity (provider, server and database in lower case; for SQLite the full path of the file), so the parts do not depend on the order of the list or on the machine: n workers given the same fleet and -Shard 0 to n - 1 split it without coordinating, and a database that a killed worker left half-done is resumed by the worker whose part it is, on its next run. In an Azure DevOps job with 'strategy: parallel: n', pass -Shard ($env:SYSTEM_JOBPOSITIONINPHASE - 1) -ShardCount $env:SYSTEM_TOTALJOBSINPHASE; in a Kubernetes indexed job, -Shard $env:JOB_COMPLETION_INDEX.
'@
        ThrottleLimit    = @'
How many targets of a fleet run at once (1 to 64; default 1, one after the other). Each target runs on its own thread with its own connection, runner lock, state and journal, exactly as a call for that database alone would; objects, errors, warnings, progress and -Confirm prompts still come through this command, in the order the targets produce them (each object names its Server and Database). One target's failure is a non-terminating error for that target; the others go on. Ctrl+C starts no further target and stops every running one after its current batch or step, with its checkpoint saved: run the command again to resume. The same database named twice in a call never runs twice at once. On SQLite each database file is its own lock, so targets run truly in parallel; on one SQL Server, N targets put N sessions of work on the server at once: choose N by the server's headroom, not the machine's cores.
'@
        ShardCount       = @'
How many parts the targets are split into (1 to 10000), with -Shard; see -Shard.
'@
        AccessToken      = @'
A static Microsoft Entra ID access token for SQL Server (resource https://database.windows.net/), for example from 'az account get-access-token --resource https://database.windows.net/ --query accessToken -o tsv'. The token is not refreshed: for runs longer than its lifetime (about an hour) use -Authentication instead. Do not combine it with -Authentication or with credentials in the connection string.
'@
        Authentication   = @'
Microsoft Entra ID authentication for SQL Server through Azure.Identity, with tokens refreshed during long runs. None (the default) uses the connection string as it is (SQL or integrated authentication). Default walks the default Azure credential chain. ManagedIdentity uses the managed identity of the Azure resource the command runs on (Azure Automation, a VM, an App Service); give -ClientId for a user-assigned identity. WorkloadIdentity uses workload identity federation (Kubernetes, or the environment variables a federated service connection sets). AzureCli uses the account signed in to the Azure CLI, as in an AzureCLI@2 task of an Azure DevOps pipeline.
'@
        ClientId         = @'
The client id of a user-assigned managed identity (with -Authentication ManagedIdentity) or of the application registration of a workload identity (with -Authentication WorkloadIdentity). Omit it for a system-assigned managed identity.
'@
        StoreSchema      = @'
The SQL Server schema that holds the state store (migration state, journal, checkpoints, runner lock holder, client fleet, the [Heartbeat] procedure and the [ContractRequests] and [ObjectVersions] views). The default is OnlineMigrations. Every command and every application of one database must use the same schema. On SQLite the store is the set of tables prefixed OnlineMigrations_ and this parameter is ignored.
'@
        LockTimeout      = @'
The SQL lock timeout of each DDL statement (SET LOCK_TIMEOUT), default 2 seconds. A schema-modification lock that waits blocks every query queued behind it, so the tool never waits long: a statement that times out (error 1222) or is chosen as a deadlock victim (1205) rolls its step back and is retried with jittered exponential backoff, up to -MaxRetries times, each retry journaled. On SQLite it bounds the wait for the database's write lock (the busy timeout, in whole seconds, at least one). A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        RunnerTimeout    = @'
How long to wait for another runner that holds the database's runner lock (one runner at a time per database). The default, 0, fails at once with an error that names the holder (host, process, login and since when). A pipeline that may overlap a scheduled runbook can give, for example, -RunnerTimeout 00:10:00. A plain number is seconds (600 is ten minutes); a TimeSpan, '00:10:00' or an ISO-8601 duration ('PT10M') also work.
'@
        MaxRetries       = @'
How many times a step that hit a lock timeout (1222) or a deadlock (1205) is retried before the command fails, default 5, 0 to 100. A failed step leaves the migration in its "-ing" phase with LastError set; running the same command again resumes from the last checkpointed step.
'@
        InputObject      = @'
A migration state piped from Get-MigrationState; you do not name this parameter. Its Id binds -Id, and its phase lets the command pass over, with a verbose line, the migrations it does not apply to (a Completed one given to Invoke-Migrate, a Pending one given to Request-Contract) instead of failing on them. An id named with -Id on the command line is an error when the command does not apply to it.
'@
        WhatIf           = @'
Shows what the command would do without doing it. For commands that run SQL, the exact statements that would run are printed, and nothing is touched, not even the state store.
'@
        Confirm          = @'
Prompts for confirmation before each change. Invoke-Contract and Undo-Expand have ConfirmImpact High and prompt by default; in pipelines and runbooks pass -Confirm:$false.
'@
    }
}
