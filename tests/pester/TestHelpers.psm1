<#
    Helpers for the Pester tests of the staged module (build.ps1 Test sets ONLINEMIGRATIONS_MODULE
    to out/OnlineMigrations/OnlineMigrations.psd1).

    Test setup and assertions need to run SQL of their own (create a table, count rows, read a
    column) without going through the module. Invoke-Sql does that with the ADO.NET providers the
    module ships (bin/<rid>/Microsoft.Data.Sqlite.dll, Microsoft.Data.SqlClient.dll), loaded into a
    separate AssemblyLoadContext named 'OnlineMigrations.Tests'. So:
      - nothing lands in the default load context: the module's own 'OnlineMigrations' context
        still has to find every dependency itself, exactly as in a user's session;
      - no sqlite3 CLI, no second copy of the providers to download;
      - the isolation test (Isolation.Tests.ps1) runs in its own fresh pwsh anyway, where it loads
        SqlClient 6 first the way dbatools would, and does not import this module.

    Pattern for a phase-behaviour test, written once and run per provider:

        BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
        BeforeAll {
            Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
            Import-Module (Get-TestModulePath) -Force
        }
        Describe 'Expand on <Provider>' -ForEach (Get-TestProvider) {
            BeforeEach { if (-not $Skip) { $db = New-TestDatabase -Provider $Provider } }
            AfterEach  { if (-not $Skip) { Remove-TestDatabase $db } }
            It 'adds the column' -Skip:$Skip {
                Invoke-Sql $db 'CREATE TABLE t (id INT)'          # or -Provider/-ConnectionString
                ...
                (Invoke-Sql $db 'SELECT COUNT(*) AS n FROM t').n | Should -Be 0
            }
        }
#>

Set-StrictMode -Version 3.0

$script:TestContext = $null
$script:Providers = @{}
$script:AlterNullability = @{}

function Get-TestModulePath {
    <# The staged module manifest the tests import (ONLINEMIGRATIONS_MODULE, else out/ of this repo). #>
    [OutputType([string])]
    param()
    if ($env:ONLINEMIGRATIONS_MODULE) { return $env:ONLINEMIGRATIONS_MODULE }
    $default = Join-Path $PSScriptRoot '../../out/OnlineMigrations/OnlineMigrations.psd1'
    if (Test-Path -LiteralPath $default) { return (Resolve-Path -LiteralPath $default).Path }
    throw 'ONLINEMIGRATIONS_MODULE is not set and out/OnlineMigrations is not built: run "dotnet pwsh ./build.ps1 Build" (or Test) first.'
}

function Get-TestNuGetPackages {
    <# The NuGet global packages folder (where tests/tools/TestTools.csproj put Pester and SqlClient 6.1.5). #>
    [OutputType([string])]
    param()
    foreach ($value in $env:ONLINEMIGRATIONS_NUGET_PACKAGES, $env:NUGET_PACKAGES) {
        if ($value) { return $value }
    }
    $text = (& dotnet nuget locals global-packages --list) -join "`n"
    $match = [regex]::Match($text, 'global-packages:\s*(.+)')
    if (-not $match.Success) { throw "Cannot find the NuGet packages folder in: $text" }
    $match.Groups[1].Value.Trim()
}

function Get-TestRuntime {
    <# The bin/<rid> folder name the module uses on this machine. #>
    if ($IsWindows) { 'win-x64' } else { 'linux-x64' }
}

function Get-TestPwsh {
    <#
    .SYNOPSIS
        The command line that starts a fresh pwsh like this one: executable, then leading arguments.
        Under 'dotnet pwsh' the process is the dotnet host running $PSHOME/pwsh.dll.
    .EXAMPLE
        $pwsh = @(Get-TestPwsh); & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -File $script
    #>
    [OutputType([string[]])]
    param()
    $path = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($path) -eq 'pwsh') { return $path }
    $path
    Join-Path $PSHOME 'pwsh.dll'
}

function Get-TestProvider {
    <#
    .SYNOPSIS
        The provider cases for Describe/It -ForEach: SQLite always; SQL Server only when
        ONLINEMIGRATIONS_TEST_SQLSERVER holds a connection string (else Skip = $true, so the
        runs are counted as skipped, never as passed).
    #>
    [OutputType([hashtable])]
    param()
    @{ Provider = 'Sqlite'; ConnectionString = $null; Skip = $false }
    @{ Provider = 'SqlServer'; ConnectionString = $env:ONLINEMIGRATIONS_TEST_SQLSERVER; Skip = -not $env:ONLINEMIGRATIONS_TEST_SQLSERVER }
}

function New-TestDatabase {
    <#
    .SYNOPSIS
        A fresh place for one test. Sqlite: a new database file in the temp folder. SqlServer: a
        new schema (om_test_<guid>) in the ONLINEMIGRATIONS_TEST_SQLSERVER database.
    .OUTPUTS
        [pscustomobject] Provider, ConnectionString, Schema (SqlServer; $null for Sqlite),
        Path (Sqlite file; $null for SqlServer). Pass it to Invoke-Sql and Remove-TestDatabase.
    #>
    param(
        [Parameter(Mandatory)][ValidateSet('Sqlite', 'SqlServer')][string]$Provider,
        # SqlServer only; defaults to ONLINEMIGRATIONS_TEST_SQLSERVER.
        [string]$ConnectionString = $env:ONLINEMIGRATIONS_TEST_SQLSERVER
    )
    $id = [guid]::NewGuid().ToString('N')
    if ($Provider -eq 'Sqlite') {
        $path = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-test-$id.db"
        return [pscustomobject]@{ Provider = 'Sqlite'; ConnectionString = "Data Source=$path"; Schema = $null; Path = $path }
    }
    if (-not $ConnectionString) { throw 'New-TestDatabase -Provider SqlServer needs ONLINEMIGRATIONS_TEST_SQLSERVER (or -ConnectionString).' }
    $schema = "om_test_$($id.Substring(0, 12))"
    Invoke-Sql -Provider SqlServer -ConnectionString $ConnectionString -Sql "CREATE SCHEMA [$schema];"
    [pscustomobject]@{ Provider = 'SqlServer'; ConnectionString = $ConnectionString; Schema = $schema; Path = $null }
}

