@{
    Synopsis    = 'Reads and validates migration files.'
    Description = @'
Get-Migration reads a folder of migration files (or single files), validates each one against the migration JSON Schema and the engine's own rules, and returns one MigrationDefinition per migration, in the order they are applied: the ordinal order of their ids (0002 before 0010).

The reader accepts comments and trailing commas. Unknown properties, malformed identifiers, durations or operations are errors that name the file, the line and the JSON path, so a typo never silently changes what runs. Get-Migration does not connect to a database; use it in a pull-request build to reject a bad migration before it reaches a server.

The Checksum of each definition is the SHA-256 of the file's text with line endings normalised. Get-MigrationState compares it with the checksum of the applied definition and reports Drift when a file was edited after it was expanded.
'@
    Parameters  = @{
        Path = @'
A folder of migration files (*.json, read in id order) or the path of one migration file. Relative paths are resolved against the current location. Accepts pipeline input, for example from Get-ChildItem (through its FullName property).
'@
        Id   = @'
Returns only the migrations with these ids (case-insensitive). The id is the file's "id" property, or the file name without its extension. Completes from the files of -Path.
'@
    }
    Inputs      = @(
        @{ Type = 'System.String'; Description = 'A path to a folder or a migration file, by value or by the property name Path or FullName (FileInfo and DirectoryInfo objects from Get-ChildItem).' }
    )
    Outputs     = @(
        @{ Type = 'OnlineMigrations.Engine.Model.MigrationDefinition'; Description = 'One per migration: Id, Description, ObjectVersion, DeprecationWindow, Operations, Checksum, Path and the Source text.' }
    )
    Notes       = @'
A JSON Schema for the file format ships with the module (schema/migration.schema.json). Point "$schema" at it for completion and validation in an editor.
'@
    Examples    = @(
        @{
            Title   = 'Validate a folder of migrations at an interactive prompt'
            Code    = @'
PS> Get-Migration -Path ./migrations

Id                          ObjectVersion DeprecationWindow Operations Description
--                          ------------- ----------------- ---------- -----------
0001_instances_compute_host 2.0           7.00:00:00                 3 Rename Host to ComputeHost, widen MemoryMb...
0002_split_location         2.1           7.00:00:00                 4 Split Location into Region and Rack
'@
            Remarks = 'Reads and validates every migration file in ./migrations and shows them in the order they will be applied. An invalid file stops the command with an error that names the file, line and JSON path.'
        }
        @{
            Title   = 'Reject an invalid migration in an Azure DevOps pull-request build'
            Code    = @'
- task: PowerShell@2
  displayName: Validate migrations
  inputs:
    pwsh: true
    targetType: inline
    script: |
      Import-Module $(Pipeline.Workspace)/module/OnlineMigrations/OnlineMigrations.psd1
      Get-Migration -Path $(Build.SourcesDirectory)/migrations -ErrorAction Stop |
          Format-Table Id, ObjectVersion, Checksum
'@
            Remarks = 'No database is needed: the step fails the build when a migration file does not validate, with the error shown in the log.'
        }
        @{
            Title   = 'Look at the operations of one migration'
            Code    = @'
PS> (Get-Migration ./migrations -Id 0002_split_location).Operations | Format-Table Kind, JsonPath
'@
            Remarks = 'Each operation knows its kind (addColumn, renameColumn, ...) and where it stands in its file.'
        }
    )
    Links       = @('Get-MigrationState', 'Invoke-Expand', 'about_OnlineMigrations')
}
