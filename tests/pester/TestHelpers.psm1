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
        # Foreign keys first, then every object, then the schema.
        $drop = @"
DECLARE @schema sysname = @name, @sql nvarchar(max) = N'';
SELECT @sql += N'ALTER TABLE ' + QUOTENAME(@schema) + N'.' + QUOTENAME(OBJECT_NAME(fk.parent_object_id)) + N' DROP CONSTRAINT ' + QUOTENAME(fk.name) + N';'
  FROM sys.foreign_keys fk WHERE fk.schema_id = SCHEMA_ID(@schema);
SELECT @sql += N'DROP ' + CASE o.type WHEN 'U' THEN N'TABLE' WHEN 'V' THEN N'VIEW' WHEN 'P' THEN N'PROCEDURE'
                        WHEN 'TR' THEN N'TRIGGER' WHEN 'SO' THEN N'SEQUENCE' ELSE N'FUNCTION' END
             + N' ' + QUOTENAME(@schema) + N'.' + QUOTENAME(o.name) + N';'
  FROM sys.objects o WHERE o.schema_id = SCHEMA_ID(@schema) AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR', 'SO') AND o.parent_object_id = 0;
SELECT @sql += N'DROP TABLE ' + QUOTENAME(@schema) + N'.' + QUOTENAME(t.name) + N';'
  FROM sys.tables t WHERE t.schema_id = SCHEMA_ID(@schema);
SELECT @sql += N'DROP TYPE ' + QUOTENAME(@schema) + N'.' + QUOTENAME(t.name) + N';'
  FROM sys.types t WHERE t.schema_id = SCHEMA_ID(@schema) AND t.is_user_defined = 1;
SET @sql += N'DROP SCHEMA ' + QUOTENAME(@schema) + N';';
IF SCHEMA_ID(@schema) IS NOT NULL EXEC sys.sp_executesql @sql;
"@
        Invoke-Sql -Provider SqlServer -ConnectionString $Database.ConnectionString -Sql $drop -Parameters @{ name = $Database.Schema }
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
