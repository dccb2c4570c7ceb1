<#
.SYNOPSIS
    Generates the module's MAML help (OnlineMigrations.dll-Help.xml) from module/help/*.psd1.

.DESCRIPTION
    The help text is written once, in module/help/<Cmdlet-Name>.psd1 (Synopsis, Description,
    Parameters, Inputs, Outputs, Notes, Examples, Links) plus module/help/_Common.psd1 for the
    parameters several cmdlets share. Everything about a parameter that the code decides — its
    name, type, whether it is mandatory, its position, pipeline input, aliases, wildcard support,
    enum values, default value and parameter sets — is read from the imported module itself
    (Get-Command metadata and reflection over each cmdlet's implementing type), so the help can
    never drift from the cmdlets.

    The script fails (exit code 1, every problem listed) when an exported cmdlet has no help file,
    a help file names a cmdlet or parameter that does not exist, a parameter has no text, a
    required section is empty, there are fewer than two examples, or an [OutputType] of the
    cmdlet is not described under Outputs.

    build.ps1 Build runs it in a fresh pwsh against the staged module:
      pwsh -File tools/New-ModuleHelp.ps1 -ModuleManifest out/OnlineMigrations/OnlineMigrations.psd1 -OutputPath out/OnlineMigrations/en-US

.PARAMETER ModuleManifest
    The manifest of the built module to read the cmdlets from (the staged one).

.PARAMETER HelpSource
    The folder of the help data files. Default: module/help beside this script's folder.

.PARAMETER OutputPath
    The folder the MAML file is written to (the staged module's en-US folder).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModuleManifest,
    [string]$HelpSource = (Join-Path $PSScriptRoot '../module/help'),
    [Parameter(Mandatory)][string]$OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$RequiredSections = 'Synopsis', 'Description', 'Inputs', 'Outputs', 'Notes', 'Examples'
$KnownSections = $RequiredSections + 'Parameters', 'Links'
$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
# WhatIf and Confirm are documented like the cmdlet's own parameters (text in _Common.psd1).
$RiskParameters = [System.Management.Automation.Cmdlet]::OptionalCommonParameters

$problems = [System.Collections.Generic.List[string]]::new()

function Get-Paragraphs([string]$Text) {
    # Paragraphs are separated by a blank line; lines inside one keep their breaks (tables, lists).
    # Get-Help trims the start of a paragraph, so an indented block (a table) is dedented as a whole.
    foreach ($para in (($Text -replace "`r`n", "`n").Trim("`n") -split "`n[ `t]*`n")) {
        $lines = @($para.TrimEnd() -split "`n")
        $indent = ($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
        if ($null -eq $indent) { continue }
        ($lines | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent) } else { $_.TrimStart() } }) -join "`n"
    }
}

function Get-TypeName([type]$Type, [switch]$Full) {
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType() -Full:$Full) + '[]' }
    if ($Full) { $Type.FullName } else { $Type.Name }
}

function Format-DefaultValue($Value) {
    if ($null -eq $Value) { return 'None' }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return [string]$Value.IsPresent }
    if ($Value -is [TimeSpan]) { return ($Value.ToString('c') -replace '(\.\d*?)0+$', '$1') }
    if ($Value -is [Array]) { if ($Value.Count -eq 0) { return 'None' } return ($Value -join ', ') }
    if ($Value -is [string] -and $Value -eq '') { return 'None' }
    [Convert]::ToString($Value, [Globalization.CultureInfo]::InvariantCulture)
}

function Read-HelpData([string]$Path) {
    try { Import-PowerShellDataFile -LiteralPath $Path }
    catch { $problems.Add("${Path}: not a valid data file: $($_.Exception.Message)"); $null }
}

function Get-ParameterText($Entry) {
    # A parameter's entry is its text, or @{ Description = '...'; DefaultValue = '...' }.
    if ($Entry -is [hashtable]) { return [pscustomobject]@{ Description = [string]$Entry['Description']; DefaultValue = $Entry['DefaultValue'] } }
    [pscustomobject]@{ Description = [string]$Entry; DefaultValue = $null }
}

$manifestPath = (Resolve-Path -LiteralPath $ModuleManifest).Path
# -PassThru also returns the ScriptsToProcess loader as a module of its own: keep the manifest's.
$module = Import-Module -Name $manifestPath -Force -PassThru | Where-Object Name -eq ([IO.Path]::GetFileNameWithoutExtension($manifestPath))
$cmdlets = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if ($cmdlets.Count -eq 0) { throw "The module $ModuleManifest exports no cmdlet." }

