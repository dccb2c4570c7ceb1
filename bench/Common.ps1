<#
.SYNOPSIS
    Helpers shared by bench/Bench.ps1 (SQLite) and bench/SqlServer.Bench.ps1, dot-sourced by each.
.DESCRIPTION
    The calling script sets $Temp (its temporary folder) and $BenchClock (a running Stopwatch) before
    it calls Invoke-Child, Start-Child or Step. Measurements are collected in $script:Measurements
    with Add-Measurement and printed as one Markdown table by Format-MeasurementTable; each script
    writes its own section of bench/results.md with Set-ResultsSection.
#>

$Invariant = [Globalization.CultureInfo]::InvariantCulture
# Children run the same pwsh as this script. Under 'dotnet pwsh' the process is the dotnet host
# running $PSHOME/pwsh.dll, so that is what we start (as build.ps1 does).
$Pwsh = [Environment]::ProcessPath
$PwshArguments = @()
if ([IO.Path]::GetFileNameWithoutExtension($Pwsh) -ne 'pwsh') { $PwshArguments = @(Join-Path $PSHOME 'pwsh.dll') }

function Step([string]$Text) { Write-Host ("`n[{0,6:0.0}s] == {1}" -f $BenchClock.Elapsed.TotalSeconds, $Text) -ForegroundColor Cyan }
function Say([string]$Text) { Write-Host "          $Text" }
function Fail([string]$Text) { throw "Bench: $Text" }

function Format-N([double]$Value, [string]$Format = 'N0') { $Value.ToString($Format, $Invariant) }

