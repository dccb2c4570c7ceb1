<#
    Crash-safety trials (Soak.ps1 and tests/pester/CrashSafety.Tests.ps1) and helpers shared by the
    reliability tests (Concurrency, Workload, BadInput, Secrets).

    A trial: a fresh database of the sample inventory (samples/baseline + seeded rows), brought to
    the start of a phase without kills; a child pwsh runs that phase's cmdlet and is killed with
    Stop-Process -Force (SIGKILL) at a random moment; the same cmdlet is run again until the phase
    is done; then the phase, the catalog (against a reference database that ran the same migrations
    without kills) and every row (against values computed in PowerShell from the seeded data) are
    checked.

    Needs tests/pester/TestHelpers.psm1 imported (Invoke-Sql, New-TestDatabase, ...) and the module.
#>
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../pester/TestHelpers.psm1')

$script:Ids = '0001_instances_compute_host', '0002_split_location', '0003_drop_legacy_quotas'
$script:Phases = [ordered]@{ Expand = 'Expanded'; Migrate = 'Migrated'; Contract = 'Completed' }
$script:StartPhase = @{ Expand = 'Pending'; Migrate = 'Expanded'; Contract = 'Migrated' }

function Get-SoakSeedSql {
    <# SQL that inserts -Rows instances with NULLs, unicode hosts, int extremes and short locations mixed in. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][int]$Rows)
    $table = Get-TestTableName $Database 'Instances'
    # Same expressions on both engines (SQLite: ||, substr; SQL Server: CONCAT, RIGHT).
    if ($Database.Provider -eq 'Sqlite') {
        return @"
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $Rows)
INSERT INTO $table (Id, Name, Host, MemoryMb, Location)
SELECT i, 'vm-' || i,
       CASE WHEN i % 50 = 0 THEN NULL WHEN i % 77 = 0 THEN 'hôte-ünï-' || i WHEN i % 91 = 0 THEN 'x''y]z;--' || i ELSE 'compute-' || (i % 97) END,
       CASE WHEN i % 45 = 0 THEN NULL WHEN i % 1000 = 7 THEN 2147483647 WHEN i % 1000 = 8 THEN -2147483648 ELSE 1024 * (1 + i % 16) END,
       CASE WHEN i % 60 = 0 THEN NULL WHEN i % 33 = 0 THEN 'EU' ELSE 'EUW' || (1 + i % 3) || '-R' || substr('000' || (i % 250), -3) END
FROM n
"@
    }
    @"
WITH n AS (SELECT TOP ($Rows) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS bigint) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b)
INSERT INTO $table (Id, Name, Host, MemoryMb, Location)
SELECT i, CONCAT('vm-', i),
       CASE WHEN i % 50 = 0 THEN NULL WHEN i % 77 = 0 THEN CONCAT(N'hôte-ünï-', i) WHEN i % 91 = 0 THEN CONCAT(N'x''y]z;--', i) ELSE CONCAT('compute-', i % 97) END,
       CASE WHEN i % 45 = 0 THEN NULL WHEN i % 1000 = 7 THEN 2147483647 WHEN i % 1000 = 8 THEN -2147483648 ELSE 1024 * (1 + i % 16) END,
       CASE WHEN i % 60 = 0 THEN NULL WHEN i % 33 = 0 THEN 'EU' ELSE CONCAT('EUW', 1 + i % 3, '-R', RIGHT(CONCAT('000', i % 250), 3)) END
FROM n
"@
}

function New-SoakDatabase {
    <# A new test database with the sample baseline and -Rows seeded instances (and a few LegacyQuotas rows). #>
    param([Parameter(Mandatory)][string]$Provider, [int]$Rows = 20000)
    $db = New-TestDatabase -Provider $Provider
    Initialize-TestBaseline $db
    Invoke-Sql $db (Get-SoakSeedSql $db $Rows)
    Invoke-Sql $db "INSERT INTO $(Get-TestTableName $db 'LegacyQuotas') (ProjectId, Instances) VALUES (1, 10), (2, 20)"
    $db
}