function Remove-TestDatabase {
    <# Deletes what New-TestDatabase made: the SQLite file (and -wal, -shm, .lock beside it), or the schema with everything in it. #>
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)][psobject]$Database)
    process {
        if ($Database.Provider -eq 'Sqlite') {
            Clear-TestSqlitePools
            foreach ($suffix in '', '-wal', '-shm', '-journal', '.lock') {
                Remove-Item -LiteralPath ($Database.Path + $suffix) -Force -ErrorAction SilentlyContinue
            }
            return
        }
        # Foreign keys first, then every object, then the schema. The statements are listed by one
        # query and run one at a time: string aggregation by SELECT @sql += ... over several rows is
        # undefined in T-SQL (and keeps only one row on the T-SQL test engine).
        $cs = $Database.ConnectionString
        $p = @{ s = $Database.Schema }
        $list = @"
SELECT 1 AS ord, N'ALTER TABLE ' + QUOTENAME(@s) + N'.' + QUOTENAME(OBJECT_NAME(fk.parent_object_id)) + N' DROP CONSTRAINT ' + QUOTENAME(fk.name) AS stmt
  FROM sys.foreign_keys fk WHERE fk.schema_id = SCHEMA_ID(@s)
UNION ALL
SELECT 2, N'DROP ' + CASE CAST(o.type AS varchar(2)) WHEN 'V' THEN N'VIEW' WHEN 'P' THEN N'PROCEDURE' WHEN 'SN' THEN N'SYNONYM' ELSE N'FUNCTION' END
       + N' ' + QUOTENAME(@s) + N'.' + QUOTENAME(o.name)
  FROM sys.objects o WHERE o.schema_id = SCHEMA_ID(@s) AND CAST(o.type AS varchar(2)) IN ('V', 'P', 'FN', 'IF', 'TF', 'SN') AND o.parent_object_id = 0
UNION ALL
SELECT 3, N'DROP TABLE ' + QUOTENAME(@s) + N'.' + QUOTENAME(t.name) FROM sys.tables t WHERE t.schema_id = SCHEMA_ID(@s)
ORDER BY ord
"@
        if (-not (Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql 'SELECT SCHEMA_ID(@s) AS id' -Parameters $p).id) { return }
        # Tests create no sequences or types; an identity column's own sequence (listed by a T-SQL engine
        # on PostgreSQL) goes with its table. (A query of sys.types here crashed that engine's server.)
        foreach ($row in @(Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql $list -Parameters $p)) {
            Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql $row.stmt | Out-Null
        }
        Invoke-Sql -Provider SqlServer -ConnectionString $cs -Sql "DROP SCHEMA [$($Database.Schema.Replace(']', ']]'))];" | Out-Null
    }
}

function Invoke-Sql {
    <#
    .SYNOPSIS
        Runs SQL for test setup and assertions, outside the module. Rows come back as
        [pscustomobject] (column name -> value, DBNull -> $null); statements without a result
        set return nothing. Values go in -Parameters (@{ name = value } binds @name).
    .EXAMPLE
        Invoke-Sql $db 'SELECT COUNT(*) AS n FROM orders WHERE id = @id' -Parameters @{ id = 7 }
    .EXAMPLE
        Invoke-Sql -Provider Sqlite -ConnectionString 'Data Source=/tmp/x.db' -Sql 'CREATE TABLE t (id INTEGER)'
    #>
    [CmdletBinding(DefaultParameterSetName = 'Database')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Database')][psobject]$Database,
        [Parameter(Mandatory, ParameterSetName = 'Connection')][ValidateSet('Sqlite', 'SqlServer')][string]$Provider,
        [Parameter(Mandatory, ParameterSetName = 'Connection')][string]$ConnectionString,
        [Parameter(Mandatory, Position = 1)][string]$Sql,
        [hashtable]$Parameters = @{}
    )
    if ($PSCmdlet.ParameterSetName -eq 'Database') {
        $Provider = $Database.Provider
        $ConnectionString = $Database.ConnectionString
    }
    $connection = New-TestConnection -Provider $Provider -ConnectionString $ConnectionString
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Sql
        $command.CommandTimeout = 120
        foreach ($name in $Parameters.Keys) {
            $parameter = $command.CreateParameter()
            $parameter.ParameterName = "@$name"
            $parameter.Value = if ($null -eq $Parameters[$name]) { [DBNull]::Value } else { $Parameters[$name] }
            $null = $command.Parameters.Add($parameter)
        }
        $reader = $command.ExecuteReader()
        try {
            do {
                while ($reader.Read()) {
                    $row = [ordered]@{}
                    for ($i = 0; $i -lt $reader.FieldCount; $i++) {
                        $value = $reader.GetValue($i)
                        $row[$reader.GetName($i)] = if ($value -is [DBNull]) { $null } else { $value }
                    }
                    [pscustomobject]$row
                }
            } while ($reader.NextResult())
        }
        finally { $reader.Dispose() }
    }
    finally { $connection.Dispose() }
}

