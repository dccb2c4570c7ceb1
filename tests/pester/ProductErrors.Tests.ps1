<#
    Errors are the product's and never echo secrets: a migration file with a duplicate key or a lone
    surrogate is InvalidMigrationFile naming the JSON path; a read-only file system or a full disk
    under a SQLite database is DatabaseReadOnly or DiskFull (never a raw SQLite error code, never
    RunnerBusy); a SQLite connection string that cannot be read is refused without quoting its values.
    The storage cases mount a small tmpfs (they need root and mount; otherwise they are skipped, saying so).
#>
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:canMount = $false
    if ($IsLinux -and (& id -u) -eq '0' -and (Get-Command mount -ErrorAction SilentlyContinue)) {
        $probe = Join-Path ([IO.Path]::GetTempPath()) "om-mount-probe-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $probe
        & mount -t tmpfs -o size=64k tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) { $script:canMount = $true; & umount $probe }
        Remove-Item -LiteralPath $probe -Force
    }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    function Get-Failure([scriptblock]$Call) { $ErrorActionPreference = 'Stop'; try { & $Call | Out-Null; $null } catch { $_ } }
}

Describe 'A migration file that JSON readers disagree on, on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $db = New-TestDatabase -Provider $Provider -ConnectionString $ConnectionString
        Initialize-TestInventory $db -Rows 5
        $om = Get-TestConnectionParameters $db
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It '<Name> is InvalidMigrationFile naming <Path>' -Skip:$Skip -ForEach @(
        @{ Name = 'a duplicate key'; Path = '$.operations[0].addColumn.column.type'
           Json = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "X", "type": "int", "type": "bigint" } } } ] }' }
        @{ Name = 'a duplicate root key'; Path = '$.operations'
           Json = '{ "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ], "operations": [ { "dropColumn": { "table": "dbo.Instances", "column": "Host" } } ] }' }
        @{ Name = 'a lone surrogate in a value'; Path = '$.description'
           Json = '{ "description": "half \ud800 a pair", "operations": [ { "dropTable": { "table": "dbo.LegacyQuotas" } } ] }' }
        @{ Name = 'a lone surrogate in a key'; Path = '$.operations[0].addColumn'
           Json = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "X", "type": "int" }, "\udc00": 1 } } ] }' }
    ) {
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = $Json }
        $before = Get-TestCatalogSnapshot $db
        $err = Get-Failure { Invoke-Expand @om -Path $folder -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMigrationFile*'
        $err.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($Path))*"
        $err.Exception.GetType().Name | Should -Be 'MigrationFileException'
        Get-TestCatalogSnapshot $db | Should -Be $before
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $(Get-TestTableName $db 'LegacyQuotas')").n | Should -Be 10
    }
}

Describe 'A SQLite connection string that cannot be read' {
    It '<Name> is InvalidConnection and never quotes the value' -ForEach @(
        @{ Name = 'an invalid Mode value'; Cs = 'Data Source=/tmp/x.db;Mode=Zq9-Pa55w0rd-7731-K'; Keyword = 'Mode' }
        @{ Name = 'an invalid Cache value'; Cs = 'Data Source=/tmp/x.db;Cache=Zq9-Pa55w0rd-7731-K'; Keyword = 'Cache' }
        @{ Name = 'an invalid Default Timeout value'; Cs = 'Data Source=/tmp/x.db;Default Timeout=Zq9-Pa55w0rd-7731-K'; Keyword = 'Default Timeout' }
        @{ Name = 'an invalid Pooling value'; Cs = 'Data Source=/tmp/x.db;Pooling=Zq9-Pa55w0rd-7731-K'; Keyword = 'Pooling' }
        @{ Name = 'an unknown keyword beside a password'; Cs = 'Data Source=/tmp/x.db;Bogus=1;Password=Zq9-Pa55w0rd-7731-K'; Keyword = 'Bogus' }
    ) {
        $err = Get-Failure { Get-MigrationState -Provider Sqlite -ConnectionString $Cs }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnection*'
        $err.Exception.Message | Should -BeLike "*$Keyword*"
        $text = @("$err", $err.Exception.ToString(), ($err | Format-List * -Force | Out-String), $err.ErrorDetails.Message) -join "`n"
        $inner = $err.Exception.InnerException
        while ($inner) { $text += $inner.ToString(); $inner = $inner.InnerException }
        $text | Should -Not -Match 'Zq9-Pa55w0rd'
    }
}

Describe 'A SQLite database whose storage refuses writes' -Skip:(-not $canMount) {
    # (SQL Server's storage cannot be made read-only or full from a test; its codes 3906, 1105 and 9002 map to the same ids.)
    BeforeEach {
        $mount = Join-Path ([IO.Path]::GetTempPath()) "om-storage-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $mount
        & mount -t tmpfs -o size=4m tmpfs $mount
        $path = Join-Path $mount 'inventory.db'
        $db = [pscustomobject]@{ Provider = 'Sqlite'; ConnectionString = "Data Source=$path"; Schema = $null; Path = $path }
        Initialize-TestInventory $db -Rows 3000
        $om = Get-TestConnectionParameters $db
        $folder = New-TestMigrationFolder $db -Files @{ '0001_a.json' = '{ "operations": [ { "addColumn": { "table": "dbo.Instances", "column": { "name": "Padding", "type": "text" }, "up": "printf(''%0800d'', [Id])" } } ] }' }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        & (Get-Module TestHelpers) { Clear-TestSqlitePools }
    }
    AfterEach {
        & (Get-Module TestHelpers) { Clear-TestSqlitePools }
        & umount -l $mount
        Remove-Item -LiteralPath $mount -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'on a read-only file system every command says DatabaseReadOnly, never a raw error or RunnerBusy' {
        & mount -o remount,ro $mount
        foreach ($call in { Get-MigrationState @om }, { Invoke-Migrate @om -Confirm:$false }, { Undo-Expand @om -Id 0001_a -Confirm:$false }) {
            $err = Get-Failure $call
            $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseReadOnly*' -Because "$call"
            $err.CategoryInfo.Category | Should -Be 'WriteError'
            $err.Exception.Message | Should -BeLike "*$path*"
            $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        & mount -o remount,rw $mount
        (Get-MigrationState @om).Phase | Should -Be 'Expanded' -Because 'nothing changed while it was read-only'
    }

    It 'a disk that fills during the backfill says DiskFull, and the run resumes once there is space' {
        $filler = Join-Path $mount 'filler'
        $avail = [long](((& df -B1 --output=avail $mount) | Select-Object -Last 1).Trim())
        $blocks = [math]::Max(1, [math]::Floor(($avail - 600KB) / 4096))
        & dd if=/dev/zero of=$filler bs=4096 count=$blocks 2>$null
        $err = Get-Failure { Invoke-Migrate @om -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'DiskFull*'
        $err.Exception.Message | Should -Not -BeLike '*SQLite Error*'
        Remove-Item -LiteralPath $filler
        $run = Invoke-Migrate @om -Confirm:$false
        $run.Complete | Should -BeTrue
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM [Instances] WHERE Padding IS NULL OR length(Padding) <> 800").n | Should -Be 0
    }
}
