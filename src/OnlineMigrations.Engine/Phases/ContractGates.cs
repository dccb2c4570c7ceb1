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
        var context = target.Contexts(false).For(definition, m.Plans);
        var unmeasured = new List<string>();
        if (expanded)
        {
            checks.AddRange(Measured(() => DataGates(definition, context, all).ToList(), unmeasured, Gates.DataMigrated, Gates.ObjectVersion));
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
        checks.AddRange(expanded ? Measured(() => [Dependents(m, definition, context, all)], unmeasured, Gates.NoDependents)
            : [new GateCheck(Gates.NoDependents, false, "not measured before expand is complete")]);
        var earlier = all.Where(x => MigrationDefinition.CompareIds(x.Id, m.Id) < 0 && x.Phase is not (Phase.Completed or Phase.RolledBack)).Select(x => $"{x.Id} ({x.Phase})").ToList();
        checks.Add(new GateCheck(Gates.EarlierMigrationsContracted, earlier.Count == 0,
            earlier.Count == 0 ? "every earlier migration is contracted or rolled back" : $"contract these first: {string.Join(", ", earlier)}"));

        var failed = checks.Where(c => !c.Passed).Select(c => c.Name).ToHashSet();
        // The code names what to act on first (the README's order): an error, then expand, then a fleet that has
        // not acknowledged a requested contract (old instances still write old rows, so migrating again cannot
        // finish the data while they run), then the data, then any other gate.
        var exit = failed.Count == 0 ? ContractReadiness.ExitReady
            : unmeasured.Count > 0 ? ContractReadiness.ExitError
            : failed.Contains(Gates.ExpandComplete) ? ContractReadiness.ExitExpandPending
            : m.ContractRequested && failed.Contains(Gates.FleetAcknowledged) ? ContractReadiness.ExitWaiting
            : failed.Contains(Gates.DataMigrated) || failed.Contains(Gates.ObjectVersion) ? ContractReadiness.ExitDataPending
            : ContractReadiness.ExitWaiting;
        return new ContractReadiness { Id = m.Id, Phase = m.Phase, Ready = failed.Count == 0, Checks = checks, ExitCode = exit };
    }

    /// <summary>Runs a gate's queries; when one fails inside the engine (an "up" that fails for a row, a missing
    /// object), the gates it measures fail with the engine's message instead of the command failing.</summary>
    private static List<GateCheck> Measured(Func<List<GateCheck>> measure, List<string> unmeasured, params string[] gates)
    {
        try { return measure(); }
        catch (System.Data.Common.DbException e)
        {
            unmeasured.AddRange(gates);
            return gates.Select(g => new GateCheck(g, false,
                $"could not be measured: its query failed inside the database engine: {StepRunner.Short(e)}. " +
                "An expression of the migration (\"up\", a \"verify\" query) may fail for some row, or an object it reads is missing; correct it, then test again")).ToList();
        }
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

    /// <summary>
    /// Fails closed. Counted per application: its live instances must all have acknowledged; an
    /// application with no live instance blocks while any of its silent instances went without
    /// acknowledging (it may come back running old code) until an operator retires it. A gone instance
    /// of an application whose live instances all acknowledged is not counted. A fleet that never
    /// reported blocks unless the operator declared, journaled, that no application reads the database.
    /// </summary>
    private GateCheck Fleet(StoredMigration m)
    {
        var clients = target.Store.Clients();
        if (clients.Count == 0)
        {
            if (target.Store.Declaration() is { } declared)
                return new GateCheck(Gates.FleetAcknowledged, true,
                    $"no application instance reports; {declared.DeclaredBy ?? "an operator"} declared at {declared.DeclaredAt:u} that no application reads this database: {declared.Reason}");
            // Retiring the last instance does not make an empty fleet safe: nobody has acknowledged.
            var none = target.Store.Retirements() > 0
                ? "no application instance reports to this database now (every one that reported was retired), so nobody has acknowledged the contract. "
                : "no application instance has ever sent a heartbeat to this database, so nobody has acknowledged the contract. ";
            return new GateCheck(Gates.FleetAcknowledged, false, none +
                "Make each application send heartbeats (README, \"The client protocol\"; Send-MigrationHeartbeat from PowerShell), " +
                "or, if no application reads this database, declare it: Register-MigrationClient -None -Reason \"why\" (journaled)");
        }
        var blocking = new List<string>();
        var counted = new List<string>();
        foreach (var app in clients.GroupBy(c => c.Application, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase))
        {
            var live = app.Where(c => c.Alive).ToList();
            var gone = app.Where(c => !c.Alive).ToList();
            var liveStragglers = live.Where(c => !c.HasAcknowledged(m.Id)).ToList();
            var goneStragglers = gone.Where(c => !c.HasAcknowledged(m.Id)).ToList();
            if (liveStragglers.Count > 0)
                blocking.Add($"{liveStragglers.Count} live instance(s) of {app.Key} have not acknowledged {m.Id}: " +
                             string.Join(", ", liveStragglers.Select(c => $"{c.Application}/{c.InstanceId} on {c.HostName ?? "?"} (writes {c.ObjectVersion ?? "no version"}, last seen {c.LastSeen:u})")));
            else if (live.Count > 0)
                counted.Add($"{app.Key}: all {live.Count} live instance(s) acknowledged{(gone.Count == 0 ? "" : $"; {gone.Count} gone instance(s) not counted ({Names(gone)}), as the application's live instances acknowledged")}");
            else if (goneStragglers.Count > 0)
                blocking.Add($"every instance of {app.Key} went silent and {goneStragglers.Count} never acknowledged {m.Id} ({Names(goneStragglers)}); " +
                             $"it may come back running old code. Start it with code that acknowledges, or retire it: Remove-MigrationClient -Application '{app.Key}'");
            else
                counted.Add($"{app.Key}: no live instance; its {gone.Count} gone instance(s) all acknowledged");
        }
        var countedText = counted.Count == 0 ? "" : $"; counted: {string.Join("; ", counted)}";
        if (blocking.Count > 0)
            return new GateCheck(Gates.FleetAcknowledged, false,
                $"{string.Join("; ", blocking)}{countedText}. Deploy code that no longer needs the old shape, or retire an instance or application that is gone for good with Remove-MigrationClient");
        return new GateCheck(Gates.FleetAcknowledged, true, $"every application acknowledged {m.Id}{countedText}");
    }

    private static string Names(IEnumerable<MigrationClient> clients) =>
        string.Join(", ", clients.Select(c => $"{c.Application}/{c.InstanceId}, last seen {c.LastSeen:u}, time-to-live {Format(c.TimeToLive)}"));

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
        foreach (var op in context.Migration.Operations) ignore.UnionWith(op.MovesIndexes(context));
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