function Get-Median([double[]]$Values) {
    if ($Values.Count -eq 0) { Fail 'median of no values.' }
    $sorted = [double[]]($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

function Get-Percentile([double[]]$Values, [double]$P) {
    if ($Values.Count -eq 0) { Fail "percentile $P of no values." }
    $sorted = [double[]]($Values | Sort-Object)
    $rank = [int][Math]::Ceiling($P / 100 * $sorted.Count)
    $sorted[[Math]::Max(0, $rank - 1)]
}

function Measure-Ms([scriptblock]$Block) {
    $w = [Diagnostics.Stopwatch]::StartNew()
    $null = & $Block
    $w.Elapsed.TotalMilliseconds
}

function Quote-Arg([string]$Value) { '"' + $Value.Replace('"', '\"') + '"' }

function New-BenchTemp([string]$Prefix) {
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $path
    $path
}

# Runs a child pwsh synchronously; fails loudly with its output when it exits non-zero.
function Invoke-Child([string]$Script, [string[]]$Arguments) {
    $log = Join-Path $Temp ("child-{0}.log" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    & $Pwsh @PwshArguments -NoProfile -NonInteractive -File $Script @Arguments *> $log
    $exit = $LASTEXITCODE
    if ($exit -ne 0) {
        $tail = if (Test-Path -LiteralPath $log) { (Get-Content -LiteralPath $log -Tail 30) -join "`n" } else { '(no output)' }
        Fail "child '$([IO.Path]::GetFileName($Script)) $($Arguments -join ' ')' exited with code ${exit}:`n$tail"
    }
}

# Starts a child pwsh in the background (stdout and stderr to files).
function Start-Child([string]$Script, [string[]]$Arguments) {
    $name = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $all = @($PwshArguments) + @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments
    $process = Start-Process -FilePath $Pwsh -ArgumentList (($all | ForEach-Object { Quote-Arg $_ }) -join ' ') -PassThru -NoNewWindow `
        -RedirectStandardOutput (Join-Path $Temp "bg-$name.out") -RedirectStandardError (Join-Path $Temp "bg-$name.err")
    $process | Add-Member -NotePropertyName LogBase -NotePropertyValue (Join-Path $Temp "bg-$name") -PassThru
}

function Get-ChildLog($Process) {
    (@(Get-Content -LiteralPath "$($Process.LogBase).out" -Tail 20 -ErrorAction SilentlyContinue) +
     @(Get-Content -LiteralPath "$($Process.LogBase).err" -Tail 20 -ErrorAction SilentlyContinue)) -join "`n"
}

function Wait-Child($Process, [double]$TimeoutSeconds, [string]$What) {
    if (-not $Process.WaitForExit([int]($TimeoutSeconds * 1000))) {
        Stop-Process -Id $Process.Id -Force -ErrorAction SilentlyContinue
        Fail "$What did not finish within $TimeoutSeconds s; it was stopped. Its output:`n$(Get-ChildLog $Process)"
    }
    $Process.WaitForExit()
    if ($Process.ExitCode -ne 0) { Fail "$What exited with code $($Process.ExitCode):`n$(Get-ChildLog $Process)" }
}

# Waits until a background writer (Writer.Child.ps1) has created its ready file.
function Wait-WriterReady($Process, [string]$ReadyFile) {
    $wait = [Diagnostics.Stopwatch]::StartNew()
    while (-not (Test-Path -LiteralPath $ReadyFile)) {
        if ($Process.HasExited) { Fail "the writer exited (code $($Process.ExitCode)) before it was ready:`n$(Get-ChildLog $Process)" }
        if ($wait.Elapsed.TotalSeconds -gt 60) { Stop-Process -Id $Process.Id -Force; Fail "the writer was not ready after 60 s:`n$(Get-ChildLog $Process)" }
        Start-Sleep -Milliseconds 100
    }
}

function Read-Json([string]$Path, [string]$What) {
    if (-not (Test-Path -LiteralPath $Path)) { Fail "$What wrote no result file ($Path)." }
    Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
}

# The latencies a writer recorded between two instants (UTC ticks), e.g. a backfill's start and end.
function Select-WriterLatency($Writer, [long]$FromTicks, [long]$ToTicks) {
    $latencies = [Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt @($Writer.Starts).Count; $i++) {
        if ($Writer.Starts[$i] -ge $FromTicks -and $Writer.Starts[$i] -le $ToTicks) { $latencies.Add([double]$Writer.Latencies[$i]) }
    }
    , $latencies.ToArray()
}

# The machine the figures were taken on; each script adds its database engine's line.
function Get-BenchMachine([string]$ModuleManifest) {
    $cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
    $memKb = [long]([regex]::Match((Get-Content /proc/meminfo -TotalCount 1), '(\d+)').Groups[1].Value)
    $os = if (Test-Path /etc/os-release) { ((Get-Content /etc/os-release | Where-Object { $_ -like 'PRETTY_NAME=*' }) -replace '^PRETTY_NAME=|"', '') } else { [Runtime.InteropServices.RuntimeInformation]::OSDescription }
    $moduleVersion = (Import-PowerShellDataFile -LiteralPath $ModuleManifest).ModuleVersion
    [ordered]@{
        'CPUs (nproc)' = [Environment]::ProcessorCount
        'CPU model'    = $cpu
        'Memory'       = "{0} GiB" -f (Format-N ($memKb / 1MB) 'N1')
        'OS'           = "$os (kernel $([Environment]::OSVersion.Version))"
        '.NET'         = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        'PowerShell'   = "$($PSVersionTable.PSVersion)"
        'Module'       = "OnlineMigrations $moduleVersion, $(git -C $PSScriptRoot rev-parse --short HEAD 2>$null)"
        'Load average' = ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' '
    }
}

$script:Measurements = [Collections.Generic.List[object]]::new()
function Add-Measurement($Figure, $Name, $Value, $Baseline, $Ratio, $Target, $Met) {
    $script:Measurements.Add([pscustomobject]@{ Figure = $Figure; Name = $Name; Value = $Value; Baseline = $Baseline; Ratio = $Ratio; Target = $Target; Met = $Met })
}
function YesNo([bool]$b) { if ($b) { 'yes' } else { '**no**' } }

# -Figures: only those figures' rows (a section of results.md may hold some figures of a run).
function Format-MeasurementTable([int[]]$Figures) {
    $ratio = { param($x) if ($x -lt 10) { Format-N $x 'N3' } else { Format-N $x 'N1' } }
    $rows = $script:Measurements | Where-Object { -not $Figures -or $_.Figure -in $Figures } | ForEach-Object { "| $($_.Figure) | $($_.Name) | $($_.Value) | $($_.Baseline) | $(& $ratio $_.Ratio) | $($_.Target) | $($_.Met) |" }
    "| # | measurement | value | baseline | ratio | target | met? |`n|---|---|---|---|---|---|---|`n" + ($rows -join "`n")
}

function Write-MeasurementSummary {
    foreach ($m in $script:Measurements) { Say ("{0}. {1}: {2} vs {3}, ratio {4} (target {5}, met: {6})" -f $m.Figure, $m.Name, $m.Value, $m.Baseline, (Format-N $m.Ratio 'N2'), $m.Target, $m.Met) }
}

# bench/results.md holds one section per engine (and the SQLite memory figure, which runs alone too),
# each between its own markers, so that a run of one bench rewrites its section and leaves the others'
# (with their own date and commit) as they were. -After: where a section not yet in the file goes.
function Set-ResultsSection([string]$Path, [string]$Name, [string]$Text, [string]$After) {
    $begin = "<!-- begin $Name section: written by bench; do not edit by hand -->"
    $end = "<!-- end $Name section -->"
    $block = "$begin`n$Text`n$end"
    $content = if (Test-Path -LiteralPath $Path) { Get-Content -LiteralPath $Path -Raw } else { '' }
    if (-not $content.StartsWith('# OnlineMigrations bench results') -or -not $content.Contains('<!-- begin ')) {
        # A file from before the sections (or none): start it again.
        $content = "# OnlineMigrations bench results`n`nEvery figure is a ratio of two measurements taken in the same run on the same machine; absolute times are given for context only.`n"
    }
    $at = $content.IndexOf($begin, [StringComparison]::Ordinal)
    $stop = $content.IndexOf($end, [StringComparison]::Ordinal)
    if ($at -ge 0 -and $stop -gt $at) {
        $content = $content.Substring(0, $at) + $block + $content.Substring($stop + $end.Length)
    }
    else {
        # SQLite first, then SQL Server, whichever bench writes first.
        $other = $content.IndexOf('<!-- begin ', [StringComparison]::Ordinal)
        $afterEnd = if ($After) { "<!-- end $After section -->" } else { $null }
        $afterAt = if ($afterEnd) { $content.IndexOf($afterEnd, [StringComparison]::Ordinal) } else { -1 }
        if ($afterAt -ge 0) {
            $cut = $afterAt + $afterEnd.Length
            $content = $content.Substring(0, $cut) + "`n`n" + $block + $content.Substring($cut)
        }
        elseif ($Name -eq 'SQLite' -and $other -ge 0) { $content = $content.Substring(0, $other) + $block + "`n`n" + $content.Substring($other) }
        else { $content = $content.TrimEnd() + "`n`n" + $block + "`n" }
    }
    Set-Content -LiteralPath $Path -Value ($content.TrimEnd() + "`n") -Encoding utf8 -NoNewline
}

# The backfill's own statement, as Invoke-Migrate -WhatIf shows it for one batch (the dialect writes
# it; "What if:" text goes to the host only, so a transcript records it), without its key range: the
# SET list, the row predicate that any check still catches (Remaining) and the whole WHERE with the
# object-version check as a run writes it for a table with no older version than the migration's
# (only NULL counts as older), which is how a fresh or a migrated table of the bench looks.
function Get-BackfillStatement([hashtable]$Cmdlet, [string]$Id) {
    $file = Join-Path $Temp ("whatif-{0}.txt" -f [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = Start-Transcript -LiteralPath $file -Force
    try { $null = Invoke-Migrate @Cmdlet -Id $Id -WhatIf } finally { $null = Stop-Transcript }
    $text = Get-Content -Raw -LiteralPath $file
    $line = @($text -split "`r?`n" | Where-Object { $_ -match '^UPDATE ' }) | Select-Object -First 1
    $m = if ($line) { [regex]::Match($line, '^UPDATE (?<table>.+?) SET (?<set>.+) WHERE .+?@end_0 AND \((?<where>.+)\);?\s*$') }
    $v = if ($m -and $m.Success) { [regex]::Match($m.Groups['where'].Value, '^(?<any>.+) OR \(\((?<col>\[[^\]]+\]) IS NULL OR \k<col> IN \(@v_0\)\)\)$') }
    if (-not $v -or -not $v.Success) { Fail "cannot read the backfill's UPDATE (one key column, an object-version check last) from Invoke-Migrate -WhatIf:`n$text" }
    $column = $v.Groups['col'].Value
    $older = "$column IS NULL"
    [pscustomobject]@{
        Table         = $m.Groups['table'].Value
        Set           = $m.Groups['set'].Value.Replace("$column IS NULL OR $column IN (@v_0)", $older)
        Remaining     = $v.Groups['any'].Value
        VersionColumn = $column
        Where         = "$($v.Groups['any'].Value) OR (($older))"
    }
}

# The backfill breakdown (MigrationProgress.Timings, through Migrate.Child.ps1's TimingsMs): per part its
# time summed over the run, its share of the cmdlet's wall time and its time per batch, each the mean over
# the runs given. $TriggerShare is the share of the UPDATE's time the sync trigger takes, estimated from
# one UPDATE of the whole table with and without the trigger; it is shown as a part of the UPDATE, not
# added to the total. Returns the Markdown table and the parts (Name, Ms, Share, PerBatchMs).
function Get-BackfillBreakdown($Runs, [double]$TriggerShare, [string]$SessionLabel) {
    $Runs = @($Runs)
    $labels = [ordered]@{
        Plan           = 'planning (assignments, key columns, version tables)'
        Prepare        = 'before each table: object-version histogram, row estimate'
        PassStart      = 'pass start: checkpoints, each table''s upper key bound'
        KeyRange       = 'key range read (the batch''s end key)'
        Update         = 'the UPDATE of the range'
        Trigger        = '… of which the sync trigger (estimate, inside the UPDATE)'
        Checkpoint     = 'checkpoint row in the store'
        SessionContext = $SessionLabel
        Commit         = 'BEGIN and COMMIT of the batch'
        Pause          = 'pause between batches (-Delay / default)'
        RunnerLock     = 'runner lock check (once a second)'
        Throttle       = 'throttle probe (once a second)'
        Progress       = 'progress reports to the host'
        Scripts        = 'migrate scripts of sql operations'
        Verify         = 'verification at the end: the remaining-rows count'
        Store          = 'phase changes and journal entries'
        Outside        = 'outside the backfiller: module start, connect, runner lock, store and catalog reads'
    }
    $mean = { param([double[]]$v) ($v | Measure-Object -Average).Average }
    $wallMs = & $mean @($Runs | ForEach-Object { 1000 * $_.Seconds })
    $batches = & $mean @($Runs | ForEach-Object { [double]$_.Batches })
    $parts = [Collections.Generic.List[object]]::new()
    foreach ($name in $labels.Keys) {
        $ms = switch ($name) {
            'Trigger' { $TriggerShare * (& $mean @($Runs | ForEach-Object { [double]$_.TimingsMs.Update })) }
            'Outside' { & $mean @($Runs | ForEach-Object { $r = $_; 1000 * $r.Seconds - (($r.TimingsMs.PSObject.Properties | Measure-Object Value -Sum).Sum) }) }
            default { & $mean @($Runs | ForEach-Object { [double]$_.TimingsMs.$name }) }
        }
        $parts.Add([pscustomobject]@{ Name = $name; Label = $labels[$name]; Ms = $ms; Share = $ms / $wallMs; PerBatchMs = $ms / [Math]::Max(1, $batches) })
    }
    $rows = foreach ($p in $parts) {
        if ($p.Name -ne 'Trigger' -and $p.Ms -lt 0.05) { continue }
        "| $($p.Label) | $(Format-N $p.Ms 'N0') ms | $(Format-N (100 * $p.Share) 'N1')% | $(Format-N $p.PerBatchMs 'N2') ms |"
    }
    $table = "| part | total | share of the run | per batch |`n|---|---|---|---|`n" + ($rows -join "`n") +
        "`n| **the run (Invoke-Migrate wall time)** | $(Format-N $wallMs 'N0') ms | 100% | $(Format-N ($wallMs / [Math]::Max(1, $batches)) 'N2') ms |"
    [pscustomobject]@{ Table = $table; Parts = $parts; WallMs = $wallMs; Batches = $batches }
}

function Write-BackfillBreakdown($Breakdown) {
    foreach ($p in $Breakdown.Parts) {
        if ($p.Name -ne 'Trigger' -and $p.Ms -lt 0.05) { continue }
        Say ("{0,-88} {1,9} ms {2,6}% {3,9} ms/batch" -f $p.Label, (Format-N $p.Ms 'N0'), (Format-N (100 * $p.Share) 'N1'), (Format-N $p.PerBatchMs 'N2'))
    }
    Say ("{0,-88} {1,9} ms   100%  in {2} batches" -f 'the run (Invoke-Migrate wall time)', (Format-N $Breakdown.WallMs 'N0'), (Format-N $Breakdown.Batches 'N0'))
}

# The Instances table of samples/baseline with -Rows rows (the rows of samples/Demo.ps1), in a SQLite
# database file at -Path (created; samples/DemoDatabase.psm1 must be imported).
function Initialize-BenchSqliteInventory([string]$Path, [int]$Rows, [string]$ModuleManifest) {
    $db = Open-DemoDatabase -ModuleManifest $ModuleManifest -Path $Path
    try {
        foreach ($statement in (Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../samples/baseline/sqlite.sql')) -split ';') {
            $text = ($statement -split "`n" | Where-Object { $_ -notmatch '^\s*--' }) -join "`n"
            if ($text.Trim()) { $null = Invoke-DemoSql $db $text }
        }
        $null = Invoke-DemoSql $db @"
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $Rows)
INSERT INTO Instances (Id, Name, Host, MemoryMb, Location)
SELECT i, 'vm-' || i, 'compute-' || (i % 97), 1024 * (1 + i % 16), 'EUW' || (1 + i % 3) || '-R' || substr('000' || (i % 250), -3) FROM n
"@
    }
    finally { $db.Dispose() }
}

# The same table and rows in the new SQL Server schema -Schema, through -Admin (bench/SqlServerClient.psm1).
function Initialize-BenchSqlServerInventory($Admin, [string]$Schema, [int]$Rows, [int]$TimeoutSeconds = 600) {
    $null = Invoke-BenchSql $Admin "CREATE SCHEMA [$Schema];"
    $null = Invoke-BenchSql $Admin ((Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../samples/baseline/sqlserver.sql')).Replace('[dbo]', "[$Schema]"))
    $null = Invoke-BenchSql $Admin @"
WITH n AS (SELECT TOP (@rows) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS bigint) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b CROSS JOIN sys.all_columns c)
INSERT INTO [$Schema].[Instances] (Id, Name, Host, MemoryMb, Location)
SELECT i, CONCAT('vm-', i), CONCAT('compute-', i % 97), 1024 * (1 + i % 16), CONCAT('EUW', 1 + i % 3, '-R', RIGHT(CONCAT('000', i % 250), 3)) FROM n;
"@ -Parameters @{ rows = $Rows } -TimeoutSeconds $TimeoutSeconds
}

# The server a bench runs against: for SqlServer an open admin connection (bench/SqlServerClient.psm1),
# whether expand needs -AllowOffline (an edition without online index builds) and the engine's name.
function Open-BenchTarget([string]$Provider, [string]$ModuleManifest, [string]$ConnectionString, [string]$Bench) {
    if ($Provider -ne 'SqlServer') { return [pscustomobject]@{ Admin = $null; Offline = $false; Engine = 'SQLite' } }
    if (-not $ConnectionString) { throw "$Bench bench: -Provider SqlServer needs -ConnectionString or ONLINEMIGRATIONS_TEST_SQLSERVER." }
    Import-Module (Join-Path $PSScriptRoot 'SqlServerClient.psm1') -Force
    $admin = Open-BenchSqlServer -ModuleManifest $ModuleManifest -ConnectionString $ConnectionString
    $server = Invoke-BenchSql $admin "SELECT @@VERSION AS v, CAST(SERVERPROPERTY('EngineEdition') AS int) AS ee"
    [pscustomobject]@{
        Admin   = $admin
        Offline = $server.ee -notin 3, 5, 8
        Engine  = if ($server.v -match 'Babelfish') { 'the T-SQL engine (Babelfish)' } else { 'SQL Server' }
    }
}

# The Instances table with -Rows rows and a folder with the sample migrations -Ids: on SQLite a database
# file at -Path; on SQL Server a schema of its own (and its _store schema) through -Admin, the migrations
# rewritten to that schema. Returns the cmdlet parameters for it, and the schemas to drop.
function New-BenchInventory {
    param([Parameter(Mandatory)][ValidateSet('Sqlite', 'SqlServer')][string]$Provider, [Parameter(Mandatory)][int]$Rows,
        [Parameter(Mandatory)][string]$Folder, [string[]]$Ids, [string]$ModuleManifest, [string]$Path, $Admin, [string]$ConnectionString)
    $samples = Join-Path $PSScriptRoot '../samples'
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $files = @(Get-ChildItem (Join-Path $samples 'inventory/*.json') | Where-Object { -not $Ids -or $_.BaseName -in $Ids })
    if ($Provider -eq 'Sqlite') {
        Import-Module (Join-Path $samples 'DemoDatabase.psm1') -Force
        Initialize-BenchSqliteInventory $Path $Rows $ModuleManifest
        $files | Copy-Item -Destination $Folder
        return [pscustomobject]@{ Cmdlet = @{ Provider = 'Sqlite'; ConnectionString = "Data Source=$Path" }; Schemas = @() }
    }
    $schema = "om_bench_$([guid]::NewGuid().ToString('N').Substring(0, 6))"; $store = "${schema}_store"
    Initialize-BenchSqlServerInventory $Admin $schema $Rows -TimeoutSeconds 0
    foreach ($f in $files) {
        Set-Content -LiteralPath (Join-Path $Folder $f.Name) -Value ((Get-Content -Raw -LiteralPath $f.FullName) -replace '(?<![\w\]])dbo\.', "$schema.") -Encoding utf8
    }
    [pscustomobject]@{ Cmdlet = @{ Provider = 'SqlServer'; ConnectionString = $ConnectionString; StoreSchema = $store }; Schemas = @($schema, $store) }
}