function New-TestConnection {
    param([string]$Provider, [string]$ConnectionString)
    $typeName = if ($Provider -eq 'Sqlite') { 'Microsoft.Data.Sqlite.SqliteConnection' } else { 'Microsoft.Data.SqlClient.SqlConnection' }
    $assemblyName = if ($Provider -eq 'Sqlite') { 'Microsoft.Data.Sqlite' } else { 'Microsoft.Data.SqlClient' }
    if (-not $script:Providers.ContainsKey($Provider)) {
        $script:Providers[$Provider] = (Get-TestLoadContext).LoadFromAssemblyName([Reflection.AssemblyName]::new($assemblyName)).GetType($typeName, $true)
    }
    [Activator]::CreateInstance($script:Providers[$Provider], [object[]]@($ConnectionString))
}

function Clear-TestSqlitePools {
    # Pooled SQLite connections keep the file open; clear them so the file can be deleted.
    if ($script:Providers.ContainsKey('Sqlite')) { $script:Providers['Sqlite']::ClearAllPools() }
}

function Get-TestLoadContext {
    # The test-only load context, rooted at the staged module's bin/<rid>/ folder. Only this
    # context's Resolving handler loads from there; framework assemblies come from the default one.
    if ($null -ne $script:TestContext) { return $script:TestContext }
    $bin = Join-Path (Split-Path -Parent (Get-TestModulePath)) "bin/$(Get-TestRuntime)"
    if (-not (Test-Path -LiteralPath $bin)) { throw "The staged module has no $bin; run build.ps1 Build." }
    $context = [System.Runtime.Loader.AssemblyLoadContext]::new('OnlineMigrations.Tests', $false)
    $resolve = {
        param([System.Runtime.Loader.AssemblyLoadContext]$ctx, [System.Reflection.AssemblyName]$name)
        $path = Join-Path $bin "$($name.Name).dll"
        if (Test-Path -LiteralPath $path) { $ctx.LoadFromAssemblyPath($path) } else { $null }
    }.GetNewClosure()
    $context.add_Resolving([Func[System.Runtime.Loader.AssemblyLoadContext, System.Reflection.AssemblyName, System.Reflection.Assembly]]$resolve)
    # Native libraries (libe_sqlite3.so) are found beside the assembly that imports them.
    $script:TestContext = $context
    $context
}

Export-ModuleMember -Function Get-TestModulePath, Get-TestNuGetPackages, Get-TestRuntime, Get-TestPwsh, Get-TestProvider,
    New-TestDatabase, Remove-TestDatabase, Invoke-Sql

# ---- Helpers for the expand / state / runner-lock tests (appended) --------------------------------

function Get-TestStoreSchema {
    <# SqlServer: the state-store schema a test database uses (its own, so parallel tests never share a store); Sqlite: $null. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'SqlServer') { "$($Database.Schema)_store" } else { $null }
}

function Get-TestConnectionParameters {
    <#
    .SYNOPSIS
        The parameters every database cmdlet needs for a test database, to splat:
        Invoke-Expand @om -Path $folder. Sqlite: Mode=ReadWriteCreate so the module can create the
        file; SqlServer: -StoreSchema of the test's own (Get-TestStoreSchema).
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'Sqlite') {
        return @{ ConnectionString = "$($Database.ConnectionString);Mode=ReadWriteCreate"; Provider = 'Sqlite' }
    }
    @{ ConnectionString = $Database.ConnectionString; Provider = 'SqlServer'; StoreSchema = (Get-TestStoreSchema $Database) }
}

function Get-TestTableName {
    <# The quoted name of a user table in the test database: [Instances] (Sqlite) or [om_test_x].[Instances] (SqlServer). #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Name)
    if ($Database.Provider -eq 'SqlServer') { "[$($Database.Schema)].[$Name]" } else { "[$Name]" }
}

function ConvertTo-TestSchemaText {
    <# Rewrites a migration's or script's dbo. / [dbo] to the test schema (SqlServer); Sqlite keeps dbo. (the engine ignores it). #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][AllowEmptyString()][string]$Text)
    if ($Database.Provider -ne 'SqlServer') { return $Text }
    $Text.Replace('[dbo]', "[$($Database.Schema)]") -replace '(?<![\w\]])dbo\.', "$($Database.Schema)."
}

function Test-TestOnlineIndex {
    <# True where the test server builds indexes online (SQLite; SQL Server Enterprise, Developer, Azure SQL). #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -ne 'SqlServer') { return $true }
    $row = Invoke-Sql $Database "SELECT CAST(SERVERPROPERTY('EngineEdition') AS int) AS e, CAST(SERVERPROPERTY('Babelfish') AS int) AS b"
    ($row.e -in 3, 5, 8) -and -not $row.b
}

function Test-TestRenameIndex {
    <# True where the test server renames an index (SQLite recreates it under the new name; SQL Server's
       sp_rename ... 'INDEX'), asked by trying it on a scratch table of the test's own schema. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -ne 'SqlServer') { return $true }
    $t = "[$($Database.Schema)].[om_rename_probe]"
    Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, V int NULL); CREATE INDEX IX_probe ON $t (V);"
    try { Invoke-Sql $Database "EXEC sys.sp_rename @objname = N'$($Database.Schema).om_rename_probe.IX_probe', @newname = N'IX_probe2', @objtype = N'INDEX';"; $true }
    catch { $false }
    finally { Invoke-Sql $Database "DROP TABLE $t;" }
}

Export-ModuleMember -Function Test-TestRenameIndex