function New-SoakMigrationFolder {
    <# A copy of samples/inventory for the database, with the deprecation windows set to zero so contract can follow at once. #>
    param([Parameter(Mandatory)][psobject]$Database)
    $folder = New-TestMigrationFolder $Database
    foreach ($file in Get-ChildItem -LiteralPath $folder -Filter *.json) {
        $text = (Get-Content -Raw -LiteralPath $file.FullName) -replace '"deprecationWindow":\s*"[^"]*"', '"deprecationWindow": "00:00:00"'
        Set-Content -LiteralPath $file.FullName -Value $text -NoNewline -Encoding utf8
    }
    $folder
}

function Get-SoakOriginalRows {
    <# The seeded rows, read once before any migration: Id -> Host, MemoryMb, Location, Name, Status. #>
    param([Parameter(Mandatory)][psobject]$Database)
    $map = @{}
    foreach ($r in Invoke-Sql $Database "SELECT Id, Name, Host, MemoryMb, Location, Status FROM $(Get-TestTableName $Database 'Instances')") {
        $map[[long]$r.Id] = $r
    }
    $map
}

function Get-SqlSubstring {
    <# SQL's SUBSTRING(text, start, length) (1-based; '' past the end; NULL stays NULL), computed in PowerShell. #>
    param([AllowNull()][object]$Text, [int]$Start, [int]$Length)
    if ($null -eq $Text) { return $null }
    $Text = [string]$Text
    $from = $Start - 1
    if ($from -ge $Text.Length) { return '' }
    $Text.Substring($from, [Math]::Min($Length, $Text.Length - $from))
}

function Format-SoakValue([AllowNull()]$Value) { if ($null -eq $Value) { '<null>' } else { "$Value" } }

function Get-SoakExpectedLines {
    <#
    .SYNOPSIS
        The rows a phase must leave, computed in PowerShell from the original rows, as one text line
        per row ordered by Id, in the column order Get-SoakActualLines reads.
    #>
    param([Parameter(Mandatory)][hashtable]$Original, [Parameter(Mandatory)][ValidateSet('Expand', 'Migrate', 'Contract')][string]$Phase)
    foreach ($id in ($Original.Keys | Sort-Object)) {
        $o = $Original[$id]
        $region = Get-SqlSubstring $o.Location 1 4
        $rack = Get-SqlSubstring $o.Location 6 4
        $memory = if ($null -eq $o.MemoryMb) { $null } else { [long]$o.MemoryMb }
        $values = switch ($Phase) {
            # Expand adds nullable columns; the old ones are untouched.
            'Expand' { $id, $o.Name, $o.Host, $memory, $o.Location, $o.Status }
            # Migrate fills every new column and stamps the last migration's object version.
            'Migrate' { $id, $o.Name, $o.Host, $memory, $o.Location, $o.Status, $o.Host, $memory, $region, $rack, '2.1' }
            # Contract: Host and Location are gone, MemoryMb is the bigint shadow.
            'Contract' { $id, $o.Name, $o.Status, $o.Host, $memory, $region, $rack, '2.1' }
        }
        ($values | ForEach-Object { Format-SoakValue $_ }) -join '|'
    }
}

function Get-SoakLineSql {
    <# A SELECT that returns each row as one text column 'line' (values joined by '|', NULL as <null>), formatted by the database. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Table, [Parameter(Mandatory)][string[]]$Columns, [string]$Prefix = '')
    $t = Get-TestTableName $Database $Table
    if ($Database.Provider -eq 'Sqlite') {
        $parts = $Columns | ForEach-Object { "COALESCE(CAST([$($_.Replace(']', ']]'))] AS TEXT), '<null>')" }
        return "SELECT '$Prefix' || $($parts -join " || '|' || ") AS line FROM $t ORDER BY 1"
    }
    $parts = $Columns | ForEach-Object { "ISNULL(CAST([$($_.Replace(']', ']]'))] AS nvarchar(max)), N'<null>')" }
    "SELECT CONCAT(N'$Prefix', $($parts -join ", N'|', ")) AS line FROM $t ORDER BY $(if ($Table -eq 'Instances') { 'Id' } else { '1' })"
}

