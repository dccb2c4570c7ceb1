using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Runtime.ExceptionServices;

namespace OnlineMigrations.Commands;

/// <summary>
/// One call over a fleet: its clock, how its targets fared, and with -ThrottleLimit above 1 the targets
/// running at once. Each target runs on a worker thread, on its own copy of the cmdlet (its parameters as
/// bound for the record it came from). PowerShell lets a cmdlet write (objects, errors, progress, prompts)
/// only from the thread of the pipeline: a worker posts each such call here and waits, and the pipeline
/// thread runs the calls while it waits for workers (<see cref="Pump"/>). The same target never runs twice
/// at once: a second record for it waits for the first.
/// </summary>
internal sealed class FleetRun
{
    /// <summary>The parent bar of a fleet; each target's own bar is a child of it.</summary>
    public const int ActivityId = 4241;

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>
    /// Targets seen; finished without an error; failed as a whole (could not connect, runner busy, ...);
    /// finished with an error for some item (a migration refused); passed over because the call's -MaxDuration was reached.
    /// </summary>
    public int Total { get; set; }
    public int Done { get; set; }
    public int Failed { get; set; }
    public int Erred { get; set; }
    public int NotStarted { get; set; }

    /// <summary>Set when the whole command must end (an error with -ErrorAction Stop): the running targets stop after their current batch or step.</summary>
    public volatile bool Aborting;

    private Thread? _pipeline;
    private readonly BlockingCollection<Action> _posted = new();
    // Calls a worker waits for, failed at once when the pipeline stops (PowerShell may never pump again).
    private readonly List<Action<Exception>> _awaited = [];
    private readonly object _gate = new();
    private bool _stopped;
    private readonly List<Job> _waiting = [];
    private readonly Dictionary<string, Job> _running = new(StringComparer.Ordinal);
    private readonly bool[] _slots = new bool[64];
    private ExceptionDispatchInfo? _flow;

    public int Running => _running.Count;

    private sealed record Job(string Key, Action<int> Start);

    /// <summary>Marks the calling thread as the pipeline's: calls posted from other threads run on it.</summary>
    public void Begin()
    {
        _pipeline ??= Thread.CurrentThread;
        Clock.Restart();
    }

    public bool OnPipeline => _pipeline is null || _pipeline == Thread.CurrentThread;

    /// <summary>Runs <paramref name="call"/> on the pipeline thread and returns its result (or rethrows what it threw) to the calling worker.</summary>
    public T Post<T>(Func<T> call)
    {
        if (OnPipeline) return call();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<Exception> fail = e => done.TrySetException(e);
        lock (_gate)
        {
            if (_stopped) throw new PipelineStoppedException();
            _awaited.Add(fail);
            _posted.Add(() =>
            {
                lock (_gate) _awaited.Remove(fail);
                try { done.TrySetResult(call()); }
                catch (Exception e)
                {
                    done.TrySetException(e);
                    throw;
                }
            });
        }
        try { return done.Task.GetAwaiter().GetResult(); }
        catch (AggregateException e) when (e.InnerException is { } inner) { ExceptionDispatchInfo.Capture(inner).Throw(); throw; }
    }

    /// <summary>
    /// Queues a write (an object, a warning, a verbose line, progress) for the pipeline thread without waiting
    /// for it, so a worker never stalls while the pipeline is busy elsewhere (between records, at another
    /// target's -Confirm prompt). Writes keep their order with the calls that wait.
    /// </summary>
    public void Send(Action write)
    {
        if (OnPipeline) { write(); return; }
        lock (_gate)
        {
            if (_stopped) throw new PipelineStoppedException();
            _posted.Add(write);
        }
    }

