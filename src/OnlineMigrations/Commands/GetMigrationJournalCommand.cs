using System.Management.Automation;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Get-MigrationJournal: the audit trail of every step.</summary>
[Cmdlet(VerbsCommon.Get, "MigrationJournal")]
[OutputType(typeof(MigrationJournalEntry))]
public sealed class GetMigrationJournalCommand : DatabaseCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string? Id { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using var target = TargetDatabase.OpenForReading(Connection(), Reporter);
        WriteObject(target.Store.Journal(Id, Last), enumerateCollection: true);
    });
}
