# The helpers every phase-behaviour test uses, exercised per provider (SQL Server: skipped
# unless ONLINEMIGRATIONS_TEST_SQLSERVER is set).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }

Describe 'A test database on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach { if (-not $Skip) { $script:db = New-TestDatabase -Provider $Provider } }
    AfterEach { if (-not $Skip) { Remove-TestDatabase $script:db } }

    It 'runs setup SQL and reads rows back with parameters' -Skip:$Skip {
        $table = if ($db.Schema) { "[$($db.Schema)].t" } else { 't' }
        Invoke-Sql $db "CREATE TABLE $table (id INT NOT NULL, name NVARCHAR(20) NULL)"
        Invoke-Sql $db "INSERT INTO $table (id, name) VALUES (@id, @name)" -Parameters @{ id = 7; name = $null }
        $rows = @(Invoke-Sql -Provider $db.Provider -ConnectionString $db.ConnectionString -Sql "SELECT id, name FROM $table")
        $rows | Should -HaveCount 1
        $rows[0].id | Should -Be 7
        $rows[0].name | Should -BeNullOrEmpty
    }

    It 'keeps the providers out of the default load context' -Skip:$Skip {
        Invoke-Sql $db 'SELECT 1 AS one' | Out-Null
        $assembly = if ($Provider -eq 'Sqlite') { 'Microsoft.Data.Sqlite' } else { 'Microsoft.Data.SqlClient' }
        @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -eq $assembly }) |
            Should -HaveCount 0
    }
}