$commonFile = Join-Path $HelpSource '_Common.psd1'
$common = @{}
if (Test-Path -LiteralPath $commonFile) {
    $data = Read-HelpData $commonFile
    if ($data -and $data.ContainsKey('Parameters')) { $common = $data.Parameters }
}
$commonUsed = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)

foreach ($file in Get-ChildItem -LiteralPath $HelpSource -Filter '*.psd1' | Where-Object Name -ne '_Common.psd1') {
    if ($cmdlets.Name -notcontains $file.BaseName) { $problems.Add("$($file.Name): the module exports no cmdlet '$($file.BaseName)'.") }
}

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$buffer = [System.IO.MemoryStream]::new()
$xml = [System.Xml.XmlWriter]::Create($buffer, $settings)

function Write-Paragraphs([string]$Text) {
    $xml.WriteStartElement('maml', 'description', $MamlNs)
    foreach ($p in Get-Paragraphs $Text) { $xml.WriteElementString('para', $MamlNs, $p) }
    $xml.WriteEndElement()
}

function Write-Parameter($Info) {
    $xml.WriteStartElement('command', 'parameter', $CommandNs)
    $xml.WriteAttributeString('required', $Info.Required.ToString().ToLowerInvariant())
    $xml.WriteAttributeString('variableLength', $Info.Type.IsArray.ToString().ToLowerInvariant())
    $xml.WriteAttributeString('globbing', $Info.Globbing.ToString().ToLowerInvariant())
    $xml.WriteAttributeString('pipelineInput', $Info.PipelineInput)
    $xml.WriteAttributeString('position', $Info.Position)
    $xml.WriteAttributeString('aliases', $Info.Aliases)
    $xml.WriteElementString('name', $MamlNs, $Info.Name)
    Write-Paragraphs $Info.Description
    if (-not $Info.IsSwitch) {
        $xml.WriteStartElement('command', 'parameterValue', $CommandNs)
        $xml.WriteAttributeString('required', 'true')
        $xml.WriteAttributeString('variableLength', $Info.Type.IsArray.ToString().ToLowerInvariant())
        $xml.WriteString($Info.TypeName)
        $xml.WriteEndElement()
        if ($Info.EnumValues) {
            $xml.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
            foreach ($v in $Info.EnumValues) {
                $xml.WriteStartElement('command', 'parameterValue', $CommandNs)
                $xml.WriteAttributeString('required', 'false')
                $xml.WriteAttributeString('variableLength', 'false')
                $xml.WriteString($v)
                $xml.WriteEndElement()
            }
            $xml.WriteEndElement()
        }
    }
    $xml.WriteStartElement('dev', 'type', $DevNs)
    $xml.WriteElementString('name', $MamlNs, $Info.FullTypeName)
    $xml.WriteElementString('uri', $MamlNs, '')
    $xml.WriteEndElement()
    $xml.WriteElementString('defaultValue', $DevNs, $Info.DefaultValue)
    $xml.WriteEndElement()
}

$xml.WriteStartDocument()
$xml.WriteComment(' Generated by tools/New-ModuleHelp.ps1 from module/help/*.psd1 and the cmdlets'' metadata. Do not edit: edit module/help. ')
$xml.WriteStartElement('helpItems', 'http://msh')
$xml.WriteAttributeString('schema', 'maml')

