using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;
using OnlineMigrations.Engine.Store;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Measures whether contract is safe. Each gate is measured, never assumed: the data by queries
/// over the data, the fleet by its heartbeats, dependencies by the catalog.
/// </summary>
public sealed class ContractGates(TargetDatabase target)
{
    public ContractReadiness Evaluate(StoredMigration m)
    {
        var all = target.Store.Migrations();
        var checks = new List<GateCheck>();
        var expanded = m.Phase is Phase.Expanded or Phase.Migrating or Phase.Migrated or Phase.Contracting or Phase.Completed;
        checks.Add(new GateCheck(Gates.ExpandComplete, expanded,
            expanded ? $"expanded at {m.ExpandedAt:u}" : $"the migration is {m.Phase}; run Invoke-Expand{(m.Phase == Phase.Expanding ? " again to finish it" : "")}"));

        if (m.Phase is Phase.Completed or Phase.RolledBack)
            throw new MigrationException(ErrorIds.WrongPhase, $"Migration '{m.Id}' is {m.Phase}; it has no contract left to evaluate.", "Nothing to do.") { MigrationId = m.Id };

        var definition = m.Parsed;
        var context = target.Contexts(false).For(definition, m.Plans.Facts);
        if (expanded)
        {
            checks.AddRange(DataGates(definition, context, all));
        }
        else
        {
            checks.Add(new GateCheck(Gates.DataMigrated, false, "not measured before expand is complete"));
            checks.Add(new GateCheck(Gates.ObjectVersion, false, "not measured before expand is complete"));
        }
        checks.Add(Window(m, definition));
        checks.Add(new GateCheck(Gates.ContractRequested, m.ContractRequested,
            m.ContractRequested ? $"requested at {m.ContractRequestedAt:u} by {m.ContractRequestedBy}" : $"not requested yet; run Request-Contract -Id {m.Id} so applications can switch off the old shape"));
        checks.Add(Fleet(m));
        checks.Add(expanded ? Dependents(m, definition, context, all) : new GateCheck(Gates.NoDependents, false, "not measured before expand is complete"));
        var earlier = all.Where(x => MigrationDefinition.CompareIds(x.Id, m.Id) < 0 && x.Phase is not (Phase.Completed or Phase.RolledBack)).Select(x => $"{x.Id} ({x.Phase})").ToList();
        checks.Add(new GateCheck(Gates.EarlierMigrationsContracted, earlier.Count == 0,
            earlier.Count == 0 ? "every earlier migration is contracted or rolled back" : $"contract these first: {string.Join(", ", earlier)}"));

        var failed = checks.Where(c => !c.Passed).Select(c => c.Name).ToHashSet();
        var exit = failed.Count == 0 ? ContractReadiness.ExitReady
            : failed.Contains(Gates.ExpandComplete) ? ContractReadiness.ExitExpandPending
            : failed.Contains(Gates.DataMigrated) || failed.Contains(Gates.ObjectVersion) ? ContractReadiness.ExitDataPending
            : ContractReadiness.ExitWaiting;
        return new ContractReadiness { Id = m.Id, Phase = m.Phase, Ready = failed.Count == 0, Checks = checks, ExitCode = exit };
    }

    private IEnumerable<GateCheck> DataGates(MigrationDefinition definition, OperationContext context, List<StoredMigration> all)
    {
        var remaining = new RemainingRows(target).Count(definition, context, all, includeVersions: false);
        if (remaining.NotVerifiable.Count > 0)
            yield return new GateCheck(Gates.DataMigrated, false, "not verifiable: " + string.Join("; ", remaining.NotVerifiable));
        else
            yield return new GateCheck(Gates.DataMigrated, remaining.Total == 0,
                remaining.Total == 0 ? "no row left to migrate (counted from the data)" : string.Join("; ", remaining.Details) + "; run Invoke-Migrate");

        if (definition.Version is not { } version)
        {
            yield return new GateCheck(Gates.ObjectVersion, true, "the migration names no object version");
            yield break;
        }
        var tracked = ObjectVersions.TouchedBy(definition, ObjectVersions.Tracked(all, target.Catalog.Tables));
        if (tracked.Count == 0)
        {
            yield return new GateCheck(Gates.ObjectVersion, true, $"no tracked table is touched; nothing carries a version to check against {version}");
            yield break;
        }
        var old = new List<string>();
        long total = 0;
        foreach (var (table, _) in tracked)
        {
            // Read in the same scan as DataMigrated's count.
            if (!remaining.Versions.TryGetValue(table, out var histogram)) continue;
            foreach (var (v, n) in histogram.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                if (v != RowCounter.NullVersion && !version.IsNewerThan(v)) continue;
                old.Add($"{table}: {n:N0} row(s) at {(v == RowCounter.NullVersion ? "NULL" : v)}");
                total += n;
            }
        }
        yield return new GateCheck(Gates.ObjectVersion, total == 0,
            total == 0 ? $"every row of {string.Join(", ", tracked.Select(t => t.Table))} is at {version} or newer"
                       : $"{total:N0} row(s) older than {version} — {string.Join("; ", old)}. Old code may still be writing; when it is gone, run Invoke-Migrate to convert them");
    }

