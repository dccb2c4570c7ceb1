# A small SQLite client for the demo's simulated applications. It loads Microsoft.Data.Sqlite from
# the staged module's bin/<rid>/ folder into a load context of its own, the way an application
# would bring its own data provider; the module itself is not involved.

function Open-DemoDatabase {
    param([Parameter(Mandatory)][string]$ModuleManifest, [Parameter(Mandatory)][string]$Path)
    $rid = if ($IsWindows) { 'win-x64' } else { 'linux-x64' }
    $bin = Join-Path (Split-Path -Parent $ModuleManifest) "bin/$rid"
    if (-not $script:Context) {
        $script:Context = [System.Runtime.Loader.AssemblyLoadContext]::new('OnlineMigrations.Demo', $false)
        $resolve = {
            param($ctx, $name)
            $file = Join-Path $bin "$($name.Name).dll"
            if (Test-Path -LiteralPath $file) { $ctx.LoadFromAssemblyPath($file) } else { $null }
        }.GetNewClosure()
        $script:Context.add_Resolving([Func[System.Runtime.Loader.AssemblyLoadContext, System.Reflection.AssemblyName, System.Reflection.Assembly]]$resolve)
    }
    $type = $script:Context.LoadFromAssemblyName([Reflection.AssemblyName]::new('Microsoft.Data.Sqlite')).GetType('Microsoft.Data.Sqlite.SqliteConnection', $true)
    $connection = [Activator]::CreateInstance($type, [object[]]@("Data Source=$Path;Pooling=False"))
    $connection.Open()
    $pragma = $connection.CreateCommand()
    $pragma.CommandText = 'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;'
    $null = $pragma.ExecuteNonQuery()
    $connection
}

function Invoke-DemoSql {
    param([Parameter(Mandatory, Position = 0)]$Connection, [Parameter(Mandatory, Position = 1)][string]$Sql, [hashtable]$Parameters = @{})
    $command = $Connection.CreateCommand()
    $command.CommandText = $Sql
    foreach ($name in $Parameters.Keys) {
        $p = $command.CreateParameter()
        $p.ParameterName = "@$name"
        $p.Value = if ($null -eq $Parameters[$name]) { [DBNull]::Value } else { $Parameters[$name] }
        $null = $command.Parameters.Add($p)
    }
    $reader = $command.ExecuteReader()
    try {
        while ($reader.Read()) {
            $row = [ordered]@{}
            for ($i = 0; $i -lt $reader.FieldCount; $i++) {
                $v = $reader.GetValue($i)
                $row[$reader.GetName($i)] = if ($v -is [DBNull]) { $null } else { $v }
            }
            [pscustomobject]$row
        }
    }
    finally { $reader.Dispose(); $command.Dispose() }
}

Export-ModuleMember -Function Open-DemoDatabase, Invoke-DemoSql