function Get-SoakColumnNames {
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Table)
    if ($Database.Provider -eq 'Sqlite') {
        return @(Invoke-Sql $Database 'SELECT name FROM pragma_table_info(@t) ORDER BY cid' -Parameters @{ t = $Table } | ForEach-Object name)
    }
    @(Invoke-Sql $Database 'SELECT c.name FROM sys.columns c WHERE c.object_id = OBJECT_ID(@t) ORDER BY c.column_id' -Parameters @{ t = "[$($Database.Schema)].[$Table]" } | ForEach-Object name)
}

function Get-SoakActualLines {
    <# The rows of Instances as text lines, in the order and columns of Get-SoakExpectedLines for the phase. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Phase)
    $columns = switch ($Phase) {
        'Expand' { 'Id', 'Name', 'Host', 'MemoryMb', 'Location', 'Status' }
        'Migrate' {
            $shadow = @(Get-SoakColumnNames $Database 'Instances' | Where-Object { $_ -ne 'MemoryMb' -and $_ -like '*MemoryMb*' }) | Select-Object -First 1
            if (-not $shadow) { throw 'The shadow column of MemoryMb is missing after migrate.' }
            'Id', 'Name', 'Host', 'MemoryMb', 'Location', 'Status', 'ComputeHost', $shadow, 'Region', 'Rack', 'ObjectVersion'
        }
        'Contract' { 'Id', 'Name', 'Status', 'ComputeHost', 'MemoryMb', 'Region', 'Rack', 'ObjectVersion' }
    }
    # Ordered by Id numerically: the line starts with Id, so order in SQL by the key, not the text.
    $sql = (Get-SoakLineSql $Database 'Instances' $columns) -replace 'ORDER BY 1$', 'ORDER BY Id'
    Invoke-Sql $Database $sql | ForEach-Object line
}

function Get-SoakTableDump {
    <# Every column of every user table, row by row (for comparing a trial database with the reference). #>
    param([Parameter(Mandatory)][psobject]$Database)
    foreach ($name in 'Instances', 'LegacyQuotas') {
        $columns = @(Get-SoakColumnNames $Database $name)
        if ($columns.Count -eq 0) { "${name}: (absent)"; continue }
        "${name}: $($columns -join ',')"
        Invoke-Sql $Database ((Get-SoakLineSql $Database $name $columns "${name}: ") -replace 'ORDER BY 1$', 'ORDER BY 1') | ForEach-Object line
    }
}

