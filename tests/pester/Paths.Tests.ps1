<#
    A relative path means the current PowerShell location (issue 13, items 4 and 8): after Set-Location,
    'Data Source=inventory.db' opens the file there (not one beside the process's start directory),
    -Path and -Database are read from there, and tab completion of -Id follows the location and takes
    its connection from $PSDefaultParameterValues, as the README tells users to set it.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'
    function script:Get-Completion([string]$Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText
    }
}

Describe 'Relative paths on SQLite' {
    BeforeEach {
        $script:work = Join-Path ([IO.Path]::GetTempPath()) "om-paths-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $work
        $script:db = [pscustomobject]@{ Provider = 'Sqlite'; ConnectionString = "Data Source=$(Join-Path $work 'inventory.db')"; Schema = $null; Path = (Join-Path $work 'inventory.db') }
        Initialize-TestInventory $db -Rows 5
        $script:folder = New-TestMigrationFolder $db
        Copy-Item -Path (Join-Path $folder '*.json') -Destination (New-Item -ItemType Directory -Path (Join-Path $work 'm')).FullName
        $script:processDir = [Environment]::CurrentDirectory
        Push-Location $work
        $script:saved = $global:PSDefaultParameterValues.Clone()
    }
    AfterEach {
        $global:PSDefaultParameterValues = $saved
        Pop-Location
        Remove-TestWorkspace $db -Folder $folder
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It "-ConnectionString 'Data Source=inventory.db' and -Path ./m are read from the current location" {
        [Environment]::CurrentDirectory | Should -Not -Be $work -Because 'the test is only meaningful when the process directory differs'
        $state = @(Invoke-Expand -Provider Sqlite -ConnectionString 'Data Source=inventory.db' -Path ./m -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        "$($state[0].Phase)" | Should -Be 'Expanded'
        (Get-TestColumn $db 'Instances').Name | Should -Contain 'ComputeHost'
        Test-Path -LiteralPath (Join-Path $processDir 'inventory.db') | Should -BeFalse
    }

    It "a new database with Mode=ReadWriteCreate is created in the current location" {
        $null = Install-MigrationStore -Provider Sqlite -ConnectionString 'Data Source=fresh.db;Mode=ReadWriteCreate' -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'fresh.db') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $processDir 'fresh.db') | Should -BeFalse
        Remove-Item -Path (Join-Path $work 'fresh.db*') -Force
    }

    It '-Provider Sqlite -Database inventory.db is read from the current location' {
        @(Get-MigrationState -Provider Sqlite -Database inventory.db -Path ./m).Count | Should -Be 3
    }

    It 'tab completion of -Id reads a relative -Path from the current location' {
        Get-Completion "Invoke-Expand -Path ./m -Id 0002" | Should -Be @('0002_split_location')
    }

    It 'tab completion of -Id takes the connection from $PSDefaultParameterValues' {
        $null = Invoke-Expand -Provider Sqlite -ConnectionString 'Data Source=inventory.db' -Path ./m -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $global:PSDefaultParameterValues['*-Migration*:ConnectionString'] = 'Data Source=inventory.db'
        $global:PSDefaultParameterValues['*-Migration*:Provider'] = 'Sqlite'
        $global:PSDefaultParameterValues['*-Contract*:ConnectionString'] = 'Data Source=inventory.db'
        $global:PSDefaultParameterValues['*-Contract*:Provider'] = 'Sqlite'
        Get-Completion 'Get-MigrationState -Id ' | Should -Be @($First)
        Get-Completion 'Request-Contract -Id ' | Should -Be @($First)
    }
}
