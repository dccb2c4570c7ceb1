<#
.SYNOPSIS
    Creates a fresh, uniquely named database for a test run and prints its connection string.
.DESCRIPTION
    Used by .ci/run with the T-SQL engine of ../shared/tsql-engine, and by anyone who wants to point
    the tests at a SQL Server of their own:
        $env:ONLINEMIGRATIONS_TEST_SQLSERVER = dotnet pwsh ./tools/New-SqlServerTestDatabase.ps1 $masterConnectionString
    The login needs CREATE DATABASE. Remove the database afterwards with -Drop.
    It uses System.Data.SqlClient, which ships with PowerShell, so it runs before anything is built.
.EXAMPLE
    dotnet pwsh ./tools/New-SqlServerTestDatabase.ps1 'Server=127.0.0.1,1433;User ID=sa;Password=...;TrustServerCertificate=true'
.EXAMPLE
    dotnet pwsh ./tools/New-SqlServerTestDatabase.ps1 $env:ONLINEMIGRATIONS_TEST_SQLSERVER -Drop
#>
[CmdletBinding()]
param(
    # A connection string to the server (any database the login can reach, master for example).
    [Parameter(Mandatory, Position = 0)][string]$ConnectionString,
    # The database name; default om_test_<yyyyMMddHHmmss>_<random>.
    [string]$Name,
    # Drop the database the connection string names instead of creating one.
    [switch]$Drop
)
$ErrorActionPreference = 'Stop'
$builder = [System.Data.SqlClient.SqlConnectionStringBuilder]::new($ConnectionString)
if ($Drop) {
    $Name = $builder['Initial Catalog']
    if (-not $Name -or $Name -in 'master', 'tempdb', 'msdb', 'model') { throw "Refusing to drop '$Name': name a test database." }
    $builder['Initial Catalog'] = 'master'
}
elseif (-not $Name) {
    $Name = 'om_test_{0:yyyyMMddHHmmss}_{1}' -f [DateTime]::UtcNow, [guid]::NewGuid().ToString('N').Substring(0, 6)
}
if ($Name -notmatch '^[A-Za-z_][A-Za-z0-9_]{0,100}$') { throw "Database name '$Name' must be letters, digits and underscores." }
$connection = [System.Data.SqlClient.SqlConnection]::new($builder.ConnectionString)
try {
    $connection.Open()
    $command = $connection.CreateCommand()
    $command.CommandTimeout = 120
    $command.CommandText = if ($Drop) { "IF DB_ID(N'$Name') IS NOT NULL DROP DATABASE [$Name];" } else { "CREATE DATABASE [$Name];" }
    $null = $command.ExecuteNonQuery()
}
finally { $connection.Dispose() }
if (-not $Drop) {
    $builder['Initial Catalog'] = $Name
    $builder.ConnectionString
}
