<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the OnlineMigrations module.

.DESCRIPTION
    Tasks:
      Build    publish the engine for linux-x64 and win-x64, build the cmdlets, stage out/OnlineMigrations
      Test     Build, then xunit (engine) and Pester (the staged module, in a fresh pwsh);
               ends with the line 'N passed, N failed, N skipped', which counts every test
               run (Inconclusive and NotRun are reported and counted as failed)
      Demo     Build, then samples/Demo.ps1 in a fresh pwsh
      Bench    Build, then bench/Bench.ps1 (SQLite) in a fresh pwsh, then, when ONLINEMIGRATIONS_TEST_SQLSERVER
               is set, bench/SqlServer.Bench.ps1 against that database; each writes its section of
               bench/results.md (-MemoryOnly: only the SQLite memory figure)
      Soak     Build, then tests/soak/Soak.ps1 in a fresh pwsh
      Package  Build, then out/package/OnlineMigrations.<version>.nupkg (PowerShell Gallery layout)
      Clean    remove out/ and every project's bin/ and obj/

    Run it with the PowerShell of the repository's tool manifest:
      dotnet tool restore && dotnet pwsh ./build.ps1 <Task>

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -PesterPath tests/pester/Isolation.Tests.ps1 -Suite Pester
#>
# This file must stay parseable by Windows PowerShell 5.1 (no ternary, ??, &&) so that the
# version check below can tell such a user what to run instead.
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string]$Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string]$Configuration = 'Release',

    # Test: which suites to run.
    [ValidateSet('All', 'Engine', 'Pester')]
    [string]$Suite = 'All',

    # Test: a 'dotnet test --filter' expression for the xunit suite, e.g. 'FullyQualifiedName~Planner'.
    [string]$Filter,

    # Test: Pester test files or folders to run instead of tests/pester.
    [string[]]$PesterPath,

    # Bench: skip the SQLite part and run only bench/SqlServer.Bench.ps1 (needs ONLINEMIGRATIONS_TEST_SQLSERVER).
    [switch]$SqlServerOnly,

    # Bench: run only the fleet figures (bench/Fleet.Bench.ps1: SQLite, and SQL Server when ONLINEMIGRATIONS_TEST_SQLSERVER is set).
    [switch]$FleetOnly,

    # Bench: run only the SQLite memory figure (bench/Bench.ps1 -Only Memory: the backfill's own memory growth at 1M and 4M rows).
    [switch]$MemoryOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Tasks = 'Build', 'Test', 'Demo', 'Bench', 'Soak', 'Package', 'Clean'

if ($PSVersionTable.PSVersion -lt [version]'7.4') {
    Write-Host "build.ps1 needs PowerShell 7.4 or later; this is $($PSEdition) $($PSVersionTable.PSVersion)."
    Write-Host "Run it with the PowerShell of the repository's tool manifest instead:"
    Write-Host "  dotnet tool restore && dotnet pwsh ./build.ps1 $Task"
    exit 1
}

if ($Tasks -notcontains $Task) {
    Write-Host "Unknown task '$Task'. Tasks: $($Tasks -join ', ')." -ForegroundColor Red
    Write-Host "Usage: dotnet pwsh ./build.ps1 <Task> [-Configuration Release|Debug]"
    exit 1
}

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$Staged = Join-Path $Out 'OnlineMigrations'
$StagedManifest = Join-Path $Staged 'OnlineMigrations.psd1'
$Runtimes = 'linux-x64', 'win-x64'
$EngineProject = Join-Path $Root 'src/OnlineMigrations.Engine/OnlineMigrations.Engine.csproj'
$CmdletsProject = Join-Path $Root 'src/OnlineMigrations/OnlineMigrations.csproj'
$EngineTestsProject = Join-Path $Root 'tests/OnlineMigrations.Engine.Tests/OnlineMigrations.Engine.Tests.csproj'
$ToolsProject = Join-Path $Root 'tests/tools/TestTools.csproj'
$PesterVersion = '5.7.1'
# Children run the same pwsh as this script (the tool manifest's 7.6.9 in CI). Run as a dotnet
# tool, the process is the dotnet host running $PSHOME/pwsh.dll, so that is what we start.
$Pwsh = [Environment]::ProcessPath
$PwshArguments = @()
if ([IO.Path]::GetFileNameWithoutExtension($Pwsh) -ne 'pwsh') { $PwshArguments = @(Join-Path $PSHOME 'pwsh.dll') }