    /// <summary>
    /// Ctrl+C (StopProcessing, on another thread): no call is served any more, so every waiting worker gets
    /// PipelineStoppedException at once, ends its current batch or step, releases its connection and runner
    /// lock, and returns, whether or not the pipeline thread pumps again.
    /// </summary>
    public void Stop()
    {
        List<Action<Exception>> waiting;
        lock (_gate)
        {
            _stopped = true;
            Aborting = true;
            waiting = [.. _awaited];
            _awaited.Clear();
        }
        foreach (var fail in waiting) fail(new PipelineStoppedException());
    }

    /// <summary>
    /// Queues the work of one target. <paramref name="start"/> runs on a worker thread with a free slot number
    /// (0 to the limit - 1), once no other work for the same <paramref name="key"/> runs; <paramref name="finish"/>
    /// runs afterwards on the pipeline thread.
    /// </summary>
    public void Enqueue(string key, Action<int> run, Action finish)
    {
        _waiting.Add(new Job(key, slot =>
        {
            try { run(slot); }
            catch (Exception e)
            {
                // Only PowerShell's own flow escapes a target's work (its other errors are the target's): it ends the whole
                // command, as it would run one at a time, once every worker is back.
                _posted.Add(() => { _flow ??= ExceptionDispatchInfo.Capture(e); Aborting = true; });
            }
            finally { _posted.Add(() => { Release(key, slot); finish(); }); }
        }));
    }

    private void Release(string key, int slot)
    {
        _running.Remove(key);
        _slots[slot] = false;
    }

    /// <summary>
    /// On the pipeline thread: starts waiting work while fewer than <paramref name="limit"/> run, and runs the
    /// calls workers post, until <paramref name="enough"/> holds. Ctrl+C (<paramref name="stopping"/>) or an
    /// abort starts nothing more; the running targets finish their batch or step and come back.
    /// </summary>
    public void Pump(int limit, Func<bool> stopping, Func<FleetRun, bool> enough)
    {
        while (true)
        {
            if (!stopping() && !Aborting) StartWaiting(limit);
            else _waiting.Clear();
            // After an abort or Ctrl+C, every running target is waited for before the command ends.
            if (!Aborting && !stopping() && enough(this) || _running.Count == 0 && _waiting.Count == 0) break;
            if (_posted.TryTake(out var call, 100)) Run(call);
        }
        while (_posted.TryTake(out var call)) Run(call);
        if (_running.Count == 0 && _flow is { } flow) { _flow = null; flow.Throw(); }
    }

    // A call of a worker, on the pipeline thread. PowerShell's own flow (-ErrorAction Stop, a stopped pipeline)
    // ends the whole command, once every worker is back.
    private void Run(Action call)
    {
        try { call(); }
        catch (Exception e) when (e is RuntimeException or HaltCommandException)
        {
            _flow ??= ExceptionDispatchInfo.Capture(e);
            Aborting = true;
        }
    }

    private void StartWaiting(int limit)
    {
        for (var i = 0; i < _waiting.Count && _running.Count < limit;)
        {
            var job = _waiting[i];
            if (_running.ContainsKey(job.Key)) { i++; continue; }
            _waiting.RemoveAt(i);
            var slot = Array.IndexOf(_slots, false);
            _slots[slot] = true;
            _running[job.Key] = job;
            new Thread(() => job.Start(slot)) { IsBackground = true, Name = $"OnlineMigrations target {slot}" }.Start();
        }
    }

    public int Waiting => _waiting.Count;

    /// <summary>The fleet's bar: targets done, running and failed.</summary>
    public ProgressRecord Progress(string command, bool completed)
    {
        var finished = Done + Failed + Erred + NotStarted;
        var status = $"{Done} done, {Running} running, {Failed + Erred} failed, {Waiting} waiting" + (NotStarted > 0 ? $", {NotStarted} not started (-MaxDuration)" : "");
        return new ProgressRecord(ActivityId, $"{command}: {Total} database{(Total == 1 ? "" : "s")}", status)
        {
            PercentComplete = Total == 0 ? 0 : Math.Clamp(100 * finished / Total, 0, 100),
            RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }
}
