# Applications are granted EXECUTE on the store's Heartbeat procedure and SELECT on its
# ContractRequests view. A store upgrade must keep those grants: it alters the procedure in place
# and never drops and creates it again. Checked the way it matters: the application's own login still
# calls the procedure and reads the view after the upgrade. SQL Server only (SQLite has no grants).
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
}

Describe 'State store grants on <Provider>' -ForEach @(Get-TestProvider | Where-Object Provider -eq 'SqlServer') {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            $script:om = Get-TestConnectionParameters $db
            $script:store = Get-TestStoreSchema $db
            $script:login = 'om_app_' + [guid]::NewGuid().ToString('N').Substring(0, 10)
            $script:password = 'App-' + [guid]::NewGuid().ToString('N').Substring(0, 12) + '!a1'
            Invoke-Sql $db "CREATE LOGIN [$login] WITH PASSWORD = N'$password';"
            Invoke-Sql $db "CREATE USER [$login] FOR LOGIN [$login];"
            # The builder is an IDictionary: PowerShell's $builder.ConnectionString would read and write a
            # key of that name, so the property is reached through its accessor methods.
            $builder = [System.Data.Common.DbConnectionStringBuilder]::new()
            $builder.set_ConnectionString($db.ConnectionString)
            foreach ($key in 'User ID', 'UID', 'User', 'Password', 'PWD', 'Integrated Security', 'Trusted_Connection') { [void]$builder.Remove($key) }
            $builder['User ID'] = $login
            $builder['Password'] = $password
            # Unpooled, so that no session of the login is left open when AfterEach drops it.
            $builder['Pooling'] = 'False'
            $script:appConnection = $builder.get_ConnectionString()
        }
    }
    AfterEach {
        if (-not $Skip) {
            Remove-TestWorkspace $db
            Invoke-Sql $db "IF DATABASE_PRINCIPAL_ID(N'$login') IS NOT NULL DROP USER [$login];"
            Invoke-Sql $db "IF SUSER_ID(N'$login') IS NOT NULL DROP LOGIN [$login];"
        }
    }

    It 'keeps EXECUTE on Heartbeat and SELECT on ContractRequests through a store upgrade' -Skip:$Skip {
        $null = Install-MigrationStore @om -Confirm:$false -ErrorAction Stop
        Invoke-Sql $db "GRANT EXECUTE ON [$store].[Heartbeat] TO [$login]; GRANT SELECT ON [$store].[ContractRequests] TO [$login];"
        $heartbeat = "EXEC [$store].[Heartbeat] @Application = N'shop', @InstanceId = N'shop-1', @ObjectVersion = '1.0', @TimeToLiveSeconds = 60;"
        (Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql 'SELECT SUSER_NAME() AS n').n | Should -Be $login -Because 'the checks below must run as the application'
        try { Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql $heartbeat | Out-Null }
        catch {
            # SQL Server chains ownership from the procedure to the store's tables, so EXECUTE is enough.
            # The T-SQL engine chains it for views only: there the application also needs the table's rights.
            if ("$_" -notlike '*permission denied for table client*') { throw }
            Invoke-Sql $db "GRANT SELECT, INSERT, UPDATE ON [$store].[Client] TO [$login];"
            Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql $heartbeat | Out-Null
        }

        # An older store (version 0) is upgraded by running every upgrade step again.
        Invoke-Sql $db "UPDATE [$store].[StoreInfo] SET Value = N'0' WHERE Name = N'StoreVersion';"
        $null = Install-MigrationStore @om -Confirm:$false -ErrorAction Stop
        (Invoke-Sql $db "SELECT Value FROM [$store].[StoreInfo] WHERE Name = N'StoreVersion'").Value | Should -Not -Be '0'

        { Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql $heartbeat | Out-Null } | Should -Not -Throw
        { Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql "SELECT MigrationId FROM [$store].[ContractRequests];" | Out-Null } | Should -Not -Throw
        (Invoke-Sql $db "SELECT COUNT(*) AS n FROM [$store].[Client] WHERE InstanceId = N'shop-1'").n | Should -Be 1
        # Without a grant the same login is refused: the grants are what let it in.
        { Invoke-Sql -Provider SqlServer -ConnectionString $appConnection -Sql "SELECT COUNT(*) FROM [$store].[Migration];" } | Should -Throw
    }
}
