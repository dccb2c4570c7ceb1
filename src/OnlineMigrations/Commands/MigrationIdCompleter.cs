using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OnlineMigrations.Engine;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>Completes -Id from the files of -Path, else from the database of -ConnectionString.</summary>
public sealed class MigrationIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var ids = new List<(string Id, string? Description)>();
        try
        {
            if (fakeBoundParameters["Path"] is { } path)
                ids.AddRange(MigrationReader.Read(Path.GetFullPath(path.ToString()!)).Select(d => (d.Id, d.Description)));
            else if (fakeBoundParameters["ConnectionString"] is { } cs)
            {
                var provider = fakeBoundParameters["Provider"] is { } p && Enum.TryParse<Provider>(p.ToString(), true, out var parsed) ? parsed : Provider.SqlServer;
                using var target = TargetDatabase.OpenForReading(new ConnectionOptions { ConnectionString = cs.ToString()!, Provider = provider }, SilentReporter.Instance);
                ids.AddRange(target.Store.Migrations().Select(m => (m.Id, m.Description)));
            }
        }
        catch (Exception e) when (e is Engine.Model.MigrationException or IOException or System.Data.Common.DbException or ArgumentException)
        {
            // Completion never fails loudly: it simply offers nothing.
        }
        return ids.Where(i => i.Id.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(i => new CompletionResult(i.Id.Contains(' ', StringComparison.Ordinal) ? $"'{i.Id}'" : i.Id, i.Id, CompletionResultType.ParameterValue, i.Description ?? i.Id));
    }
}
