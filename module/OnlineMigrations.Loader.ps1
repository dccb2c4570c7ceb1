# Runs before the module's cmdlets are imported (ScriptsToProcess in the manifest). It loads the
# cmdlets assembly and hooks the resolution of OnlineMigrations.Engine into the module's own
# AssemblyLoadContext, so the engine and its dependencies (Microsoft.Data.SqlClient, SQLite,
# Azure.Identity) never collide with versions other modules loaded into the session.
$null = [System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'OnlineMigrations.dll'))
[OnlineMigrations.Loader.ModuleImport]::Hook()
