<#
.SYNOPSIS
    Bench child: an application writer doing single-row UPDATEs of random ids through its own
    connection (SQLite, or SQL Server with -ConnectionString), recording the latency of each one.
.DESCRIPTION
    SQLite: opens the database the way samples/DemoDatabase.psm1 does (Microsoft.Data.Sqlite from the
    staged module's bin/<rid>/ in a load context of its own, WAL, busy_timeout 10 s). SQL Server: opens
    one connection with bench/SqlServerClient.psm1 (Microsoft.Data.SqlClient from the same folder, no
    pooling, the default 30 s command timeout) and writes -Table. Then it warms up, creates
    -ReadyFile, then writes until -StopFile exists or -MaxSeconds have passed, pausing -PauseMs between
    writes. Each sample is (UTC start ticks, latency in ms); the samples go to -ResultFile as JSON.
    The statement is what release 1 of the inventory service writes, so the expand's sync trigger fires.
#>
param(
    [Parameter(Mandatory)][string]$ModuleManifest,
    # SQLite: the database file.
    [string]$Database,
    # SQL Server: the connection string and the table, quoted with its schema ([s].[Instances]).
    [string]$ConnectionString,
    [string]$Table = '[Instances]',
    [Parameter(Mandatory)][string]$ResultFile,
    [Parameter(Mandatory)][string]$ReadyFile,
    [string]$StopFile,
    [Parameter(Mandatory)][double]$MaxSeconds,
    [Parameter(Mandatory)][int]$Rows,
    [int]$PauseMs = 2
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($Database) {
    Import-Module (Join-Path $PSScriptRoot '../samples/DemoDatabase.psm1')
    $connection = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $Database
}
else {
    Import-Module (Join-Path $PSScriptRoot 'SqlServerClient.psm1')
    $connection = Open-BenchSqlServer -ModuleManifest $ModuleManifest -ConnectionString $ConnectionString
}
$command = $connection.CreateCommand()
$command.CommandText = "UPDATE $Table SET Host = @host, Status = @status WHERE Id = @id"
$parId = $command.CreateParameter(); $parId.ParameterName = '@id'; $null = $command.Parameters.Add($parId)
$pHost = $command.CreateParameter(); $pHost.ParameterName = '@host'; $null = $command.Parameters.Add($pHost)
$pStatus = $command.CreateParameter(); $pStatus.ParameterName = '@status'; $null = $command.Parameters.Add($pStatus)
$random = [Random]::new(42)

$starts = [Collections.Generic.List[long]]::new()
$latencies = [Collections.Generic.List[double]]::new()
$errors = [Collections.Generic.List[string]]::new()
$watch = [Diagnostics.Stopwatch]::new()

function Write-One([bool]$Record) {
    $parId.Value = [long]$random.Next(1, $Rows + 1)
    $pHost.Value = 'compute-w' + $random.Next(0, 97)
    $pStatus.Value = if ($random.Next(0, 2) -eq 0) { 'ACTIVE' } else { 'SHUTOFF' }
    $at = [DateTime]::UtcNow.Ticks
    $watch.Restart()
    try {
        $affected = $command.ExecuteNonQuery()
        $watch.Stop()
        if ($affected -lt 1) { throw "UPDATE of Id $($parId.Value) affected no row." }
    }
    catch {
        $watch.Stop()
        # SQLITE_BUSY after the 10 s busy timeout, or a SQL Server command timeout, is a result, not a
        # crash: record it and go on.
        if (-not $Record) { throw }
        $errors.Add("$($_.Exception.Message)")
    }
    if ($Record) { $starts.Add($at); $latencies.Add($watch.Elapsed.TotalMilliseconds) }
}

for ($i = 0; $i -lt 50; $i++) { Write-One $false }
Set-Content -LiteralPath $ReadyFile -Value $PID
$clock = [Diagnostics.Stopwatch]::StartNew()
while ($clock.Elapsed.TotalSeconds -lt $MaxSeconds) {
    if ($StopFile -and [IO.File]::Exists($StopFile)) { break }
    Write-One $true
    if ($PauseMs -gt 0) { [Threading.Thread]::Sleep($PauseMs) }
}
$command.Dispose()
$connection.Dispose()

[pscustomobject]@{
    Starts    = $starts.ToArray()
    Latencies = $latencies.ToArray()
    Errors    = $errors.ToArray()
    Seconds   = $clock.Elapsed.TotalSeconds
} | ConvertTo-Json -Depth 3 -Compress | Set-Content -LiteralPath $ResultFile -Encoding utf8