function Test-TestAlterColumnNullability {
    <#
    .SYNOPSIS
        True where the test server changes an existing column's nullability in place (ALTER COLUMN ...
        NULL / NOT NULL): SQL Server; not SQLite, not the T-SQL test engine. Asked of the server once per
        connection string, by trying it on a temporary table. -Database needs only Provider and ConnectionString.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -ne 'SqlServer' -or -not $Database.ConnectionString) { return $false }
    if (-not $script:AlterNullability.ContainsKey($Database.ConnectionString)) {
        $script:AlterNullability[$Database.ConnectionString] = try {
            Invoke-Sql -Provider SqlServer -ConnectionString $Database.ConnectionString -Sql 'CREATE TABLE #om_probe (a int NOT NULL); ALTER TABLE #om_probe ALTER COLUMN a int NULL; DROP TABLE #om_probe;' | Out-Null
            $true
        }
        catch { $false }
    }
    $script:AlterNullability[$Database.ConnectionString]
}

Export-ModuleMember -Function Test-TestAlterColumnNullability

function Initialize-TestBaseline {
    <#
    .SYNOPSIS
        Creates the sample inventory schema (samples/baseline/<provider>.sql) in the test database.
        The sample's first migration renames an indexed column, whose index is built again on the new
        column: on a SQL Server edition without online index builds (Standard, the T-SQL test engine)
        that step is offline, so for such a server this also sets Invoke-Expand's -AllowOffline default
        for the calling test (Edition.Tests.ps1 covers the refusal without it).
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if (Test-TestOnlineIndex $Database) { $global:PSDefaultParameterValues.Remove('Invoke-Expand:AllowOffline') }
    else { $global:PSDefaultParameterValues['Invoke-Expand:AllowOffline'] = $true }
    $file = if ($Database.Provider -eq 'Sqlite') { 'sqlite.sql' } else { 'sqlserver.sql' }
    $sql = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot "../../samples/baseline/$file")
    Invoke-Sql $Database (ConvertTo-TestSchemaText $Database $sql)
}

function New-TestMigrationFolder {
    <#
    .SYNOPSIS
        A temporary folder of migration files for one test: copies of -Source (default
        samples/inventory) and/or -Files (@{ 'name.json' = text }), with dbo. rewritten to the test
        schema on SqlServer. Returns the folder path; Remove-TestWorkspace -Folder deletes it.
    #>
    param(
        [Parameter(Mandatory, Position = 0)][psobject]$Database,
        [string]$Source,
        [hashtable]$Files = @{},
        [switch]$Empty
    )
    $folder = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-files-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $folder
    if (-not $Empty -and -not $Source -and $Files.Count -eq 0) { $Source = Join-Path $PSScriptRoot '../../samples/inventory' }
    if ($Source) {
        foreach ($file in Get-ChildItem -LiteralPath $Source -Filter *.json) {
            $text = ConvertTo-TestSchemaText $Database (Get-Content -Raw -LiteralPath $file.FullName)
            Set-Content -LiteralPath (Join-Path $folder $file.Name) -Value $text -NoNewline -Encoding utf8
        }
    }
    foreach ($name in $Files.Keys) {
        Set-Content -LiteralPath (Join-Path $folder $name) -Value (ConvertTo-TestSchemaText $Database $Files[$name]) -NoNewline -Encoding utf8
    }
    $folder
}

function Get-TestCatalogSnapshot {
    <#
    .SYNOPSIS
        The user schema of the test database as text, for before/after comparisons: Sqlite, every
        sqlite_master row except the state store's; SqlServer, the objects, columns, indexes,
        triggers and defaults of the test schema.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'Sqlite') {
        $rows = Invoke-Sql $Database "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'OnlineMigrations\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_autoindex\_OnlineMigrations\_%' ESCAPE '\' AND name <> 'sqlite_sequence' ORDER BY name"
    }
    else {
        $rows = Invoke-Sql $Database @"
SELECT 'object' AS kind, o.name + ':' + CAST(o.type AS varchar(2)) + ':' + ISNULL(OBJECT_NAME(o.parent_object_id), '') AS item
  FROM sys.objects o WHERE o.schema_id = SCHEMA_ID(@s)
  -- A T-SQL engine that names every default constraint itself (DF_<table>_<n>): the default's text is on the column line.
  AND NOT (CAST(o.type AS varchar(2)) = 'D' AND SERVERPROPERTY('Babelfish') IS NOT NULL)
UNION ALL
SELECT 'column', t.name + '.' + c.name + ':' + TYPE_NAME(c.user_type_id) + '(' + CAST(c.max_length AS varchar(10)) + ',' + CAST(c.precision AS varchar(10)) + ',' + CAST(c.scale AS varchar(10)) + ')'
       + ':' + CAST(c.is_nullable AS varchar(1)) + ':' + ISNULL(c.collation_name, '') + ':' + CAST(c.column_id AS varchar(10)) + ':' + ISNULL(OBJECT_DEFINITION(c.default_object_id), '')
  FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id WHERE t.schema_id = SCHEMA_ID(@s)
UNION ALL
SELECT 'index', t.name + '.' + ISNULL(i.name, '(heap)') + ':' + CAST(i.type AS varchar(3)) + ':' + CAST(i.is_unique AS varchar(1)) + ':' + ISNULL(i.filter_definition, '') + ':'
       + ISNULL(STUFF((SELECT ',' + c.name + CASE WHEN ic.is_included_column = 1 THEN '+' ELSE '' END FROM sys.index_columns ic JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
                       WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id ORDER BY ic.is_included_column, ic.key_ordinal, ic.index_column_id FOR XML PATH('')), 1, 1, ''), '')
  FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id WHERE t.schema_id = SCHEMA_ID(@s)
UNION ALL
SELECT 'trigger', tr.name + ':' + OBJECT_NAME(tr.parent_id) + ':' + CAST(tr.is_disabled AS varchar(1))
  FROM sys.triggers tr JOIN sys.objects p ON p.object_id = tr.parent_id WHERE p.schema_id = SCHEMA_ID(@s)
ORDER BY kind, item
"@ -Parameters @{ s = $Database.Schema }
    }
    ($rows | ForEach-Object { ($_.PSObject.Properties.Value | ForEach-Object { "$_" }) -join ' | ' }) -join "`n"
}

