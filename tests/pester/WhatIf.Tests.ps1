<#
    -WhatIf touches nothing (issue 13, item 5): on SQLite it creates no database file, no lock file and no
    WAL file, and it leaves an existing database's journal mode as it was.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'
    function script:Get-Siblings([string]$Path) {
        @(Get-ChildItem -Path "$Path*" -Force -ErrorAction SilentlyContinue | ForEach-Object Name | Sort-Object)
    }
}

Describe '-WhatIf on a SQLite file that does not exist' {
    BeforeEach {
        $script:db = New-TestDatabase -Provider Sqlite
        $script:om = Get-TestConnectionParameters $db   # Mode=ReadWriteCreate: a real run would create it
        $script:folder = New-TestMigrationFolder $db
    }
    AfterEach { Remove-TestWorkspace $db -Folder $folder }

    It '<Name> -WhatIf creates no file' -ForEach @(
        @{ Name = 'Invoke-Expand'; Call = { Invoke-Expand @om -Path $folder -WhatIf } }
        @{ Name = 'Invoke-Expand -Script'; Call = { Invoke-Expand @om -Path $folder -Script } }
        @{ Name = 'Invoke-Migrate'; Call = { Invoke-Migrate @om -WhatIf } }
        @{ Name = 'Install-MigrationStore'; Call = { Install-MigrationStore @om -WhatIf } }
        @{ Name = 'Invoke-Contract'; Call = { Invoke-Contract @om -WhatIf } }
        @{ Name = 'Register-MigrationClient'; Call = { Register-MigrationClient @om -None -Reason 'x' -WhatIf } }
        @{ Name = 'Send-MigrationHeartbeat'; Call = { Send-MigrationHeartbeat @om -Application a -InstanceId i -ObjectVersion 1.0 -WhatIf } }
    ) {
        # The preview of an empty database may refuse a migration (its table is missing): only the files matter here.
        try { $null = & $Call 2>$null 3>$null 6>$null } catch { $_.FullyQualifiedErrorId | Should -Not -BeLike 'UnexpectedError*' }
        Get-Siblings $db.Path | Should -BeNullOrEmpty -Because "$Name -WhatIf must not create $($db.Path) or a file beside it"
    }
}

Describe '-WhatIf on an existing SQLite database in rollback-journal mode' {
    BeforeEach {
        $script:db = New-TestDatabase -Provider Sqlite
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 5
        Invoke-Sql $db 'PRAGMA journal_mode = DELETE' | Out-Null
        $script:folder = New-TestMigrationFolder $db
        $script:before = Get-Siblings $db.Path
    }
    AfterEach { Remove-TestWorkspace $db -Folder $folder }

    It 'Invoke-Expand -WhatIf leaves no lock, WAL or store, and the journal mode as it was' {
        $catalog = Get-TestCatalogSnapshot $db
        $null = Invoke-Expand @om -Path $folder -WhatIf 6>$null 3>$null
        Get-Siblings $db.Path | Should -Be $before
        (Invoke-Sql $db 'PRAGMA journal_mode').journal_mode | Should -Be 'delete'
        Get-TestCatalogSnapshot $db | Should -Be $catalog
    }
}