foreach ($cmd in $cmdlets) {
    $helpFile = Join-Path $HelpSource "$($cmd.Name).psd1"
    if (-not (Test-Path -LiteralPath $helpFile)) { $problems.Add("$($cmd.Name): no help file $helpFile."); continue }
    $help = Read-HelpData $helpFile
    if (-not $help) { continue }
    $where = "$($cmd.Name) ($([IO.Path]::GetFileName($helpFile)))"
    foreach ($key in $help.Keys) { if ($KnownSections -notcontains $key) { $problems.Add("${where}: unknown section '$key' (known: $($KnownSections -join ', '))." ) } }
    foreach ($section in $RequiredSections) {
        if (-not $help.ContainsKey($section) -or -not $help[$section]) { $problems.Add("${where}: section '$section' is missing or empty.") }
    }
    $examples = @(if ($help.ContainsKey('Examples')) { $help.Examples })
    if ($examples.Count -lt 2) { $problems.Add("${where}: $($examples.Count) example(s); write at least two.") }
    foreach ($e in $examples) {
        if (-not ($e -is [hashtable] -and $e['Title'] -and $e['Code'] -and $e['Remarks'])) { $problems.Add("${where}: every example needs Title, Code and Remarks.") }
    }
    $own = if ($help.ContainsKey('Parameters') -and $help.Parameters) { $help.Parameters } else { @{} }

    # Parameters, in declaration order: the cmdlet's own first, then those of its base classes.
    $type = $cmd.ImplementingType
    $instance = [Activator]::CreateInstance($type)
    # Order: the cmdlet's own parameters, then the shared ones from the root-most base class down
    # (connection before timeouts).
    $levels = [System.Collections.Generic.List[object]]::new()
    for ($t = $type; $t -and $t -ne [System.Management.Automation.PSCmdlet]; $t = $t.BaseType) {
        $levels.Add(@($t.GetProperties([Reflection.BindingFlags]'Public, Instance, DeclaredOnly') |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true).Count -gt 0 } | ForEach-Object Name))
    }
    $declared = @($levels[0]) + @(for ($i = $levels.Count - 1; $i -ge 1; $i--) { $levels[$i] })
    $names = @($declared) + @($RiskParameters | Where-Object { $cmd.Parameters.ContainsKey($_) })
    foreach ($name in $cmd.Parameters.Keys) {
        if ($CommonParameters -notcontains $name -and $names -notcontains $name) { $names += $name }
    }
    foreach ($key in $own.Keys) { if (-not $cmd.Parameters.ContainsKey($key)) { $problems.Add("${where}: describes parameter -$key, which the cmdlet does not have.") } }

    $infos = [ordered]@{}
    foreach ($name in $names) {
        $meta = $cmd.Parameters[$name]
        $entry = if ($own.ContainsKey($name)) { $own[$name] } elseif ($common.ContainsKey($name)) { $null = $commonUsed.Add($name); $common[$name] } else { $null }
        $text = Get-ParameterText $entry
        if (-not $text.Description -or -not $text.Description.Trim()) { $problems.Add("${where}: parameter -$name has no text."); continue }
        $property = $type.GetProperty($name)
        $default = if ($null -ne $text.DefaultValue) { [string]$text.DefaultValue }
                   elseif ($property) { Format-DefaultValue $property.GetValue($instance) }
                   else { 'None' }
        $sets = @($meta.ParameterSets.Values)
        $byValue = @($sets | Where-Object ValueFromPipeline).Count -gt 0
        $byName = @($sets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
        $pipeline = if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
        $positions = @($sets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
        $baseType = $meta.ParameterType
        $enumType = if ([Nullable]::GetUnderlyingType($baseType)) { [Nullable]::GetUnderlyingType($baseType) } else { $baseType }
        if ($enumType.IsArray) { $enumType = $enumType.GetElementType() }
        $infos[$name] = [pscustomobject]@{
            Name          = $name
            Description   = $text.Description
            Type          = $baseType
            TypeName      = Get-TypeName $baseType
            FullTypeName  = Get-TypeName $baseType -Full
            IsSwitch      = $meta.SwitchParameter
            EnumValues    = if ($enumType.IsEnum) { [Enum]::GetNames($enumType) } else { $null }
            Required      = @($sets | Where-Object IsMandatory).Count -gt 0
            Globbing      = [bool]($property -and $property.GetCustomAttributes([System.Management.Automation.SupportsWildcardsAttribute], $true).Count -gt 0)
            PipelineInput = $pipeline
            Position      = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
            Aliases       = if ($meta.Aliases.Count -gt 0) { $meta.Aliases -join ', ' } else { 'none' }
            DefaultValue  = $default
        }
    }

    # Every [OutputType] must be described.
    $documented = @($help.Outputs | ForEach-Object { $_['Type'] })
    foreach ($ot in $cmd.OutputType) {
        $otName = if ($ot.Type) { $ot.Type.FullName } else { $ot.Name }
        if ($otName -eq 'System.Void') { $otName = 'None' }
        if ($documented -notcontains $otName) { $problems.Add("${where}: [OutputType] $otName is not described under Outputs.") }
    }

    $xml.WriteStartElement('command', 'command', $CommandNs)
    $xml.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $xml.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $xml.WriteAttributeString('xmlns', 'dev', $null, $DevNs)

    $xml.WriteStartElement('command', 'details', $CommandNs)
    $xml.WriteElementString('name', $CommandNs, $cmd.Name)
    $xml.WriteElementString('verb', $CommandNs, $cmd.Verb)
    $xml.WriteElementString('noun', $CommandNs, $cmd.Noun)
    Write-Paragraphs ([string]$help['Synopsis'])
    $xml.WriteEndElement()

    Write-Paragraphs ([string]$help['Description'])

    $xml.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($set in $cmd.ParameterSets) {
        $xml.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $xml.WriteElementString('name', $MamlNs, $cmd.Name)
        $inSet = @($set.Parameters | Where-Object { $infos.Contains($_.Name) })
        # Positional first (by position), then mandatory, then the rest in declaration order.
        $ordered = @($inSet | Where-Object { $_.Position -ge 0 } | Sort-Object Position) +
            @($inSet | Where-Object { $_.Position -lt 0 -and $_.IsMandatory }) +
            @($inSet | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory } | Sort-Object { [array]::IndexOf($names, $_.Name) })
        foreach ($p in $ordered) {
            $info = $infos[$p.Name].PSObject.Copy()
            $info.Required = $p.IsMandatory
            $info.Position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            Write-Parameter $info
        }
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'parameters', $CommandNs)
    foreach ($info in $infos.Values) { Write-Parameter $info }
    $xml.WriteEndElement()

    foreach ($kind in @(@{ Section = 'Inputs'; List = 'inputTypes'; Item = 'inputType' }, @{ Section = 'Outputs'; List = 'returnValues'; Item = 'returnValue' })) {
        $xml.WriteStartElement('command', $kind.List, $CommandNs)
        foreach ($item in @($help[$kind.Section])) {
            if ($null -eq $item) { continue }
            $xml.WriteStartElement('command', $kind.Item, $CommandNs)
            $xml.WriteStartElement('dev', 'type', $DevNs)
            $xml.WriteElementString('name', $MamlNs, [string]$item['Type'])
            $xml.WriteEndElement()
            Write-Paragraphs ([string]$item['Description'])
            $xml.WriteEndElement()
        }
        $xml.WriteEndElement()
    }

    $xml.WriteStartElement('maml', 'alertSet', $MamlNs)
    $xml.WriteStartElement('maml', 'alert', $MamlNs)
    foreach ($p in Get-Paragraphs ([string]$help['Notes'])) { $xml.WriteElementString('para', $MamlNs, $p) }
    $xml.WriteEndElement()
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'examples', $CommandNs)
    $n = 0
    foreach ($e in $examples) {
        $n++
        $xml.WriteStartElement('command', 'example', $CommandNs)
        $xml.WriteElementString('title', $MamlNs, "-------------------------- Example ${n}: $($e['Title']) --------------------------")
        $xml.WriteElementString('code', $DevNs, ([string]$e['Code'] -replace "`r`n", "`n").Trim())
        $xml.WriteStartElement('dev', 'remarks', $DevNs)
        foreach ($p in Get-Paragraphs ([string]$e['Remarks'])) { $xml.WriteElementString('para', $MamlNs, $p) }
        $xml.WriteEndElement()
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in @(if ($help.ContainsKey('Links')) { $help.Links })) {
        $xml.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $xml.WriteElementString('linkText', $MamlNs, [string]$link)
        $xml.WriteElementString('uri', $MamlNs, '')
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteEndElement()  # command:command
}