function Get-TestStoreObject {
    <# The names of the state store's objects in the test database (empty when no store exists). #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'Sqlite') {
        if (-not (Test-Path -LiteralPath $Database.Path)) { return @() }
        return @(Invoke-Sql $Database "SELECT name FROM sqlite_master WHERE name LIKE 'OnlineMigrations\_%' ESCAPE '\' ORDER BY name" | ForEach-Object name)
    }
    @(Invoke-Sql $Database 'SELECT name FROM sys.objects WHERE schema_id = SCHEMA_ID(@s) ORDER BY name' -Parameters @{ s = (Get-TestStoreSchema $Database) } | ForEach-Object name)
}

function Remove-TestWorkspace {
    <# Removes a test database (Remove-TestDatabase), its SQLite runner-lock file or SqlServer store schema, and the given temp folders. #>
    param([Parameter(Position = 0)][psobject]$Database, [string[]]$Folder = @())
    foreach ($f in $Folder) { if ($f -and (Test-Path -LiteralPath $f)) { Remove-Item -LiteralPath $f -Recurse -Force -ErrorAction SilentlyContinue } }
    if ($null -eq $Database) { return }
    Remove-TestDatabase $Database
    if ($Database.Provider -eq 'Sqlite') {
        Remove-Item -LiteralPath ($Database.Path + '.onlinemigrations.lock') -Force -ErrorAction SilentlyContinue
    }
    else {
        Remove-TestDatabase ([pscustomobject]@{ Provider = 'SqlServer'; ConnectionString = $Database.ConnectionString; Schema = (Get-TestStoreSchema $Database); Path = $null })
    }
}

function Start-TestPwsh {
    <#
    .SYNOPSIS
        Starts a child pwsh (Get-TestPwsh) running -Script (text) with the staged module imported;
        stdout and stderr go to files. Returns the Process with NoteProperties ScriptPath, OutPath, ErrPath.
    #>
    param([Parameter(Mandatory)][string]$Script)
    $base = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-child-$([guid]::NewGuid().ToString('N'))"
    $scriptPath = "$base.ps1"
    $prelude = "`$ErrorActionPreference = 'Stop'`nImport-Module '$((Get-TestModulePath).Replace("'", "''"))' -Force`n"
    # The child acts like its parent test: with the offline default Initialize-TestBaseline set, if any.
    if ($global:PSDefaultParameterValues['Invoke-Expand:AllowOffline']) { $prelude += "`$PSDefaultParameterValues['Invoke-Expand:AllowOffline'] = `$true`n" }
    Set-Content -LiteralPath $scriptPath -Value ($prelude + $Script) -Encoding utf8
    $pwsh = @(Get-TestPwsh)
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptPath)
    $process = Start-Process -FilePath $pwsh[0] -ArgumentList $arguments -PassThru -RedirectStandardOutput "$base.out" -RedirectStandardError "$base.err"
    $process | Add-Member -NotePropertyName ScriptPath -NotePropertyValue $scriptPath
    $process | Add-Member -NotePropertyName OutPath -NotePropertyValue "$base.out"
    $process | Add-Member -NotePropertyName ErrPath -NotePropertyValue "$base.err"
    $process
}

function Wait-TestCondition {
    <# Polls -Condition (a scriptblock) every 100 ms until it returns true; throws after -TimeoutSeconds with -Because. #>
    param([Parameter(Mandatory)][scriptblock]$Condition, [double]$TimeoutSeconds = 30, [string]$Because = 'the condition')
    $watch = [Diagnostics.Stopwatch]::StartNew()
    while ($watch.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
        $ok = try { & $Condition } catch { $false }
        if ($ok) { return }
        Start-Sleep -Milliseconds 100
    }
    throw "Timed out after $TimeoutSeconds s waiting for $Because."
}

Export-ModuleMember -Function Get-TestStoreSchema, Get-TestConnectionParameters, Get-TestTableName, ConvertTo-TestSchemaText, Initialize-TestBaseline, Test-TestOnlineIndex,
    New-TestMigrationFolder, Get-TestCatalogSnapshot, Get-TestStoreObject, Remove-TestWorkspace, Start-TestPwsh, Wait-TestCondition

# ---- Helpers for the migrate / contract / fleet tests (appended) ----------------------------------

