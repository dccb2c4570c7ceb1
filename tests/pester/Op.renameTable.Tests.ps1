# renameTable, read with src/OnlineMigrations.Engine/Operations/RenameTable.cs.
#   expand:   creates the new name as a synonym of the table: old code keeps the old name, new code
#             uses the new one, and both reach the same rows.
#   migrate:  nothing.
#   contract: in one short step, drops the synonym and renames the table to the new name.
#   rollback: Undo-Expand drops the synonym.
# It needs synonyms: SQLite has none and the T-SQL test engine has no CREATE SYNONYM, so there expand
# refuses with the reason and changes nothing (the last test); the others are skipped there, asked of
# the server by trying CREATE SYNONYM.
# Here: LegacyQuotas becomes Quotas.
BeforeDiscovery { Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force }
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Migration = '{ "operations": [ { "renameTable": { "from": "dbo.LegacyQuotas", "to": "dbo.Quotas" } } ] }'
    function script:Test-Synonym($db) {
        # Whether the server creates synonyms, tried in the test's own schema.
        if ($db.Provider -ne 'SqlServer') { return $false }
        try { Invoke-Sql $db "CREATE SYNONYM [$($db.Schema)].[om_synonym_probe] FOR [$($db.Schema)].[LegacyQuotas];" | Out-Null }
        catch { return $false }
        Invoke-Sql $db "DROP SYNONYM [$($db.Schema)].[om_synonym_probe];" | Out-Null
        $true
    }
    function script:Get-Synonym($db) {
        if ($db.Provider -ne 'SqlServer') { return @() }
        @(Invoke-Sql $db 'SELECT name FROM sys.synonyms WHERE schema_id = SCHEMA_ID(@s)' -Parameters @{ s = $db.Schema } | ForEach-Object name)
    }
    $script:NoSynonyms = 'this engine has no synonyms (SQLite; the T-SQL test engine has no CREATE SYNONYM), so renameTable is refused at expand there'
}

Describe 'renameTable on <Provider>' -ForEach (Get-TestProvider) {
    BeforeEach {
        if (-not $Skip) {
            $script:db = New-TestDatabase -Provider $Provider
            Initialize-TestBaseline $db
            $script:om = Get-TestConnectionParameters $db
            $script:Old = Get-TestTableName $db 'LegacyQuotas'
            $script:New = Get-TestTableName $db 'Quotas'
            Invoke-Sql $db "INSERT INTO $Old (ProjectId, Instances) VALUES (1, 10), (2, 20)" | Out-Null
            $script:synonyms = Test-Synonym $db
            $script:before = Get-TestCatalogAndDataSnapshot $db
            $script:folder = New-TestMigrationFolder $db -Files @{ '0001_rename.json' = $Migration }
        }
    }
    AfterEach { if (-not $Skip) { Remove-TestWorkspace $db -Folder $folder } }

    It 'after expand: old code writes LegacyQuotas, new code writes Quotas, and each sees the other''s writes' -Skip:$Skip {
        if (-not $synonyms) { Set-ItResult -Skipped -Because $NoSynonyms; return }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Get-Synonym $db | Should -Be @('Quotas')
        Invoke-Sql $db "INSERT INTO $Old (ProjectId, Instances) VALUES (3, 30)" | Out-Null      # old code
        Invoke-Sql $db "INSERT INTO $New (ProjectId, Instances) VALUES (4, 40)" | Out-Null      # new code
        Invoke-Sql $db "UPDATE $New SET Instances = 11 WHERE ProjectId = 1" | Out-Null         # new code
        foreach ($name in $Old, $New) {
            ((Invoke-Sql $db "SELECT ProjectId, Instances FROM $name ORDER BY ProjectId") | ForEach-Object { "$($_.ProjectId):$($_.Instances)" }) -join ' ' | Should -Be '1:11 2:20 3:30 4:40'
        }
    }

    It 'migrate + contract: the table is named Quotas with its columns and every row; no synonym, no LegacyQuotas' -Skip:$Skip {
        if (-not $synonyms) { Set-ItResult -Skipped -Because $NoSynonyms; return }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $New (ProjectId, Instances) VALUES (4, 40)" | Out-Null
        (@(Invoke-Migrate @om -Confirm:$false))[-1].ExitCode | Should -Be 0
        Complete-TestContract $db '0001_rename'

        Test-TestTableExists $db 'Quotas' | Should -BeTrue
        Test-TestTableExists $db 'LegacyQuotas' | Should -BeFalse
        Get-Synonym $db | Should -BeNullOrEmpty
        (Get-TestColumn $db 'Quotas' | ForEach-Object { "$($_.Name):$($_.Type)" }) -join ',' | Should -Be 'ProjectId:int,Instances:int'
        (Get-TestColumnDefinition $db 'Quotas' 'Instances').Nullable | Should -BeFalse
        ((Invoke-Sql $db "SELECT ProjectId, Instances FROM $New ORDER BY ProjectId") | ForEach-Object { "$($_.ProjectId):$($_.Instances)" }) -join ' ' | Should -Be '1:10 2:20 4:40'
    }

    It 'Undo-Expand restores the schema and data exactly' -Skip:$Skip {
        if (-not $synonyms) { Set-ItResult -Skipped -Because $NoSynonyms; return }
        Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        Invoke-Sql $db "INSERT INTO $New (ProjectId, Instances) VALUES (4, 40)" | Out-Null      # new code
        Invoke-Sql $db "DELETE FROM $Old WHERE ProjectId = 4" | Out-Null                       # old code sees and removes it
        "$((Undo-Expand @om -Id 0001_rename -Confirm:$false -ErrorAction Stop).Phase)" | Should -Be 'RolledBack'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
    }

    It 'where the engine has no synonyms, expand refuses with the reason and changes nothing' -Skip:$Skip {
        if ($synonyms) { Set-ItResult -Skipped -Because 'this server has synonyms: renameTable runs (the tests above)'; return }
        $err = try { Invoke-Expand @om -Path $folder -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop; $null } catch { $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$(if ($Provider -eq 'Sqlite') { 'NotSupportedOnSqlite' } else { 'NotSupportedByServer' }),*"
        "$err" | Should -Match 'renameTable'
        $err.ErrorDetails.RecommendedAction | Should -Match 'createTable'
        Get-TestCatalogAndDataSnapshot $db | Should -Be $before
        "$((Get-MigrationState @om -Path $folder | Where-Object Id -eq '0001_rename').Phase)" | Should -Be 'Pending'
    }
}