class BuildFailure : System.Exception {
    BuildFailure([string]$message) : base($message) {}
}

function Invoke-Dotnet {
    # A simple function (no [Parameter]) so '-o', '-c' and friends pass through untouched.
    $Arguments = [string[]]$args
    Write-Host "> dotnet $($Arguments -join ' ')" -ForegroundColor DarkGray
    & dotnet @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw [BuildFailure]::new("'dotnet $($Arguments[0])' failed with exit code $LASTEXITCODE (see the messages above).")
    }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -LiteralPath (Join-Path $Root 'OnlineMigrations.psd1')).ModuleVersion
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -ne 0) { throw [BuildFailure]::new('dotnet nuget locals global-packages --list failed.') }
    $match = [regex]::Match(($line -join "`n"), 'global-packages:\s*(.+)')
    if (-not $match.Success) { throw [BuildFailure]::new("Cannot read the NuGet packages folder from: $line") }
    $match.Groups[1].Value.Trim()
}

function Copy-Folder([string]$From, [string]$To) {
    if (Test-Path -LiteralPath $From) {
        $null = New-Item -ItemType Directory -Force -Path $To
        Copy-Item -Path (Join-Path $From '*') -Destination $To -Recurse -Force
    }
}

function Invoke-ModuleBuild {
    $publishRoot = Join-Path $Out 'publish'
    foreach ($rid in $Runtimes) {
        Invoke-Dotnet publish $EngineProject -c $Configuration -r $rid --self-contained false `
            -o (Join-Path $publishRoot $rid) -nologo --verbosity minimal
    }
    Invoke-Dotnet build $CmdletsProject -c $Configuration -nologo --verbosity minimal

    $cmdletsDll = Get-ChildItem -Path (Join-Path $Root "src/OnlineMigrations/bin/$Configuration") -Filter 'OnlineMigrations.dll' -Recurse |
        Sort-Object LastWriteTimeUtc | Select-Object -Last 1
    if (-not $cmdletsDll) { throw [BuildFailure]::new("The build did not produce OnlineMigrations.dll under src/OnlineMigrations/bin/$Configuration.") }
    if (Test-Path -LiteralPath (Join-Path $cmdletsDll.DirectoryName 'OnlineMigrations.Engine.dll')) {
        throw [BuildFailure]::new('OnlineMigrations.Engine.dll was copied beside the cmdlets assembly; the engine reference must keep Private=false so the engine only loads from bin/<rid>/.')
    }

    # Restaged from scratch each time so nothing stale (a removed dependency) survives.
    if (Test-Path -LiteralPath $Staged) { Remove-Item -LiteralPath $Staged -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $Staged
    Copy-Item -LiteralPath (Join-Path $Root 'OnlineMigrations.psd1') -Destination $Staged
    Copy-Item -LiteralPath $cmdletsDll.FullName -Destination $Staged
    $pdb = [IO.Path]::ChangeExtension($cmdletsDll.FullName, '.pdb')
    if (Test-Path -LiteralPath $pdb) { Copy-Item -LiteralPath $pdb -Destination $Staged }
    $format = Join-Path $Root 'module/OnlineMigrations.Format.ps1xml'
    if (-not (Test-Path -LiteralPath $format)) { throw [BuildFailure]::new("Missing $format (listed in FormatsToProcess).") }
    Copy-Item -LiteralPath $format -Destination $Staged
    Copy-Item -LiteralPath (Join-Path $Root 'module/OnlineMigrations.Loader.ps1') -Destination $Staged
    Copy-Folder (Join-Path $Root 'module/en-US') (Join-Path $Staged 'en-US')
    Copy-Folder (Join-Path $Root 'module/schema') (Join-Path $Staged 'schema')
    foreach ($rid in $Runtimes) {
        Copy-Folder (Join-Path $publishRoot $rid) (Join-Path $Staged "bin/$rid")
    }
    # en-US/OnlineMigrations.dll-Help.xml, generated from module/help/*.psd1 and the staged cmdlets'
    # own metadata, in a fresh pwsh so this session never loads the module.
    Write-Host "> tools/New-ModuleHelp.ps1" -ForegroundColor DarkGray
    & $Pwsh @PwshArguments -NoProfile -NonInteractive -File (Join-Path $Root 'tools/New-ModuleHelp.ps1') `
        -ModuleManifest $StagedManifest -HelpSource (Join-Path $Root 'module/help') -OutputPath (Join-Path $Staged 'en-US') | Out-Null
    if ($LASTEXITCODE -ne 0) { throw [BuildFailure]::new("tools/New-ModuleHelp.ps1 failed with exit code $LASTEXITCODE (see the messages above).") }
    $Staged
}

function Get-TrxCounts([string]$TrxPath) {
    [xml]$trx = Get-Content -LiteralPath $TrxPath -Raw
    # A run with no test has no <Results> element at all.
    $results = @($trx.SelectNodes("//*[local-name()='UnitTestResult']"))
    # Every result is in exactly one count. xunit reports a [Fact(Skip = "reason")] as NotExecuted
    # (a skip always has its reason there); Inconclusive, and any outcome not listed here (Pending,
    # Warning, NotRunnable, ...), is reported and fails the run.
    $passed = @($results | Where-Object outcome -eq 'Passed').Count
    $failedResults = @($results | Where-Object { $_.outcome -in 'Failed', 'Error', 'Timeout', 'Aborted' })
    $failed = $failedResults.Count
    $skipped = @($results | Where-Object { $_.outcome -in 'NotExecuted', 'Skipped' }).Count
    $inconclusive = @($results | Where-Object outcome -eq 'Inconclusive').Count
    $failures = @($failedResults | ForEach-Object {
        $message = $_.SelectSingleNode(".//*[local-name()='Message']")
        [pscustomobject]@{ Name = $_.testName; File = $null; Message = if ($message) { $message.InnerText } else { $_.outcome } }
    })
    [pscustomobject]@{
        Passed       = $passed
        Failed       = $failed
        Skipped      = $skipped
        Inconclusive = $inconclusive
        NotRun       = $results.Count - $passed - $failed - $skipped - $inconclusive
        Failures     = $failures
    }
}

function Invoke-EngineTests([string]$ResultsDir) {
    $trxName = 'engine.trx'
    $trxPath = Join-Path $ResultsDir $trxName
    Remove-Item -LiteralPath $trxPath -ErrorAction SilentlyContinue
    $arguments = @('test', $EngineTestsProject, '-c', $Configuration, '-nologo',
        '--logger', "trx;LogFileName=$trxName", '--logger', 'console;verbosity=normal',
        '--results-directory', $ResultsDir)
    if ($Filter) { $arguments += @('--filter', $Filter) }
    Write-Host "> dotnet $($arguments -join ' ')" -ForegroundColor DarkGray
    & dotnet @arguments | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path -LiteralPath $trxPath)) {
        # Compilation failed or the host crashed: the suite ran nothing, which is a failure.
        Write-Host "Engine tests: 'dotnet test' exited $exit without a result file (build failure?)." -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Inconclusive = 0; NotRun = 0; Broken = $true }
    }
    $counts = Get-TrxCounts $trxPath
    $broken = ($exit -ne 0 -and $counts.Failed -eq 0)
    if ($broken) { Write-Host "Engine tests: 'dotnet test' exited $exit with no failed test recorded." -ForegroundColor Red }
    $counts | Add-Member -NotePropertyName Broken -NotePropertyValue $broken -PassThru
}