function Initialize-TestInventory {
    <#
    .SYNOPSIS
        The sample baseline (Initialize-TestBaseline) with -Rows rows in Instances: Id 1..n,
        Name 'vm-<id>', Host 'host-<id % 50>' (NULL every 97th row), MemoryMb 1024 + id (NULL every
        89th row), Location '<EUW1|USE2|APS3>-R<id % 1000, 3 digits>'; and 10 rows in LegacyQuotas.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [int]$Rows = 100)
    Initialize-TestBaseline $Database
    $instances = Get-TestTableName $Database 'Instances'
    $quotas = Get-TestTableName $Database 'LegacyQuotas'
    if ($Rows -gt 0) {
        if ($Database.Provider -eq 'Sqlite') {
            Invoke-Sql $Database @"
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
INSERT INTO $instances (Id, Name, Host, MemoryMb, Location)
SELECT i, 'vm-' || i, CASE WHEN i % 97 = 0 THEN NULL ELSE 'host-' || (i % 50) END,
       CASE WHEN i % 89 = 0 THEN NULL ELSE 1024 + i END,
       CASE i % 3 WHEN 0 THEN 'EUW1' WHEN 1 THEN 'USE2' ELSE 'APS3' END || '-R' || printf('%03d', i % 1000)
FROM n;
"@ -Parameters @{ rows = $Rows }
        }
        else {
            Invoke-Sql $Database @"
WITH n AS (SELECT TOP (@rows) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS bigint) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b)
INSERT INTO $instances (Id, Name, Host, MemoryMb, Location)
SELECT i, CONCAT('vm-', i), CASE WHEN i % 97 = 0 THEN NULL ELSE CONCAT('host-', i % 50) END,
       CASE WHEN i % 89 = 0 THEN NULL ELSE 1024 + i END,
       CONCAT(CASE i % 3 WHEN 0 THEN 'EUW1' WHEN 1 THEN 'USE2' ELSE 'APS3' END, '-R', RIGHT(CONCAT('000', i % 1000), 3))
FROM n;
"@ -Parameters @{ rows = $Rows }
        }
    }
    Invoke-Sql $Database "INSERT INTO $quotas (ProjectId, Instances) VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60), (7, 70), (8, 80), (9, 90), (10, 100);"
}

function New-TestInventoryFolder {
    <#
    .SYNOPSIS
        New-TestMigrationFolder with the sample inventory migrations whose file name starts with one of
        -Include (all by default), every -Replace (regex -> replacement) applied to them, plus -Files.
    .EXAMPLE
        New-TestInventoryFolder $db -Include 0001 -Replace @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }
    #>
    param(
        [Parameter(Mandatory, Position = 0)][psobject]$Database,
        [string[]]$Include,
        [hashtable]$Replace = @{},
        [hashtable]$Files = @{}
    )
    $all = @{}
    foreach ($file in Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot '../../samples/inventory') -Filter '*.json') {
        if ($Include -and -not ($Include | Where-Object { $file.Name.StartsWith($_, [StringComparison]::OrdinalIgnoreCase) })) { continue }
        $text = Get-Content -Raw -LiteralPath $file.FullName
        foreach ($pattern in $Replace.Keys) { $text = $text -replace $pattern, $Replace[$pattern] }
        $all[$file.Name] = $text
    }
    if ($Include -and $all.Count -eq 0) { throw "No sample migration starts with $($Include -join ', ') (quote ids: '0001', not 0001)." }
    foreach ($name in $Files.Keys) { $all[$name] = $Files[$name] }
    if ($all.Count -eq 0) { return New-TestMigrationFolder $Database -Empty }
    New-TestMigrationFolder $Database -Files $all
}

function Get-TestColumn {
    <# A table's columns from the catalog, in order: Name, Type (lower case, without length). #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table)
    if ($Database.Provider -eq 'Sqlite') {
        Invoke-Sql $Database 'SELECT name AS Name, lower(type) AS Type FROM pragma_table_info(@t) ORDER BY cid' -Parameters @{ t = $Table } |
            ForEach-Object { [pscustomobject]@{ Name = $_.Name; Type = ($_.Type -replace '\s*\(.*$', '') } }
    }
    else {
        Invoke-Sql $Database 'SELECT c.name AS Name, TYPE_NAME(c.user_type_id) AS Type FROM sys.columns c WHERE c.object_id = OBJECT_ID(QUOTENAME(@s) + N''.'' + QUOTENAME(@t)) ORDER BY c.column_id' -Parameters @{ s = $Database.Schema; t = $Table }
    }
}

function Get-TestColumnDefinition {
    <#
    .SYNOPSIS
        One column of a table as the catalog describes it: Name, Nullable ([bool]), Default (the default's
        expression text as the catalog keeps it, or $null). $null when the table has no such column.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table, [Parameter(Mandatory, Position = 2)][string]$Column)
    if ($Database.Provider -eq 'Sqlite') {
        $row = Invoke-Sql $Database 'SELECT name AS Name, "notnull" AS IsNotNull, dflt_value AS Dflt FROM pragma_table_info(@t) WHERE name = @c COLLATE NOCASE' -Parameters @{ t = $Table; c = $Column }
    }
    else {
        $row = Invoke-Sql $Database @"
SELECT c.name AS Name, CASE WHEN c.is_nullable = 1 THEN 0 ELSE 1 END AS IsNotNull, OBJECT_DEFINITION(c.default_object_id) AS Dflt
FROM sys.columns c WHERE c.object_id = OBJECT_ID(QUOTENAME(@s) + N'.' + QUOTENAME(@t)) AND c.name = @c
"@ -Parameters @{ s = $Database.Schema; t = $Table; c = $Column }
    }
    if ($null -eq $row) { return $null }
    [pscustomobject]@{ Name = $row.Name; Nullable = -not [bool][int]$row.IsNotNull; Default = $row.Dflt }
}

Export-ModuleMember -Function Get-TestColumnDefinition

function Get-TestShadowColumn {
    <# The internal shadow column an alterColumn added for -Column (its name starts with '<Column>__om_'), or $null. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table, [Parameter(Mandatory, Position = 2)][string]$Column)
    $found = @(Get-TestColumn $Database $Table | Where-Object { $_.Name.StartsWith("${Column}__om_", [StringComparison]::OrdinalIgnoreCase) })
    if ($found.Count -gt 1) { throw "More than one shadow column for ${Table}.${Column}: $($found.Name -join ', ')" }
    if ($found.Count -eq 1) { $found[0].Name } else { $null }
}

