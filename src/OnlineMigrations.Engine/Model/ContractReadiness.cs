namespace OnlineMigrations.Engine.Model;

/// <summary>One contract gate's verdict, with a detail a person can act on.</summary>
public sealed record GateCheck(string Name, bool Passed, string Detail)
{
    public string Result => Passed ? "Pass" : "Fail";
}

/// <summary>Whether a migration's contract may run, gate by gate. ExitCode: 0 ready, 1 error,
/// 2 expand pending, 3 data migration pending, 4 waiting on a gate.</summary>
public sealed class ContractReadiness : IOnDatabase
{
    public string? Server { get; set; }
    public string? Database { get; set; }
    public required string Id { get; init; }
    public Phase Phase { get; init; }
    public bool Ready { get; init; }
    private readonly GateCheckList _checks = new([], false);
    public required IReadOnlyList<GateCheck> Checks { get => _checks; init => _checks = new GateCheckList(value, false); }
    public int ExitCode { get; init; }
    /// <summary>The gates that failed; as text (Export-Csv), their names.</summary>
    public GateCheckList Failed => new(Checks.Where(c => !c.Passed), true);

    public const int ExitReady = 0, ExitError = 1, ExitExpandPending = 2, ExitDataPending = 3, ExitWaiting = 4;

    public override string ToString() => $"{Id}: {(Ready ? "ready" : "not ready: " + string.Join(", ", Failed.Select(f => f.Name)))}";
}

/// <summary>
/// Gate checks that read as a flat summary where an object becomes text (Export-Csv, a string):
/// "ExpandComplete=Pass; DataMigrated=Fail; ..." or, for the failed ones, "DataMigrated; FleetAcknowledged".
/// </summary>
public sealed class GateCheckList(IEnumerable<GateCheck> checks, bool namesOnly) : System.Collections.ObjectModel.ReadOnlyCollection<GateCheck>(checks.ToList())
{
    public override string ToString() =>
        string.Join("; ", this.Select(c => namesOnly ? c.Name : $"{c.Name}={c.Result}"));
}

/// <summary>The names of the gates, in the order they are evaluated.</summary>
public static class Gates
{
    public const string ExpandComplete = nameof(ExpandComplete);
    public const string DataMigrated = nameof(DataMigrated);
    public const string ObjectVersion = nameof(ObjectVersion);
    public const string DeprecationWindow = nameof(DeprecationWindow);
    public const string ContractRequested = nameof(ContractRequested);
    public const string FleetAcknowledged = nameof(FleetAcknowledged);
    public const string NoDependents = nameof(NoDependents);
    public const string EarlierMigrationsContracted = nameof(EarlierMigrationsContracted);
}
