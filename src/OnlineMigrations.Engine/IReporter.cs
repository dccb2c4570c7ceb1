namespace OnlineMigrations.Engine;

/// <summary>
/// How the engine reports while it works. The cmdlets implement it with Write-Verbose,
/// Write-Warning and Write-Progress; tests implement it with lists. The engine never holds a cmdlet.
/// </summary>
public interface IReporter
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(ProgressReport report);
    /// <summary>True once the user pressed Ctrl+C: stop after the current batch or step.</summary>
    bool Stopping { get; }
}

/// <summary>A progress update for a long piece of work.</summary>
public sealed record ProgressReport(string Activity, string Status, int PercentComplete, TimeSpan? Remaining = null, bool Completed = false);

/// <summary>A reporter that drops everything (for callers that do not listen).</summary>
public sealed class SilentReporter : IReporter
{
    public static readonly SilentReporter Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(ProgressReport report) { }
    public bool Stopping => false;
}
