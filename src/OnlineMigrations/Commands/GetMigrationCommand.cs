using System.Management.Automation;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Commands;

/// <summary>Get-Migration: reads and validates migration files.</summary>
[Cmdlet(VerbsCommon.Get, "Migration")]
[OutputType(typeof(MigrationDefinition))]
public sealed class GetMigrationCommand : MigrationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            Guard(() =>
            {
                foreach (var definition in MigrationReader.Read(ResolvePath(path)))
                    if (Id is null || Id.Contains(definition.Id, StringComparer.OrdinalIgnoreCase)) WriteObject(definition);
            });
        }
    }
}