function Get-TestIndex {
    <# A table's indexes other than its primary key: Name, Columns (key columns joined by ','), Unique. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table)
    if ($Database.Provider -eq 'Sqlite') {
        foreach ($index in Invoke-Sql $Database "SELECT name, ""unique"" AS u FROM pragma_index_list(@t) WHERE origin <> 'pk'" -Parameters @{ t = $Table }) {
            $columns = @(Invoke-Sql $Database 'SELECT name FROM pragma_index_info(@i) ORDER BY seqno' -Parameters @{ i = $index.name } | ForEach-Object name)
            [pscustomobject]@{ Name = $index.name; Columns = $columns -join ','; Unique = [bool]$index.u }
        }
    }
    else {
        # One row per key column, joined here: FOR XML PATH is not the same on every T-SQL engine.
        $rows = Invoke-Sql $Database @"
SELECT i.name AS Name, i.is_unique AS IsUnique, c.name AS ColumnName, ic.key_ordinal AS Ordinal
FROM sys.indexes i
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE i.object_id = OBJECT_ID(QUOTENAME(@s) + N'.' + QUOTENAME(@t)) AND i.type > 0 AND i.is_primary_key = 0
"@ -Parameters @{ s = $Database.Schema; t = $Table }
        foreach ($group in (@($rows) | Where-Object { $_ } | Group-Object Name)) {
            # Babelfish makes index names unique per schema by appending the table's name and an md5 to
            # the declared (lower-cased) name, the two names together cut to 31 bytes; the declared name
            # is what the user and SQL Server see.
            $name = $group.Name
            if ($name -match '^(.+)[0-9a-f]{32}$') {
                $rest = $Matches[1]; $t = $Table.ToLowerInvariant()
                if ($rest.EndsWith($t) -and $rest.Length -gt $t.Length) { $name = $rest.Substring(0, $rest.Length - $t.Length) }
                elseif ([Text.Encoding]::UTF8.GetByteCount($rest) -ge 28) {
                    $cut = @(($t.Length - 1)..1 | Where-Object { $_ -lt $rest.Length -and $rest.EndsWith($t.Substring(0, $_)) })
                    $name = if ($cut) { $rest.Substring(0, $rest.Length - $cut[0]) } else { $rest }
                }
            }
            $columns = ($group.Group | Sort-Object { [int]$_.Ordinal } | ForEach-Object ColumnName) -join ','
            [pscustomobject]@{ Name = $name; Columns = $columns; Unique = [bool]$group.Group[0].IsUnique }
        }
    }
}

function Get-TestTrigger {
    <# The names of the triggers on a table. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table)
    if ($Database.Provider -eq 'Sqlite') {
        Invoke-Sql $Database "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = @t COLLATE NOCASE" -Parameters @{ t = $Table } | ForEach-Object name
    }
    else {
        Invoke-Sql $Database 'SELECT name FROM sys.triggers WHERE parent_id = OBJECT_ID(QUOTENAME(@s) + N''.'' + QUOTENAME(@t))' -Parameters @{ s = $Database.Schema; t = $Table } | ForEach-Object name
    }
}

function Test-TestTableExists {
    <# Whether a user table exists in the test database. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Table)
    if ($Database.Provider -eq 'Sqlite') {
        return [bool](Invoke-Sql $Database "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = @t COLLATE NOCASE" -Parameters @{ t = $Table }).n
    }
    [bool](Invoke-Sql $Database 'SELECT COUNT(*) AS n FROM sys.tables WHERE object_id = OBJECT_ID(QUOTENAME(@s) + N''.'' + QUOTENAME(@t))' -Parameters @{ s = $Database.Schema; t = $Table }).n
}

function Get-TestWhatIf {
    <#
    .SYNOPSIS
        Runs a script block and returns what it wrote to the host as text. "What if:" messages go to
        the host only (no redirection catches them), so this records a transcript.
    #>
    param([Parameter(Mandatory, Position = 0)][scriptblock]$ScriptBlock)
    $file = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-whatif-$([guid]::NewGuid().ToString('N')).txt"
    $null = Start-Transcript -LiteralPath $file -Force
    try { $null = & $ScriptBlock }
    finally { $null = Stop-Transcript }
    try { Get-Content -Raw -LiteralPath $file }
    finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
}

function ConvertTo-TestLiteral {
    <# A PowerShell single-quoted literal of a string, to embed values in a Start-TestPwsh script. #>
    param([Parameter(Mandatory, Position = 0)][AllowEmptyString()][string]$Value)
    "'" + $Value.Replace("'", "''") + "'"
}

Export-ModuleMember -Function Initialize-TestInventory, New-TestInventoryFolder, Get-TestColumn, Get-TestShadowColumn, Get-TestIndex,
    Get-TestTrigger, Test-TestTableExists, Get-TestWhatIf, ConvertTo-TestLiteral

# ---- Helpers for the refusal tests: the whole user-visible state in one comparable text (appended) ----