$xml.WriteEndElement()
$xml.WriteEndDocument()
$xml.Dispose()

foreach ($name in $common.Keys) {
    if (-not $commonUsed.Contains($name)) { $problems.Add("_Common.psd1: parameter -$name is used by no cmdlet (or every cmdlet overrides it).") }
}

if ($problems.Count -gt 0) {
    throw "New-ModuleHelp: $($problems.Count) problem(s) in $HelpSource`n  " + ($problems -join "`n  ")
}

$null = New-Item -ItemType Directory -Force -Path $OutputPath
# The name PowerShell looks for: the cmdlets assembly's file name + '-Help.xml' (OnlineMigrations.dll-Help.xml).
$helpName = @($cmdlets | ForEach-Object HelpFile | Where-Object { $_ } | ForEach-Object { [IO.Path]::GetFileName($_) } | Select-Object -Unique)
if ($helpName.Count -ne 1) { throw "New-ModuleHelp: the cmdlets name $($helpName.Count) help files ($($helpName -join ', ')); expected one." }
$target = Join-Path $OutputPath $helpName[0]
[IO.File]::WriteAllBytes($target, $buffer.ToArray())
Write-Verbose "Wrote help for $($cmdlets.Count) cmdlets to $target"
Get-Item -LiteralPath $target
