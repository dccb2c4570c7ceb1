using System.Diagnostics;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Model;
using OnlineMigrations.Engine.Operations;

namespace OnlineMigrations.Engine.Phases;

/// <summary>
/// Runs the steps of one phase of one migration: each in its own short transaction together with
/// its checkpoint and journal line, skipping steps already done, retrying lock timeouts and
/// deadlocks with jittered exponential backoff.
/// </summary>
public sealed class StepRunner(TargetDatabase target)
{
    /// <summary>Runs <paramref name="steps"/>; returns notes on steps that were skipped (offline steps without -AllowOffline).</summary>
    public List<string> Run(string migrationId, Phase phase, IReadOnlyList<Step> steps, bool allowOffline, string activity)
    {
        var notes = new List<string>();
        var done = target.Store.StepsDone(migrationId, phase);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            target.Reporter.Progress(new ProgressReport(activity, step.Name, steps.Count == 0 ? 100 : i * 100 / steps.Count));
            if (target.Store.IsStepDone(done, step.Name)) { target.Reporter.Verbose($"{migrationId}: {step.Name} — already done, skipped."); continue; }
            if (step.OfflineReason is not null && !allowOffline)
            {
                var note = $"{step.Name} was not run: {step.OfflineReason}. Run again with -AllowOffline in a maintenance window to do it.";
                notes.Add(note);
                target.Reporter.Warning($"{migrationId}: {note}");
                target.Journal(migrationId, phase, step.Name, string.Join("\n", step.Statements), DateTime.UtcNow, Outcomes.Skipped, step.OfflineReason);
                continue;
            }
            if (target.Reporter.Stopping) throw new OperationCanceledException($"Stopped before {step.Name}; run the command again to resume.");
            target.Lock?.EnsureHeld();
            RunOne(migrationId, phase, step);
        }
        target.Reporter.Progress(new ProgressReport(activity, "done", 100, Completed: true));
        return notes;
    }

    private void RunOne(string migrationId, Phase phase, Step step)
    {
        var session = target.Session;
        var text = string.Join("\n", step.Statements);
        for (var attempt = 0; ; attempt++)
        {
            var started = DateTime.UtcNow;
            var watch = Stopwatch.StartNew();
            try
            {
                target.Reporter.Verbose($"{migrationId}: {step.Name}");
                using var lockWait = step.IsDdl ? session.LimitLockWait(target.Options.LockTimeout) : null;
                // Session settings first: the lock timeout must bound BEGIN itself where BEGIN takes the lock (SQLite).
                if (step.IsDdl) foreach (var p in target.Dialect.DdlPreamble(target.Options.LockTimeout)) session.Execute(p);
                if (step.Transactional)
                {
                    session.Begin();
                    Execute(step);
                    Finish(migrationId, phase, step, text, started);
                    session.Commit();
                }
                else
                {
                    var already = step.DoneProbe is not null && session.Scalar<long>(step.DoneProbe) > 0;
                    if (!already) Execute(step);
                    session.InTransaction(() => Finish(migrationId, phase, step, text, started));
                }
                target.Reporter.Verbose($"{migrationId}: {step.Name} — done in {watch.ElapsedMilliseconds} ms.");
                return;
            }
            catch (Exception e) when (target.Dialect.IsRetryable(e) && attempt < target.Options.MaxRetries)
            {
                session.Rollback();
                var wait = Backoff(attempt);
                target.Journal(migrationId, phase, step.Name, text, started, Outcomes.Retried, e.Message);
                target.Reporter.Verbose($"{migrationId}: {step.Name} — {Short(e)}; retry {attempt + 1} of {target.Options.MaxRetries} in {wait.TotalMilliseconds:0} ms.");
                Thread.Sleep(wait);
            }
            catch (Exception e) when (StorageErrors.Translate(e, target.Options, migrationId) is { } storage)
            {
                // Read-only or full: the journal and LastError may not be writable either; try, then say what happened.
                session.Rollback();
                target.Journal(migrationId, phase, step.Name, text, started, Outcomes.Failed, e.Message);
                TrySetLastError(migrationId, $"{phase}, step \"{step.Name}\": {storage.Message}");
                throw storage;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                session.Rollback();
                // A lost connection is reopened so that the failure still reaches the journal and LastError.
                if (session.Connection.State != System.Data.ConnectionState.Open)
                {
                    try { session.Reconnect(); }
                    catch (System.Data.Common.DbException) { /* the journal write reports it */ }
                }
                target.Journal(migrationId, phase, step.Name, text, started, Outcomes.Failed, e.Message);
                var retried = attempt > 0 ? $" after {attempt} retries" : "";
                var message = $"Migration '{migrationId}', {phase}, step \"{step.Name}\" failed{retried}: {Short(e)}";
                TrySetLastError(migrationId, message);
                throw new MigrationException(ErrorIds.StepFailed, message,
                    target.Dialect.IsRetryable(e)
                        ? "The table was busy (lock timeout or deadlock). The step was rolled back; run the command again when the load is lower, or raise -LockTimeout or -MaxRetries."
                        : "The step was rolled back. Fix the cause, then run the same command again: it resumes from this step.", e) { MigrationId = migrationId, Recorded = true };
            }
        }
    }

    private void Execute(Step step)
    {
        foreach (var statement in step.Statements) target.Session.Execute(statement);
    }

    private void Finish(string migrationId, Phase phase, Step step, string text, DateTime started)
    {
        target.Store.MarkStepDone(migrationId, phase, step.Name);
        target.Store.WriteJournal(migrationId, phase.ToString(), step.Name, text, started, DateTime.UtcNow - started, Outcomes.Succeeded, null, target.Login);
    }

    private void TrySetLastError(string id, string message)
    {
        try { target.Store.SetLastError(id, message); }
        catch (System.Data.Common.DbException) { /* the error is thrown to the user anyway */ }
    }

    /// <summary>200 ms, 400 ms, 800 ms, ... capped at 10 s, each with up to 50% random jitter.</summary>
    public static TimeSpan Backoff(int attempt)
    {
        var baseMs = Math.Min(10_000, 200 * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(baseMs * (1 + Random.Shared.NextDouble() * 0.5));
    }

    /// <summary>A step failure this runner already journaled (with LastError set): the phase need not record it again.</summary>
    internal static bool Recorded(Exception e) => e is MigrationException { Recorded: true };

    internal static string Short(Exception e) => e.Message.Split('\n')[0].Trim();
}
