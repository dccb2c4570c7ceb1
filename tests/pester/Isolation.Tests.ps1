# The module keeps its own Microsoft.Data.SqlClient (7.x) even when the session already loaded
# another version, as dbatools or the SqlServer module do. Runs in a fresh pwsh: once an
# assembly is in a session it cannot be unloaded, so only a new process tells the truth.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $sqlClientFolder = if ($IsWindows) { 'win' } else { 'unix' }
    $oldSqlClient = Join-Path (Get-TestNuGetPackages) "microsoft.data.sqlclient/6.1.5/runtimes/$sqlClientFolder/lib/net8.0/Microsoft.Data.SqlClient.dll"
    $database = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-isolation-$([guid]::NewGuid().ToString('N')).db"
    $resultFile = [IO.Path]::GetTempFileName()

    $childScript = Join-Path ([IO.Path]::GetTempPath()) "onlinemigrations-isolation-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -LiteralPath $childScript -Encoding utf8 -Value {
        param($OldSqlClient, $ModulePath, $Database, $ResultFile)
        $ErrorActionPreference = 'Stop'
        $result = [ordered]@{}
        function Get-Chain($exception) {
            while ($null -ne $exception) {
                [pscustomobject]@{
                    Type         = $exception.GetType().FullName
                    AssemblyName = $exception.GetType().Assembly.GetName().Name
                    Major        = $exception.GetType().Assembly.GetName().Version.Major
                    Context      = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($exception.GetType().Assembly).Name
                    Message      = $exception.Message
                }
                if ($exception -is [System.Management.Automation.ActionPreferenceStopException] -and $exception.ErrorRecord -and
                    $exception.ErrorRecord.Exception -ne $exception) {
                    Get-Chain $exception.ErrorRecord.Exception
                }
                if ($exception -is [AggregateException]) { $exception.InnerExceptions | ForEach-Object { Get-Chain $_ } }
                $exception = $exception.InnerException
            }
        }
        function Get-DefaultSqlClient {
            @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies |
                Where-Object { $_.GetName().Name -eq 'Microsoft.Data.SqlClient' } |
                ForEach-Object { $_.GetName().Version.ToString() })
        }
        try {
            # What dbatools does at import: SqlClient 6 into the default context, first.
            Add-Type -Path $OldSqlClient
            $result.DefaultSqlClientBefore = Get-DefaultSqlClient

            Import-Module $ModulePath

            $state = @(Get-MigrationState -Provider Sqlite -ConnectionString "Data Source=$Database;Mode=ReadWriteCreate")
            $result.SqliteCount = $state.Count
            $result.SqliteError = $null
        }
        catch {
            $result.SqliteError = "$($_.Exception.GetType().FullName): $($_.Exception.Message)"
            $result.SqliteChain = @(Get-Chain $_.Exception)
        }
        try {
            Get-MigrationState -Provider SqlServer -ErrorAction Stop `
                -ConnectionString 'Server=127.0.0.1,1;Database=x;User ID=u;Password=p;Connect Timeout=2;Encrypt=false' | Out-Null
            $result.SqlServerChain = @()
        }
        catch {
            $result.SqlServerErrorId = $_.FullyQualifiedErrorId
            $result.SqlServerChain = @(Get-Chain $_.Exception)
        }
        $result.DefaultSqlClientAfter = Get-DefaultSqlClient
        $result.DefaultHasEngine = @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies |
            Where-Object { $_.GetName().Name -eq 'OnlineMigrations.Engine' }).Count -gt 0
        $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'OnlineMigrations.Engine' } | Select-Object -First 1
        $result.EngineContext = if ($engine) { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name } else { $null }
        $result | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultFile -Encoding utf8
    }.ToString()

    $pwsh = @(Get-TestPwsh)
    $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $childScript `
        -OldSqlClient $oldSqlClient -ModulePath (Get-TestModulePath) -Database $database -ResultFile $resultFile 2>&1
    $script:ChildExit = $LASTEXITCODE
    $script:ChildOutput = $output -join [Environment]::NewLine
    $text = Get-Content -LiteralPath $resultFile -Raw
    $script:Result = if ($text) { $text | ConvertFrom-Json } else { $null }
    Remove-Item -LiteralPath $childScript, $resultFile, $database, "$database-wal", "$database-shm", "$database.lock" -ErrorAction SilentlyContinue
}

Describe 'Dependency isolation with SqlClient 6 already loaded (as by dbatools)' {
    It 'ran the child session to the end' {
        $Result | Should -Not -BeNullOrEmpty -Because "the child pwsh said: $ChildOutput"
    }

    It 'had SqlClient 6.x in the default context before importing the module' {
        @($Result.DefaultSqlClientBefore) | Should -HaveCount 1
        ([version]@($Result.DefaultSqlClientBefore)[0]).Major | Should -Be 6
    }

    It 'reads state from an empty SQLite database: nothing, and no error' {
        $Result.SqliteError | Should -BeNullOrEmpty
        $Result.SqliteCount | Should -Be 0
    }

    It 'fails on an unreachable SQL Server with a SqlException from the module''s SqlClient 7.x' {
        $chain = @($Result.SqlServerChain)
        $chain | Should -Not -BeNullOrEmpty -Because 'Get-MigrationState must fail on a server that does not listen'
        $sql = @($chain | Where-Object Type -eq 'Microsoft.Data.SqlClient.SqlException')
        $sql | Should -Not -BeNullOrEmpty -Because "the exception chain was: $(($chain | ForEach-Object { "$($_.Type) ($($_.AssemblyName) $($_.Major)): $($_.Message)" }) -join ' <- ')"
        $sql[0].Major | Should -Be 7
        $sql[0].Context | Should -Be 'OnlineMigrations'
    }

    It 'does not fail on loading: no FileLoadException, TypeLoadException or PlatformNotSupportedException' {
        $Result | Should -Not -BeNullOrEmpty
        $bad = 'System.IO.FileLoadException', 'System.IO.FileNotFoundException', 'System.TypeLoadException',
            'System.PlatformNotSupportedException', 'System.MissingMethodException', 'System.InvalidCastException'
        @(@($Result.SqlServerChain) + @($Result.SqliteChain) | Where-Object { $_ -and $_.Type -in $bad }) | Should -HaveCount 0
    }

    It 'leaves the session''s SqlClient 6.x as the only one in the default context' {
        @($Result.DefaultSqlClientAfter) | Should -HaveCount 1
        ([version]@($Result.DefaultSqlClientAfter)[0]).Major | Should -Be 6
    }

    It 'loads the engine into the OnlineMigrations load context, not the default one' {
        $Result.DefaultHasEngine | Should -BeFalse
        $Result.EngineContext | Should -Be 'OnlineMigrations'
    }
}
