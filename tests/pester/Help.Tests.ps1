# Every exported cmdlet has full help (generated at build from module/help/*.psd1 by
# tools/New-ModuleHelp.ps1), and about_OnlineMigrations is found by Get-Help.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # -PassThru also returns the ScriptsToProcess loader as a module: keep OnlineMigrations itself.
    $module = Import-Module (Get-TestModulePath) -Force -PassThru | Where-Object Name -eq 'OnlineMigrations'
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $Cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            @{
                Name       = $_.Name
                Parameters = @($_.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object | ForEach-Object { @{ Parameter = $_ } })
            }
        })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:Module = Import-Module (Get-TestModulePath) -Force -PassThru | Where-Object Name -eq 'OnlineMigrations'
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters
}

Describe 'The help files of the staged module' {
    It 'has en-US/OnlineMigrations.dll-Help.xml, the file PowerShell looks for (RootModule + -Help.xml)' {
        $file = Join-Path $Module.ModuleBase 'en-US/OnlineMigrations.dll-Help.xml'
        $file | Should -Exist
        @(Get-Command -Module $Module.Name -CommandType Cmdlet | ForEach-Object HelpFile | ForEach-Object { Split-Path -Leaf $_ } | Select-Object -Unique) |
            Should -Be 'OnlineMigrations.dll-Help.xml'
        { [xml](Get-Content -LiteralPath $file -Raw) } | Should -Not -Throw
    }

    It 'has en-US/about_OnlineMigrations.help.txt' {
        Join-Path $Module.ModuleBase 'en-US/about_OnlineMigrations.help.txt' | Should -Exist
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $Cmdlets {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
        $helpParameters = @($help.parameters.parameter)
    }

    It 'comes from the MAML file, not from the generated syntax' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the synopsis from the syntax line.
        $help.Synopsis.Trim() | Should -Not -Match "^$([regex]::Escape($Name))\b"
        $help.Synopsis.Trim() | Should -Match '\.$'
    }

    It 'has a description' {
        $text = (@($help.description) | ForEach-Object Text) -join "`n"
        $text.Trim().Length | Should -BeGreaterThan 100
    }

    It 'has text for -<Parameter>' -ForEach $Parameters {
        $p = @($helpParameters | Where-Object name -eq $Parameter)
        $p | Should -HaveCount 1 -Because "-$Parameter must be documented once"
        $text = (@($p[0].description) | ForEach-Object Text) -join "`n"
        $text.Trim().Length | Should -BeGreaterThan 20 -Because "-$Parameter needs a real description"
    }

    It 'documents no parameter the cmdlet does not have' {
        foreach ($p in $helpParameters) { $command.Parameters.Keys | Should -Contain $p.name }
    }

    It 'states each parameter''s type, mandatory and pipeline input as the cmdlet declares them' {
        foreach ($p in $helpParameters) {
            $meta = $command.Parameters[$p.name]
            $sets = @($meta.ParameterSets.Values)
            $p.required | Should -Be ([string](@($sets | Where-Object IsMandatory).Count -gt 0)).ToLowerInvariant() -Because "-$($p.name) Required?"
            $byName = @($sets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
            $byValue = @($sets | Where-Object ValueFromPipeline).Count -gt 0
            ($p.pipelineInput -match 'ByPropertyName') | Should -Be $byName -Because "-$($p.name) by property name"
            ($p.pipelineInput -match 'ByValue') | Should -Be $byValue -Because "-$($p.name) by value"
            if (-not $meta.SwitchParameter) {
                $type = [Nullable]::GetUnderlyingType($meta.ParameterType)
                if (-not $type) { $type = $meta.ParameterType }
                $p.type.name | Should -Be $type.FullName -Because "-$($p.name) type"
            }
        }
    }

    It 'has at least two examples, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.code | Should -Not -BeNullOrEmpty
            ((@($e.remarks) | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes its inputs, outputs and notes' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterOrEqual 1
        @($help.returnValues.returnValue).Count | Should -BeGreaterOrEqual 1
        ((@($help.alertSet.alert) | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'renders with every section' {
        $text = $help | Out-String -Width 200
        foreach ($heading in 'NAME', 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'Example 1', 'Example 2') {
            $text | Should -Match ([regex]::Escape($heading))
        }
    }
}

Describe 'about_OnlineMigrations' {
    BeforeAll { $about = (Get-Help -Name about_OnlineMigrations | Out-String) }

    It 'is found by Get-Help' {
        $about | Should -Match 'about_OnlineMigrations'
        $about | Should -Match 'SHORT DESCRIPTION'
    }

    It 'explains the phases and names every gate' {
        foreach ($word in 'expand', 'migrate', 'contract', 'Contracting', 'RolledBack', 'ExpandComplete', 'DataMigrated', 'ObjectVersion',
            'DeprecationWindow', 'ContractRequested', 'FleetAcknowledged', 'NoDependents', 'EarlierMigrationsContracted') {
            $about | Should -Match ([regex]::Escape($word))
        }
    }

    It 'has the ExitCode tables of Test-ContractReady and Invoke-Migrate' {
        $about | Should -Match '(?m)^\s*0\s+ready'
        $about | Should -Match '(?m)^\s*2\s+expand pending'
        $about | Should -Match '(?m)^\s*3\s+data migration pending'
        $about | Should -Match '(?m)^\s*4\s+waiting on a gate'
        $about | Should -Match '(?m)^\s*0\s+nothing left to migrate'
        $about | Should -Match '(?m)^\s*1\s+progress made'
        $about | Should -Match '(?m)^\s*2\s+failed with no progress'
    }

    It 'documents the client protocol for SQL Server and SQLite' {
        $about | Should -Match ([regex]::Escape('[OnlineMigrations].[Heartbeat]'))
        foreach ($p in '@Application', '@InstanceId', '@HostName', '@ObjectVersion', '@Acknowledge', '@TimeToLiveSeconds') { $about | Should -Match ([regex]::Escape($p)) }
        $about | Should -Match ([regex]::Escape('SELECT MigrationId, RequestedAt, RequestedBy'))
        $about | Should -Match ([regex]::Escape('[OnlineMigrations].[ContractRequests]'))
        $about | Should -Match 'ON CONFLICT \(InstanceId\)'
        $about | Should -Match 'OnlineMigrations_Client'
        $about | Should -Match ([regex]::Escape('[OnlineMigrations].[ObjectVersions]'))
        $about | Should -Match 'OnlineMigrations_ObjectVersions'
    }
}

Describe 'tools/New-ModuleHelp.ps1' {
    BeforeAll {
        $script:Generator = Join-Path $PSScriptRoot '../../tools/New-ModuleHelp.ps1'
        $script:HelpSource = Join-Path $PSScriptRoot '../../module/help'
        $script:Pwsh = @(Get-TestPwsh)
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "om-help-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $Work
    }
    AfterAll { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'refuses help data with an undocumented parameter or too few examples, naming them' -Skip:(-not (Test-Path -LiteralPath (Join-Path $PSScriptRoot '../../tools/New-ModuleHelp.ps1'))) {
        $source = Join-Path $Work 'help'
        Copy-Item -LiteralPath $HelpSource -Destination $source -Recurse
        # Test-ContractReady without -Quiet's text and with one example.
        Set-Content -LiteralPath (Join-Path $source 'Test-ContractReady.psd1') -Value @'
@{
    Synopsis    = 'Evaluates every contract gate.'
    Description = 'Evaluates every contract gate.'
    Parameters  = @{ Id = 'The migrations to evaluate.'; Bogus = 'No such parameter.' }
    Inputs      = @(@{ Type = 'System.String[]'; Description = 'Ids.' })
    Outputs     = @(@{ Type = 'OnlineMigrations.Engine.Model.ContractReadiness'; Description = 'Results.' })
    Notes       = 'None.'
    Examples    = @(@{ Title = 'One'; Code = 'Test-ContractReady'; Remarks = 'Only one.' })
}
'@
        $out = & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $Generator `
            -ModuleManifest (Get-TestModulePath) -HelpSource $source -OutputPath (Join-Path $Work 'out') 2>&1 | Out-String -Width 1000
        # The error view may wrap the message and prefix its lines with '|'.
        $out = $out -replace '\s*\|\s*', ' ' -replace '\s+', ' '
        $LASTEXITCODE | Should -Not -Be 0
        $out | Should -Match 'parameter -Quiet has no text'
        $out | Should -Match 'describes parameter -Bogus'
        $out | Should -Match 'Boolean is not described under Outputs'
        $out | Should -Match '1 example'
        Join-Path $Work 'out/OnlineMigrations.dll-Help.xml' | Should -Not -Exist
    }
}