    private static GateCheck Window(StoredMigration m, MigrationDefinition definition)
    {
        if (m.ExpandedAt is not { } at) return new GateCheck(Gates.DeprecationWindow, false, "the window starts when expand completes");
        var left = at + definition.DeprecationWindow - DateTime.UtcNow;
        return left <= TimeSpan.Zero
            ? new GateCheck(Gates.DeprecationWindow, true, $"the {Format(definition.DeprecationWindow)} window since expand ({at:u}) has passed")
            : new GateCheck(Gates.DeprecationWindow, false, $"{Format(left)} of the {Format(definition.DeprecationWindow)} deprecation window remain (until {at + definition.DeprecationWindow:u})");
    }

    internal static string Format(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}m" : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m {t.Seconds}s" : $"{Math.Ceiling(t.TotalSeconds)}s";

    private GateCheck Fleet(StoredMigration m)
    {
        var clients = target.Store.Clients();
        var live = clients.Where(c => c.Alive).ToList();
        var stragglers = live.Where(c => !c.HasAcknowledged(m.Id)).ToList();
        var gone = clients.Where(c => !c.Alive).Select(c => $"{c.Application}/{c.InstanceId} (gone: last seen {c.LastSeen:u}, time-to-live {Format(c.TimeToLive)})").ToList();
        var goneText = gone.Count == 0 ? "" : $"; not counted: {string.Join(", ", gone)}";
        if (stragglers.Count > 0)
            return new GateCheck(Gates.FleetAcknowledged, false,
                $"{stragglers.Count} live instance(s) have not acknowledged {m.Id}: {string.Join(", ", stragglers.Select(c => $"{c.Application}/{c.InstanceId} on {c.HostName ?? "?"} (writes {c.ObjectVersion ?? "no version"}, last seen {c.LastSeen:u})"))}{goneText}. Deploy code that no longer needs the old shape, or retire a dead instance with Remove-MigrationClient");
        return new GateCheck(Gates.FleetAcknowledged, true,
            live.Count == 0 ? $"no live application instance has reported a heartbeat{goneText}" : $"all {live.Count} live instance(s) acknowledged {m.Id}{goneText}");
    }

    private GateCheck Dependents(StoredMigration m, MigrationDefinition definition, OperationContext context, List<StoredMigration> all)
    {
        // What would make contract fail part-way is reported here too, so Test-ContractReady shows it.
        var cannot = m.Phase == Phase.Contracting ? [] : new ContractPreflight(target).Problems(m, context, all);
        if (cannot.Count > 0) return new GateCheck(Gates.NoDependents, false, "contract could not finish: " + string.Join("; ", cannot));
        var drops = definition.Operations.SelectMany(o => o.Drops).ToList();
        if (drops.Count == 0) return new GateCheck(Gates.NoDependents, true, "contract drops nothing");
        // What contract itself removes does not count: our sync triggers, and the indexes a rename or
        // type change moves to the new column.
        var ignore = new HashSet<string>(Planner.OwnObjects(context), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in context.Facts.Where(f => f.Key.EndsWith(":indexes", StringComparison.Ordinal)))
            foreach (var index in value.Split('\u001f', StringSplitOptions.RemoveEmptyEntries)) ignore.Add(index);
        foreach (var op in definition.Operations.OfType<DropIndex>()) ignore.Add(op.Name);
        // A renameTable's own synonym (SQL Server) refers to the old table until contract drops it.
        foreach (var op in definition.Operations.OfType<RenameTable>()) ignore.Add(target.Dialect.Table(op.To));
        var found = new List<string>();
        try
        {
            foreach (var d in drops)
            {
                if (d.Column is not null && target.Catalog.Column(d.Table, d.Column) is null) continue;
                if (d.Column is null && d.Index is null && !target.Catalog.TableExists(d.Table)) continue;
                foreach (var dependent in target.Catalog.Dependents(d, ignore)) found.Add($"{dependent} uses {d}");
            }
        }
        catch (MigrationException e) when (e.ErrorId == ErrorIds.PermissionDenied.Id)
        {
            return new GateCheck(Gates.NoDependents, false, $"cannot be checked: {e.Message} {e.RecommendedAction}");
        }
        return new GateCheck(Gates.NoDependents, found.Count == 0,
            found.Count == 0 ? $"nothing in the catalog references {string.Join(", ", drops)}" : $"{string.Join("; ", found)}. Change or drop these first (or add them to the migration)");
    }
}
