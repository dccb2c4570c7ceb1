using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OnlineMigrations.Engine;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Files;
using OnlineMigrations.Engine.Phases;

namespace OnlineMigrations.Commands;

/// <summary>
/// Completes -Id from the files of -Path, else from the database of -ConnectionString (or -SqlInstance and -Database,
/// or -Provider Sqlite -Database). A parameter not typed on the command line is taken from $PSDefaultParameterValues, as
/// the command would take it; relative paths are relative to the current PowerShell location.
/// </summary>
public sealed class MigrationIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var ids = new List<(string Id, string? Description)>();
        try
        {
            var here = CurrentLocation();
            var defaults = Defaults(commandName);
            string? Get(string name) => (fakeBoundParameters[name] ?? defaults.GetValueOrDefault(name))?.ToString();
            if (Get("Path") is { } path)
                ids.AddRange(MigrationReader.Read(Path.GetFullPath(path, here)).Select(d => (d.Id, d.Description)));
            else
            {
                var provider = Get("Provider") is { } p && Enum.TryParse<Provider>(p, true, out var parsed) ? parsed : Provider.SqlServer;
                var cs = Get("ConnectionString") is { } given
                    ? (provider == Provider.Sqlite ? Connector.ResolveSqlitePath(given, here) : given)
                    : provider == Provider.Sqlite
                        ? Get("Database") is { } file ? Connector.ForInstance(provider, null, Path.GetFullPath(file, here), false, null, false) : null
                        : Get("SqlInstance") is { } instance ? Connector.ForInstance(provider, instance, Get("Database"), true, null, false) : null;
                if (cs is not null)
                {
                    using var target = TargetDatabase.OpenForReading(new ConnectionOptions { ConnectionString = cs, Provider = provider, Preview = true,
                        StoreSchema = Get("StoreSchema") ?? SqlServerStoreSql.DefaultSchema }, SilentReporter.Instance);
                    ids.AddRange(target.Store.Migrations().Select(m => (m.Id, m.Description)));
                }
            }
        }
        catch (Exception e) when (e is Engine.Model.MigrationException or IOException or System.Data.Common.DbException or ArgumentException or InvalidOperationException)
        {
            // Completion never fails loudly: it simply offers nothing.
        }
        return ids.Where(i => i.Id.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(i => new CompletionResult(i.Id.Contains(' ', StringComparison.Ordinal) ? $"'{i.Id}'" : i.Id, i.Id, CompletionResultType.ParameterValue, i.Description ?? i.Id));
    }

    private static string CurrentLocation()
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault();
        return location?.ProviderPath ?? Environment.CurrentDirectory;
    }

    /// <summary>The values $PSDefaultParameterValues gives this command ('Name:Parameter' keys, wildcards allowed).</summary>
    private static Dictionary<string, object?> Defaults(string commandName)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        if (ps.AddCommand("Microsoft.PowerShell.Utility\\Get-Variable").AddParameter("Name", "PSDefaultParameterValues").AddParameter("ValueOnly").Invoke().FirstOrDefault()?.BaseObject is not IDictionary table)
            return result;
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || key.Split(':', 2) is not [var command, var parameter]) continue;
            if (!new WildcardPattern(command.Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName)) continue;
            var value = entry.Value is ScriptBlock ? null : entry.Value;
            if (value is not null) result.TryAdd(parameter.Trim(), value);
        }
        return result;
    }
}
