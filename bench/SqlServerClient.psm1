# A small SQL Server client for the bench's own statements (building tables, the baselines, the
# concurrent writer). It loads Microsoft.Data.SqlClient from the staged module's bin/<rid>/ folder
# into a load context of its own, as samples/DemoDatabase.psm1 does for SQLite: the same client
# library the module uses, with the module itself not involved.

function Open-BenchSqlServer {
    param([Parameter(Mandatory)][string]$ModuleManifest, [Parameter(Mandatory)][string]$ConnectionString)
    $rid = if ($IsWindows) { 'win-x64' } else { 'linux-x64' }
    $bin = Join-Path (Split-Path -Parent $ModuleManifest) "bin/$rid"
    if (-not $script:Context) {
        $script:Context = [System.Runtime.Loader.AssemblyLoadContext]::new('OnlineMigrations.Bench', $false)
        $resolve = {
            param($ctx, $name)
            $file = Join-Path $bin "$($name.Name).dll"
            if (Test-Path -LiteralPath $file) { $ctx.LoadFromAssemblyPath($file) } else { $null }
        }.GetNewClosure()
        $script:Context.add_Resolving([Func[System.Runtime.Loader.AssemblyLoadContext, System.Reflection.AssemblyName, System.Reflection.Assembly]]$resolve)
    }
    $type = $script:Context.LoadFromAssemblyName([Reflection.AssemblyName]::new('Microsoft.Data.SqlClient')).GetType('Microsoft.Data.SqlClient.SqlConnection', $true)
    # No pooling: every connection the bench opens is its own session, closed for good when disposed.
    $builder = [Data.Common.DbConnectionStringBuilder]::new()
    $builder.ConnectionString = $ConnectionString
    $builder['Pooling'] = 'False'
    $connection = [Activator]::CreateInstance($type, [object[]]@($builder.ConnectionString))
    $connection.Open()
    $connection
}

# Runs one batch; rows come back as [pscustomobject] (DBNull -> $null). -TimeoutSeconds 0: no limit.
function Invoke-BenchSql {
    param([Parameter(Mandatory, Position = 0)]$Connection, [Parameter(Mandatory, Position = 1)][string]$Sql,
        [hashtable]$Parameters = @{}, [int]$TimeoutSeconds = 600)
    $command = $Connection.CreateCommand()
    $command.CommandText = $Sql
    $command.CommandTimeout = $TimeoutSeconds
    foreach ($name in $Parameters.Keys) {
        $p = $command.CreateParameter()
        $p.ParameterName = "@$name"
        $p.Value = if ($null -eq $Parameters[$name]) { [DBNull]::Value } else { $Parameters[$name] }
        $null = $command.Parameters.Add($p)
    }
    $reader = $command.ExecuteReader()
    try {
        do {
            while ($reader.Read()) {
                $row = [ordered]@{}
                for ($i = 0; $i -lt $reader.FieldCount; $i++) {
                    $v = $reader.GetValue($i)
                    $row[$reader.GetName($i)] = if ($v -is [DBNull]) { $null } else { $v }
                }
                [pscustomobject]$row
            }
        } while ($reader.NextResult())
    }
    finally { $reader.Dispose(); $command.Dispose() }
}

# Drops a schema with everything in it: foreign keys, then views, procedures and functions, then
# tables (their triggers and indexes go with them), then the schema. The statements are listed by
# one query and run one at a time (string aggregation by SELECT @sql += ... over rows is undefined).
function Remove-BenchSchema {
    param([Parameter(Mandatory, Position = 0)]$Connection, [Parameter(Mandatory, Position = 1)][string]$Schema)
    $p = @{ s = $Schema }
    if (-not (Invoke-BenchSql $Connection 'SELECT SCHEMA_ID(@s) AS id' -Parameters $p).id) { return }
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
    foreach ($row in @(Invoke-BenchSql $Connection $list -Parameters $p)) { $null = Invoke-BenchSql $Connection $row.stmt }
    $null = Invoke-BenchSql $Connection "DROP SCHEMA [$($Schema.Replace(']', ']]'))];"
}

Export-ModuleMember -Function Open-BenchSqlServer, Invoke-BenchSql, Remove-BenchSchema