function Get-TestDataChecksum {
    <#
    .SYNOPSIS
        One line per user table of the test database (the state store's excluded): its name, its row
        count and a SHA-256 of all its rows (every column; rows sorted), for before/after
        comparisons of the data.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'Sqlite') {
        $tables = @(Invoke-Sql $Database "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'OnlineMigrations\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name" | ForEach-Object name)
    }
    else {
        $tables = @(Invoke-Sql $Database 'SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID(@s) ORDER BY name' -Parameters @{ s = $Database.Schema } | ForEach-Object name)
    }
    $sha = [Security.Cryptography.SHA256]::Create()
    try {
        foreach ($table in $tables) {
            $quoted = Get-TestTableName $Database $table
            # Rows in a fixed order whatever the key: each row as text, sorted ordinally.
            [string[]]$lines = @(Invoke-Sql $Database "SELECT * FROM $quoted" | ForEach-Object {
                    ($_.PSObject.Properties | ForEach-Object { "$($_.Name)=$(if ($null -eq $_.Value) { '<NULL>' } else { "$($_.Value)" })" }) -join "`t"
                })
            [Array]::Sort($lines, [StringComparer]::Ordinal)
            $text = $lines -join "`n"
            $hash = [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($text)))
            "$table | $($lines.Count) rows | $hash"
        }
    }
    finally { $sha.Dispose() }
}

function Get-TestCatalogAndDataSnapshot {
    <#
    .SYNOPSIS
        The catalog snapshot (Get-TestCatalogSnapshot) followed by the data checksum
        (Get-TestDataChecksum): after a refused or failed command, this text must equal the one
        taken before it ("the database is exactly as before": catalog and data).
    .EXAMPLE
        $before = Get-TestCatalogAndDataSnapshot $db
        { Invoke-Expand @om -Path $folder -ErrorAction Stop } | Should -Throw
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    (Get-TestCatalogSnapshot $Database) + "`n-- data --`n" + ((Get-TestDataChecksum $Database) -join "`n")
}

Export-ModuleMember -Function Get-TestDataChecksum, Get-TestCatalogAndDataSnapshot

function Initialize-TestOrders {
    <#
    .SYNOPSIS
        A table Orders (Id int primary key, Payload text, Qty text) with -Rows rows: Id 1..n, Payload
        '{"a": <id>}', Qty '<id>'. Rows in -BadIds get Payload 'not json' and Qty 'abc', for which
        Get-TestFailingUp fails inside the engine.
    #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [int]$Rows = 100, [int[]]$BadIds = @())
    $t = Get-TestTableName $Database 'Orders'
    $bad = if ($BadIds.Count -gt 0) { $BadIds -join ', ' } else { '-1' }
    if ($Database.Provider -eq 'Sqlite') {
        Invoke-Sql $Database "CREATE TABLE $t (Id INTEGER NOT NULL PRIMARY KEY, Payload TEXT NULL, Qty TEXT NULL)"
        Invoke-Sql $Database @"
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
INSERT INTO $t (Id, Payload, Qty)
SELECT i, CASE WHEN i IN ($bad) THEN 'not json' ELSE '{"a": ' || i || '}' END, CASE WHEN i IN ($bad) THEN 'abc' ELSE CAST(i AS TEXT) END FROM n;
"@ -Parameters @{ rows = $Rows }
    }
    else {
        Invoke-Sql $Database "CREATE TABLE $t (Id int NOT NULL PRIMARY KEY, Payload nvarchar(200) NULL, Qty nvarchar(20) NULL)"
        Invoke-Sql $Database @"
WITH n AS (SELECT TOP (@rows) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS int) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b)
INSERT INTO $t (Id, Payload, Qty)
SELECT i, CASE WHEN i IN ($bad) THEN N'not json' ELSE CONCAT(N'{"a": ', i, N'}') END, CASE WHEN i IN ($bad) THEN N'abc' ELSE CAST(i AS nvarchar(20)) END FROM n;
"@ -Parameters @{ rows = $Rows }
    }
}

function Get-TestFailingUp {
    <# An "up" that compiles but fails inside the engine for a bad row of Initialize-TestOrders (SQLite: malformed JSON; SQL Server: a conversion error), and the type of its column. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    if ($Database.Provider -eq 'Sqlite') { @{ Up = 'json_extract([Payload], ''$.a'')'; Type = 'INTEGER' } }
    else { @{ Up = 'CAST([Qty] AS int)'; Type = 'int' } }
}

Export-ModuleMember -Function Initialize-TestOrders, Get-TestFailingUp

function Invoke-TestThroughMigrate {
    <# Expands and migrates the one migration in a new folder holding -Json, which must migrate completely; returns the folder. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Id, [Parameter(Mandatory, Position = 2)][string]$Json)
    $folder = New-TestMigrationFolder $Database -Files @{ "$Id.json" = $Json }
    $om = Get-TestConnectionParameters $Database
    $null = Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue
    $run = Invoke-Migrate @om -Confirm:$false
    $run.ExitCode | Should -Be 0 -Because 'the migration must migrate completely'
    $folder
}

function Complete-TestContract {
    <# Requests the contract, has the one application instance (new code) acknowledge it (the fleet gate
       fails closed without one), and runs it: every gate must pass. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database, [Parameter(Mandatory, Position = 1)][string]$Id)
    $om = Get-TestConnectionParameters $Database
    $null = Request-Contract @om -Id $Id -Confirm:$false
    $null = Send-MigrationHeartbeat @om -Application 'test-app' -InstanceId 'test-1' -ObjectVersion '1.0' -Acknowledge $Id
    $failed = @((Test-ContractReady @om -Id $Id).Checks | Where-Object { -not $_.Passed })
    $failed | Should -BeNullOrEmpty -Because (($failed | ForEach-Object { "$($_.Name): $($_.Detail)" }) -join '; ')
    (Invoke-Contract @om -Id $Id -Confirm:$false -WarningAction SilentlyContinue).Phase.ToString() | Should -Be 'Completed'
}

Export-ModuleMember -Function Invoke-TestThroughMigrate, Complete-TestContract
