using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Phases;

/// <summary>Where every migration stands: applied ones from the store, pending ones from the files.</summary>
public static class StateReport
{
    public static List<MigrationState> Build(TargetDatabase target, IReadOnlyList<MigrationDefinition> files)
    {
        var stored = target.Store.Migrations();
        var byId = files.ToDictionary(f => f.Id, StringComparer.OrdinalIgnoreCase);
        var states = stored.Select(s => s.ToState(byId.GetValueOrDefault(s.Id))).ToList();
        foreach (var file in files.Where(f => !stored.Any(s => string.Equals(s.Id, f.Id, StringComparison.OrdinalIgnoreCase))))
            states.Add(new MigrationState
            {
                Id = file.Id, Description = file.Description, Phase = Phase.Pending, ObjectVersion = file.ObjectVersion,
                DeprecationWindow = file.DeprecationWindow, Checksum = file.Checksum, FileChecksum = file.Checksum, Path = file.Path,
            });
        states.Sort((a, b) => MigrationDefinition.CompareIds(a.Id, b.Id));
        return states;
    }
}