function Compare-SoakLines {
    <# Returns $null when equal, else a short description of the first differences. #>
    param([string[]]$Expected, [string[]]$Actual, [string]$What)
    $Expected = @($Expected); $Actual = @($Actual)
    if ($Expected.Count -eq $Actual.Count) {
        $diff = for ($i = 0; $i -lt $Expected.Count; $i++) { if ($Expected[$i] -cne $Actual[$i]) { "expected '$($Expected[$i])' got '$($Actual[$i])'" } }
        $diff = @($diff)
        if ($diff.Count -eq 0) { return $null }
        return "${What}: $($diff.Count) rows differ; first: $($diff | Select-Object -First 3)"
    }
    $missing = @(Compare-Object $Expected $Actual -CaseSensitive | Select-Object -First 3 | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
    "${What}: $($Expected.Count) rows expected, $($Actual.Count) present; first differences: $($missing -join '; ')"
}

function Get-SoakConnection {
    <# Cmdlet parameters for the database (Get-TestConnectionParameters) as PowerShell source text for a child script. #>
    param([Parameter(Mandatory)][psobject]$Database)
    $om = Get-TestConnectionParameters $Database
    '@{ ' + (($om.Keys | Sort-Object | ForEach-Object { "$_ = '$(([string]$om[$_]).Replace("'", "''"))'" }) -join '; ') + ' }'
}

function Get-SoakAllowOffline {
    <#
    True where the server cannot build indexes online (SQL Server Standard, the T-SQL test engine): the
    sample's first migration rebuilds an index, which such a server only does offline, so the soak
    passes -AllowOffline there (explicitly: a default in the caller's PSDefaultParameterValues does
    not reach this module's calls). Edition.Tests.ps1 covers the refusal without it.
    #>
    param([Parameter(Mandatory)][psobject]$Database)
    -not (Test-TestOnlineIndex $Database)
}

function Get-SoakPhaseScript {
    <# The child's command for a phase (uses $om and $folder); -AllowOffline passes that switch to Invoke-Expand. #>
    param([Parameter(Mandatory)][string]$Phase, [int]$BatchSize = 50, [switch]$AllowOffline)
    switch ($Phase) {
        'Expand' { "Invoke-Expand @om -Path `$folder -AllowOffline:`$$([bool]$AllowOffline) -Confirm:`$false | Out-Null" }
        'Migrate' { "Invoke-Migrate @om -BatchSize $BatchSize -Confirm:`$false | Out-Null" }
        'Contract' { 'Invoke-Contract @om -Confirm:$false | Out-Null' }
    }
}

function Invoke-SoakPhaseToEnd {
    <# Runs a phase in this process until every sample migration reaches the phase's end (at most -Attempts runs); throws if it does not. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Folder, [Parameter(Mandatory)][string]$Phase, [int]$BatchSize = 50, [int]$Attempts = 4)
    $om = Get-TestConnectionParameters $Database
    $offline = Get-SoakAllowOffline $Database
    $target = $script:Phases[$Phase]
    for ($i = 1; $i -le $Attempts; $i++) {
        switch ($Phase) {
            'Expand' { $null = Invoke-Expand @om -Path $Folder -AllowOffline:$offline -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue }
            'Migrate' { $null = Invoke-Migrate @om -BatchSize $BatchSize -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue }
            'Contract' { $null = Invoke-Contract @om -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue }
        }
        $phases = @(Get-MigrationState @om | Where-Object Id -In $script:Ids | ForEach-Object { "$($_.Phase)" })
        if ($phases.Count -eq 3 -and @($phases | Where-Object { $_ -ne $target }).Count -eq 0) { return $i }
    }
    throw "$Phase did not finish after $Attempts runs: phases $($phases -join ', ')."
}

function Initialize-SoakPhaseStart {
    <# Brings a database to the start of -Phase without kills: expand, migrate and request the contract as needed. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Folder, [Parameter(Mandatory)][string]$Phase)
    $om = Get-TestConnectionParameters $Database
    if ($Phase -in 'Migrate', 'Contract') { $null = Invoke-SoakPhaseToEnd $Database $Folder 'Expand' }
    if ($Phase -eq 'Contract') {
        $null = Invoke-SoakPhaseToEnd $Database $Folder 'Migrate' -BatchSize 5000
        $null = Request-Contract @om -Id $script:Ids -Confirm:$false -WarningAction SilentlyContinue
        # FleetAcknowledged fails closed: the soak's databases are read by no application.
        $null = Register-MigrationClient @om -None -Reason 'soak database: no application reads it' -Confirm:$false
    }
}

function Get-SoakJournal {
    param([Parameter(Mandatory)][psobject]$Database)
    $om = Get-TestConnectionParameters $Database
    Get-MigrationJournal @om
}

function Get-SoakPhaseSummary {
    param([Parameter(Mandatory)][psobject]$Database)
    $om = Get-TestConnectionParameters $Database
    try { @(Get-MigrationState @om -ErrorAction Stop | Where-Object Id -In $script:Ids | ForEach-Object { "$($_.Phase)" }) }
    catch { @() }
}

function Invoke-SoakTrials {
    <#
    .SYNOPSIS
        Runs crash trials of one phase until -Trials of them killed the child mid-phase; returns one
        result object per trial run (Phase, Trial, KillAfterMs, Landed = Before|Mid|After, Counted,
        Runs, Failures[]).
    .DESCRIPTION
        A trial counts only when its kill landed while the phase was doing work (Landed = Mid: the
        child had journaled work and the phase was not done). A kill that landed before the child did
        anything, or after it had finished, proves nothing about a mid-phase crash: that trial is
        repeated (its checks still run, and a failure in it still fails), with the next kill time
        drawn from the part of the window that has not yet landed before or after. At most
        -MaxAttempts trials run; the caller compares the counted trials with -Trials (fewer is a
        failure: see Soak.ps1 and CrashSafety.Tests.ps1). The last line logged says how many kills
        landed mid-phase.
    #>
    param(
        [Parameter(Mandatory)][ValidateSet('Sqlite', 'SqlServer')][string]$Provider,
        [Parameter(Mandatory)][ValidateSet('Expand', 'Migrate', 'Contract')][string]$Phase,
        [int]$Trials = 20,
        [int]$MaxAttempts = 0,
        [int]$Rows = 20000,
        [int]$BatchSize = 50,
        [int]$Seed = (Get-Random),
        [scriptblock]$Log = { param($line) Write-Host $line }
    )
    if ($MaxAttempts -le 0) { $MaxAttempts = [Math]::Max($Trials * 4, $Trials + 4) }
    $random = [Random]::new($Seed)
    & $Log "== $Phase on $Provider`: $Trials mid-phase kills wanted (at most $MaxAttempts trials), $Rows rows, batch size $BatchSize, seed $Seed"

    # Reference: the same migrations without kills; its catalog and table dump are what every trial must match.
    $reference = New-SoakDatabase -Provider $Provider -Rows $Rows
    $refFolder = New-SoakMigrationFolder $reference
    try {
        $original = Get-SoakOriginalRows $reference
        $expected = @(Get-SoakExpectedLines -Original $original -Phase $Phase)
        Initialize-SoakPhaseStart $reference $refFolder $Phase
        # Time the phase in a child, as the trials run it, to spread the kills over its duration.
        $timing = Start-SoakChild -Database $reference -Folder $refFolder -Phase $Phase -BatchSize $BatchSize
        $null = $timing.Process.WaitForExit(300000)
        $duration = Get-SoakChildDuration $timing
        Remove-SoakChildFiles $timing
        $runs = Invoke-SoakPhaseToEnd $reference $refFolder $Phase -BatchSize $BatchSize
        $refCatalog = Get-TestCatalogSnapshot $reference
        $refDump = @(Get-SoakTableDump $reference)
        $selfCheck = Compare-SoakLines $expected @(Get-SoakActualLines $reference $Phase) 'reference rows'
        if ($selfCheck) { throw "The reference run itself is wrong (product bug?): $selfCheck" }
        & $Log ("   reference: {0} ran in {1:0} ms in a child ({2} extra run(s) in process)" -f $Phase, $duration, ($runs - 1))
    }
    finally { Remove-TestWorkspace $reference -Folder $refFolder }

    $window = [Math]::Max(50, [int]($duration * 1.05))
    # The kill is drawn from [$low, $high): a kill that landed before the work moves $low up to it, one
    # that landed after the end moves $high down to it; the phase's time varies from run to run, so
    # when they meet the other bound is moved on by half the window.
    $low = 0; $high = $window
    $mid = 0
    for ($trial = 1; $trial -le $MaxAttempts -and $mid -lt $Trials; $trial++) {
        $failures = [Collections.Generic.List[string]]::new()
        $db = New-SoakDatabase -Provider $Provider -Rows $Rows
        $folder = New-SoakMigrationFolder $db
        $landed = '?'; $killAfter = $random.Next($low, $high); $reruns = 0
        try {
            Initialize-SoakPhaseStart $db $folder $Phase
            $journalBefore = @(Get-SoakJournal $db).Count
            $child = Start-SoakChild -Database $db -Folder $folder -Phase $Phase -BatchSize $BatchSize
            try {
                if (-not (Wait-SoakMarker $child)) { $failures.Add("the child never started: $(Get-SoakChildError $child)") }
                Start-Sleep -Milliseconds $killAfter
                $exitedFirst = $child.Process.HasExited
                if (-not $exitedFirst) { Stop-Process -Id $child.Process.Id -Force; $null = $child.Process.WaitForExit(30000) }
                elseif ($child.Process.ExitCode -ne 0) { $failures.Add("the child failed before the kill: $(Get-SoakChildError $child)") }
            }
            finally { Remove-SoakChildFiles $child }

            $phases = @(Get-SoakPhaseSummary $db)
            $journalAfter = @(Get-SoakJournal $db).Count
            $done = $phases.Count -eq 3 -and @($phases | Where-Object { $_ -ne $script:Phases[$Phase] }).Count -eq 0
            $landed = if ($exitedFirst -or $done) { 'After' } elseif ($journalAfter -eq $journalBefore) { 'Before' } else { 'Mid' }

            try { $reruns = Invoke-SoakPhaseToEnd $db $folder $Phase -BatchSize $BatchSize }
            catch { $failures.Add("re-running $Phase failed: $($_.FullyQualifiedErrorId): $($_.Exception.Message)") }

            $catalog = Get-TestCatalogSnapshot $db
            if ($catalog -cne $refCatalog) {
                $d = Compare-Object ($refCatalog -split "`n") ($catalog -split "`n") -CaseSensitive | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" }
                $failures.Add("catalog differs from the reference: $($d -join ' ; ')")
            }
            $rowsDiff = Compare-SoakLines $expected @(Get-SoakActualLines $db $Phase) 'rows'
            if ($rowsDiff) { $failures.Add($rowsDiff) }
            $dumpDiff = Compare-SoakLines $refDump @(Get-SoakTableDump $db) 'full table dump vs reference'
            if ($dumpDiff) { $failures.Add($dumpDiff) }
            $locks = @(Get-SoakJournal $db | Where-Object { $_.Outcome -eq 'Failed' -and $_.Error -match 'already exists|duplicate column|no such' })
            if ($locks.Count) { $failures.Add("the journal shows a step that re-ran over its own work: $($locks[0].Step): $($locks[0].Error)") }
        }
        catch { $failures.Add("trial error: $($_.Exception.Message) at $($_.InvocationInfo.PositionMessage)") }
        finally { Remove-TestWorkspace $db -Folder $folder }
        switch ($landed) {
            'Mid' { $mid++ }
            # The work started later than the window allowed for (a loaded machine): look further on.
            'Before' { $low = $killAfter + 1; if ($high - $low -lt 20) { $high = $low + [int]($window / 2) + 20 } }
            # The work ended sooner: look further back.
            'After' { $high = $killAfter; if ($high - $low -lt 20) { $low = [Math]::Max(0, $high - [int]($window / 2) - 20) } }
        }
        $counted = $landed -eq 'Mid'
        $result = [pscustomobject]@{ Provider = $Provider; Phase = $Phase; Trial = $trial; KillAfterMs = $killAfter; Landed = $landed; Counted = $counted; Runs = $reruns; Failures = @($failures) }
        & $Log ("   trial {0,2}: kill after {1,5} ms, landed {2,-6} re-runs {3}  {4}{5}" -f $trial, $killAfter, $landed, $reruns,
            $(if ($failures.Count) { "FAIL: $($failures -join ' || ')" } else { 'ok' }), $(if ($counted) { '' } else { ' (not counted: repeated)' }))
        $result
    }
    & $Log ("   {0} on {1}: {2} of {3} kills landed mid-phase in {4} trial(s){5}" -f $Phase, $Provider, $mid, $Trials, ($trial - 1),
        $(if ($mid -lt $Trials) { " - FEWER THAN ASKED (at most $MaxAttempts trials)" } else { '' }))
}

function Start-SoakChild {
    <# A child pwsh that imports the module, writes a marker file, runs the phase's cmdlet and writes a second marker when done. #>
    param([Parameter(Mandatory)][psobject]$Database, [Parameter(Mandatory)][string]$Folder, [Parameter(Mandatory)][string]$Phase, [int]$BatchSize = 50)
    $marker = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-soak-$([guid]::NewGuid().ToString('N')).marker"
    $script = @"
`$om = $(Get-SoakConnection $Database)
`$folder = '$($Folder.Replace("'", "''"))'
# Warm up (load the engine, open the database once) so the kill window covers the work, not JIT.
`$null = Get-MigrationState @om
`$null = Get-Migration -Path `$folder
Set-Content -LiteralPath '$marker' -Value ([DateTime]::UtcNow.Ticks)
$(Get-SoakPhaseScript $Phase $BatchSize -AllowOffline:(Get-SoakAllowOffline $Database))
Add-Content -LiteralPath '$marker' -Value ([DateTime]::UtcNow.Ticks)
"@
    $process = Start-TestPwsh -Script $script
    [pscustomobject]@{ Process = $process; Marker = $marker }
}

function Wait-SoakMarker {
    param([Parameter(Mandatory)][psobject]$Child, [double]$TimeoutSeconds = 60)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    while ($watch.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
        if (Test-Path -LiteralPath $Child.Marker) { return $true }
        if ($Child.Process.HasExited) { return (Test-Path -LiteralPath $Child.Marker) }
        Start-Sleep -Milliseconds 5
    }
    $false
}

function Get-SoakChildDuration {
    param([Parameter(Mandatory)][psobject]$Child)
    $ticks = @(Get-Content -LiteralPath $Child.Marker -ErrorAction SilentlyContinue)
    if ($ticks.Count -lt 2) { throw "The timing child did not finish: $(Get-SoakChildError $Child)" }
    ([long]$ticks[1] - [long]$ticks[0]) / 10000
}

function Get-SoakChildError {
    param([Parameter(Mandatory)][psobject]$Child)
    $text = (Get-Content -Raw -LiteralPath $Child.Process.ErrPath -ErrorAction SilentlyContinue) + (Get-Content -Raw -LiteralPath $Child.Process.OutPath -ErrorAction SilentlyContinue)
    if ($text) { $text.Trim() } else { '(no output)' }
}

function Remove-SoakChildFiles {
    param([Parameter(Mandatory)][psobject]$Child)
    if (-not $Child.Process.HasExited) { Stop-Process -Id $Child.Process.Id -Force -ErrorAction SilentlyContinue; $null = $Child.Process.WaitForExit(10000) }
    Remove-Item -LiteralPath $Child.Marker, $Child.Process.ScriptPath, $Child.Process.OutPath, $Child.Process.ErrPath -Force -ErrorAction SilentlyContinue
}

function Get-TestDataChecksum {
    <# A checksum (SHA-256 of every row of every user table, in key order) of the test database's user data. #>
    param([Parameter(Mandatory, Position = 0)][psobject]$Database)
    $tables = if ($Database.Provider -eq 'Sqlite') {
        if (-not (Test-Path -LiteralPath $Database.Path)) { return '(no database file)' }
        Invoke-Sql $Database "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'OnlineMigrations\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name" | ForEach-Object name
    }
    else { Invoke-Sql $Database 'SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID(@s) ORDER BY name' -Parameters @{ s = $Database.Schema } | ForEach-Object name }
    $text = foreach ($t in $tables) {
        $quoted = if ($Database.Provider -eq 'Sqlite') { '[' + $t.Replace(']', ']]') + ']' } else { "[$($Database.Schema)].[" + $t.Replace(']', ']]') + ']' }
        "# $t"
        foreach ($r in Invoke-Sql $Database "SELECT * FROM $quoted ORDER BY 1") {
            ($r.PSObject.Properties | ForEach-Object { "$($_.Name)=$(Format-SoakValue $_.Value)" }) -join '|'
        }
    }
    $bytes = [Text.Encoding]::UTF8.GetBytes(($text -join "`n"))
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes))
}

Export-ModuleMember -Function New-SoakDatabase, New-SoakMigrationFolder, Get-SoakOriginalRows, Get-SqlSubstring, Get-SoakExpectedLines,
    Get-SoakActualLines, Get-SoakTableDump, Compare-SoakLines, Get-SoakConnection, Invoke-SoakPhaseToEnd, Initialize-SoakPhaseStart,
    Invoke-SoakTrials, Start-SoakChild, Wait-SoakMarker, Remove-SoakChildFiles, Get-SoakChildError, Get-TestDataChecksum, Get-SoakSeedSql
