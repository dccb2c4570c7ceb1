<#
    One runner per database file, not per spelling of its path: Invoke-Contract through the file's
    own path and Undo-Expand through another spelling of it (a symlinked folder, a symlinked file,
    '..', a path relative to the working folder) start at the same moment, repeatedly. Exactly one of
    them acts: the other is refused (RunnerBusy, or WrongPhase / RollbackRefused when it comes
    second), and the table keeps exactly one of the two columns with every value. Before the lock
    resolved the real path and phase changes compared-and-set, both succeeded in some runs and
    dropped both columns. SQLite only: SQL Server names a database, not a file.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force

    # Starts one child per command, lets them all load the module, then releases them together.
    function Start-Together([object[]]$Commands) {
        $go = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-go-$([guid]::NewGuid().ToString('N'))"
        $i = 0
        $children = foreach ($c in $Commands) {
            $i++
            Start-TestPwsh -Script @"
Set-Location -LiteralPath '$($c.WorkingFolder)'
[Environment]::CurrentDirectory = '$($c.WorkingFolder)'   # a relative Data Source is the process's, not PowerShell's
`$om = @{ Provider = 'Sqlite'; ConnectionString = '$($c.ConnectionString)' }
Set-Content -LiteralPath '$go.ready$i' -Value ready
while (-not (Test-Path -LiteralPath '$go')) { Start-Sleep -Milliseconds 1 }
`$result = [ordered]@{ Name = '$($c.Name)'; Outcome = 'Worked'; ErrorId = ''; Message = '' }
try { `$null = $($c.Command) @om -Id 0001_instances_compute_host -Confirm:`$false -WarningAction SilentlyContinue $($c.Extra) }
catch { `$result.Outcome = 'Error'; `$result.ErrorId = `$_.FullyQualifiedErrorId; `$result.Message = `$_.Exception.Message }
`$result | ConvertTo-Json -Compress
"@
        }
        Wait-TestCondition -TimeoutSeconds 120 -Because 'both runners to be ready' -Condition { @(1..$i | Where-Object { Test-Path -LiteralPath "$go.ready$_" }).Count -eq $i }
        Set-Content -LiteralPath $go -Value go
        foreach ($c in $children) {
            if (-not $c.WaitForExit(120000)) { Stop-Process -Id $c.Id -Force; throw "runner $($c.Id) hung" }
            $out = Get-Content -Raw -LiteralPath $c.OutPath
            if (-not $out) { throw "runner $($c.Id) wrote nothing: $(Get-Content -Raw -LiteralPath $c.ErrPath)" }
            ($out.Trim() -split "`n")[-1] | ConvertFrom-Json
            Remove-Item -LiteralPath $c.ScriptPath, $c.OutPath, $c.ErrPath -ErrorAction SilentlyContinue
        }
        Remove-Item -LiteralPath $go, "$go.ready*" -ErrorAction SilentlyContinue
    }
}

Describe 'Two runners reaching one SQLite file through different paths' -Skip:($IsWindows) {
    BeforeAll {
        $root = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-paths-$([guid]::NewGuid().ToString('N'))"
        $real = Join-Path $root 'real'
        $null = New-Item -ItemType Directory -Path $real, (Join-Path $root 'other')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $root 'linked') -Target $real
    }
    AfterAll { Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'run <Run> (<Spelling>): Invoke-Contract and Undo-Expand never both act' -ForEach @(
        foreach ($run in 1..12) {
            $spelling = @('a symlinked folder', 'a symlinked file', "a path through '..'", 'a relative path')[($run - 1) % 4]
            @{ Run = $run; Spelling = $spelling }
        }
    ) {
        $file = Join-Path $real "inventory-$Run.db"
        $db = [pscustomobject]@{ Provider = 'Sqlite'; ConnectionString = "Data Source=$file"; Schema = $null; Path = $file }
        try {
            Initialize-TestInventory $db -Rows 200
            $om = Get-TestConnectionParameters $db
            $folder = New-TestInventoryFolder $db -Include '0001' -Replace @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }
            Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
            Invoke-Migrate @om -Confirm:$false | Out-Null
            Request-Contract @om -Id 0001_instances_compute_host -Confirm:$false | Out-Null
            $hosts = Invoke-Sql $db 'SELECT Id, Host FROM Instances ORDER BY Id'

            $other = switch ($Spelling) {
                'a symlinked folder' { @{ WorkingFolder = $root; ConnectionString = (Join-Path $root "linked/inventory-$Run.db") } }
                'a symlinked file' {
                    $fileLink = Join-Path $root "other/inventory-$Run.db"
                    $null = New-Item -ItemType SymbolicLink -Path $fileLink -Target $file
                    @{ WorkingFolder = $root; ConnectionString = $fileLink }
                }
                "a path through '..'" { @{ WorkingFolder = $root; ConnectionString = (Join-Path $root "other/../real/inventory-$Run.db") } }
                'a relative path' { @{ WorkingFolder = (Join-Path $root 'other'); ConnectionString = "../linked/inventory-$Run.db" } }
            }
            $results = @(Start-Together @(
                @{ Name = 'contract'; Command = 'Invoke-Contract'; Extra = "-Force -Reason 'race test'"; WorkingFolder = $root; ConnectionString = "Data Source=$file" }
                @{ Name = 'undo'; Command = 'Undo-Expand'; Extra = ''; WorkingFolder = $other.WorkingFolder; ConnectionString = "Data Source=$($other.ConnectionString)" }
            ))
            $worked = @($results | Where-Object Outcome -eq 'Worked')
            $worked.Count | Should -Be 1 -Because "exactly one runner may act ($(($results | ForEach-Object { "$($_.Name): $($_.Outcome) $($_.ErrorId) $($_.Message)" }) -join ' | '))"
            ($results | Where-Object Outcome -eq 'Error').ErrorId | Should -Match '^(RunnerBusy|WrongPhase|RollbackRefused|ContractRefused),'

            $columns = @(Get-TestColumn $db 'Instances' | ForEach-Object Name)
            $phase = (Invoke-Sql $db "SELECT Phase FROM OnlineMigrations_Migration WHERE Id = '0001_instances_compute_host'").Phase
            if ($worked[0].Name -eq 'contract') {
                $phase | Should -Be 'Completed'
                $columns | Should -Contain 'ComputeHost'
                $columns | Should -Not -Contain 'Host'
                $after = Invoke-Sql $db 'SELECT Id, ComputeHost AS Host FROM Instances ORDER BY Id'
            }
            else {
                $phase | Should -Be 'RolledBack'
                $columns | Should -Contain 'Host'
                $columns | Should -Not -Contain 'ComputeHost'
                $after = Invoke-Sql $db 'SELECT Id, Host FROM Instances ORDER BY Id'
            }
            ($after | ConvertTo-Json -Compress) | Should -Be ($hosts | ConvertTo-Json -Compress)
        }
        finally { Remove-TestWorkspace $db -Folder $folder }
    }
}
