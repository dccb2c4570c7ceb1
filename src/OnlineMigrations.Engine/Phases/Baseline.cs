using OnlineMigrations.Engine.Model;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Register-Migration (Flyway's baseline): records migrations that are already in the database —
/// applied by hand or by another tool — as Completed, with their checksums, so that later
/// migrations expand on top. Never over state the store already has.
/// </summary>
public sealed class Baseline(TargetDatabase target)
{
    /// <summary>The files up to and including <paramref name="upTo"/>; refused where the store already knows one of them.</summary>
    public List<MigrationDefinition> Select(IReadOnlyList<MigrationDefinition> files, string upTo)
    {
        var last = files.FirstOrDefault(f => string.Equals(f.Id, upTo, StringComparison.OrdinalIgnoreCase))
            ?? throw new MigrationException(ErrorIds.MigrationNotFound, $"There is no migration '{upTo}' in the files given.",
                "Pass -UpTo the id of the last migration already in the database (Get-Migration -Path lists the ids).") { MigrationId = upTo };
        var chosen = files.Where(f => MigrationDefinition.CompareIds(f.Id, last.Id) <= 0).ToList();
        var stored = target.Store.Migrations().ToDictionary(m => m.Id, StringComparer.OrdinalIgnoreCase);
        var known = chosen.Where(f => stored.ContainsKey(f.Id)).Select(f => $"{f.Id} ({stored[f.Id].Phase})").ToList();
        if (known.Count > 0)
            throw new MigrationException(ErrorIds.RegisterRefused,
                $"The state store of {target.Session.Target} already has state for {string.Join(", ", known)}; Register-Migration records only migrations the store does not know, and nothing was recorded.",
                "Leave those migrations as the store has them (Get-MigrationState shows them). To record only earlier ones, pass -UpTo an earlier id; for a changed file, use Repair-Migration.")
            { MigrationId = last.Id };
        return chosen;
    }

    /// <summary>Records <paramref name="chosen"/> as Completed in one transaction, each journaled with who and why.</summary>
    public List<MigrationState> Run(IReadOnlyList<MigrationDefinition> chosen, string reason)
    {
        var started = DateTime.UtcNow;
        target.Session.InTransaction(() =>
        {
            foreach (var d in chosen)
            {
                target.Store.InsertRegistered(d);
                target.Store.WriteJournal(d.Id, nameof(Phase.Completed), "register (baseline)", $"checksum {d.Checksum}", started, DateTime.UtcNow - started,
                    Outcomes.Registered, null, target.Login, reason);
            }
            target.Store.RefreshStamps();
        });
        return chosen.Select(d => target.Store.Migration(d.Id)!.ToState(d)).ToList();
    }
}