function Invoke-PesterTests([string]$ResultsDir) {
    Invoke-Dotnet restore $ToolsProject -nologo --verbosity minimal
    $packages = Get-NuGetPackagesFolder
    $pesterManifest = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $pesterManifest)) {
        throw [BuildFailure]::new("Pester $PesterVersion is not at $pesterManifest after restoring tests/tools/TestTools.csproj.")
    }
    # 'pwsh -File' passes 'a,b' as one string: accept commas as separators too.
    $paths = if ($PesterPath) { $PesterPath -split ',' | ForEach-Object { (Resolve-Path -LiteralPath $_.Trim()).Path } } else { Join-Path $Root 'tests/pester' }
    $resultFile = Join-Path $ResultsDir 'pester.json'
    Remove-Item -LiteralPath $resultFile -ErrorAction SilentlyContinue

    $saved = @{
        ONLINEMIGRATIONS_MODULE          = $env:ONLINEMIGRATIONS_MODULE
        ONLINEMIGRATIONS_NUGET_PACKAGES  = $env:ONLINEMIGRATIONS_NUGET_PACKAGES
    }
    $env:ONLINEMIGRATIONS_MODULE = $StagedManifest
    $env:ONLINEMIGRATIONS_NUGET_PACKAGES = $packages
    try {
        & $Pwsh @PwshArguments -NoProfile -NonInteractive -File (Join-Path $Root 'tests/pester/Run.ps1') `
            -PesterManifest $pesterManifest -ResultFile $resultFile -Path ($paths -join ',') | Out-Host
        $exit = $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
    if (-not (Test-Path -LiteralPath $resultFile)) {
        Write-Host "Pester: the child pwsh exited $exit without a result file." -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Inconclusive = 0; NotRun = 0; Broken = $true }
    }
    $counts = Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json
    # NotRun holds Pester's NotRun and any test in no other count (Run.ps1 'Uncounted').
    [pscustomobject]@{
        Passed = [int]$counts.Passed; Failed = [int]$counts.Failed; Skipped = [int]$counts.Skipped
        Inconclusive = [int]$counts.Inconclusive; NotRun = [int]$counts.NotRun + [int]$counts.Uncounted; Broken = $false
        Failures = @($counts.Failures)
    }
}

function Invoke-Test {
    $null = Invoke-ModuleBuild
    $resultsDir = Join-Path $Out 'test-results'
    $null = New-Item -ItemType Directory -Force -Path $resultsDir

    $suites = [ordered]@{}
    if ($Suite -in 'All', 'Engine') { $suites['Engine (xunit)'] = Invoke-EngineTests $resultsDir }
    if ($Suite -in 'All', 'Pester') { $suites['Module (Pester)'] = Invoke-PesterTests $resultsDir }

    # Every test a suite ran is in the closing line: an Inconclusive or NotRun test did not pass and
    # was not skipped with a reason, so it is counted (and reported) with the failed ones.
    $passed = 0; $failed = 0; $skipped = 0; $ok = $true
    Write-Host ''
    # The failures again, each with the start of its message, where a log cut to its tail keeps them.
    foreach ($name in $suites.Keys) {
        foreach ($failure in @($suites[$name].Failures | Where-Object { $_ })) {
            $message = ("$($failure.Message)" -replace '\s+', ' ').Trim()
            if ($message.Length -gt 400) { $message = $message.Substring(0, 400) + ' ...' }
            $where = if ($failure.File) { " [$(Split-Path -Leaf $failure.File)]" } else { '' }
            Write-Host ("FAILED {0}{1}: {2}" -f $failure.Name, $where, $message) -ForegroundColor Red
        }
    }
    foreach ($name in $suites.Keys) {
        $c = $suites[$name]
        $note = ''
        $notPassed = $c.Failed + $c.Inconclusive + $c.NotRun
        if ($c.Broken) { $ok = $false; $note = ' (did not run to completion)' }
        elseif (($c.Passed + $notPassed + $c.Skipped) -eq 0) { $ok = $false; $note = ' (ran no test)' }
        if ($c.Inconclusive + $c.NotRun -gt 0) { $note += " (failed counts $($c.Inconclusive) inconclusive and $($c.NotRun) not run)" }
        if ($notPassed -gt 0) { $ok = $false }
        Write-Host ("{0}: {1} passed, {2} failed, {3} skipped{4}" -f $name, $c.Passed, $notPassed, $c.Skipped, $note)
        $passed += $c.Passed; $failed += $notPassed; $skipped += $c.Skipped
    }
    # The last line of output, read by CI: nothing may be printed after it.
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
    if ($ok) { 0 } else { 1 }
}

function Invoke-Script([string]$RelativePath, [switch]$AlreadyBuilt, [string[]]$Arguments = @()) {
    $script = Join-Path $Root $RelativePath
    if (-not (Test-Path -LiteralPath $script)) {
        throw [BuildFailure]::new("$RelativePath does not exist yet; task '$Task' runs it against the staged module once it is written.")
    }
    if (-not $AlreadyBuilt) { $null = Invoke-ModuleBuild }
    $saved = $env:ONLINEMIGRATIONS_MODULE
    $env:ONLINEMIGRATIONS_MODULE = $StagedManifest
    try {
        # Not piped: the demo writes straight to the console, colours and all.
        & $Pwsh @PwshArguments -NoProfile -File $script $StagedManifest @Arguments
        $exit = $LASTEXITCODE
    }
    finally { $env:ONLINEMIGRATIONS_MODULE = $saved }
    if ($exit -ne 0) { throw [BuildFailure]::new("$RelativePath exited with code $exit.") }
}

# SQLite always (unless -SqlServerOnly); SQL Server when ONLINEMIGRATIONS_TEST_SQLSERVER names a database.
function Invoke-Bench {
    if ($SqlServerOnly -and -not $env:ONLINEMIGRATIONS_TEST_SQLSERVER) {
        throw [BuildFailure]::new('-SqlServerOnly needs ONLINEMIGRATIONS_TEST_SQLSERVER: a connection string to a database the bench may create schemas in (see tools/New-SqlServerTestDatabase.ps1).')
    }
    $null = Invoke-ModuleBuild
    if ($MemoryOnly) { Invoke-Script 'bench/Bench.ps1' -AlreadyBuilt -Arguments @('-Only', 'Memory'); return }
    if (-not $SqlServerOnly -and -not $FleetOnly) { Invoke-Script 'bench/Bench.ps1' -AlreadyBuilt }
    if ($env:ONLINEMIGRATIONS_TEST_SQLSERVER -and -not $FleetOnly) { Invoke-Script 'bench/SqlServer.Bench.ps1' -AlreadyBuilt }
    elseif (-not $FleetOnly) { Write-Host 'SQL Server part skipped: ONLINEMIGRATIONS_TEST_SQLSERVER is not set.' -ForegroundColor Yellow }
    if (-not $SqlServerOnly) { Invoke-Script 'bench/Fleet.Bench.ps1' -AlreadyBuilt }
}

function Invoke-Package {
    $null = Invoke-ModuleBuild
    $manifest = Import-PowerShellDataFile -LiteralPath $StagedManifest
    $version = $manifest.ModuleVersion
    $packageDir = Join-Path $Out 'package'
    $null = New-Item -ItemType Directory -Force -Path $packageDir
    $nupkg = Join-Path $packageDir "OnlineMigrations.$version.nupkg"
    Remove-Item -LiteralPath $nupkg -ErrorAction SilentlyContinue

    $psData = $manifest.PrivateData.PSData
    $cmdlets = @($manifest.CmdletsToExport)
    $tags = @('PSModule', 'PSIncludes_Cmdlet') + @($cmdlets | ForEach-Object { "PSCmdlet_$_" }) +
        @($cmdlets | ForEach-Object { "PSCommand_$_" }) + @($psData.Tags)
    $esc = { param($s) [System.Security.SecurityElement]::Escape([string]$s) }
    $optional = ''
    if ($psData.ContainsKey('ProjectUri') -and $psData.ProjectUri) { $optional += "    <projectUrl>$(& $esc $psData.ProjectUri)</projectUrl>`n" }
    if ($psData.ContainsKey('ReleaseNotes') -and $psData.ReleaseNotes) { $optional += "    <releaseNotes>$(& $esc $psData.ReleaseNotes)</releaseNotes>`n" }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>OnlineMigrations</id>
    <version>$version</version>
    <authors>$(& $esc $manifest.Author)</authors>
    <owners>$(& $esc $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <description>$(& $esc $manifest.Description)</description>
    <copyright>$(& $esc $manifest.Copyright)</copyright>
$optional    <tags>$(& $esc (($tags | Select-Object -Unique) -join ' '))</tags>
  </metadata>
</package>
"@
    $corePropsName = "package/services/metadata/core-properties/$([guid]::NewGuid().ToString('N')).psmdcp"
    $coreProps = @"
<?xml version="1.0" encoding="utf-8"?>
<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">
  <dc:creator>$(& $esc $manifest.Author)</dc:creator>
  <dc:description>$(& $esc $manifest.Description)</dc:description>
  <dc:identifier>OnlineMigrations</dc:identifier>
  <version>$version</version>
  <keywords>$(& $esc (($tags | Select-Object -Unique) -join ' '))</keywords>
</coreProperties>
"@
    $rels = @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/OnlineMigrations.nuspec" Id="R1" />
  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/$corePropsName" Id="R2" />
</Relationships>
"@
    $files = Get-ChildItem -LiteralPath $Staged -Recurse -File
    $extensions = @($files | ForEach-Object { $_.Extension.TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique)
    $contentTypes = '<?xml version="1.0" encoding="utf-8"?>' + "`n" +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' + "`n" +
        '  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />' + "`n" +
        '  <Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />' + "`n" +
        '  <Default Extension="nuspec" ContentType="application/octet" />' + "`n" +
        (($extensions | Where-Object { $_ -notin 'rels', 'psmdcp', 'nuspec' } | ForEach-Object { "  <Default Extension=`"$_`" ContentType=`"application/octet`" />" }) -join "`n") + "`n" +
        '</Types>'

    Add-Type -AssemblyName System.IO.Compression
    $stream = [IO.File]::Open($nupkg, [IO.FileMode]::CreateNew)
    $zip = [IO.Compression.ZipArchive]::new($stream, [IO.Compression.ZipArchiveMode]::Create)
    try {
        $addText = {
            param($name, $text)
            $entry = $zip.CreateEntry($name, [IO.Compression.CompressionLevel]::Optimal)
            $writer = [IO.StreamWriter]::new($entry.Open(), [Text.UTF8Encoding]::new($false))
            try { $writer.Write($text) } finally { $writer.Dispose() }
        }
        & $addText '_rels/.rels' $rels
        & $addText 'OnlineMigrations.nuspec' $nuspec
        & $addText $corePropsName $coreProps
        foreach ($file in $files) {
            $relative = [IO.Path]::GetRelativePath($Staged, $file.FullName).Replace('\', '/')
            $null = [IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $relative, [IO.Compression.CompressionLevel]::Optimal)
        }
        & $addText '[Content_Types].xml' $contentTypes
    }
    finally {
        $zip.Dispose()
        $stream.Dispose()
    }
    $nupkg
}

function Invoke-Clean {
    if (Test-Path -LiteralPath $Out) { Remove-Item -LiteralPath $Out -Recurse -Force }
    foreach ($project in Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Filter '*.csproj' -Recurse) {
        foreach ($folder in 'bin', 'obj') {
            $path = Join-Path $project.DirectoryName $folder
            if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force }
        }
    }
    'Cleaned.'
}

try {
    $exitCode = 0
    switch ($Task) {
        'Build' { Invoke-ModuleBuild }
        'Test' { $exitCode = Invoke-Test }
        'Demo' { Invoke-Script 'samples/Demo.ps1' }
        'Bench' { Invoke-Bench }
        'Soak' { Invoke-Script 'tests/soak/Soak.ps1' }
        'Package' { Invoke-Package }
        'Clean' { Invoke-Clean }
    }
    exit $exitCode
}
catch [BuildFailure] {
    Write-Host "build.ps1 ${Task}: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
catch {
    Write-Host "build.ps1 ${Task} failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    exit 1
}
