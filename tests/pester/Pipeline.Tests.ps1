<#
    Pipelines compose (issue 13, item 2): a definition from Get-Migration carries its file, so
    "Get-Migration -Path ./m | Invoke-Expand" is enough; "Get-MigrationState | Invoke-Migrate"
    (and Request-Contract, Undo-Expand) act on the migrations they apply to and pass over the others
    with a verbose line, with no error; "Get-MigrationState | Test-ContractReady | Where-Object Ready |
    Invoke-Contract" contracts the ready ones. Outcomes are read from the database.
#>
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:First = '0001_instances_compute_host'
    $script:Second = '0002_split_location'
    $script:Third = '0003_drop_legacy_quotas'

    function script:Get-StorePhase($db) {
        $store = if ($db.Provider -eq 'Sqlite') { 'OnlineMigrations_Migration' } else { "[$(Get-TestStoreSchema $db)].[Migration]" }
        $phases = @{}
        foreach ($row in @(Invoke-Sql $db "SELECT Id, Phase, ContractRequestedAt FROM $store")) { $phases[$row.Id] = "$($row.Phase)$(if ($row.ContractRequestedAt -isnot [DBNull] -and $row.ContractRequestedAt) { '+requested' })" }
        $phases
    }
    # 0001 completed (contracted), 0002 expanded, 0003 pending: a database in the middle of a release.
    function script:Initialize-MixedPhases($db, $om, $folder) {
        $null = Invoke-Expand @om -Path $folder -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Invoke-Migrate @om -Id $First -Confirm:$false -ErrorAction Stop
        $null = Request-Contract @om -Id $First -Confirm:$false -ErrorAction Stop
        $null = Register-MigrationClient @om -None -Reason 'test database: no application' -Confirm:$false
        $null = Invoke-Contract @om -Id $First -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $null = Invoke-Expand @om -Path $folder -Id $Second -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
    }
}

Describe 'Pipelines on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if ($Skip) { return }
        $script:db = New-TestDatabase -Provider $Provider
        $script:om = Get-TestConnectionParameters $db
        Initialize-TestInventory $db -Rows 40
        $script:folder = New-TestInventoryFolder $db -Replace @{ '"deprecationWindow":\s*"[^"]*"' = '"deprecationWindow": "0"' }
        $script:T = Get-TestTableName $db 'Instances'
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'Get-Migration -Path | Invoke-Expand expands every piped definition, in order' -Skip:$Skip {
        $out = @(Get-Migration -Path $folder | Invoke-Expand @om -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $out.Id | Should -Be @($First, $Second, $Third)
        $phases = Get-StorePhase $db
        $phases[$First] | Should -Be 'Expanded'
        $phases[$Second] | Should -Be 'Expanded'
        $phases[$Third] | Should -Be 'Expanded'
        (Get-TestColumn $db 'Instances').Name | Should -Contain 'Region'
    }

    It 'Get-Migration | Invoke-Expand of a part of the folder expands only the piped ones' -Skip:$Skip {
        $out = @(Get-Migration -Path $folder -Id $First | Invoke-Expand @om -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $out.Id | Should -Be $First
        $phases = Get-StorePhase $db
        $phases.Keys | Should -Be @($First)
    }

    It 'Get-MigrationState | Invoke-Migrate migrates the expanded one and passes over the completed and the pending one' -Skip:$Skip {
        Initialize-MixedPhases $db $om $folder
        $verbose = $null
        $out = @(Get-MigrationState @om -Path $folder | Invoke-Migrate @om -Confirm:$false -ErrorAction Stop -Verbose 4>&1 | Tee-Object -Variable all |
                Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
        $out.Id | Should -Be $Second
        $out[0].Complete | Should -BeTrue
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM $T WHERE Region IS NULL").n | Should -Be 0
        $verbose | Should -BeLike "*$First is Completed: Invoke-Migrate does not apply to it and passes over it*"
        $verbose | Should -BeLike "*$Third is Pending (not expanded yet): Invoke-Migrate passes over it*"
    }

    It 'Get-MigrationState | Request-Contract requests only the expanded one, with no error' -Skip:$Skip {
        Initialize-MixedPhases $db $om $folder
        $out = @(Get-MigrationState @om -Path $folder | Request-Contract @om -Confirm:$false -ErrorAction Stop)
        $out.Id | Should -Be $Second
        (Get-StorePhase $db)[$Second] | Should -Be 'Expanded+requested'
        (Get-StorePhase $db)[$Third] | Should -BeNullOrEmpty
    }

    It 'Get-MigrationState | Undo-Expand undoes the open ones, latest first, and passes over the completed one' -Skip:$Skip {
        Initialize-MixedPhases $db $om $folder
        $null = Invoke-Expand @om -Path $folder -Id $Third -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $out = @(Get-MigrationState @om | Undo-Expand @om -Confirm:$false -ErrorAction Stop)
        $out.Id | Should -Be @($Third, $Second)
        $phases = Get-StorePhase $db
        $phases[$First] | Should -BeLike 'Completed*'
        $phases[$Second] | Should -Be 'RolledBack'
        $phases[$Third] | Should -Be 'RolledBack'
        (Get-TestColumn $db 'Instances').Name | Should -Not -Contain 'Region'
        (Get-TestColumn $db 'Instances').Name | Should -Contain 'ComputeHost'
    }

    It 'an id named on the command line in a phase the command does not apply to is still an error' -Skip:$Skip {
        Initialize-MixedPhases $db $om $folder
        $null = Invoke-Migrate @om -Id $First -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable ev
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'WrongPhase,*'
    }

    It 'Get-MigrationState | Test-ContractReady | Where-Object Ready | Invoke-Contract contracts the ready one' -Skip:$Skip {
        Initialize-MixedPhases $db $om $folder
        $null = Invoke-Migrate @om -Id $Second -Confirm:$false -ErrorAction Stop
        $null = Request-Contract @om -Id $Second -Confirm:$false -ErrorAction Stop
        $out = @(Get-MigrationState @om | Test-ContractReady @om | Where-Object Ready | Invoke-Contract @om -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $out.Id | Should -Be $Second
        (Get-StorePhase $db)[$Second] | Should -BeLike 'Completed*'
        (Get-TestColumn $db 'Instances').Name | Should -Not -Contain 'Location'
    }
}
